"""An overview of the whole graph in a corner of the canvas; click or drag in it to pan there.

It draws the nodes as blocks in their category colours, scaled to fit, with the part the
canvas shows outlined. It is only a view: it reads the scene and moves the canvas, and never
touches the graph. It repaints when the scene changes or the canvas scrolls or zooms.

The map lies over the canvas, so every repaint of the canvas under it (each pan or zoom step)
repaints it too. Reading 500 nodes' rectangles and colours and drawing them took ~6 ms of each
such repaint, so the blocks are read once per layout change and drawn once per map area into a
picture that later repaints only copy.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from . import theme
from .group_item import GroupItem

SIZE = (220, 150)
MARGIN = 10  # from the canvas corner
PAD = 200.0  # scene units around the graph, so edge nodes are not flush with the frame
REDRAW_MS = 100


class Minimap(QWidget):
    """A child of the CanvasView, kept in its bottom-right corner."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setFixedSize(*SIZE)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the canvas there")
        self._drag_world: QRectF | None = None  # the map's scene area, frozen during a drag
        # Badges and progress change the scene many times a second while rendering; the map only
        # shows where nodes are, so it follows the scene's layout_changed (a node added, removed,
        # moved or resized), at most once every REDRAW_MS while nodes are dragged. Reading every
        # node's rectangle at each scene change to find out cost 3 ms a look with 500 nodes.
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self.update)
        self._blocks: tuple[QRectF, list[tuple[QRectF, QColor]]] | None = None  # see _read_blocks
        self._layer: tuple[QRectF, QPixmap] | None = None  # the blocks drawn for one map area
        view.scene().layout_changed.connect(self._layout_changed)
        view.horizontalScrollBar().valueChanged.connect(self.update)
        view.verticalScrollBar().valueChanged.connect(self.update)
        view.installEventFilter(self)  # follow the view's size (it does not lay its children out)
        self._place()

    def _layout_changed(self) -> None:
        self._blocks = self._layer = None  # read again when next painted
        if not self._redraw.isActive():
            self._redraw.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Resize:
            self._place()
        return False

    def _place(self) -> None:
        self.move(self.view.width() - self.width() - MARGIN, self.view.height() - self.height() - MARGIN)
        self.raise_()
        self.update()  # a resized canvas shows a different region

    # ---- geometry -----------------------------------------------------------------------------

    def visible_rect(self) -> QRectF:
        return self.view.mapToScene(self.view.viewport().rect()).boundingRect()

    def _drawn(self) -> list:
        """What the canvas shows: nodes not inside a closed group, and the closed groups' boxes."""
        scene = self.view.scene()
        return [*(n for n in scene.nodes.values() if n.isVisible()), *scene.groups.boxes.values()]

    def _read_blocks(self) -> tuple[QRectF, list[tuple[QRectF, QColor]]]:
        """(their union, [(scene rectangle, colour)]) of what the canvas shows, kept until the layout changes."""
        if self._blocks is None:
            blocks, union = [], QRectF()
            for item in self._drawn():
                rect = item.sceneBoundingRect()
                color = QColor(item.model_group.color) if isinstance(item, GroupItem) \
                    else theme.category_color(item.category)
                blocks.append((rect, color))
                union = union.united(rect)
            self._blocks = union, blocks
        return self._blocks

    def world_rect(self) -> QRectF:
        """The scene area drawn: every node and the visible region, padded, at the widget's aspect."""
        union, _blocks = self._read_blocks()
        rect = self.visible_rect().united(union) if not union.isNull() else self.visible_rect()
        rect = rect.adjusted(-PAD, -PAD, PAD, PAD)
        aspect = self.width() / self.height()
        if rect.width() / rect.height() < aspect:  # widen or heighten about the centre: no distortion
            grow = rect.height() * aspect - rect.width()
            rect.adjust(-grow / 2, 0, grow / 2, 0)
        else:
            grow = rect.width() / aspect - rect.height()
            rect.adjust(0, -grow / 2, 0, grow / 2)
        return rect

    def to_scene(self, point: QPointF, world: QRectF | None = None) -> QPointF:
        """The scene point under `point` (widget coordinates)."""
        world = world if world is not None else self.world_rect()
        scale = world.width() / self.width()
        return QPointF(world.left() + point.x() * scale, world.top() + point.y() * scale)

    def _to_map(self, rect: QRectF, world: QRectF) -> QRectF:
        scale = self.width() / world.width()
        return QRectF((rect.left() - world.left()) * scale, (rect.top() - world.top()) * scale,
                      rect.width() * scale, rect.height() * scale)

    # ---- painting and input -------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 20, 215))
        world = self.world_rect()
        painter.drawPixmap(0, 0, self._layer_for(world))
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(theme.SELECTION, 1.5))
        painter.drawRect(self._to_map(self.visible_rect(), world))
        painter.setPen(QPen(theme.NODE_BORDER, 1))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))

    def _layer_for(self, world: QRectF) -> QPixmap:
        """The blocks drawn for the map area `world`, on a transparent picture of the widget's size."""
        ratio = self.devicePixelRatioF()
        if self._layer is None or self._layer[0] != world or self._layer[1].devicePixelRatio() != ratio:
            layer = QPixmap(self.size() * ratio)
            layer.setDevicePixelRatio(ratio)
            layer.fill(Qt.transparent)
            painter = QPainter(layer)
            painter.setPen(Qt.NoPen)
            for rect, color in self._read_blocks()[1]:
                painter.setBrush(color)
                painter.drawRect(self._to_map(rect, world))
            painter.end()
            self._layer = world, layer
        return self._layer[1]

    def center_at(self, point: QPointF) -> None:
        """Centre the canvas on the scene point under `point` (widget coordinates)."""
        self.view.centerOn(self.to_scene(point, self._drag_world))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            # The mapping stays fixed while dragging: otherwise the map would rescale under the cursor.
            self._drag_world = self.world_rect()
            self.center_at(event.position())
            event.accept()

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton and self._drag_world is not None:
            self.center_at(event.position())
            event.accept()

    def mouseReleaseEvent(self, event) -> None:
        self._drag_world = None
        event.accept()
