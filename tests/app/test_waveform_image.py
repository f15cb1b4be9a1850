"""Waveforms are filled column by column in numpy (app.ui.waveform.wave_image): the same columns a
vertical line per pixel drew, for the preview's waveform and the timeline's sound clips."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from app.ui.timeline.painting import WAVE, _paint_wave
from app.ui.waveform import wave_image

GREEN = QColor("#5aa05a")


def column(image: QImage, x: int) -> list[int]:
    """The rows of column x that are painted (not transparent)."""
    return [y for y in range(image.height()) if image.pixelColor(x, y).alpha() > 0]


def test_each_column_is_filled_from_its_high_to_its_low_about_the_middle():
    image = wave_image(np.array([-1.0, 0.0, -0.25]), np.array([1.0, 0.5, -0.25]), 20, GREEN)
    assert (image.width(), image.height()) == (3, 20)
    assert column(image, 0) == list(range(2, 19))  # full scale: 2 px clear of each edge
    assert column(image, 1) == list(range(6, 11))  # from +0.5 down to the middle
    assert column(image, 2) == [12]  # a flat column is one pixel
    assert image.pixelColor(0, 10) == GREEN


def test_columns_take_their_own_colours():
    red = QColor("#d04a4a")
    colours = np.array([GREEN.rgba(), red.rgba()], dtype=np.uint32)
    image = wave_image(np.array([-0.5, -1.0]), np.array([0.5, 1.0]), 12, colours)
    assert image.pixelColor(0, 6) == GREEN and image.pixelColor(1, 6) == red


def test_a_timeline_sound_draws_its_waveform_where_it_is_loud():
    peaks = np.zeros((2, 400), np.float32)
    peaks[0, 200:], peaks[1, 200:] = -0.9, 0.9  # silent for 1 s, then loud for 1 s
    media = SimpleNamespace(peaks=peaks, seconds=Fraction(2))
    sound = SimpleNamespace(trim_start=Fraction(0), length=None)
    canvas = QImage(220, 50, QImage.Format_ARGB32)
    canvas.fill(QColor("#000000"))
    painter = QPainter(canvas)
    _paint_wave(painter, QRectF(10, 5, 200, 40), sound, media)
    painter.end()
    wave_rows = lambda x: [y for y in range(50) if canvas.pixelColor(x, y) == WAVE]  # noqa: E731
    assert len(wave_rows(150)) > 30  # loud: nearly the box's height
    assert len(wave_rows(50)) <= 2  # silent: the middle line only
    assert not wave_rows(5) and not wave_rows(215)  # nothing outside the box
