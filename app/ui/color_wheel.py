"""Colour wheels for lift, gamma and gain: a puck on a hue disc for the balance, a slider for the level,
and the three numbers, still typed where precision matters.

A balance value is three per-channel multipliers around neutral 1. It is split into its level (the
mean of the three) and its colour (what is left, a vector in the plane of equal-brightness shifts),
and that colour is drawn at its hue's angle on the disc (red at 0°, green at 120°, blue at 240°,
counter-clockwise, as the disc is painted), at a distance that reaches the rim at RIM_SHIFT. Moving
the puck changes the colour and keeps the level, moving the slider the reverse, as on a grading panel.
A drag is one undo step (its edits share a merge key).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QVBoxLayout, QWidget

from .param_widgets import ParamEditor

RIM_SHIFT = 0.5  # a colour shift this large (per channel, around the level) puts the puck on the rim
LEVEL_RANGE = (0.0, 4.0)  # what the level slider covers; the numbers take any value the parameter does
# An orthonormal basis of the shifts that leave the mean unchanged: e1 points at red, e2 towards green.
E1 = np.array([2.0, -1.0, -1.0]) / math.sqrt(6.0)
E2 = np.array([0.0, 1.0, -1.0]) / math.sqrt(2.0)


def to_wheel(value) -> tuple[float, float, float]:
    """(x, y, level): the puck's position (-1..1 at the rim, y up) and the level of a balance value."""
    rgb = np.asarray(value[:3], np.float64)
    level = float(rgb.mean())
    shift = rgb - level
    scale = math.sqrt(1.5) * RIM_SHIFT  # a pure-hue shift of RIM_SHIFT on its channel has this length
    return float(shift @ E1) / scale, float(shift @ E2) / scale, level


def from_wheel(x: float, y: float, level: float) -> list[float]:
    """The balance value for a puck position and a level (the inverse of to_wheel)."""
    scale = math.sqrt(1.5) * RIM_SHIFT
    rgb = level + scale * (x * E1 + y * E2)
    return [float(c) for c in rgb]


@functools.lru_cache(maxsize=4)
def hue_disc(size: int) -> QImage:
    """The disc: hue by angle (red at 0°, counter-clockwise), saturation by distance from the centre.
    Made once per size and shared (a QImage is only painted from here): each Grade shown in the
    inspector has four wheels, and making the disc is a millisecond of numpy each."""
    axis = (np.arange(size) + 0.5) / size * 2 - 1
    x, y = np.meshgrid(axis, -axis)  # y up
    radius = np.hypot(x, y)
    hue = (np.degrees(np.arctan2(y, x)) % 360) / 60.0
    sector, fraction = np.floor(hue).astype(int) % 6, hue - np.floor(hue)
    saturation = np.clip(radius, 0, 1) * 0.75
    value = 0.55
    p, q, t = value * (1 - saturation), value * (1 - saturation * fraction), value * (1 - saturation * (1 - fraction))
    v = np.full_like(p, value)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    rgb = np.zeros((size, size, 4), np.uint8)
    for index, (r, g, b) in enumerate(choices):
        mask = sector == index
        rgb[mask, 0], rgb[mask, 1], rgb[mask, 2] = r[mask] * 255, g[mask] * 255, b[mask] * 255
    rgb[..., 3] = np.where(radius <= 1.0, 255, 0)
    return QImage(np.ascontiguousarray(rgb).data, size, size, 4 * size, QImage.Format_RGBA8888).copy()


class WheelDisc(QWidget):
    """The disc and its puck; emits the puck's new position while dragged, and when released."""

    moved = Signal(float, float)
    released = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.puck = (0.0, 0.0)
        self.setFixedSize(112, 112)
        self._disc = hue_disc(112)
        self.setToolTip("Drag the puck to shift the colour balance; double-click to reset it to neutral")

    def set_puck(self, x: float, y: float) -> None:
        self.puck = (x, y)
        self.update()

    def _position(self, point: QPointF) -> tuple[float, float]:
        half = self.width() / 2
        x, y = (point.x() - half) / half, (half - point.y()) / half
        radius = math.hypot(x, y)
        return (x / radius, y / radius) if radius > 1 else (x, y)

    def mousePressEvent(self, event) -> None:
        self.moved.emit(*self._position(event.position()))

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self.moved.emit(*self._position(event.position()))

    def mouseReleaseEvent(self, event) -> None:
        self.released.emit()

    def mouseDoubleClickEvent(self, event) -> None:
        self.moved.emit(0.0, 0.0)
        self.released.emit()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.drawImage(QRectF(self.rect()), self._disc)
        half = self.width() / 2
        painter.setPen(QPen(QColor(255, 255, 255, 60), 1))
        painter.drawLine(QPointF(half, 4), QPointF(half, self.height() - 4))
        painter.drawLine(QPointF(4, half), QPointF(self.width() - 4, half))
        x, y = self.puck
        centre = QPointF(half + x * half, half - y * half)
        painter.setPen(QPen(QColor("#000"), 3))
        painter.drawEllipse(centre, 5, 5)
        painter.setPen(QPen(QColor("#fff"), 1.5))
        painter.drawEllipse(centre, 5, 5)


class ColorWheelEditor(ParamEditor):
    """Lift, gamma or gain: a wheel for the colour, a slider for the level, the three numbers below."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.value = list(param.default)
        self._drag = 0  # numbers each drag's merge key, so one drag is one undo step
        self.disc = WheelDisc()
        self.level = QSlider(Qt.Vertical)
        self.level.setRange(round(LEVEL_RANGE[0] * 1000), round(LEVEL_RANGE[1] * 1000))
        self.level.setToolTip("Level: all three channels together (1 = neutral)")
        self.spins = []
        numbers = QHBoxLayout()
        for channel in "RGB":
            spin = QDoubleSpinBox()
            spin.setDecimals(3)
            spin.setSingleStep(0.01)
            spin.setRange(param.min if param.min is not None else -10.0, param.max if param.max is not None else 10.0)
            spin.setPrefix(f"{channel} ")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._typed)
            numbers.addWidget(spin)
            self.spins.append(spin)
        self.disc.moved.connect(self._puck_moved)
        self.disc.released.connect(self._end_drag)
        self.level.valueChanged.connect(self._level_moved)
        self.level.sliderReleased.connect(self._end_drag)
        top = QHBoxLayout()
        top.addWidget(self.disc)
        top.addWidget(self.level)
        top.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addLayout(top)
        column.addLayout(numbers)
        self.layout_.addLayout(column, 1)

    def _merge_key(self) -> str:
        return f"wheel:{self.param.name}:{self._drag}"

    def _end_drag(self) -> None:
        self._drag += 1

    def new_gesture(self) -> None:
        self._end_drag()

    def _puck_moved(self, x: float, y: float) -> None:
        _, _, level = to_wheel(self.value)
        self._emit(from_wheel(x, y, level), self._merge_key())

    def _level_moved(self, position: int) -> None:
        x, y, _ = to_wheel(self.value)
        self._emit(from_wheel(x, y, position / 1000), self._merge_key())

    def _typed(self, _value: float) -> None:
        self._emit([spin.value() for spin in self.spins] + self.value[3:], None)

    def _emit(self, value: list[float], merge_key) -> None:
        value = [round(c, 4) for c in value[:3]] + list(self.value[3:])
        if value == self.value:
            return
        self._show(value)
        self.edited.emit(value, merge_key)

    def _show(self, value) -> None:
        self.value = list(value)
        x, y, level = to_wheel(self.value)
        self.disc.set_puck(max(-1.0, min(1.0, x)), max(-1.0, min(1.0, y)))
        for widget, shown in ((self.level, round(level * 1000)),) + tuple(zip(self.spins, self.value[:3])):
            widget.blockSignals(True)
            widget.setValue(shown)
            widget.blockSignals(False)
