"""The node palette: installed node types by category, with a search box.

Double-click (or Enter) adds the type in the middle of the canvas; dragging it onto the
canvas adds it at the drop point. Either way the window turns it into an AddNode command.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from engine.registry import Registry

from .theme import category_color

NODE_MIME = "application/x-aiprod-node-type"
TYPE_ROLE = Qt.UserRole + 1


class _TypeTree(QTreeWidget):
    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        type_id = items[0].data(0, TYPE_ROLE) if items else None
        if type_id:
            data.setData(NODE_MIME, type_id.encode())
            data.setText(type_id)
        return data

    def mimeTypes(self) -> list[str]:
        return [NODE_MIME]


class Palette(QWidget):
    activated = Signal(str)  # a node type id the user chose to add

    def __init__(self, registry: Registry, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search nodes…")
        self.search.setClearButtonEnabled(True)
        self.tree = _TypeTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setRootIsDecorated(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._fill(registry)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_match)
        self.tree.itemActivated.connect(self._on_activated)

    def _fill(self, registry: Registry) -> None:
        for category, types in registry.categories().items():
            parent = QTreeWidgetItem([category])
            parent.setFlags(Qt.ItemIsEnabled)
            parent.setForeground(0, QBrush(category_color(category).lighter(150)))
            self.tree.addTopLevelItem(parent)
            for node_type in types:
                schema = node_type.schema
                item = QTreeWidgetItem([schema.title])
                item.setData(0, TYPE_ROLE, schema.type_id)
                item.setToolTip(0, f"{schema.title} ({schema.type_id})\n{schema.help}")
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                parent.addChild(item)
        self.tree.expandAll()

    def type_items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i).child(j) for i in range(self.tree.topLevelItemCount())
                for j in range(self.tree.topLevelItem(i).childCount())]

    def item_for(self, type_id: str) -> QTreeWidgetItem | None:
        return next((i for i in self.type_items() if i.data(0, TYPE_ROLE) == type_id), None)

    def filter(self, text: str) -> None:
        """Show the types whose title, id, category or help mention every word typed."""
        words = text.lower().split()
        for index in range(self.tree.topLevelItemCount()):
            category = self.tree.topLevelItem(index)
            visible = 0
            for j in range(category.childCount()):
                item = category.child(j)
                haystack = f"{item.text(0)} {item.data(0, TYPE_ROLE)} {category.text(0)} {item.toolTip(0)}".lower()
                shown = all(w in haystack for w in words)
                item.setHidden(not shown)
                visible += shown
            category.setHidden(visible == 0)

    def visible_type_ids(self) -> list[str]:
        return [i.data(0, TYPE_ROLE) for i in self.type_items() if not i.isHidden() and not i.parent().isHidden()]

    def _add_first_match(self) -> None:
        visible = self.visible_type_ids()
        if visible:
            self.activated.emit(visible[0])

    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.activated.emit(type_id)
