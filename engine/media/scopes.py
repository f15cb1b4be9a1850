"""Video scopes of a display-referred picture: luma waveform, RGB parade, vectorscope and histogram.

They read the picture as it goes out (the viewer's or the export's encoding, values 0..1), as a
colourist's scopes read the signal, with Rec.709 luma and colour-difference weights. Each scope is a
2-D count of pixels (how many fall in each column x level, or each Cb x Cr cell), computed with one
bincount per scope over indices OpenCV converts, so a 1080p frame costs ~15 ms on 2 cores; a picture is first thinned to at
most `MAX_SAMPLES` pixels on a regular grid (every pixel's column is still represented), as
hardware scopes sample too.

The counts are returned raw; how they are drawn (log scaling, colour) is the viewer's business.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

LEVELS = 256  # vertical resolution of the waveform and parade, and the histogram's bins
VECTOR_SIZE = 256  # the vectorscope's cells per side (Cb across, Cr up)
COLUMNS = 256  # horizontal resolution of the waveform (each parade channel gets a third)
MAX_SAMPLES = 500_000  # pixels read at most (a 1080p frame is thinned to every 2nd row and column)
REC709 = (0.2126, 0.7152, 0.0722)


@dataclass(frozen=True)
class Scopes:
    waveform: np.ndarray  # (LEVELS, COLUMNS) counts: row 0 is level 0 (black), the last row is white
    parade: np.ndarray  # (LEVELS, COLUMNS) counts: R, G and B side by side, a third of the width each
    vectorscope: np.ndarray  # (VECTOR_SIZE, VECTOR_SIZE) counts: [Cr, Cb], centre is neutral grey
    histogram: np.ndarray  # (3, LEVELS) counts of R, G and B levels


def thinned(rgb: np.ndarray) -> np.ndarray:
    """`rgb` (H x W x >=3) read on a regular grid of at most MAX_SAMPLES pixels (a view, no copy)."""
    height, width = rgb.shape[:2]
    step = max(1, int(np.ceil(np.sqrt(height * width / MAX_SAMPLES))))
    return rgb[::step, ::step, :3]


@functools.lru_cache(maxsize=8)
def _places(width: int) -> tuple[np.ndarray, np.ndarray]:
    """For a picture `width` pixels wide: each pixel column's waveform column (width,) and its
    parade column in the red, green and blue thirds (width, 3), as uint16 (the low byte of an index)."""
    x = np.arange(width, dtype=np.int32)
    third = COLUMNS // 3
    # Each channel's columns squeezed into its own third of the parade, red, green, blue from the left.
    parade = (x * third // max(1, width))[:, None] + np.arange(3, dtype=np.int32) * third
    return (x * COLUMNS // max(1, width)).astype(np.uint16), parade.astype(np.uint16)


def _cells(values: np.ndarray, scale: float, offset: float) -> np.ndarray:
    """round(values * scale + offset), pinned to 0..255, as uint8: one saturating OpenCV conversion
    (several times quicker than numpy's scale, clip and cast on this kind of CPU)."""
    return cv2.addWeighted(values, scale, values, 0.0, offset, dtype=cv2.CV_8U)


def measure(rgb: np.ndarray) -> Scopes:
    """The scopes of a display-referred picture (H x W x 3 or 4, any float or uint8 dtype)."""
    # One contiguous copy of the thinned picture: OpenCV reads plain memory only.
    picture = np.ascontiguousarray(thinned(rgb), dtype=np.float32)
    if rgb.dtype == np.uint8:
        picture *= np.float32(1 / 255)
    cv2.patchNaNs(picture.reshape(picture.shape[0], -1), 0.0)  # NaN reads as black (and neutral)
    width = picture.shape[1]
    columns, parade_columns = _places(width)
    luma = cv2.transform(picture, np.asarray([REC709], np.float32))
    # Each pixel's cell as one uint16 index, level in the high byte, column in the low one, counted
    # by one bincount per scope (LEVELS = COLUMNS = VECTOR_SIZE = 256).
    index = _cells(luma, LEVELS - 1, 0.0).astype(np.uint16) << 8
    index |= columns
    waveform = np.bincount(index.ravel(), minlength=LEVELS * COLUMNS)
    index = _cells(picture, LEVELS - 1, 0.0).astype(np.uint16) << 8  # (H, W, 3): every channel at once
    index |= parade_columns
    parade = np.bincount(index.ravel(), minlength=LEVELS * COLUMNS).reshape(LEVELS, COLUMNS)
    # A channel's histogram is its third of the parade summed across: every pixel of it is there once.
    third = COLUMNS // 3
    histogram = np.stack([parade[:, c * third:(c + 1) * third].sum(axis=1) for c in range(3)])
    # Rec.709 colour differences, scaled so the 100 % primaries land near the edge; a cell is the
    # whole part of the scaled value (hence the half subtracted before the rounding conversion; a
    # value exactly on a cell edge may round to the cell below, one cell in a 256-cell scope).
    half = VECTOR_SIZE // 2
    cb = _cells(cv2.subtract(picture[..., 2], luma), (VECTOR_SIZE - 1) / (2 * (1 - REC709[2])), half - 0.5)
    cr = _cells(cv2.subtract(picture[..., 0], luma), (VECTOR_SIZE - 1) / (2 * (1 - REC709[0])), half - 0.5)
    index = cr.astype(np.uint16) << 8
    index |= cb
    vectorscope = np.bincount(index.ravel(), minlength=VECTOR_SIZE * VECTOR_SIZE)
    return Scopes(waveform.reshape(LEVELS, COLUMNS), parade, vectorscope.reshape(VECTOR_SIZE, VECTOR_SIZE),
                  histogram)


def vector_position(rgb: tuple[float, float, float]) -> tuple[int, int]:
    """The vectorscope cell (Cb column, Cr row) a display-referred colour lands in: for drawing targets."""
    r, g, b = rgb
    luma = REC709[0] * r + REC709[1] * g + REC709[2] * b
    half = VECTOR_SIZE // 2
    column = int(np.clip((b - luma) / (2 * (1 - REC709[2])) * (VECTOR_SIZE - 1) + half, 0, VECTOR_SIZE - 1))
    row = int(np.clip((r - luma) / (2 * (1 - REC709[0])) * (VECTOR_SIZE - 1) + half, 0, VECTOR_SIZE - 1))
    return column, row
