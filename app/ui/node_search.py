"""The Tab search popup: type to filter node types, Enter places the chosen one at the cursor.

It is a frameless popup over the canvas with a search line and a list of matching types; the
arrow keys move through the list while the line keeps the focus, so typing never stops. The
node itself is added by the canvas view (an AddNode through EditActions), not by the popup.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from engine.registry import Registry

TYPE_ROLE = Qt.UserRole + 1
MAX_VISIBLE_ROWS = 14


def matches(words: list[str], haystack: str) -> bool:
    return all(w in haystack for w in words)


class NodeSearchPopup(QFrame):
    chosen = Signal(str)  # the type id picked with Enter, a click or a double-click

    def __init__(self, registry: Registry, parent: QWidget | None = None):
        super().__init__(parent, Qt.Popup | Qt.FramelessWindowHint)
        self.setFrameShape(QFrame.StyledPanel)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Add node…")
        self.list = QListWidget()
        self.list.setFocusPolicy(Qt.NoFocus)  # the search line keeps the keyboard
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        for node_type in registry.types():
            schema = node_type.schema
            item = QListWidgetItem(f"{schema.title}   ·  {schema.category}")
            item.setData(TYPE_ROLE, schema.type_id)
            item.setToolTip(f"{schema.type_id}\n{schema.help}")
            # Title first so a word in the title ranks a type above one that only mentions it in help.
            item.setData(Qt.UserRole + 2, f"{schema.title} {schema.type_id} {schema.category} {schema.help}".lower())
            self.list.addItem(item)
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.list.itemClicked.connect(lambda item: self._choose(item))
        self.resize(320, 22 * MAX_VISIBLE_ROWS)

    # ---- filtering ------------------------------------------------------------------------

    def filter(self, text: str) -> None:
        words = text.lower().split()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            shown = matches(words, item.data(Qt.UserRole + 2))
            item.setHidden(not shown)
            if shown and first is None:
                first = item
        self.list.setCurrentItem(first)

    def visible_type_ids(self) -> list[str]:
        return [self.list.item(r).data(TYPE_ROLE) for r in range(self.list.count()) if not self.list.item(r).isHidden()]

    def current_type_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(TYPE_ROLE) if item is not None and not item.isHidden() else None

    # ---- keys -----------------------------------------------------------------------------

    def _step(self, delta: int) -> None:
        rows = [r for r in range(self.list.count()) if not self.list.item(r).isHidden()]
        if not rows:
            return
        current = self.list.currentRow()
        index = rows.index(current) if current in rows else -1
        self.list.setCurrentRow(rows[max(0, min(len(rows) - 1, index + delta))])

    def eventFilter(self, watched, event) -> bool:
        if watched is self.search and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Down, Qt.Key_Up, Qt.Key_Tab, Qt.Key_Backtab):
                self._step(-1 if key in (Qt.Key_Up, Qt.Key_Backtab) else 1)
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                self._choose(self.list.currentItem())
                return True
            if key == Qt.Key_Escape:
                self.close()
                return True
        return super().eventFilter(watched, event)

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is None or item.isHidden():
            return
        self.close()
        self.chosen.emit(item.data(TYPE_ROLE))

    def open_at(self, global_pos: QPoint) -> None:
        """Show at a screen position with an empty search and the first type current."""
        self.search.clear()
        self.filter("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()
