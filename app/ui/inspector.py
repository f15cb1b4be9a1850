"""The inspector: the selected node's parameters as editors, each edit a SetParam through EditActions.

The editors are built once per selection and only updated afterwards (on ParamChanged, undo,
redo), so a widget being typed into keeps its focus and cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QFormLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget, QHBoxLayout)

from engine import events as ev
from engine.models import ModelLocator

from . import seed_locks
from .captions import shrinkable
from .link_order import LinkOrderEditor
from .param_widgets import ParamEditor, SeedEditor, make_editor


class Inspector(QScrollArea):
    def __init__(self, document, actions, parent: QWidget | None = None,
                 models: Callable[[], ModelLocator] | None = None):
        super().__init__(parent)
        self.document, self.actions = document, actions
        # Where voices (offered for a voice parameter) are found now: it follows the Preferences.
        self.models = models or ModelLocator
        self.node_id: str | None = None
        self.group_page = None  # app.ui.group_inspector.GroupPage while a closed group is inspected
        self.editors: dict[str, ParamEditor] = {}
        self.link_orders: dict[str, LinkOrderEditor] = {}  # multi-link input -> its order editor
        self._moved_link: str | None = None
        self._graph = None
        self.setWidgetResizable(True)
        self.setMinimumWidth(280)
        document.replaced.connect(self._attach)
        self._attach()

    def _attach(self) -> None:
        if self._graph is not None:
            self._graph.events.disconnect(self._on_graph)
        self._graph = self.document.graph
        self._graph.events.connect(self._on_graph)
        self.show_nodes([])

    def show_group(self, group_id: str) -> None:
        """Inspect a closed group: its title and the parameters shown on it (app.ui.group_inspector)."""
        from .group_inspector import GroupPage

        self.node_id, self.editors, self.link_orders = None, {}, {}
        if group_id not in self.document.model.groups:
            self.show_nodes([])
            return
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        self.group_page = GroupPage(self.document, self.actions, group_id)
        layout.addWidget(self.group_page)
        layout.addStretch(1)
        self.setWidget(page)

    def show_nodes(self, node_ids: list[str]) -> None:
        """Inspect the one selected node; several or none show a hint instead."""
        self.group_page = None
        self.node_id = node_ids[0] if len(node_ids) == 1 else None
        self.editors, self.link_orders = {}, {}
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        if self.node_id is None:
            hint = QLabel("Select a node to edit its parameters." if not node_ids
                          else f"{len(node_ids)} nodes selected.")
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        else:
            self._build(layout)
        layout.addStretch(1)
        self.setWidget(page)

    def _build(self, layout: QVBoxLayout) -> None:
        graph, node_id = self.document.graph, self.node_id
        node, schema = graph.nodes[node_id], graph.schema_of(node_id)
        title = shrinkable(QLabel(graph.display_name(node_id)))
        title.setObjectName("sectionTitle")
        title.setWordWrap(True)
        title.setToolTip(title.text())
        layout.addWidget(title)
        about = QLabel(f"{node.type_id}" + (f"\n{schema.help}" if schema and schema.help else ""))
        about.setObjectName("hint")
        about.setWordWrap(True)
        shrinkable(about)
        layout.addWidget(about)
        if schema is None:
            missing = QLabel(f"This node cannot run: {graph.unavailable_reason(node_id)}. Its parameters are kept "
                             "as saved but cannot be edited.")
            missing.setWordWrap(True)
            layout.addWidget(missing)
            return
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        overridden = schema.overridden_by(l.dst_port for l in graph.links_into(node_id))
        node_type = graph.registry.get(node.type_id)()
        for param in schema.params:
            try:  # a node type's list is a convenience: one that fails leaves a plain text box
                suggestions = node_type.suggestions(param.name, self.models()) if param.kind == "string" else []
            except Exception:
                suggestions = []
            try:
                unavailable = node_type.unavailable_choices(param.name, self.models()) if param.kind == "enum" else {}
            except Exception:  # as above: a failing check leaves every choice looking available
                unavailable = {}
            editor = make_editor(param, node.params.get(param.name, param.default), suggestions, unavailable)
            editor.edited.connect(lambda value, key, name=param.name: self._edited(name, value, key))
            if isinstance(editor, SeedEditor):
                editor.set_locked(self.document.model.is_locked(node_id, param.name))
                editor.lock_toggled.connect(
                    lambda locked, name=param.name: seed_locks.set_locked(self.document, node_id, name, locked))
            if param.name in overridden:  # the schema says a linked input replaces this parameter
                editor.setEnabled(False)
                editor.setToolTip(f"From the linked input {overridden[param.name]!r}.\n{param.help}")
            reset = QToolButton()
            reset.setText("↺")
            default = param.choice_label(param.default) if param.kind == "enum" else param.default
            reset.setToolTip(f"Reset to the default ({default!r})")
            reset.clicked.connect(lambda _=False, p=param: self.reset(p.name))
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(editor, 1)
            row_layout.addWidget(reset)
            label = QLabel(param.display_name)
            label.setToolTip(param.help)
            form.addRow(label, row)
            self.editors[param.name] = editor
        layout.addLayout(form)
        self._add_link_orders(layout, schema)

    def _add_link_orders(self, layout: QVBoxLayout, schema) -> None:
        """For each input that takes several links (a Sequence's shots): their order, to move them up and down."""
        graph, node_id = self.document.graph, self.node_id
        self.link_orders = {}
        for port in schema.inputs:
            links = graph.links_into(node_id, port.name)
            if not port.multiple or len(links) < 2:
                continue
            title = QLabel(f"{port.name.replace('_', ' ').capitalize()}, in order")
            title.setObjectName("sectionTitle")
            title.setToolTip(port.help)
            layout.addWidget(title)
            order = LinkOrderEditor([(l.id, f"{graph.display_name(l.src_node)}.{l.src_port}") for l in links])
            order.reordered.connect(lambda ids, name=port.name: self._reorder(name, ids))
            if self._moved_link in order.link_ids:  # the link just moved stays selected, to move it again
                order.list.setCurrentRow(order.link_ids.index(self._moved_link))
            layout.addWidget(order)
            self.link_orders[port.name] = order

    def _reorder(self, port: str, link_ids: list[str]) -> None:
        order = self.link_orders[port]
        row = order.list.currentRow()
        self._moved_link = order.link_ids[row] if row >= 0 else None
        self.actions.reorder_inputs(self.node_id, port, link_ids)

    def _edited(self, name: str, value, merge_key) -> None:
        if self.node_id is not None:
            if not self.actions.set_param(self.node_id, name, value, merge_key):
                self._on_graph(ev.ParamChanged(self.node_id, name, self.document.graph.nodes[self.node_id].params[name]))

    def reset(self, name: str) -> None:
        if self.node_id is not None:
            param = self.document.graph.schema_of(self.node_id).param(name)
            self.actions.set_param(self.node_id, name, param.coerce(param.default))

    def _on_graph(self, event) -> None:
        page = self.group_page
        if page is not None and not page.on_event(event):
            # Rebuilt once the click or menu that asked for it has returned: it is part of the page replaced.
            group_id = page.group_id
            QTimer.singleShot(0, lambda: self.group_page is page and self.show_group(group_id))
            return
        if self.node_id is None:
            return
        if isinstance(event, ev.ParamChanged) and event.node_id == self.node_id and event.name in self.editors:
            self.editors[event.name].set_value(event.value)  # an undo, a redo, or a refused value put back
        elif isinstance(event, ev.SeedLockChanged) and event.node_id == self.node_id:
            editor = self.editors.get(event.param)
            if isinstance(editor, SeedEditor):
                editor.set_locked(event.locked)  # locked here, or the lock's change undone
        elif isinstance(event, ev.NodeRemoved) and event.node_id == self.node_id:
            self.show_nodes([])
        elif isinstance(event, ev.LinksReordered) and event.node_id == self.node_id:
            # Rebuilt once the click that asked for it has returned: its list is part of the page replaced.
            QTimer.singleShot(0, lambda shown=self.node_id: self.node_id == shown and self.show_nodes([shown]))
        elif isinstance(event, (ev.LinkAdded, ev.LinkRemoved, ev.NodeRenamed)):
            self.show_nodes([self.node_id])  # which params are overridden by links may have changed
