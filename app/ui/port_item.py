"""A port on a node: a dot coloured by its port type, the end a wire is dragged from or to."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.schema import Port

RADIUS = 5.0


class PortItem(QGraphicsItem):
    """Child of a NodeItem; knows which node and port it stands for, so the scene can connect it."""

    def __init__(self, node_id: str, port: Port, is_output: bool):
        super().__init__()
        self.node_id, self.port, self.is_output = node_id, port, is_output
        self.color = QColor(port.type.color)
        self._hover = False
        self.drop_state: str | None = None  # "accepts" / "refuses" while a wire is dragged (DropTargets)
        self.setFlag(QGraphicsItem.ItemHasNoContents)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CrossCursor)
        kind = "output" if is_output else "input"
        extra = " (optional)" if port.optional else ""
        extra += " (takes several links)" if port.multiple else ""
        extra += f" (overrides the {port.overrides!r} parameter)" if port.overrides else ""
        self.setToolTip(f"{port.name}: {port.type.name} {kind}{extra}\n{port.help or port.type.help}")

    @property
    def name(self) -> str:
        return self.port.name

    def center(self) -> QPointF:
        return self.scenePos()

    def boundingRect(self) -> QRectF:
        # Larger than the dot: ports are small targets, so the hit area is generous.
        r = RADIUS + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Unused (the item has no contents): the node paints its ports, so a repaint of a large
        graph makes one Python paint call per node instead of one per port."""

    def paint_dot(self, painter: QPainter) -> None:
        """Draw the dot in the parent node's coordinates."""
        r = RADIUS + (1.5 if self._hover else 0)
        center = self.pos()
        color = QColor(self.color)
        if self.drop_state == "accepts":  # a bright ring: the dragged wire can go here
            r += 1.5
            painter.setPen(QPen(QColor("#ffffff"), 1.2))
            painter.setBrush(Qt.NoBrush)
            painter.drawEllipse(center, r + 3, r + 3)
        elif self.drop_state == "refuses":  # greyed out: the wire would be refused here
            color = QColor("#4a4a4a")
        painter.setPen(QPen(QColor("#151515"), 1.5))
        painter.setBrush(QBrush(color))
        if self.port.multiple:  # a rounded square marks inputs that take several links
            painter.drawRoundedRect(QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r), 2, 2)
        else:
            painter.drawEllipse(center, r, r)

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.parentItem().update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.parentItem().update()
