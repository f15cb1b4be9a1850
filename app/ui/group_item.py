"""Node groups on the canvas: a collapsed group is one box; an expanded one a dashed frame round its nodes.

The items mirror the project model's groups (engine.project_model.Group) and are rebuilt from its
events. A collapsed box hides its nodes and the wires between them; a link that crosses the group's
edge is drawn to one of the box's ports, which stands for the inside node's port, so a wire dragged
from it links that node as if it were shown. The box lists the parameters shown on the group; the
inspector edits them (app.ui.group_inspector).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from engine import events as ev
from engine.group_commands import EditGroup, set_collapsed
from engine.project_model import Group

from . import theme
from .node_item import ROW_H, SUMMARY_H, TITLE_H, WIDTH, _short, _shown_value, title_font
from .port_item import PortItem

FRAME_MARGIN = 14.0  # between an expanded group's frame and its nodes
FRAME_TITLE_H = 22.0
SHOWN_LINES = 6  # parameters listed on a collapsed box; the inspector has them all


def boundary_ports(graph, group: Group) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(inside node, port) pairs the closed box shows, inputs then outputs, in the group's node order and
    each node's port order, so they keep their places while links come and go:
    - the ports of the links that cross the group's edge;
    - a required input linked to nothing (what the group still needs);
    - the unlinked outputs of a node whose outputs go nowhere inside (what the group gives out), but
      for those that only sometimes have a value (a Scene's sound),
    so a wire can be dropped on the box without opening it; the rest is a double-click away."""
    members = set(group.nodes)
    crossing_in = {(l.dst_node, l.dst_port) for l in graph.links.values()
                   if l.dst_node in members and l.src_node not in members}
    crossing_out = {(l.src_node, l.src_port) for l in graph.links.values()
                    if l.src_node in members and l.dst_node not in members}
    linked_in = {(l.dst_node, l.dst_port) for l in graph.links.values()}
    linked_out = {(l.src_node, l.src_port) for l in graph.links.values()}
    feeds_inside = {l.src_node for l in graph.links.values() if l.src_node in members and l.dst_node in members}
    inputs, outputs = [], []
    for node_id in group.nodes:
        schema = graph.schema_of(node_id) if node_id in graph.nodes else None
        if schema is None:
            continue
        for port in schema.inputs:
            pair = (node_id, port.name)
            if pair in crossing_in or (not port.optional and pair not in linked_in):
                inputs.append(pair)
        for port in schema.outputs:
            pair = (node_id, port.name)
            if pair in crossing_out or (node_id not in feeds_inside and not port.optional and pair not in linked_out):
                outputs.append(pair)
    return inputs, outputs


class GroupItem(QGraphicsItem):
    """A collapsed group: title bar, its ports (boundary_ports), the shown parameters; moved as one.
    A double-click opens it (the scene's double-click handler, which also sees clicks Qt turns into presses)."""

    def __init__(self, layer, group: Group):
        super().__init__()
        self.layer, self.model_group = layer, group
        graph = layer.document.graph
        self.wires: set = set()
        self.inputs: dict[tuple[str, str], PortItem] = {}
        self.outputs: dict[tuple[str, str], PortItem] = {}
        self._syncing = False
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        inputs, outputs = boundary_ports(graph, group)
        for row, (node_id, name) in enumerate(inputs):
            self._add_port(graph, node_id, name, False, row)
        for row, (node_id, name) in enumerate(outputs):
            self._add_port(graph, node_id, name, True, row)
        self.shown = self._shown_lines(graph)
        rows = max(len(inputs), len(outputs), 1)
        self.height = TITLE_H + rows * ROW_H + (len(self.shown) + 1) * SUMMARY_H + 8
        self.setToolTip(f"Group '{group.title}': {len(group.nodes)} nodes — "
                        + ", ".join(graph.short_name(n) for n in group.nodes)
                        + "\nDouble-click to open it; its shown parameters are in the inspector.")
        self._syncing = True
        self.setPos(QPointF(*group.position))
        self._syncing = False

    @property
    def group_id(self) -> str:
        return self.model_group.id

    def _add_port(self, graph, node_id: str, name: str, is_output: bool, row: int) -> None:
        schema = graph.schema_of(node_id)
        port = (schema.output(name) if is_output else schema.input(name)) if schema is not None else None
        if port is None:  # a node whose type is not installed: its links are not drawn anywhere
            return
        item = PortItem(node_id, port, is_output)
        item.setParentItem(self)
        item.setPos(WIDTH if is_output else 0.0, TITLE_H + ROW_H * (row + 0.5))
        item.setToolTip(f"{graph.short_name(node_id)}: {item.toolTip()}")
        (self.outputs if is_output else self.inputs)[(node_id, name)] = item

    def _shown_lines(self, graph) -> list[str]:
        lines = []
        for node_id, name in self.model_group.exposed[:SHOWN_LINES]:
            schema = graph.schema_of(node_id)
            param = schema.param(name) if schema is not None else None
            if param is None:
                continue
            value = graph.nodes[node_id].params.get(name, param.default)
            lines.append(f"{param.display_name}: {_short(_shown_value(param, value))}")
        return lines

    def refresh_text(self) -> None:
        self.shown = self._shown_lines(self.layer.document.graph)
        self.update()

    def port_label(self, key: tuple[str, str]) -> str:
        """"frames · Lake (interpolated)": the port first, so a narrow box cuts the node's name, not the port's."""
        graph = self.layer.document.graph
        return f"{key[1]} · {graph.short_name(key[0])}"

    # ---- painting -------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return QRectF(-8, -6, WIDTH + 16, self.height + 10)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        color = QColor(self.model_group.color)
        selected = self.isSelected()
        # A stack of two cards behind the box: it holds several nodes.
        painter.setPen(QPen(theme.NODE_BORDER, 1.0))
        painter.setBrush(theme.NODE_BODY.darker(120))
        painter.drawRoundedRect(QRectF(6, -5, WIDTH, self.height), 6, 6)
        painter.setPen(QPen(theme.SELECTION if selected else color.lighter(140), 2.0 if selected else 1.2))
        painter.setBrush(theme.NODE_BODY)
        painter.drawRoundedRect(QRectF(0, 0, WIDTH, self.height), 6, 6)
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(QRectF(1, 1, WIDTH - 2, TITLE_H - 1), 5, 5)
        painter.drawRect(QRectF(1, TITLE_H / 2, WIDTH - 2, TITLE_H / 2))
        for port in (*self.inputs.values(), *self.outputs.values()):
            port.paint_dot(painter)
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        font = title_font(lod)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        painter.setPen(QColor("#f2f2f2"))
        title = metrics.elidedText(f"▣ {self.model_group.title}", Qt.ElideRight, int(WIDTH - 16))
        painter.drawText(QRectF(8, 0, WIDTH - 16, max(TITLE_H, metrics.height())), Qt.AlignVCenter | Qt.AlignLeft,
                         title)
        if metrics.height() > TITLE_H:
            return
        small = QFont(painter.font())
        small.setBold(False)
        small.setPointSizeF(8.5)
        painter.setFont(small)
        small_metrics = QFontMetrics(small)
        painter.setPen(theme.TEXT)
        half = WIDTH / 2 - 12
        for key, port in self.inputs.items():
            painter.drawText(QRectF(10, port.y() - ROW_H / 2, half, ROW_H), Qt.AlignVCenter | Qt.AlignLeft,
                             small_metrics.elidedText(self.port_label(key), Qt.ElideRight, int(half)))
        for key, port in self.outputs.items():
            painter.drawText(QRectF(WIDTH / 2 + 2, port.y() - ROW_H / 2, half, ROW_H), Qt.AlignVCenter | Qt.AlignRight,
                             small_metrics.elidedText(self.port_label(key), Qt.ElideRight, int(half)))
        rows = max(len(self.inputs), len(self.outputs), 1)
        top = TITLE_H + rows * ROW_H + 2
        painter.setPen(theme.TEXT_DIM)
        lines = [f"{len(self.model_group.nodes)} nodes inside", *self.shown]
        for i, line in enumerate(lines):
            painter.drawText(QRectF(8, top + i * SUMMARY_H, WIDTH - 16, SUMMARY_H), Qt.AlignVCenter | Qt.AlignLeft,
                             small_metrics.elidedText(line, Qt.ElideRight, int(WIDTH - 16)))

    # ---- interaction ----------------------------------------------------------------------

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionChange:
            return theme.snapped(self, value)
        if change == QGraphicsItem.ItemPositionHasChanged:
            for wire in self.wires:
                wire.refresh()
            scene = self.scene()
            if scene is not None:  # the minimap follows a dragged box as it follows a dragged node
                scene.layout_changed.emit()
        return super().itemChange(change, value)


class GroupFrame(QGraphicsItem):
    """An expanded group: a dashed outline round its nodes, with a title tab; double-click the tab to close it."""

    def __init__(self, layer, group: Group):
        super().__init__()
        self.layer, self.model_group = layer, group
        # Above the nodes: its tab sits in the gap over the group's top node, where a neighbour outside
        # the group may reach; only the tab takes clicks and the outline runs clear of its own nodes.
        self.setZValue(0.5)
        self._rect = QRectF()
        self.setToolTip(f"Group '{group.title}': double-click its title to close it into one box")
        self.update_rect()

    @property
    def group_id(self) -> str:
        return self.model_group.id

    def update_rect(self) -> None:
        rect = QRectF()
        for node_id in self.model_group.nodes:
            item = self.layer.scene.nodes.get(node_id)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        rect = rect.adjusted(-FRAME_MARGIN, -FRAME_MARGIN - FRAME_TITLE_H, FRAME_MARGIN, FRAME_MARGIN)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

    def title_rect(self) -> QRectF:
        return QRectF(self._rect.left(), self._rect.top(), min(self._rect.width(), 260.0), FRAME_TITLE_H)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self):
        from PySide6.QtGui import QPainterPath

        path = QPainterPath()
        path.addRect(self.title_rect())  # only the tab takes clicks: the inside is the canvas's
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        color = QColor(self.model_group.color)
        pen = QPen(color.lighter(150), 1.5, Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(self._rect, 8, 8)
        tab = self.title_rect()
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(tab, 5, 5)
        painter.setPen(QColor("#f2f2f2"))
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(9.5)
        painter.setFont(font)
        painter.drawText(tab.adjusted(8, 0, -8, 0), Qt.AlignVCenter | Qt.AlignLeft,
                         QFontMetrics(font).elidedText(f"▾ {self.model_group.title}", Qt.ElideRight, int(tab.width() - 16)))

    def mousePressEvent(self, event) -> None:
        event.accept()  # the tab is not the canvas: a press on it starts no rubber band


class GroupLayer:
    """The scene's group items, rebuilt per group from the model's events; decides where wires end."""

    def __init__(self, scene):
        self.scene, self.document = scene, scene.document
        self.boxes: dict[str, GroupItem] = {}
        self.frames: dict[str, GroupFrame] = {}

    @property
    def model(self):
        return self.document.model

    def reset(self) -> None:
        """After the scene was cleared (another project): the old items are gone with it."""
        self.boxes, self.frames = {}, {}
        for group_id in self.model.groups:
            self._show(group_id)

    # ---- where things are drawn ------------------------------------------------------------

    def port_for(self, node_id: str, port: str, is_output: bool) -> PortItem | None:
        """The collapsed box's port standing for this node's port; None if the node is not in a closed group."""
        group = self.model.collapsed_group_of(node_id)
        box = self.boxes.get(group.id) if group is not None else None
        if box is None:
            return None
        return (box.outputs if is_output else box.inputs).get((node_id, port))

    def hides_link(self, link) -> bool:
        """A link between two nodes of one closed group is inside the box: not drawn."""
        group = self.model.collapsed_group_of(link.src_node)
        return group is not None and link.dst_node in group.nodes

    def box_of(self, node_id: str) -> GroupItem | None:
        group = self.model.collapsed_group_of(node_id)
        return self.boxes.get(group.id) if group is not None else None

    # ---- model -> items --------------------------------------------------------------------

    def on_event(self, event) -> None:
        if isinstance(event, (ev.GroupAdded, ev.GroupChanged)):
            self._show(event.group_id)
        elif isinstance(event, ev.GroupRemoved):
            self._drop(event.group_id)
            self._sync_members(event.node_ids)
        elif isinstance(event, (ev.NodeRenamed, ev.ParamChanged)):
            box = self.box_of(event.node_id)
            if box is not None:  # its port labels and shown values; rebuilding would lose a drag in progress
                box.refresh_text()
        elif isinstance(event, ev.NodeMoved):
            self.follow(event.node_id)

    def follow(self, node_id: str) -> None:
        """The outline of the open group `node_id` is in, around where its nodes are now (a drag, a move)."""
        if self.frames:
            group = self.model.group_of(node_id)
            if group is not None and group.id in self.frames:
                self.frames[group.id].update_rect()

    def ends_changed(self, node_ids) -> None:
        """A link into or out of a closed group changes its ports; a rename or a parameter its text."""
        for group_id in {g.id for n in node_ids if (g := self.model.collapsed_group_of(n)) is not None}:
            self._show(group_id)

    def _drop(self, group_id: str) -> None:
        for items in (self.boxes, self.frames):
            item = items.pop(group_id, None)
            if item is not None:
                for wire in list(getattr(item, "wires", ())):
                    self.scene.drop_wire(wire.link_id)
                self.scene.removeItem(item)

    def _show(self, group_id: str) -> None:
        """(Re)build the group's box or frame, hide or show its nodes, and redraw the wires that touch them."""
        group = self.model.groups.get(group_id)
        was_selected = group_id in self.boxes and self.boxes[group_id].isSelected()
        # A selected box rebuilt (moved, a link added) stays selected: no selection change is announced,
        # so the inspector showing the group is not rebuilt under the user's hands.
        quiet = was_selected and group is not None and group.collapsed
        blocked = self.scene.blockSignals(quiet or self.scene.signalsBlocked())
        try:
            self._drop(group_id)
            if group is None:
                return
            if group.collapsed:
                box = self.boxes[group_id] = GroupItem(self, group)
                self.scene.addItem(box)
                box.setSelected(was_selected)
            else:
                frame = self.frames[group_id] = GroupFrame(self, group)
                self.scene.addItem(frame)
        finally:
            self.scene.blockSignals(blocked)
        self._sync_members(group.nodes)
        self.scene.layout_changed.emit()

    def _sync_members(self, node_ids) -> None:
        for node_id in node_ids:
            item = self.scene.nodes.get(node_id)
            if item is not None:
                hidden = self.model.collapsed_group_of(node_id) is not None
                if hidden:
                    item.setSelected(False)
                item.setVisible(not hidden)
        self.scene.redraw_wires_of(set(node_ids))

    # ---- user edits ------------------------------------------------------------------------

    def expand(self, group_id: str) -> None:
        self._push(set_collapsed(self.model, group_id, False))

    def collapse(self, group_id: str) -> None:
        self._push(set_collapsed(self.model, group_id, True))

    def move(self, positions: dict[str, tuple[float, float]]) -> None:
        for group_id, position in positions.items():
            if group_id in self.model.groups and tuple(self.model.groups[group_id].position) != position:
                self._push(EditGroup(group_id, "Move group", position=position))

    def _push(self, command) -> None:
        self.scene.actions.push(command)
