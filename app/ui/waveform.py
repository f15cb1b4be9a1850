"""The audio waveform view: min/max of the samples per pixel column, drawn with QPainter.

The worker reduces the whole buffer once to a few thousand (min, max) buckets across all
channels (a ten-minute mix is 29 million frames: too many to touch on every repaint); a
repaint then reduces those buckets to one vertical line per pixel column in one numpy call.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF
from PySide6.QtGui import QColor, QPainter, QPen
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
        mid, half = self.height() / 2.0, self.height() / 2.0 - 2.0
        painter.setPen(QPen(QColor("#3c3c3c"), 0))
        painter.drawLine(QLineF(0, mid, self.width(), mid))
        if self.peaks is None or self.peaks.shape[1] == 0:
            return
        cols = column_peaks(self.peaks, max(1, self.width()))
        x_scale = self.width() / cols.shape[1]
        lows, highs = np.clip(cols[0], -1.0, 1.0), np.clip(cols[1], -1.0, 1.0)
        clipped = (cols[0] <= -0.999) | (cols[1] >= 0.999)
        normal = [QLineF(i * x_scale, mid - highs[i] * half, i * x_scale, mid - lows[i] * half + 0.5)
                  for i in range(cols.shape[1]) if not clipped[i]]
        loud = [QLineF(i * x_scale, mid - highs[i] * half, i * x_scale, mid - lows[i] * half + 0.5)
                for i in np.flatnonzero(clipped)]
        for lines, color in ((normal, self.WAVE), (loud, self.CLIP)):
            if lines:
                painter.setPen(QPen(color, max(1.0, x_scale)))
                painter.drawLines(lines)  # one call per colour: per-line calls from Python dominate
