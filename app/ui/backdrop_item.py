"""Backdrops on the canvas: a frame behind the nodes, dragged by its title bar, resized by its corner.

The items only mirror the project model's backdrops: the layer adds, changes or removes one item
per model event (an edit, undo or redo). A drag moves the frame and the nodes inside it on screen;
the release turns it into one command (app.ui.backdrop_model); the event it causes updates this
same item, so the command is pushed from inside the mouse handler.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from engine import events as ev
from engine.project_model import Backdrop

from . import theme
from .backdrop_model import TITLE_HEIGHT, move_backdrop, update_backdrop

CORNER = 16.0  # the resize handle's size, bottom right
MIN_SIZE = 120.0


class BackdropItem(QGraphicsItem):
    def __init__(self, layer, backdrop: Backdrop):
        super().__init__()
        self.layer, self.backdrop = layer, backdrop
        self._rect = QRectF(*backdrop.rect)  # differs from the model's while a resize is dragged
        self.setZValue(-10)  # behind wires (0) and nodes
        self.setAcceptHoverEvents(True)
        self._press: QPointF | None = None
        self._mode = ""  # "move" or "resize" while the mouse is down
        self._inside: dict[str, QPointF] = {}
        self._boxes: dict[str, QPointF] = {}  # closed groups' boxes moving with it

    @property
    def backdrop_id(self) -> str:
        return self.backdrop.id

    def rect(self) -> QRectF:
        return self._rect

    def boundingRect(self) -> QRectF:
        return self.rect().adjusted(-1, -1, 1, 1)

    def show_backdrop(self, backdrop: Backdrop) -> None:
        self.prepareGeometryChange()
        self.backdrop, self._rect = backdrop, QRectF(*backdrop.rect)
        self.setPos(0, 0)  # a drag shows its offset as the item's position until the model moves it
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect, color = self.rect(), QColor(self.backdrop.color)
        body = QColor(color)
        body.setAlpha(70)
        painter.fillRect(rect, body)
        title = QRectF(rect.left(), rect.top(), rect.width(), TITLE_HEIGHT)
        painter.fillRect(title, color)
        painter.setPen(QPen(color.lighter(130), 1))
        painter.drawRect(rect)
        painter.setPen(theme.TEXT)
        font = QFont(painter.font())
        font.setPointSizeF(11)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(title.adjusted(10, 0, -10, 0), Qt.AlignVCenter | Qt.AlignLeft, self.backdrop.title)
        corner = QRectF(rect.right() - CORNER, rect.bottom() - CORNER, CORNER, CORNER)
        painter.setPen(QPen(color.lighter(150), 1))
        painter.drawLine(corner.bottomLeft(), corner.topRight())

    # ---- dragging -----------------------------------------------------------------------------

    def zone(self, scene_pos: QPointF) -> str:
        rect = self.rect()
        if scene_pos.y() <= rect.top() + TITLE_HEIGHT:
            return "move"
        if scene_pos.x() >= rect.right() - CORNER and scene_pos.y() >= rect.bottom() - CORNER:
            return "resize"
        return ""  # the body lets clicks through to the canvas (box-select over a backdrop)

    def mousePressEvent(self, event) -> None:
        self._mode = self.zone(event.scenePos()) if event.button() == Qt.LeftButton else ""
        if not self._mode:
            event.ignore()
            return
        self._press = event.scenePos()
        scene = self.scene()
        moving = self._mode == "move"
        self._inside = {n: item.pos() for n, item in scene.nodes.items()
                        if self.rect().contains(item.sceneBoundingRect())} if moving else {}
        # A closed group shows as its box: the box goes with the backdrop as its hidden nodes do.
        self._boxes = {g: box.pos() for g, box in scene.groups.boxes.items()
                       if self.rect().contains(box.sceneBoundingRect())} if moving else {}
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._press is None:
            return
        delta = event.scenePos() - self._press
        if self._mode == "move":
            self.setPos(delta)
            for node_id, start in self._inside.items():
                self.scene().nodes[node_id].setPos(start + delta)
            for group_id, start in self._boxes.items():
                self.scene().groups.boxes[group_id].setPos(start + delta)
        else:
            self.prepareGeometryChange()
            x, y, w, h = self.backdrop.rect
            self._rect = QRectF(x, y, max(MIN_SIZE, w + delta.x()), max(MIN_SIZE, h + delta.y()))
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._press is None:
            return
        delta, mode, inside, boxes = event.scenePos() - self._press, self._mode, self._inside, self._boxes
        self._press, self._mode, self._inside, self._boxes = None, "", {}, {}
        step = theme.GRID if self.scene().snap else 1
        dx, dy = round(delta.x() / step) * step, round(delta.y() / step) * step
        document = self.layer.document
        rect = (self._rect.x(), self._rect.y(), self._rect.width(), self._rect.height())
        if mode == "move" and (dx or dy):
            move_backdrop(document, self.backdrop_id, dx, dy, list(inside), list(boxes))
        elif mode == "resize" and rect != self.backdrop.rect:
            update_backdrop(document, self.backdrop_id, "Resize backdrop", rect=rect)
        else:  # a click, or a move shorter than the snap: put everything back
            self.setPos(0, 0)
            for node_id, start in inside.items():
                self.scene().nodes[node_id].setPos(start)
            for group_id, start in boxes.items():
                self.scene().groups.boxes[group_id].setPos(start)


class BackdropLayer:
    """The scene's backdrop items, one per backdrop of the model, updated from the model's events."""

    def __init__(self, scene):
        self.scene, self.document = scene, scene.document
        self.items: dict[str, BackdropItem] = {}

    def reset(self) -> None:
        """After the scene was cleared (another project): the old items are gone with it."""
        self.items = {}
        for backdrop_id in self.document.model.backdrops:
            self._add(backdrop_id)

    def on_event(self, event) -> None:
        if isinstance(event, ev.BackdropAdded):
            self._add(event.backdrop_id)
        elif isinstance(event, ev.BackdropRemoved):
            item = self.items.pop(event.backdrop_id, None)
            if item is not None:
                self.scene.removeItem(item)
        elif isinstance(event, ev.BackdropChanged) and event.backdrop_id in self.items:
            self.items[event.backdrop_id].show_backdrop(self.document.model.backdrops[event.backdrop_id])

    def _add(self, backdrop_id: str) -> None:
        item = self.items[backdrop_id] = BackdropItem(self, self.document.model.backdrops[backdrop_id])
        self.scene.addItem(item)
        self._restack()

    def _restack(self) -> None:
        """Later backdrops above earlier ones (an undone delete goes back to its place), all behind the wires."""
        for depth, backdrop_id in enumerate(self.document.model.backdrops):
            if backdrop_id in self.items:
                self.items[backdrop_id].setZValue(-10 - 1e-3 * (len(self.items) - depth))

    def at(self, scene_pos: QPointF) -> BackdropItem | None:
        return next((i for i in reversed(self.items.values()) if i.rect().contains(scene_pos)), None)
