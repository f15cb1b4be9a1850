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
RECENT = 8  # the types chosen last, remembered for this session


def rank(words: list[str], title: str, category: str, type_id: str, help_text: str) -> int | None:
    """How well a type matches the typed words, best 0; None when some word is nowhere.

    As in Nuke's and ComfyUI's search, what the user calls a node is its title: typing "Title"
    must give Title before "Burn Subtitles", "seq" Sequence before "Import Image Sequence".
    """
    title_l = title.lower()
    everything = f"{title_l} {type_id.lower()} {category.lower()} {help_text.lower()}"
    if not all(w in everything for w in words):
        return None
    if not words:
        return 0
    query = " ".join(words)
    title_words = title_l.split()
    if title_l == query:
        return 0
    if title_l.startswith(query):
        return 1
    if all(any(t.startswith(w) for t in title_words) for w in words):
        return 2
    if all(w in title_l for w in words):
        return 3
    if all(w in f"{title_l} {category.lower()} {type_id.lower()}" for w in words):
        return 4
    return 5


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
        self.schemas = [node_type.schema for node_type in registry.types()]  # registry order breaks the last ties
        self.recent: list[str] = []  # type ids, the last chosen first
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.list.itemClicked.connect(lambda item: self._choose(item))
        self.resize(320, 22 * MAX_VISIBLE_ROWS)

    # ---- filtering ------------------------------------------------------------------------

    def ranked(self, text: str) -> list:
        """The schemas matching `text`, best first; among equals, the recently chosen first."""
        words = text.lower().split()
        scored = []
        for order, schema in enumerate(self.schemas):
            score = rank(words, schema.title, schema.category, schema.type_id, schema.help)
            if score is not None:
                recent = self.recent.index(schema.type_id) if schema.type_id in self.recent else RECENT
                scored.append(((score, recent, order), schema))
        return [schema for _, schema in sorted(scored, key=lambda pair: pair[0])]

    def filter(self, text: str) -> None:
        self.list.clear()
        for schema in self.ranked(text):
            item = QListWidgetItem(f"{schema.title}   ·  {schema.category}")
            item.setData(TYPE_ROLE, schema.type_id)
            item.setToolTip(f"{schema.type_id}\n{schema.help}")
            self.list.addItem(item)
        self.list.setCurrentRow(0 if self.list.count() else -1)

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
        type_id = item.data(TYPE_ROLE)
        self.recent = [type_id, *(t for t in self.recent if t != type_id)][:RECENT]
        self.close()
        self.chosen.emit(type_id)

    def open_at(self, global_pos: QPoint) -> None:
        """Show at a screen position with an empty search and the first type current."""
        self.search.clear()
        self.filter("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()
