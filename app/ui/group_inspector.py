"""The inspector of a closed group: its title, the parameters shown on it, and the choice of which.

A shown parameter is the inside node's own: its editor pushes the same SetParam the node's inspector
would, so undo, the cache and the render see no difference. "Choose parameters" lists every node
inside with its parameters as check marks (Nuke's "manage user knobs", in one menu).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton, QToolButton,
                               QVBoxLayout, QWidget)

from engine import events as ev
from engine.group_commands import EditGroup, set_collapsed, set_exposed

from .captions import shrinkable
from .param_widgets import ParamEditor, make_editor


def group_title(graph, node_ids: list[str]) -> str:
    """A new group's name: after the node that ends it (what the group gives out), else "Group"."""
    chosen = set(node_ids)
    ends = [n for n in graph.topological_order(chosen)
            if not any(l.src_node == n and l.dst_node in chosen for l in graph.links.values())]
    return f"{graph.short_name(ends[-1])} group" if len(ends) == 1 else "Group"


def group_output(document, group_id: str) -> str | None:
    """The node whose picture or sound a selected group previews: the one feeding out of it (else its last)."""
    graph, group = document.graph, document.model.groups.get(group_id)
    if group is None:
        return None
    members = set(group.nodes)
    feeding_out = [l.src_node for l in graph.links.values() if l.src_node in members and l.dst_node not in members]
    if feeding_out:
        return feeding_out[0]
    order = graph.topological_order(members)
    return order[-1] if order else None


class GroupPage(QWidget):
    """What the inspector shows for one closed group; kept current by `on_event`."""

    def __init__(self, document, actions, group_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.actions, self.group_id = document, actions, group_id
        self.editors: dict[tuple[str, str], ParamEditor] = {}
        graph, group = document.graph, document.model.groups[group_id]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLineEdit(group.title)
        self.title.setObjectName("sectionTitle")
        self.title.setToolTip("The group's name on the canvas")
        self.title.editingFinished.connect(self._rename)
        layout.addWidget(self.title)
        members = ", ".join(graph.short_name(n) for n in group.nodes)
        about = shrinkable(QLabel(f"Group of {len(group.nodes)} nodes: {members}"))
        about.setObjectName("hint")
        about.setWordWrap(True)
        layout.addWidget(about)
        buttons = QHBoxLayout()
        open_button = QPushButton("Open group")
        open_button.setToolTip("Show the nodes inside on the canvas (double-click the box does the same)")
        open_button.clicked.connect(lambda: self.actions.push(set_collapsed(document.model, group_id, False)))
        ungroup = QPushButton("Ungroup")
        ungroup.setToolTip("Back to single nodes (Ctrl+Shift+G)")
        ungroup.clicked.connect(lambda: self.actions.ungroup(group_id))
        self.choose = QToolButton()
        self.choose.setText("Choose parameters ▾")
        self.choose.setToolTip("Which parameters of the nodes inside show here and on the box")
        self.choose.setPopupMode(QToolButton.InstantPopup)
        self.choose.setMenu(self._choice_menu())
        for button in (open_button, ungroup, self.choose):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)
        self._add_editors()

    def _add_editors(self) -> None:
        graph, group = self.document.graph, self.document.model.groups[self.group_id]
        if not group.exposed:
            hint = QLabel("No parameters are shown on this group yet: pick them with Choose parameters.")
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            self.form.addRow(hint)
        for node_id, name in group.exposed:
            schema = graph.schema_of(node_id)
            param = schema.param(name) if schema is not None else None
            if param is None:  # a node whose type is not installed: its values are kept, not edited
                continue
            editor = make_editor(param, graph.nodes[node_id].params.get(name, param.default))
            editor.edited.connect(lambda value, key, n=node_id, p=name: self._edited(n, p, value, key))
            label = QLabel(f"{graph.short_name(node_id)}: {param.display_name}")
            label.setToolTip(f"{graph.display_name(node_id)}\n{param.help}")
            label.setWordWrap(True)
            self.form.addRow(label, editor)
            self.editors[(node_id, name)] = editor

    def _choice_menu(self) -> QMenu:
        graph, model = self.document.graph, self.document.model
        group = model.groups[self.group_id]
        menu = QMenu(self)
        for node_id in group.nodes:
            schema = graph.schema_of(node_id)
            if schema is None or not schema.params:
                continue
            sub = menu.addMenu(graph.short_name(node_id))
            for param in schema.params:
                action = sub.addAction(param.display_name)
                action.setCheckable(True)
                action.setChecked((node_id, param.name) in group.exposed)
                action.toggled.connect(lambda on, n=node_id, p=param.name:
                                       self.actions.push(set_exposed(model, self.group_id, n, p, on)))
        return menu

    def _rename(self) -> None:
        title = self.title.text().strip()
        group = self.document.model.groups.get(self.group_id)
        if group is not None and title and title != group.title:
            self.actions.push(EditGroup(self.group_id, f"Rename group {group.title!r} to {title!r}", title=title))

    def _edited(self, node_id: str, name: str, value, merge_key) -> None:
        if not self.actions.set_param(node_id, name, value, merge_key):
            self.editors[(node_id, name)].set_value(self.document.graph.nodes[node_id].params[name])

    def on_event(self, event) -> bool:
        """Follow an edit; False when the page must be built again (the group itself changed)."""
        if isinstance(event, ev.ParamChanged) and (event.node_id, event.name) in self.editors:
            self.editors[(event.node_id, event.name)].set_value(event.value)
        elif isinstance(event, (ev.GroupChanged, ev.GroupRemoved)) and event.group_id == self.group_id:
            return False
        elif isinstance(event, (ev.NodeRenamed, ev.NodeRemoved)) and any(event.node_id == n for n, _ in self.editors):
            return False
        return True
