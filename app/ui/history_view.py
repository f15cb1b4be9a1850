"""The undo history as a list: every step done (and still redoable), the current one highlighted.

Clicking an entry undoes or redoes until the project is in the state just after that step;
the first row, "Opened", is the state before any edit. The list is rebuilt from the undo
stack whenever it changes, so it never holds commands of its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from . import theme


def redo_texts(stack) -> list[str]:
    """Texts of the undone (redoable) steps, next redo first."""
    return stack.redo_history()


class HistoryView(QListWidget):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._moving = False
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.ElideRight)  # long steps are elided; the tooltip has them whole
        self.itemClicked.connect(self._clicked)
        document.changed.connect(self.refresh)
        document.replaced.connect(self.refresh)
        self.refresh()

    @property
    def current_row(self) -> int:
        """Row of the current state: 0 is the opened project, n the state after the n-th step."""
        return len(self.document.stack.history())

    def entries(self) -> list[str]:
        stack = self.document.stack
        return ["Opened"] + stack.history() + redo_texts(stack)

    def refresh(self) -> None:
        if self._moving:
            return  # one rebuild when the walk ends, not one per step
        self.blockSignals(True)
        self.clear()
        current = self.current_row
        for row, text in enumerate(self.entries()):
            item = QListWidgetItem(text)
            item.setToolTip(text)
            if row > current:  # undone: shown dimmed, still clickable to redo
                item.setForeground(QBrush(theme.TEXT_DIM))
            self.addItem(item)
        self.setCurrentRow(current)
        self.blockSignals(False)
        self.scrollToItem(self.item(current))

    def go_to(self, row: int) -> None:
        """Undo or redo until the state after step `row` (0: before any step)."""
        stack = self.document.stack
        self._moving = True
        try:
            while len(stack.history()) > row and stack.can_undo:
                stack.undo()
            while len(stack.history()) < row and stack.can_redo:
                stack.redo()
        finally:
            self._moving = False
        self.refresh()

    def _clicked(self, item: QListWidgetItem) -> None:
        self.go_to(self.row(item))
