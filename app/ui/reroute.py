"""Reroute dots: points a wire is routed through, to keep a busy graph readable.

A dot is an annotation of the project model (engine.project_model.Reroute), not a graph node:
it passes the value through unchanged and renders nothing. Double-click a wire to add a dot, drag
a dot to move it, double-click it to remove it; each is one SetReroute command, so undo works as
for any edit, and a link's dots go away with the link in the same step.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

from engine import events as ev
from engine.annotation_commands import SetReroute

from . import theme

RADIUS = 6.0


def points_for(model, link_id: str) -> list[tuple[float, float]]:
    """The link's dots in order from output to input."""
    return list(model.points_of(link_id))


def set_points(document, link_id: str, points: list[tuple[float, float]], text: str) -> None:
    document.stack.push(SetReroute(link_id, points, text))


def _length(points: list[tuple[float, float]]) -> float:
    return sum(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for a, b in zip(points, points[1:]))


def add_dot(document, link_id: str, start: QPointF, end: QPointF, at: QPointF) -> int:
    """Insert a dot where it lengthens the route least (between the two points it was put between)."""
    points = points_for(document.model, link_id)
    new = (float(at.x()), float(at.y()))
    route = [(start.x(), start.y()), *points, (end.x(), end.y())]
    index = min(range(len(points) + 1), key=lambda i: _length(route[:i + 1] + [new] + route[i + 1:]))
    set_points(document, link_id, points[:index] + [new] + points[index:], "Add reroute dot")
    return index


class RerouteDot(QGraphicsEllipseItem):
    """One dot; dragging it reshapes its wire live, the release records the move."""

    def __init__(self, layer, link_id: str, index: int, pos: tuple[float, float], color: QColor):
        super().__init__(QRectF(-RADIUS, -RADIUS, 2 * RADIUS, 2 * RADIUS))
        self.layer, self.link_id, self.index = layer, link_id, index
        self.setPos(*pos)
        self.setZValue(1)  # above its wire
        self.setBrush(QBrush(color))
        self.setPen(QPen(theme.BACKGROUND, 1.5))
        self.setCursor(Qt.SizeAllCursor)
        self._dragging = False

    def mousePressEvent(self, event) -> None:
        self._dragging = event.button() == Qt.LeftButton
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._dragging:
            self.setPos(event.scenePos())
            self.layer.reshape(self.link_id)

    def mouseReleaseEvent(self, event) -> None:
        if not self._dragging:
            return
        self._dragging = False
        step = theme.GRID if self.scene().snap else 1
        x, y = round(self.pos().x() / step) * step, round(self.pos().y() / step) * step
        points = points_for(self.layer.document.model, self.link_id)
        if 0 <= self.index < len(points) and points[self.index] != (x, y):
            points[self.index] = (float(x), float(y))
            set_points(self.layer.document, self.link_id, points, "Move reroute dot")  # moves this same dot
        else:
            self.layer.show_link(self.link_id)  # put the dot back where the model has it


class RerouteLayer:
    """The scene's dots and the routes its wires follow, updated link by link from the model's events."""

    def __init__(self, scene):
        self.scene, self.document = scene, scene.document
        self.dots: dict[str, list[RerouteDot]] = {}

    def reset(self) -> None:
        self.dots = {}  # the scene was cleared with the old project's dots
        for link_id in self.document.model.reroutes:
            self.show_link(link_id)

    def on_event(self, event) -> None:
        if isinstance(event, (ev.RerouteChanged, ev.LinkAdded)):
            self.show_link(event.link_id)
        elif isinstance(event, ev.LinkRemoved):
            for dot in self.dots.pop(event.link_id, []):
                self.scene.removeItem(dot)

    def show_link(self, link_id: str) -> None:
        """Dots and route of one wire as the model has them; a dot being dragged is moved, not remade."""
        wire = self.scene.wires.get(link_id)
        points = points_for(self.document.model, link_id) if wire is not None else []
        dots = self.dots.get(link_id, [])
        if len(dots) != len(points):
            for dot in dots:
                self.scene.removeItem(dot)
            dots = [RerouteDot(self, link_id, i, p, wire.color) for i, p in enumerate(points)]
            for dot in dots:
                self.scene.addItem(dot)
        for dot, point in zip(dots, points):
            dot.setPos(*point)
        if dots:
            self.dots[link_id] = dots
        else:
            self.dots.pop(link_id, None)
        if wire is not None:
            wire.points = [QPointF(*p) for p in points]
            wire.refresh()

    def reshape(self, link_id: str) -> None:
        wire = self.scene.wires.get(link_id)
        if wire is not None:
            wire.points = [d.pos() for d in self.dots.get(link_id, [])]
            wire.refresh()

    def remove_dot(self, dot: RerouteDot) -> None:
        points = points_for(self.document.model, dot.link_id)
        if 0 <= dot.index < len(points):
            del points[dot.index]
            set_points(self.document, dot.link_id, points, "Remove reroute dot")
