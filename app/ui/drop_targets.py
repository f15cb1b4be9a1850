"""While a wire is dragged: which ports would take it, and a label at the cursor saying why not.

At the start of a drag every port on the other side (inputs for a drag from an output, and the
other way round) is marked as accepting or refusing, so the user sees where the wire can go
before aiming at it. The marks use the port types and one reachability walk for loops, so a
500-node graph is marked in a few milliseconds; the exact engine check (which also catches a
duplicate link) runs for the one port under the cursor and is what the label shows.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from .port_item import PortItem

ACCEPTS, REFUSES = "accepts", "refuses"
_OK_COLOR, _REFUSED_COLOR = QColor("#9ccc65"), QColor("#ef5350")


class DropTargets:
    """Marks the scene's ports for one drag; `clear()` when the drag ends."""

    def __init__(self, scene):
        self.scene = scene
        self._marked: list[PortItem] = []
        self.label: QGraphicsSimpleTextItem | None = None

    def _label(self) -> QGraphicsSimpleTextItem:
        """Made on first use and again after the scene was cleared (a project was opened)."""
        if self.label is None or self.label.scene() is not self.scene:
            self.label = QGraphicsSimpleTextItem()
            self.label.setZValue(1000)  # above nodes and wires
            font = QFont()
            font.setPointSizeF(9.5)
            self.label.setFont(font)
            self.scene.addItem(self.label)
        return self.label

    def mark(self, source: PortItem) -> None:
        """Mark every port a wire from `source` could (or could not) be dropped on."""
        self.clear()
        graph = self.scene.document.graph
        if source.is_output:  # a target node that already feeds the source would close a loop
            looping = graph.upstream([source.node_id])
        else:
            looping = graph.downstream([source.node_id])
        # A closed group's box carries ports that stand for its inside nodes' own: marked the same way.
        for item in [*self.scene.nodes.values(), *self.scene.groups.boxes.values()]:
            candidates = item.inputs if source.is_output else item.outputs
            for port in candidates.values():
                out, into = (source, port) if source.is_output else (port, source)
                fits = into.port.type.accepts(out.port.type) and port.node_id not in looping
                port.drop_state = ACCEPTS if fits else REFUSES
                self._marked.append(port)
            if candidates:
                item.update()

    def show_reason(self, reason: str | None, text: str, at: QPointF) -> None:
        """The label beside the cursor: green with what the link would be, red with why it can't."""
        label = self._label()
        label.setText(reason or text)
        label.setBrush(QBrush(_REFUSED_COLOR if reason else _OK_COLOR))
        label.setPos(self._place(label, at))
        label.show()

    def _place(self, label: QGraphicsSimpleTextItem, at: QPointF) -> QPointF:
        """Below right of the cursor; above left where that would be under the minimap (a widget
        over the canvas, which hides any scene item beneath it) or past the view's edge."""
        views = self.scene.views()
        if not views:
            return at + QPointF(14, 10)
        view = views[0]
        size = view.transform().map(label.boundingRect()).boundingRect().size()
        cursor = view.mapFromScene(at)
        below = QRectF(cursor.x() + 14, cursor.y() + 10, size.width(), size.height())
        from .minimap import Minimap

        covered = [m.geometry().translated(-view.viewport().pos()) for m in view.findChildren(Minimap) if m.isVisible()]
        if any(QRectF(c).intersects(below) for c in covered) or not QRectF(view.viewport().rect()).contains(below):
            below.moveTo(cursor.x() - 14 - size.width(), cursor.y() - 10 - size.height())
        return view.mapToScene(below.topLeft().toPoint())

    def hide_reason(self) -> None:
        if self.label is not None and self.label.scene() is self.scene:
            self.label.hide()

    def clear(self) -> None:
        nodes = {port.parentItem() for port in self._marked}
        for port in self._marked:
            port.drop_state = None
        self._marked = []
        for node in nodes:
            if node is not None:
                node.update()
        self.hide_reason()
