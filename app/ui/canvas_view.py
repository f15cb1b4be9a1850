"""The canvas view: grid, zoom about the cursor, middle-mouse pan, frame all, Tab search, and drops.

Drops come from the palette (a node type) or from the file manager (media files become nodes,
a project file is handed to the window through `project_dropped`).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QCursor, QPainter, QPen, QPixmapCache
from PySide6.QtWidgets import QGraphicsView

from . import theme
from .file_drop import add_file_nodes, is_project
from .palette import NODE_MIME

MIN_ZOOM, MAX_ZOOM = 0.1, 3.0
WORLD = 100_000.0  # the scene is far larger than any graph, so panning never hits an edge
# Each node and badge keeps its picture in Qt's shared pixmap cache (DeviceCoordinateCache). Qt's
# 10 MB default holds about 55 nodes at 100 % zoom, so panning a large graph evicted and redrew
# them over and over. 128 MB holds 500: repainting benchmarks/editor.py's 500-node project while
# panning took 20-30 % less time with it (alternating runs on 2 cores).
PIXMAP_CACHE_KB = 128 * 1024


class CanvasView(QGraphicsView):
    project_dropped = Signal(str)  # a .aiprod file dropped on the canvas: the window opens it

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_CACHE_KB))
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
        self._search = None  # the Tab popup, built on first use
        self._search_at = QPointF()

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
        # The point under the cursor stays put. AnchorUnderMouse alone anchors at the last mouse
        # *move* Qt saw, which a wheel over a window that has not seen the mouse yet lacks.
        at = event.position().toPoint()
        before = self.mapToScene(at)
        self.zoom_by(math.pow(1.0015, event.angleDelta().y()))
        drift = self.mapToScene(at) - before
        self.pan_by(-drift.x() * self.zoom, -drift.y() * self.zoom)
        event.accept()

    def pan_by(self, dx: float, dy: float) -> None:
        """Scroll the view by a number of viewport pixels (middle-drag, tests and the benchmark)."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(dy))

    def frame_all(self) -> None:
        """Fit every node in the view, with a margin, never magnifying beyond 1:1."""
        scene = self.scene()
        self._frame([*(n for n in scene.nodes.values() if n.isVisible()), *scene.groups.boxes.values(),
                     *scene.backdrops.items.values()])

    def frame_selected(self) -> None:
        """Fit the selected nodes (and backdrops) in the view; with nothing selected, everything (F)."""
        scene = self.scene()
        chosen = [i for i in (*scene.nodes.values(), *scene.groups.boxes.values(), *scene.backdrops.items.values())
                  if i.isSelected()]
        if chosen:
            self._frame(chosen)
        else:
            self.frame_all()

    def _frame(self, items) -> None:
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
        # The menu took the right button's release, so the node pressed on would stay the scene's
        # mouse grabber: the next left drag, wherever it started, went to that node with the old
        # press's positions and threw it across the canvas. The press ends with the menu.
        scene = self.scene()
        grabber = scene.mouseGrabberItem()
        if grabber is not None:
            grabber.ungrabMouse()
        scene.forget_press()

    # ---- Tab: search for a node type ----------------------------------------------------------

    def event(self, event) -> bool:
        # Tab is normally eaten by focus navigation before keyPressEvent sees it.
        if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Tab and not event.modifiers():
            self.open_node_search()
            return True
        return super().event(event)

    def open_node_search(self, scene_pos: QPointF | None = None):
        """Show the search popup; the chosen type lands at `scene_pos` (default: under the cursor)."""
        from .node_search import NodeSearchPopup

        if scene_pos is None:
            local = self.viewport().mapFromGlobal(QCursor.pos())
            if not self.viewport().rect().contains(local):
                local = self.viewport().rect().center()
            scene_pos = self.mapToScene(local)
        if self._search is None:
            self._search = NodeSearchPopup(self.scene().document.registry, self)
            self._search.chosen.connect(lambda type_id: self.add_node_at(type_id, self._search_at))
        self._search_at = QPointF(scene_pos)
        self._search.open_at(self.viewport().mapToGlobal(self.mapFromScene(scene_pos)))
        return self._search

    # ---- drops: node types from the palette, files from the file manager --------------------------

    @staticmethod
    def _accepts(mime) -> bool:
        return mime.hasFormat(NODE_MIME) or (mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()))

    def dragEnterEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not self._accepts(mime):
            super().dropEvent(event)
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        if mime.hasFormat(NODE_MIME):
            self.add_node_at(bytes(mime.data(NODE_MIME)).decode(), scene_pos)
        else:
            self.drop_files([u.toLocalFile() for u in mime.urls() if u.isLocalFile()], scene_pos)
        event.acceptProposedAction()

    def drop_files(self, paths: list[str], scene_pos: QPointF) -> list[str]:
        """Media files become nodes (one undo step); a project file is opened instead."""
        projects = [p for p in paths if is_project(p)]
        scene = self.scene()
        x, y = self._snapped(scene_pos)
        new_ids = add_file_nodes(scene.document, paths, (x, y), scene.actions.message.emit)
        if new_ids:
            scene.select_nodes(new_ids)
        if projects:
            self.project_dropped.emit(projects[0])  # one window holds one project
        return new_ids

    def _snapped(self, scene_pos: QPointF) -> tuple[float, float]:
        step = theme.GRID if self.scene().snap else 1
        return round(scene_pos.x() / step) * step, round(scene_pos.y() / step) * step

    def add_node_at(self, type_id: str, scene_pos: QPointF) -> str | None:
        x, y = self._snapped(scene_pos)
        node_id = self.scene().actions.add_node(type_id, (x, y))
        if node_id:
            self.scene().select_nodes([node_id])
        return node_id

    def add_node_at_center(self, type_id: str) -> str | None:
        """Double-click in the palette: the node lands in the middle of what the user is looking at."""
        return self.add_node_at(type_id, self.mapToScene(self.viewport().rect().center()))
