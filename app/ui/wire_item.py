"""A link drawn as a curved wire from an output port to an input port, in the output's type colour."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyle, QStyleOptionGraphicsItem

from .theme import SELECTION


def wire_path(start: QPointF, end: QPointF, via: list[QPointF] = ()) -> QPainterPath:
    """Horizontal S-curves: wires leave outputs to the right and enter inputs (and reroute dots) from the left."""
    path = QPainterPath(start)
    points = [start, *via, end]
    for a, b in zip(points, points[1:]):
        bend = max(40.0, abs(b.x() - a.x()) * 0.5)
        path.cubicTo(QPointF(a.x() + bend, a.y()), QPointF(b.x() - bend, b.y()), b)
    return path


class WireItem(QGraphicsPathItem):
    """One graph link; selectable so Delete removes it. `link_id` is None for the wire being dragged."""

    def __init__(self, color: str, link_id: str | None = None):
        super().__init__()
        self.link_id = link_id
        self.color = QColor(color)
        self.setZValue(-1)  # under the nodes
        self.setPen(QPen(self.color, 2.2, Qt.SolidLine, Qt.RoundCap))
        if link_id is not None:
            self.setFlag(QGraphicsItem.ItemIsSelectable)
        else:
            self.setPen(QPen(self.color, 2.0, Qt.DashLine, Qt.RoundCap))
        self.src = None  # PortItem ends, set by the scene
        self.dst = None
        self.points: list[QPointF] = []  # reroute dots it passes through (app.ui.reroute)

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        self.setPath(wire_path(start, end, self.points))

    def refresh(self) -> None:
        if self.src is not None and self.dst is not None:
            self.set_ends(self.src.center(), self.dst.center())

    def shape(self) -> QPainterPath:
        # A thin curve is hard to click: select within a few pixels of it.
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(self, painter, option, widget=None) -> None:
        # Selection shows as the wire's colour and width; Qt's dashed bounding rectangle around a
        # selected path would frame a whole empty area of the canvas.
        option = QStyleOptionGraphicsItem(option)
        option.state &= ~QStyle.State_Selected
        super().paint(painter, option, widget)

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemSelectedHasChanged:
            pen = self.pen()
            pen.setColor(SELECTION if value else self.color)
            pen.setWidthF(3.0 if value else 2.2)
            self.setPen(pen)
        return super().itemChange(change, value)
