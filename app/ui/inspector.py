"""The inspector: the selected node's parameters as editors, each edit a SetParam through EditActions.

The editors of a node type are built once (app.ui.inspector_page) and bound to the node selected;
afterwards they are only updated (on ParamChanged, undo, redo), so a widget being typed into keeps
its focus and cursor.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine import events as ev
from engine.models import ModelLocator

from . import seed_locks
from .captions import shrinkable
from .inspector_page import NodePage, PageStack, page_key
from .link_order import LinkOrderEditor
from .param_widgets import ParamEditor, SeedEditor


#: Pages kept for node types seen (app.ui.inspector_page): about 30 node types ship, and a page is
#: a few hundred kilobytes of widgets.
KEPT_PAGES = 24
PREPARE_SLICE_S = 0.004  # the most a turn of the event loop spends building pages ahead of a click


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
        self.pages: OrderedDict[Hashable, NodePage] = OrderedDict()  # by page_key, least recently shown first
        self._transient: QWidget | None = None  # a group's or an unknown node's page: built each time
        self.stack = PageStack()
        # Pages of the project's node types built ahead of their first click, a row per turn of
        # the event loop (app.ui.inspector_page.NodePage.build_step): type ids, then pages being built.
        self._to_prepare: deque = deque()
        self._preparing = QTimer(self)
        self._preparing.setInterval(0)
        self._preparing.timeout.connect(self._prepare_step)
        self.hint_page = self._hint_page("")  # no node or several: one page kept, its words changed
        self.hint = self.hint_page.findChild(QLabel)
        self.setWidgetResizable(True)
        self.setMinimumWidth(280)
        self.setWidget(self.stack)
        document.replaced.connect(self._attach)
        self._attach()

    def _attach(self) -> None:
        if self._graph is not None:
            self._graph.events.disconnect(self._on_graph)
        self._graph = self.document.graph
        self._graph.events.connect(self._on_graph)
        self.show_nodes([])
        self.prepare_pages(node.type_id for node in self._graph.nodes.values())

    def prepare_pages(self, type_ids) -> None:
        """Build the pages of these node types while the editor is idle, so that the first click on
        a node answers as fast as the next (a Scene's page is 40-70 ms of widgets on 2 cores)."""
        queued = set(item for item in self._to_prepare if isinstance(item, str))
        for type_id in dict.fromkeys(type_ids):
            if type_id not in queued and type_id in self.document.graph.registry:
                self._to_prepare.append(type_id)
        if self._to_prepare:
            self._preparing.start()

    def _prepare_step(self) -> None:
        """One slice of preparing (~1 editor, a few ms): never a stall of its own."""
        started = time.perf_counter()
        while self._to_prepare and time.perf_counter() - started < PREPARE_SLICE_S:
            item = self._to_prepare[0]
            if isinstance(item, str):
                self._to_prepare[0] = self._start_page(item)
            elif item is None or item not in self.pages.values() or not item.build_step():
                self._to_prepare.popleft()  # built, already there, or evicted meanwhile
        if not self._to_prepare:
            self._preparing.stop()

    def _start_page(self, type_id: str):
        """A page for this node type, its rows to be built by steps; None if one is kept already."""
        if len(self.pages) >= KEPT_PAGES:
            return None  # prepared pages never push out pages that were shown
        schema = self.document.graph.registry.get(type_id).schema
        suggestions, unavailable = self._choices(type_id, schema)
        key = page_key(schema, suggestions, unavailable)
        if key in self.pages:
            return None
        page = NodePage(schema, suggestions, unavailable, on_edit=self._edited, on_reset=self.reset,
                        on_lock=self._lock, prepared=True)
        self.pages[key] = page
        self.pages.move_to_end(key, last=False)  # not shown yet: first to go
        self.stack.add_page(page)  # styled in place: polished once, where it will be shown
        return page

    def show_group(self, group_id: str) -> None:
        """Inspect a closed group: its title and the parameters shown on it (app.ui.group_inspector)."""
        from .group_inspector import GroupPage

        self._leave_page()
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
        self._show_transient(page)

    def show_nodes(self, node_ids: list[str]) -> None:
        """Inspect the one selected node; several or none show a hint instead."""
        another = node_ids != [self.node_id]  # not the same node shown anew (a link added, a rename)
        if another:  # ... which keeps a field being typed into, and the place scrolled to
            self._leave_page()
        self.group_page = None
        self.node_id = node_ids[0] if len(node_ids) == 1 else None
        self.editors, self.link_orders = {}, {}
        if self.node_id is None:
            self.hint.setText("Select a node to edit its parameters." if not node_ids
                              else f"{len(node_ids)} nodes selected.")
            self._show_kept(self.hint_page)
        elif self.document.graph.schema_of(self.node_id) is None:
            self._show_transient(self._unknown_node_page())
        else:
            self._show_node_page()
        if another:
            self.verticalScrollBar().setValue(0)

    def _leave_page(self) -> None:
        """An editor of the page shown may have the keyboard focus: it loses it before the page
        shows another node, with its edit dropped, so a half-typed value never lands on the next node."""
        focused = QApplication.focusWidget()
        if focused is None or not self.stack.isAncestorOf(focused):
            return
        editors = list(self.editors.values())
        blocked = [editor.blockSignals(True) for editor in editors]
        try:
            focused.clearFocus()
        finally:
            for editor, was in zip(editors, blocked):
                editor.blockSignals(was)

    def _show_transient(self, page: QWidget) -> None:
        old, self._transient = self._transient, page
        self.stack.show_page(page)
        if old is not None:
            self.stack.drop_page(old)

    def _show_kept(self, page: QWidget) -> None:
        self.stack.show_page(page)
        if self._transient is not None:
            self.stack.drop_page(self._transient)
            self._transient = None

    @staticmethod
    def _hint_page(text: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        hint = QLabel(text)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addStretch(1)
        return page

    def _unknown_node_page(self) -> QWidget:
        graph, node_id = self.document.graph, self.node_id
        page = self._hint_page(graph.nodes[node_id].type_id)
        layout = page.layout()
        title = shrinkable(QLabel(graph.display_name(node_id)))
        title.setObjectName("sectionTitle")
        title.setWordWrap(True)
        title.setToolTip(title.text())
        layout.insertWidget(0, title)
        missing = QLabel(f"This node cannot run: {graph.unavailable_reason(node_id)}. Its parameters are kept "
                         "as saved but cannot be edited.")
        missing.setWordWrap(True)
        layout.insertWidget(2, missing)
        return page

    def _show_node_page(self) -> None:
        graph, node_id = self.document.graph, self.node_id
        node, schema = graph.nodes[node_id], graph.schema_of(node_id)
        suggestions, unavailable = self._choices(node.type_id, schema)
        key = page_key(schema, suggestions, unavailable)
        page = self.pages.pop(key, None)
        if page is None:
            page = NodePage(schema, suggestions, unavailable, on_edit=self._edited, on_reset=self.reset,
                            on_lock=self._lock)
        page.finish()  # a page still being prepared: its remaining rows now
        self.pages[key] = page  # the most recently shown, last
        while len(self.pages) > KEPT_PAGES:
            self.stack.drop_page(self.pages.popitem(last=False)[1])
        overridden = schema.overridden_by(l.dst_port for l in graph.links_into(node_id))
        page.bind(graph.display_name(node_id), node.type_id + (f"\n{schema.help}" if schema.help else ""),
                  node.params, overridden, lambda name: self.document.model.is_locked(node_id, name))
        self.editors = page.editors
        page.clear_links()
        self._add_link_orders(page.links, schema)
        self._show_kept(page)

    def _choices(self, type_id: str, schema) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
        """The lists a node type offers for its parameters now: suggested values (installed voices)
        and choices that cannot render (a model missing)."""
        node_type = self.document.graph.registry.get(type_id)()
        suggestions, unavailable = {}, {}
        for param in schema.params:
            try:  # a node type's list is a convenience: one that fails leaves a plain text box
                if param.kind == "string":
                    suggestions[param.name] = list(node_type.suggestions(param.name, self.models()))
            except Exception:
                pass
            try:
                if param.kind == "enum":
                    unavailable[param.name] = dict(node_type.unavailable_choices(param.name, self.models()))
            except Exception:  # as above: a failing check leaves every choice looking available
                pass
        return ({name: values for name, values in suggestions.items() if values},
                {name: reasons for name, reasons in unavailable.items() if reasons})

    def _lock(self, name: str, locked: bool) -> None:
        if self.node_id is not None:
            seed_locks.set_locked(self.document, self.node_id, name, locked)

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
