"""The Scopes dock measures the picture the preview shows: a rendered colour-bars title lands on the
waveform and vectorscope, and it follows the preview as another frame is shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

from app.ui.scopes_view import image_pixels


def test_the_scopes_measure_what_the_preview_shows(window, qtbot):
    window.docks["scopes"].raise_()
    scopes = window.scopes
    qtbot.waitUntil(scopes.isVisible, timeout=5_000)
    red = QImage(64, 36, QImage.Format_RGB32)
    red.fill(QColor(255, 0, 0))
    window.preview.picture.set_image(red)
    qtbot.waitUntil(lambda: scopes.canvas.scopes is not None, timeout=5_000)
    measured = scopes.canvas.scopes
    assert measured.histogram[0, 255] == measured.histogram.sum() / 3  # every red value is full
    assert set(np.flatnonzero(measured.waveform.sum(axis=1))) == {round(0.2126 * 255)}
    grey = QImage(64, 36, QImage.Format_RGB32)
    grey.fill(QColor(128, 128, 128))
    window.preview.picture.set_image(grey)  # the next picture replaces it
    qtbot.waitUntil(lambda: scopes.canvas.scopes is not measured, timeout=5_000)
    assert set(np.flatnonzero(scopes.canvas.scopes.waveform.sum(axis=1))) == {128}
    for mode in ("All", "Waveform", "RGB parade", "Vectorscope", "Histogram"):
        scopes.mode.setCurrentText(mode)
        scopes.canvas.grab()  # each paints without error


def test_image_pixels_reads_rgb_in_order():
    image = QImage(3, 2, QImage.Format_RGB32)
    image.fill(QColor(10, 20, 30))
    pixels = image_pixels(image)
    assert pixels.shape == (2, 3, 3) and tuple(pixels[1, 2]) == (10, 20, 30)
