"""Backdrops on the canvas: a frame behind the nodes, dragged by its title bar, resized by its corner.

The items only mirror project.settings["backdrops"]: the layer re-reads it whenever the undo
stack changes (an edit, undo or redo). A drag moves the frame and the nodes inside it on screen;
the release turns it into one command (app.ui.backdrop_model), after the mouse handler returns.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from . import theme
from .backdrop_model import TITLE_HEIGHT, backdrops, move_backdrop, update_backdrop

CORNER = 16.0  # the resize handle's size, bottom right
MIN_SIZE = 120.0


class BackdropItem(QGraphicsItem):
    def __init__(self, layer, data: dict):
        super().__init__()
        self.layer, self.data = layer, data
        self.setZValue(-10)  # behind wires (0) and nodes
        self.setAcceptHoverEvents(True)
        self._press: QPointF | None = None
        self._mode = ""  # "move" or "resize" while the mouse is down
        self._inside: dict[str, QPointF] = {}

    @property
    def backdrop_id(self) -> str:
        return self.data["id"]

    def rect(self) -> QRectF:
        return QRectF(*self.data["rect"])

    def boundingRect(self) -> QRectF:
        return self.rect().adjusted(-1, -1, 1, 1)

    def set_data(self, data: dict) -> None:
        self.prepareGeometryChange()
        self.data = data
        self.setPos(0, 0)
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect, color = self.rect(), QColor(self.data.get("color", "#4a5a6a"))
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
        painter.drawText(title.adjusted(10, 0, -10, 0), Qt.AlignVCenter | Qt.AlignLeft, str(self.data.get("title", "")))
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
        self._inside = {n: item.pos() for n, item in scene.nodes.items()
                        if self.rect().contains(item.sceneBoundingRect())} if self._mode == "move" else {}
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._press is None:
            return
        delta = event.scenePos() - self._press
        if self._mode == "move":
            self.setPos(delta)
            for node_id, start in self._inside.items():
                self.scene().nodes[node_id].setPos(start + delta)
        else:
            self.prepareGeometryChange()
            x, y, w, h = self.layer.stored(self.backdrop_id)["rect"]
            self.data = dict(self.data, rect=[x, y, max(MIN_SIZE, w + delta.x()), max(MIN_SIZE, h + delta.y())])
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._press is None:
            return
        delta, mode, inside = event.scenePos() - self._press, self._mode, self._inside
        self._press, self._mode, self._inside = None, "", {}
        step = theme.GRID if self.scene().snap else 1
        dx, dy = round(delta.x() / step) * step, round(delta.y() / step) * step
        document, backdrop_id, rect = self.layer.document, self.backdrop_id, list(self.data["rect"])
        # Committed after this handler returns: the command's refresh may replace this very item.
        if mode == "move" and (dx or dy):
            QTimer.singleShot(0, lambda: move_backdrop(document, backdrop_id, dx, dy, list(inside)))
        elif mode == "resize" and rect != self.layer.stored(backdrop_id)["rect"]:
            QTimer.singleShot(0, lambda: update_backdrop(document, backdrop_id, "Resize backdrop", rect=rect))
        else:  # a click, or a move shorter than the snap: put everything back
            self.setPos(0, 0)
            for node_id, start in inside.items():
                self.scene().nodes[node_id].setPos(start)


class BackdropLayer:
    """The scene's backdrop items, kept equal to the project's backdrop list."""

    def __init__(self, scene):
        self.scene, self.document = scene, scene.document
        self.items: dict[str, BackdropItem] = {}
        self.document.changed.connect(self.sync)

    def stored(self, backdrop_id: str) -> dict:
        return next(b for b in backdrops(self.document.project) if b.get("id") == backdrop_id)

    def reset(self) -> None:
        """After the scene was cleared (another project): the old items are gone with it."""
        self.items = {}
        self.sync()

    def sync(self) -> None:
        wanted = {b["id"]: b for b in backdrops(self.document.project) if "id" in b}
        for backdrop_id in [b for b in self.items if b not in wanted]:
            self.scene.removeItem(self.items.pop(backdrop_id))
        for backdrop_id, data in wanted.items():
            item = self.items.get(backdrop_id)
            if item is None:
                item = self.items[backdrop_id] = BackdropItem(self, dict(data))
                self.scene.addItem(item)
            elif item.data != data or item.pos() != QPointF(0, 0):
                item.set_data(dict(data))

    def at(self, scene_pos: QPointF) -> BackdropItem | None:
        return next((i for i in self.items.values() if i.rect().contains(scene_pos)), None)
