"""The node palette: installed node types by category, with a search box.

Double-click (or Enter) adds the type in the middle of the canvas; dragging it onto the
canvas adds it at the drop point. Either way the window turns it into an AddNode command.
Presets (app.ui.presets: nodes saved together by name) are listed first; choosing one adds
its nodes again, and "Save selection as preset" keeps the canvas selection as a new one.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QAbstractItemView, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from engine.registry import Registry

from .theme import category_color

NODE_MIME = "application/x-aiprod-node-type"
TYPE_ROLE = Qt.UserRole + 1
PRESET_ROLE = Qt.UserRole + 2  # a preset item: the path of its file
PRESETS = "Presets"


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
    preset_activated = Signal(str)  # the path of a preset the user chose to add
    save_preset_requested = Signal()

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
        self.save_preset = QPushButton("Save selection as preset…")
        self.save_preset.setToolTip("Keep the nodes selected on the canvas, with their links, as a preset listed here")
        self.save_preset.clicked.connect(self.save_preset_requested)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        layout.addWidget(self.save_preset)
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

    def set_presets(self, presets) -> None:
        """List `presets` (app.ui.presets.Preset) in a category of their own, first."""
        for index in range(self.tree.topLevelItemCount()):
            if self.tree.topLevelItem(index).text(0) == PRESETS:
                self.tree.takeTopLevelItem(index)
                break
        if not presets:
            return
        parent = QTreeWidgetItem([PRESETS])
        parent.setFlags(Qt.ItemIsEnabled)
        self.tree.insertTopLevelItem(0, parent)
        for preset in presets:
            item = QTreeWidgetItem([preset.name])
            item.setData(0, PRESET_ROLE, str(preset.path))
            item.setToolTip(0, f"{preset.name}: {len(preset.nodes.get('nodes', []))} node(s) saved together")
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            parent.addChild(item)
        parent.setExpanded(True)
        self.filter(self.search.text())

    def preset_items(self) -> list[QTreeWidgetItem]:
        top = self.tree.topLevelItem(0)
        if top is None or top.text(0) != PRESETS:
            return []
        return [top.child(j) for j in range(top.childCount())]

    def type_items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i).child(j) for i in range(self.tree.topLevelItemCount())
                for j in range(self.tree.topLevelItem(i).childCount())
                if self.tree.topLevelItem(i).child(j).data(0, TYPE_ROLE)]

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
        elif item.data(0, PRESET_ROLE):
            self.preset_activated.emit(item.data(0, PRESET_ROLE))
