"""The canvas scene: one NodeItem per node, one WireItem per link, and the annotations' layers (backdrops,
groups, reroute dots), kept in step with the project model's events.

The scene never edits the graph. Dragging a wire between ports, finishing a move or deleting
asks EditActions for a command; the graph's events then add, move or remove the items, so
undo and redo redraw exactly like the edit itself did.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsScene

from engine import events as ev

from .backdrop_item import BackdropItem, BackdropLayer
from .drop_targets import DropTargets
from .group_item import GroupFrame, GroupItem, GroupLayer
from .node_item import NodeItem
from .port_item import PortItem
from .reroute import RerouteDot, RerouteLayer, add_dot
from .thumbnails import ThumbnailLoader
from .wire_item import WireItem


class CanvasScene(QGraphicsScene):
    # A node was added, removed, moved or resized: what the minimap draws. A badge or a progress
    # tick changes the scene (QGraphicsScene.changed) but not this.
    layout_changed = Signal()

    def __init__(self, document, actions, renderer, parent=None):
        super().__init__(parent)
        self.document, self.actions, self.renderer = document, actions, renderer
        self.snap = True
        self.nodes: dict[str, NodeItem] = {}
        self.wires: dict[str, WireItem] = {}
        self._graph = None
        self._drag_from: PortItem | None = None
        self._drag_wire: WireItem | None = None
        self._detached: str | None = None  # the link lifted off an input by the current drag
        self._press_positions: dict[str, tuple[float, float]] = {}
        self._press_groups: dict[str, tuple[float, float]] = {}  # closed groups' boxes, as for nodes
        self.setItemIndexMethod(QGraphicsScene.BspTreeIndex)
        self.backdrops = BackdropLayer(self)
        self.reroutes = RerouteLayer(self)
        self.groups = GroupLayer(self)
        self.drop_targets = DropTargets(self)
        document.replaced.connect(self.rebuild)
        renderer.status_changed.connect(self._on_status)
        self.rebuild()
        self.thumbnails = ThumbnailLoader(self)

    # ---- model -> items -----------------------------------------------------------------

    def rebuild(self) -> None:
        if self._graph is not None:
            self._graph.events.disconnect(self._on_graph)
        self.clear()
        self.nodes.clear()
        self.wires.clear()
        self._graph = graph = self.document.graph
        graph.events.connect(self._on_graph)
        for node_id in graph.nodes:
            self._add_node(node_id)
        self.groups.reset()  # before the wires: a closed group's wires end on its box
        for link_id in graph.links:
            self._add_wire(link_id)
        self.backdrops.reset()  # clear() took the old project's backdrop items and dots
        self.reroutes.reset()
        self.layout_changed.emit()

    def _add_node(self, node_id: str) -> None:
        item = NodeItem(self._graph, node_id)
        item.set_status(self.renderer.status(node_id))
        self.addItem(item)
        self.nodes[node_id] = item
        self.layout_changed.emit()

    def _add_wire(self, link_id: str) -> None:
        link = self._graph.links[link_id]
        src_item, dst_item = self.nodes.get(link.src_node), self.nodes.get(link.dst_node)
        if src_item is None or dst_item is None or self.groups.hides_link(link):
            return
        # A node inside a closed group is drawn as its group's box: the wire ends on the box's port.
        src = self.groups.port_for(link.src_node, link.src_port, True) or src_item.outputs.get(link.src_port)
        dst = self.groups.port_for(link.dst_node, link.dst_port, False) or dst_item.inputs.get(link.dst_port)
        if src is None or dst is None:  # a node whose type is not installed has no ports to draw
            return
        wire = WireItem(src.port.type.color, link_id)
        wire.src, wire.dst = src, dst
        src.parentItem().wires.add(wire)
        dst.parentItem().wires.add(wire)
        wire.refresh()
        self.addItem(wire)
        self.wires[link_id] = wire

    def _remove_wire(self, link_id: str) -> None:
        wire = self.wires.pop(link_id, None)
        if wire is not None:
            for end in (wire.src, wire.dst):
                end.parentItem().wires.discard(wire)
            self.removeItem(wire)

    def drop_wire(self, link_id: str) -> None:
        self._remove_wire(link_id)

    def redraw_wires_of(self, node_ids: set[str]) -> None:
        """Draw again the wires touching these nodes: a group opened or closed moves their ends."""
        for link in self._graph.links.values():
            if link.src_node in node_ids or link.dst_node in node_ids:
                self._remove_wire(link.id)
                self._add_wire(link.id)
                self.reroutes.show_link(link.id)

    def _on_graph(self, event) -> None:
        graph = self._graph
        if isinstance(event, ev.NodeAdded):
            self._add_node(event.node_id)
        elif isinstance(event, ev.NodeRemoved):
            item = self.nodes.pop(event.node_id, None)
            if item is not None:
                self.removeItem(item)
                self.layout_changed.emit()
        elif isinstance(event, (ev.NodeMoved, ev.NodeRenamed, ev.ParamChanged, ev.NodeBypassed)):
            if event.node_id in self.nodes:
                self.nodes[event.node_id].refresh()
        elif isinstance(event, ev.LinkAdded):
            link = graph.links[event.link_id]
            self.groups.ends_changed((link.src_node, link.dst_node))  # a closed group's box gains a port
            self._add_wire(event.link_id)
            self.reroutes.on_event(event)
            self.nodes[link.dst_node].refresh()  # a linked param leaves the summary
        elif isinstance(event, ev.LinkRemoved):
            wire = self.wires.get(event.link_id)
            self.reroutes.on_event(event)
            self._remove_wire(event.link_id)
            if wire is not None:
                self.groups.ends_changed((wire.src.node_id, wire.dst.node_id))
                if wire.dst.node_id in self.nodes:
                    self.nodes[wire.dst.node_id].refresh()
        elif isinstance(event, ev.RerouteChanged):
            self.reroutes.on_event(event)
        elif isinstance(event, (ev.BackdropAdded, ev.BackdropRemoved, ev.BackdropChanged)):
            self.backdrops.on_event(event)
        if isinstance(event, (ev.GroupAdded, ev.GroupRemoved, ev.GroupChanged, ev.NodeMoved, ev.NodeRenamed,
                              ev.ParamChanged)):
            self.groups.on_event(event)

    def _on_status(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            item.set_status(self.renderer.status(node_id))

    # ---- queries --------------------------------------------------------------------------

    def selected_node_ids(self) -> list[str]:
        """Selected nodes, a selected closed group standing for the nodes inside it (Delete, Copy, Render)."""
        ids = []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                ids.append(item.node_id)
            elif isinstance(item, GroupItem) and item.group_id in self.document.model.groups:
                ids += [n for n in self.document.model.groups[item.group_id].nodes if n not in ids]
        return ids

    def selected_group_id(self) -> str | None:
        """The one closed group selected alone (its inspector shows), else None."""
        items = self.selectedItems()
        if len(items) == 1 and isinstance(items[0], GroupItem):
            return items[0].group_id
        return None

    def selected_link_ids(self) -> list[str]:
        return [i.link_id for i in self.selectedItems() if isinstance(i, WireItem) and i.link_id]

    def select_nodes(self, node_ids) -> None:
        self.clearSelection()
        for node_id in node_ids:
            box = self.groups.box_of(node_id)  # a node inside a closed group: its box is what shows
            if box is not None:
                box.setSelected(True)
            elif node_id in self.nodes:
                self.nodes[node_id].setSelected(True)

    def port_at(self, pos: QPointF) -> PortItem | None:
        return next((i for i in self.items(pos) if isinstance(i, PortItem)), None)

    # ---- connecting ports -------------------------------------------------------------------

    @staticmethod
    def _ends(a: PortItem, b: PortItem):
        """(output, input) whichever end the drag started from, or None for two outputs/two inputs."""
        if a.is_output == b.is_output:
            return None
        return (a, b) if a.is_output else (b, a)

    def connect_ports(self, a: PortItem, b: PortItem) -> bool:
        """Link two port items (what a finished wire drag does); a refusal is reported on actions.message."""
        ends = self._ends(a, b)
        if ends is None:
            kind = "outputs" if a.is_output else "inputs"
            self.actions.message.emit(f"cannot link two {kind}: drag from an output to an input")
            return False
        src, dst = ends
        return self.actions.connect_ports(src.node_id, src.name, dst.node_id, dst.name)

    def _detach(self, port: PortItem) -> PortItem:
        """Pressing on a linked input lifts its (latest) wire: the drag goes on from the link's output.

        The wire is only hidden; the graph changes when the drag ends, so a drag dropped back on
        the same input is no edit at all.
        """
        links = [] if port.is_output else self._graph.links_into(port.node_id, port.name)
        if not links or links[-1].id not in self.wires or links[-1].src_node not in self.nodes:
            return port
        link = links[-1]
        source = self.nodes[link.src_node].outputs.get(link.src_port)
        if source is None:
            return port
        self._detached = link.id
        self.wires[link.id].hide()
        return source

    def _drop_detached(self, link_id: str, target: PortItem | None) -> None:
        """Empty space: Disconnect; another input: the link moves there (one undo step); else as it was."""
        if link_id in self.wires:
            self.wires[link_id].show()
        link = self._graph.links.get(link_id)
        if link is None:
            return
        if target is None:
            self.actions.disconnect([link_id])
        elif not target.is_output and (target.node_id, target.name) != (link.dst_node, link.dst_port):
            self.actions.reconnect(link_id, target.node_id, target.name)

    def mousePressEvent(self, event) -> None:
        port = self.port_at(event.scenePos()) if event.button() == Qt.LeftButton else None
        if port is not None:
            port = self._detach(port)
            self._drag_from = port
            self._drag_wire = WireItem(port.port.type.color)
            self.addItem(self._drag_wire)
            self._drag_wire.set_ends(port.center(), event.scenePos())
            self.drop_targets.mark(port)
            event.accept()
            return
        super().mousePressEvent(event)
        if isinstance(self.mouseGrabberItem(), BackdropItem):
            # The backdrop moves its nodes and boxes itself, in its own command.
            self._press_positions, self._press_groups = {}, {}
            return
        self._press_positions = {n: (item.pos().x(), item.pos().y()) for n, item in self.nodes.items()
                                 if item.isSelected()}
        self._press_groups = {g: (item.pos().x(), item.pos().y()) for g, item in self.groups.boxes.items()
                              if item.isSelected()}

    def forget_press(self) -> None:
        """A press whose release never came (a context menu took it): no drag is in progress."""
        self._press_positions, self._press_groups = {}, {}

    def mouseDoubleClickEvent(self, event) -> None:
        """On a wire: add a reroute dot there; on a dot: remove it; on a closed group: open it; on an open
        group's title tab: close it."""
        item = next((i for i in self.items(event.scenePos())
                     if isinstance(i, (RerouteDot, WireItem, GroupItem, GroupFrame, NodeItem))), None)
        if isinstance(item, GroupItem) and event.button() == Qt.LeftButton:
            self.groups.expand(item.group_id)
        elif isinstance(item, GroupFrame) and event.button() == Qt.LeftButton:
            self.groups.collapse(item.group_id)
        elif isinstance(item, RerouteDot):
            self.reroutes.remove_dot(item)
        elif isinstance(item, WireItem) and item.link_id in self.wires and event.button() == Qt.LeftButton:
            add_dot(self.document, item.link_id, item.src.center(), item.dst.center(), event.scenePos())
        else:
            super().mouseDoubleClickEvent(event)
            return
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._drag_from is None:
            super().mouseMoveEvent(event)
            return
        start, end = self._drag_from.center(), event.scenePos()
        if not self._drag_from.is_output:
            start, end = end, start
        self._drag_wire.set_ends(start, end)
        target = self.port_at(event.scenePos())
        if target is None or target is self._drag_from:
            self.drop_targets.hide_reason()
            return
        ends = self._ends(self._drag_from, target)
        if ends is None:
            kind = "outputs" if target.is_output else "inputs"
            reason = f"cannot link two {kind}"
        else:
            reason = self.actions.can_connect(ends[0].node_id, ends[0].name, ends[1].node_id, ends[1].name)
        text = reason or f"link {ends[0].name} → {ends[1].name}"
        self.drop_targets.show_reason(reason, text, event.scenePos())
        self.actions.message.emit(text)

    def mouseReleaseEvent(self, event) -> None:
        if self._drag_from is not None:
            source, self._drag_from = self._drag_from, None
            self.drop_targets.clear()
            self.removeItem(self._drag_wire)
            self._drag_wire = None
            target = self.port_at(event.scenePos())
            detached, self._detached = self._detached, None
            if detached is not None:
                self._drop_detached(detached, target)
            elif target is not None and target is not source:
                self.connect_ports(source, target)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        moved = {n: (self.nodes[n].pos().x(), self.nodes[n].pos().y()) for n in self._press_positions
                 if n in self.nodes}
        self._press_positions = {}
        groups = {g: (box.pos().x(), box.pos().y()) for g in self._press_groups
                  if (box := self.groups.boxes.get(g)) is not None}
        self._press_groups = {}
        self.actions.move_nodes(moved)  # one undo step for the whole selection; no-op if nothing moved
        self.groups.move(groups)
