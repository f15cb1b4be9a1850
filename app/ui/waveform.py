"""The audio waveform view: min/max of the samples per pixel column, drawn with QPainter.

The worker reduces the whole buffer once to a few thousand (min, max) buckets across all
channels (a ten-minute mix is 29 million frames: too many to touch on every repaint); a
repaint then reduces those buckets to one pixel column each in one numpy call, and fills the
columns in a picture with numpy too (wave_image): building a line object per column in Python
cost the timeline ~20 ms a repaint with four sounds on it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

BUCKETS = 8192  # more than any screen is wide, so each column still sees its own peaks


def audio_peaks(samples: np.ndarray, buckets: int = BUCKETS) -> np.ndarray:
    """(2, n) float32: per bucket the lowest and highest sample of any channel (safe on a worker)."""
    lows, highs = samples.min(axis=0), samples.max(axis=0)
    frames = lows.shape[0]
    if frames == 0:
        return np.zeros((2, 0), np.float32)
    n = min(buckets, frames)
    starts = (np.arange(n, dtype=np.int64) * frames) // n
    return np.stack([np.minimum.reduceat(lows, starts), np.maximum.reduceat(highs, starts)]).astype(np.float32)


def column_peaks(peaks: np.ndarray, width: int) -> np.ndarray:
    """(2, columns) min/max per pixel column from bucket peaks; fewer columns if there are few buckets."""
    n = peaks.shape[1]
    columns = min(width, n)
    if columns <= 0:
        return np.zeros((2, 0), np.float32)
    starts = (np.arange(columns, dtype=np.int64) * n) // columns
    return np.stack([np.minimum.reduceat(peaks[0], starts), np.maximum.reduceat(peaks[1], starts)])


def wave_image(lows: np.ndarray, highs: np.ndarray, height: int, colors) -> QImage:
    """One pixel column per (low, high) pair (-1..1 about the middle, 2 px clear of the edges), each
    filled from its high to its low in its colour (a QColor, or one ARGB uint32 per column); the rest
    transparent. Drawn stretched over a box, it is the waveform of a vertical line per column."""
    count = lows.shape[0]
    middle, half = height / 2.0, height / 2.0 - 2.0
    top = np.floor(middle - np.clip(highs, -1.0, 1.0) * half)
    bottom = np.floor(middle - np.clip(lows, -1.0, 1.0) * half + 0.5)
    rows = np.arange(height)[:, None]
    argb = np.asarray(colors.rgba() if isinstance(colors, QColor) else colors, dtype=np.uint32)
    pixels = np.where((rows >= top) & (rows <= bottom), argb, np.uint32(0)).astype(np.uint32)
    return QImage(pixels.tobytes(), count, height, 4 * count, QImage.Format_ARGB32).copy()


class WaveformView(QWidget):
    WAVE = QColor("#5aa05a")
    CLIP = QColor("#d04a4a")  # columns that reach full scale: the mix may be clipping

    def __init__(self, parent=None):
        super().__init__(parent)
        self.peaks: np.ndarray | None = None
        self.setMinimumSize(160, 90)

    def set_peaks(self, peaks: np.ndarray | None) -> None:
        self.peaks = peaks
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#181818"))
        mid = self.height() / 2.0
        painter.setPen(QPen(QColor("#3c3c3c"), 0))
        painter.drawLine(QLineF(0, mid, self.width(), mid))
        if self.peaks is None or self.peaks.shape[1] == 0:
            return
        cols = column_peaks(self.peaks, max(1, self.width()))
        clipped = (cols[0] <= -0.999) | (cols[1] >= 0.999)
        colors = np.where(clipped, np.uint32(self.CLIP.rgba()), np.uint32(self.WAVE.rgba()))
        # Fewer buckets than pixels: each column is stretched as wide as its share.
        painter.drawImage(QRectF(0, 0, self.width(), self.height()),
                          wave_image(cols[0], cols[1], self.height(), colors))
