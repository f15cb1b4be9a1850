"""Reroute dots: points a wire is routed through, to keep a busy graph readable.

A dot is UI state, not a graph node (it passes the value through unchanged and renders
nothing), kept in project.settings["reroutes"] as {"link", "from": [node, port],
"to": [node, port], "points": [[x, y], ...]}. The link's ends are stored with its id because
link ids are reused: a new link that happens to get the id of a deleted one keeps its own,
straight route. Double-click a wire to add a dot, drag a dot to move it, double-click it to
remove it; each is one SetProjectSetting command, so undo works as for any edit.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

from . import theme
from .settings_command import SetProjectSetting

KEY = "reroutes"
RADIUS = 6.0


def _is_point(value) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= 1e15 for v in value))


def _entries(project) -> list[dict]:
    """The saved dots; an entry a hand-edited file broke (a point that is not [x, y]) counts as none."""
    raw = project.settings.get(KEY)
    if not isinstance(raw, list):
        return []
    return [e for e in raw if isinstance(e, dict) and isinstance(e.get("points"), list)
            and all(_is_point(p) for p in e["points"])]


def _ends(graph, link_id: str) -> tuple[list[str], list[str]]:
    link = graph.links[link_id]
    return [link.src_node, link.src_port], [link.dst_node, link.dst_port]


def points_for(project, link_id: str) -> list[tuple[float, float]]:
    """The link's dots in order from output to input; none if the link is gone or was remade."""
    if link_id not in project.graph.links:
        return []
    src, dst = _ends(project.graph, link_id)
    for entry in _entries(project):
        if entry.get("link") == link_id and entry.get("from") == src and entry.get("to") == dst:
            return [(float(p[0]), float(p[1])) for p in entry["points"]]
    return []


def set_points(document, link_id: str, points: list[tuple[float, float]], text: str) -> None:
    project = document.project
    src, dst = _ends(project.graph, link_id)
    # Entries of links that no longer exist are dropped here, so they never pile up in the file.
    kept = [copy.deepcopy(e) for e in _entries(project)
            if e.get("link") != link_id and e.get("link") in project.graph.links]
    if points:
        kept.append({"link": link_id, "from": src, "to": dst, "points": [[x, y] for x, y in points]})
    document.stack.push(SetProjectSetting(project, KEY, kept, text))


def _length(points: list[tuple[float, float]]) -> float:
    return sum(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for a, b in zip(points, points[1:]))


def add_dot(document, link_id: str, start: QPointF, end: QPointF, at: QPointF) -> int:
    """Insert a dot where it lengthens the route least (between the two points it was put between)."""
    points = points_for(document.project, link_id)
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
        points = points_for(self.layer.document.project, self.link_id)
        if 0 <= self.index < len(points) and points[self.index] != (x, y):
            points[self.index] = (float(x), float(y))
            document, link_id = self.layer.document, self.link_id
            QTimer.singleShot(0, lambda: set_points(document, link_id, points, "Move reroute dot"))
        else:
            self.layer.sync()


class RerouteLayer:
    """The scene's dots and the routes its wires follow, kept equal to the project's reroutes."""

    def __init__(self, scene):
        self.scene, self.document = scene, scene.document
        self.dots: dict[str, list[RerouteDot]] = {}
        self.document.changed.connect(self.sync)

    def reset(self) -> None:
        self.dots = {}  # the scene was cleared with the old project's dots
        self.sync()

    def sync(self) -> None:
        project = self.document.project
        for link_id in list(self.dots):
            for dot in self.dots.pop(link_id):
                self.scene.removeItem(dot)
        for link_id, wire in self.scene.wires.items():
            points = points_for(project, link_id)
            if points or wire.points:
                wire.points = [QPointF(*p) for p in points]
                wire.refresh()
            if points:
                self.dots[link_id] = [RerouteDot(self, link_id, i, p, wire.color) for i, p in enumerate(points)]
                for dot in self.dots[link_id]:
                    self.scene.addItem(dot)

    def reshape(self, link_id: str) -> None:
        wire = self.scene.wires.get(link_id)
        if wire is not None:
            wire.points = [d.pos() for d in self.dots.get(link_id, [])]
            wire.refresh()

    def remove_dot(self, dot: RerouteDot) -> None:
        points = points_for(self.document.project, dot.link_id)
        if 0 <= dot.index < len(points):
            del points[dot.index]
            document, link_id = self.document, dot.link_id
            QTimer.singleShot(0, lambda: set_points(document, link_id, points, "Remove reroute dot"))
