"""The inspector's list of the links into a multi-link input (a Sequence's shots), to move them up and down.

Each move reports the whole new order once; the inspector turns it into one ReorderInputs, one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class LinkOrderEditor(QWidget):
    reordered = Signal(list)  # the link ids in their new order

    def __init__(self, entries: list[tuple[str, str]], parent: QWidget | None = None):
        """`entries`: (link id, what it brings, e.g. the source node's name), in the current order."""
        super().__init__(parent)
        self.link_ids = [link_id for link_id, _ in entries]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.list = QListWidget()
        for number, (link_id, text) in enumerate(entries, start=1):
            item = QListWidgetItem(f"{number}. {text}")
            item.setToolTip(f"link {link_id}")
            self.list.addItem(item)
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * min(max(len(entries), 2), 8) + 2 * self.list.frameWidth()
                                 + 4)
        self.list.currentRowChanged.connect(self._update_buttons)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._update_buttons(self.list.currentRow())

    def _update_buttons(self, row: int) -> None:
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.link_ids) - 1)

    def move(self, step: int) -> None:
        row = self.list.currentRow()
        if row < 0 or not 0 <= row + step < len(self.link_ids):
            return
        order = list(self.link_ids)
        order[row], order[row + step] = order[row + step], order[row]
        self.reordered.emit(order)
