"""The Scopes dock: waveform, RGB parade, vectorscope and histogram of the picture the preview shows.

They follow the preview as it plays or is scrubbed: each picture shown (display-referred, through
the viewer transform, as a colourist's scopes read the signal) is measured on a worker thread
(engine.media.scopes) and drawn here; only the newest picture is worth measuring, so a measurement
asked for while another runs replaces the one waiting.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.media.scopes import COLUMNS, LEVELS, VECTOR_SIZE, Scopes, measure, vector_position
from engine.priority import BACKGROUND_NICENESS, lower_thread_priority

from .theme import TEXT_DIM

SCOPES = ("Waveform", "RGB parade", "Vectorscope", "Histogram")
# The 75 % colour bars' targets on the vectorscope, as a scope's graticule marks them.
TARGETS = {"R": (0.75, 0, 0), "Yl": (0.75, 0.75, 0), "G": (0, 0.75, 0), "Cy": (0, 0.75, 0.75),
           "B": (0, 0, 0.75), "Mg": (0.75, 0, 0.75)}
TRACE = {"Waveform": (140, 230, 140), "R": (255, 90, 90), "G": (90, 230, 90), "B": (110, 140, 255)}


def image_pixels(image: QImage) -> np.ndarray | None:
    """A QImage as H x W x 3 uint8 RGB (a copy, safe to hand to a worker), or None for an empty one."""
    if image is None or image.isNull():
        return None
    rgb = image.convertToFormat(QImage.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    buffer = np.frombuffer(rgb.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return buffer[:, : width * 3].reshape(height, width, 3).copy()


def density(counts: np.ndarray, color: tuple[int, int, int]) -> QImage:
    """Counts as a glowing trace: brightness grows with the log of the count, so sparse values still show."""
    scaled = np.log1p(counts.astype(np.float32))
    peak = float(scaled.max()) or 1.0
    alpha = np.clip(scaled / peak * 1.6, 0.0, 1.0)
    rgb = (alpha[..., None] * np.asarray(color, np.float32)).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb[::-1])  # level 0 at the bottom
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()


class ScopeCanvas(QWidget):
    """Paints one scope (or all four in a grid) from the latest Scopes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scopes: Scopes | None = None
        self.mode = "All"
        self._images: dict[str, QImage] = {}
        self.setMinimumSize(240, 160)

    def set_scopes(self, scopes: Scopes | None) -> None:
        self.scopes = scopes
        self._images = {}
        if scopes is not None:
            self._images["Waveform"] = density(scopes.waveform, TRACE["Waveform"])
            third = COLUMNS // 3
            parts = [density(scopes.parade[:, i * third:(i + 1) * third], TRACE[c]) for i, c in enumerate("RGB")]
            self._images["RGB parade"] = parts  # drawn side by side
            self._images["Vectorscope"] = density(scopes.vectorscope, (200, 200, 200))  # Cr up, Cb across
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#101010"))
        if self.scopes is None:
            painter.setPen(TEXT_DIM)
            painter.drawText(self.rect(), Qt.AlignCenter, "Scopes show the picture in the preview")
            return
        if self.mode == "All":
            w, h = self.width() / 2, self.height() / 2
            for index, name in enumerate(SCOPES):
                self._paint(painter, name, QRectF((index % 2) * w, (index // 2) * h, w, h).adjusted(3, 3, -3, -3))
        else:
            self._paint(painter, self.mode, QRectF(self.rect()).adjusted(4, 4, -4, -4))

    def _paint(self, painter: QPainter, name: str, box: QRectF) -> None:
        painter.setPen(QColor("#2c2c2c"))
        painter.drawRect(box)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        if name == "Waveform":
            painter.drawImage(box, self._images[name])
            self._graticule(painter, box)
        elif name == "RGB parade":
            third = box.width() / 3
            for index, image in enumerate(self._images[name]):
                painter.drawImage(QRectF(box.left() + index * third, box.top(), third - 2, box.height()), image)
            self._graticule(painter, box)
        elif name == "Vectorscope":
            side = min(box.width(), box.height())
            square = QRectF(box.center().x() - side / 2, box.center().y() - side / 2, side, side)
            painter.drawImage(square, self._images[name])
            self._vector_graticule(painter, square)
        else:
            self._paint_histogram(painter, box)
        painter.setPen(TEXT_DIM)
        painter.drawText(box.adjusted(4, 2, 0, 0), Qt.AlignLeft | Qt.AlignTop, name)

    @staticmethod
    def _graticule(painter: QPainter, box: QRectF) -> None:
        """Lines at 0, 25, 50, 75 and 100 % of the signal."""
        painter.setPen(QPen(QColor(255, 255, 255, 40), 1, Qt.DashLine))
        for percent in (0, 25, 50, 75, 100):
            y = box.bottom() - box.height() * percent / 100
            painter.drawLine(QPointF(box.left(), y), QPointF(box.right(), y))

    @staticmethod
    def _vector_graticule(painter: QPainter, square: QRectF) -> None:
        painter.setPen(QPen(QColor(255, 255, 255, 50), 1))
        painter.drawEllipse(square.adjusted(2, 2, -2, -2))
        centre = square.center()
        painter.drawLine(QPointF(square.left(), centre.y()), QPointF(square.right(), centre.y()))
        painter.drawLine(QPointF(centre.x(), square.top()), QPointF(centre.x(), square.bottom()))
        scale = square.width() / VECTOR_SIZE
        for label, color in TARGETS.items():
            column, row = vector_position(color)
            point = QPointF(square.left() + column * scale, square.bottom() - row * scale)
            painter.setPen(QPen(QColor(230, 200, 80), 1))
            painter.drawRect(QRectF(point.x() - 4, point.y() - 4, 8, 8))
            painter.drawText(point + QPointF(6, -6), label)

    def _paint_histogram(self, painter: QPainter, box: QRectF) -> None:
        histogram = self.scopes.histogram.astype(np.float32)
        peak = float(np.log1p(histogram).max()) or 1.0
        step = box.width() / LEVELS
        for channel, key in enumerate("RGB"):
            painter.setPen(QPen(QColor(*TRACE[key]), 1))
            heights = np.log1p(histogram[channel]) / peak * (box.height() - 14)
            points = [QPointF(box.left() + i * step, box.bottom() - heights[i]) for i in range(LEVELS)]
            painter.drawPolyline(points)


class ScopesView(QWidget):
    """The dock's widget: the scope chosen, drawn from the preview's picture."""

    _measured = Signal(int, object)  # request number, Scopes (from the worker)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(("All", *SCOPES))
        self.mode.setToolTip("Which scope; all four, or one at full size")
        self.canvas = ScopeCanvas()
        self.mode.currentTextChanged.connect(self._mode_chosen)
        self.note = QLabel()
        self.note.setObjectName("hint")
        row = QHBoxLayout()
        row.addWidget(self.mode)
        row.addWidget(self.note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)
        self._request = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiprod-scopes",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self._measured.connect(self._on_measured, Qt.QueuedConnection)

    def follow(self, picture) -> None:
        """Measure every picture `picture` (the preview's PictureView) shows."""
        picture.image_changed.connect(lambda: self.show_image(picture.image))

    def show_image(self, image: QImage | None) -> None:
        self._last = image
        if not self.isVisible():
            return  # a hidden dock measures nothing; it catches up when shown (showEvent)
        pixels = image_pixels(image)
        with self._lock:
            self._request += 1
            number = self._request
        if pixels is None:
            self._on_measured(number, None)
            return

        def work():
            if number == self._request:  # a newer picture is waiting: measure that one instead
                self._measured.emit(number, measure(pixels))

        self._pool.submit(work)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_last", None) is not None:
            self.show_image(self._last)

    def _on_measured(self, number: int, scopes) -> None:
        if number == self._request:
            self.canvas.set_scopes(scopes)

    def _mode_chosen(self, mode: str) -> None:
        self.canvas.mode = mode
        self.canvas.update()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
