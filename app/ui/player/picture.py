"""The player's picture: fitted or zoomed and panned, with safe areas, aspect masks and an A/B compare.

Frames arrive already fitted to pixel_size() (made on the workers), so a paint is a plain copy to
the screen. Geometry follows the source's own size (`native`), so a frame made smaller than the
widget while it is being worked out again still lands in the right place.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

COMPARE_MODES = ("off", "wipe", "side by side")
ASPECT_MASKS = {"2.39:1": 2.39, "1.85:1": 1.85, "4:3": 4 / 3}
SAFE_AREAS = ((0.9, "action safe"), (0.8, "title safe"))
ZOOM_STEP = 1.25
WIPE_GRAB_PX = 8  # how near the divider a press takes hold of it


class PictureView(QWidget):
    resized = Signal()
    zoom_changed = Signal()
    image_changed = Signal()  # a new picture is shown (the scopes measure it)
    hovered = Signal(object)  # (x, y) of the source pixel under the mouse, or None off the picture

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.image_b: QImage | None = None
        self.native: tuple[int, int] | None = None  # the source's size, for geometry and 100 %
        self.zoom: float | None = None  # None: fit; else device pixels per source pixel (1.0 is 100 %)
        self.pan = QPointF(0, 0)
        self.compare = "off"
        self.wipe = 0.5  # where the divider is, as a fraction of the picture's width
        self.safe_areas = False
        self.aspect_mask: str | None = None
        self._drag: str | None = None  # "wipe" or "pan" while a button is held
        self._drag_from = QPointF()
        self.setMinimumSize(160, 90)
        self.setMouseTracking(True)  # the pixel under the mouse is read out as it moves

    def set_image(self, image: QImage | None, image_b: QImage | None = None) -> None:
        changed = image is not self.image
        self.image, self.image_b = image, image_b
        if changed:
            self.image_changed.emit()
        self.update()

    # ---- sizes ------------------------------------------------------------------------------------

    def _area(self) -> tuple[float, float]:
        """The widget area one picture gets (half the width side by side), in logical pixels."""
        width = self.width() / 2 if self.compare == "side by side" else self.width()
        return max(1.0, width), max(1.0, float(self.height()))

    def _scale(self) -> float:
        """Logical pixels per source pixel."""
        native = self.native or ((self.image.width(), self.image.height()) if self.image is not None else (1, 1))
        if self.zoom is None:
            width, height = self._area()
            return min(width / native[0], height / native[1])
        return self.zoom / self.devicePixelRatioF()

    def pixel_size(self) -> tuple[int, int]:
        """The device pixels a frame is made at: the picture area, or the zoomed source (at most its own size)."""
        ratio = self.devicePixelRatioF()
        if self.zoom is None or self.native is None:
            width, height = self._area()
            return round(width * ratio), round(height * ratio)
        factor = min(1.0, self.zoom)  # above 100 % the source's own pixels are enlarged on screen
        return max(1, round(self.native[0] * factor)), max(1, round(self.native[1] * factor))

    def _target(self, left: float = 0.0) -> QRectF:
        native = self.native or ((self.image.width(), self.image.height()) if self.image is not None else (1, 1))
        scale = self._scale()
        width, height = native[0] * scale, native[1] * scale
        area_w, area_h = self._area()
        offset = self.pan if self.zoom is not None else QPointF(0, 0)
        return QRectF(left + (area_w - width) / 2 + offset.x(), (area_h - height) / 2 + offset.y(), width, height)

    def set_zoom(self, zoom: float | None) -> None:
        """None fits the picture; 1.0 is 100 % (one source pixel per device pixel), 2.0 is 200 %."""
        self.zoom = None if zoom is None else max(0.05, min(16.0, zoom))
        if zoom is None:
            self.pan = QPointF(0, 0)
        self.zoom_changed.emit()
        self.update()

    def effective_zoom(self) -> float:
        return self._scale() * self.devicePixelRatioF()

    # ---- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#181818"))
        if self.image is None or self.image.isNull():
            return
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        target = self._target()
        if self.compare == "side by side":
            self._draw(painter, self.image, target)
            right = self._target(self.width() / 2)
            self._draw(painter, self.image_b, right)
            self._overlays(painter, target)
            self._overlays(painter, right)
            self._label(painter, target, "A")
            self._label(painter, right, "B")
            return
        if self.compare == "wipe" and self.image_b is not None:
            split = target.left() + target.width() * self.wipe
            painter.save()
            painter.setClipRect(QRectF(0, 0, split, self.height()))
            self._draw(painter, self.image, target)
            painter.setClipRect(QRectF(split, 0, self.width() - split, self.height()))
            self._draw(painter, self.image_b, target)
            painter.restore()
            self._overlays(painter, target)
            painter.setPen(QPen(QColor("#f0f0f0"), 2))
            painter.drawLine(QPointF(split, target.top()), QPointF(split, target.bottom()))
            painter.setBrush(QColor("#f0f0f0"))
            painter.drawEllipse(QPointF(split, target.center().y()), 6, 6)
            self._label(painter, QRectF(target.left(), target.top(), split - target.left(), target.height()), "A")
            self._label(painter, QRectF(split, target.top(), target.right() - split, target.height()), "B")
            return
        self._draw(painter, self.image, target)
        self._overlays(painter, target)

    @staticmethod
    def _draw(painter: QPainter, image: QImage | None, target: QRectF) -> None:
        if image is not None and not image.isNull():
            painter.drawImage(target, image)

    @staticmethod
    def _label(painter: QPainter, area: QRectF, text: str) -> None:
        if area.width() < 30:
            return
        painter.setPen(QColor("#f0f0f0"))
        painter.drawText(area.adjusted(8, 6, -8, -6), Qt.AlignTop | Qt.AlignLeft, text)

    def _overlays(self, painter: QPainter, target: QRectF) -> None:
        if self.aspect_mask in ASPECT_MASKS:
            ratio = ASPECT_MASKS[self.aspect_mask]
            shade = QColor(0, 0, 0, 200)
            if target.width() / target.height() < ratio:  # wider than the frame: bars top and bottom
                bar = (target.height() - target.width() / ratio) / 2
                painter.fillRect(QRectF(target.left(), target.top(), target.width(), bar), shade)
                painter.fillRect(QRectF(target.left(), target.bottom() - bar, target.width(), bar), shade)
            else:  # narrower: bars left and right
                bar = (target.width() - target.height() * ratio) / 2
                painter.fillRect(QRectF(target.left(), target.top(), bar, target.height()), shade)
                painter.fillRect(QRectF(target.right() - bar, target.top(), bar, target.height()), shade)
        if self.safe_areas:
            for fraction, _name in SAFE_AREAS:
                pen = QPen(QColor(255, 255, 255, 170), 1, Qt.DashLine)
                painter.setPen(pen)
                painter.setBrush(Qt.NoBrush)
                w, h = target.width() * fraction, target.height() * fraction
                painter.drawRect(QRectF(target.center().x() - w / 2, target.center().y() - h / 2, w, h))

    # ---- mouse: the wipe divider, panning, wheel zoom ---------------------------------------------------

    def divider_x(self) -> float:
        target = self._target()
        return target.left() + target.width() * self.wipe

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return super().mousePressEvent(event)
        x = event.position().x()
        if self.compare == "wipe" and abs(x - self.divider_x()) <= WIPE_GRAB_PX:
            self._drag = "wipe"
        elif self.zoom is not None:
            self._drag, self._drag_from = "pan", event.position()
        event.accept()

    def source_pixel(self, point: QPointF) -> tuple[int, int] | None:
        """The source pixel (in the picture's own size) under a point of the widget, or None."""
        if self.image is None or self.image.isNull():
            return None
        target = self._target()
        if not target.contains(point):
            return None
        native = self.native or (self.image.width(), self.image.height())
        x = int((point.x() - target.left()) / target.width() * native[0])
        y = int((point.y() - target.top()) / target.height() * native[1])
        return min(x, native[0] - 1), min(y, native[1] - 1)

    def shown_rgb(self, pixel: tuple[int, int]) -> tuple[int, int, int] | None:
        """The 8-bit display value shown for a source pixel (read from the picture as drawn)."""
        if self.image is None or self.image.isNull():
            return None
        native = self.native or (self.image.width(), self.image.height())
        x = min(self.image.width() - 1, int(pixel[0] * self.image.width() / native[0]))
        y = min(self.image.height() - 1, int(pixel[1] * self.image.height() / native[1]))
        color = self.image.pixelColor(x, y)
        return color.red(), color.green(), color.blue()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.hovered.emit(None)

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            self.hovered.emit(self.source_pixel(event.position()))
        if self._drag == "wipe":
            target = self._target()
            self.wipe = min(1.0, max(0.0, (event.position().x() - target.left()) / max(1.0, target.width())))
            self.update()
        elif self._drag == "pan":
            self.pan += event.position() - self._drag_from
            self._drag_from = event.position()
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self.image is not None:
            self.set_zoom(self.effective_zoom() * ZOOM_STEP ** steps)
            event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()
