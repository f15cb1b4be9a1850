"""The canvas view: grid, zoom about the cursor, middle-mouse pan, frame all, and drops from the palette."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from . import theme
from .palette import NODE_MIME

MIN_ZOOM, MAX_ZOOM = 0.1, 3.0
WORLD = 100_000.0  # the scene is far larger than any graph, so panning never hits an edge


class CanvasView(QGraphicsView):
    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        scene.setSceneRect(QRectF(-WORLD / 2, -WORLD / 2, WORLD, WORLD))
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        # The grid is drawn once into a pixmap that scrolls with the view; panning reuses it.
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self._pan_from: QPointF | None = None

    # ---- zoom and pan -----------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        factor = target / self.zoom
        if abs(factor - 1.0) > 1e-6:
            self.scale(factor, factor)

    def reset_zoom(self) -> None:
        self.zoom_by(1.0 / self.zoom)

    def wheelEvent(self, event) -> None:
        # AnchorUnderMouse keeps the point under the cursor fixed while scaling.
        self.zoom_by(math.pow(1.0015, event.angleDelta().y()))
        event.accept()

    def pan_by(self, dx: float, dy: float) -> None:
        """Scroll the view by a number of viewport pixels (middle-drag, tests and the benchmark)."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(dy))

    def frame_all(self) -> None:
        """Fit every node in the view, with a margin, never magnifying beyond 1:1."""
        items = [i for i in self.scene().nodes.values()]
        if not items:
            self.centerOn(0, 0)
            return
        rect = QRectF()
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        rect.adjust(-60, -60, 60, 60)
        self.fitInView(rect, Qt.KeepAspectRatio)
        if self.zoom > 1.0:
            self.reset_zoom()
        elif self.zoom < MIN_ZOOM:
            self.zoom_by(MIN_ZOOM / self.zoom)
        self.centerOn(rect.center())

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(-delta.x(), -delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---- grid -------------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, theme.BACKGROUND)
        # Lines at least 8 px apart: zoomed out, the minor grid would turn into a grey wash.
        step = theme.GRID
        while step * self.zoom < 8:
            step *= 5
        major_step = step * 5
        left, top = math.floor(rect.left() / step) * step, math.floor(rect.top() / step) * step
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if x % major_step == 0 else minor).append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            (major if y % major_step == 0 else minor).append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        for lines, color in ((minor, theme.GRID_MINOR), (major, theme.GRID_MAJOR)):
            if lines:
                painter.setPen(QPen(color, 0))
                painter.drawLines(lines)  # one call: per-line calls from Python dominate a repaint

    def contextMenuEvent(self, event) -> None:
        from .canvas_menu import build_canvas_menu

        build_canvas_menu(self, self.mapToScene(event.pos())).exec(event.globalPos())
        event.accept()

    # ---- drops from the palette ---------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if not event.mimeData().hasFormat(NODE_MIME):
            super().dropEvent(event)
            return
        type_id = bytes(event.mimeData().data(NODE_MIME)).decode()
        self.add_node_at(type_id, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    def add_node_at(self, type_id: str, scene_pos: QPointF) -> str | None:
        step = theme.GRID if self.scene().snap else 1
        x, y = round(scene_pos.x() / step) * step, round(scene_pos.y() / step) * step
        node_id = self.scene().actions.add_node(type_id, (x, y))
        if node_id:
            self.scene().select_nodes([node_id])
        return node_id

    def add_node_at_center(self, type_id: str) -> str | None:
        """Double-click in the palette: the node lands in the middle of what the user is looking at."""
        return self.add_node_at(type_id, self.mapToScene(self.viewport().rect().center()))
