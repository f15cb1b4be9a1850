"""Video scopes of a display-referred picture: luma waveform, RGB parade, vectorscope and histogram.

They read the picture as it goes out (the viewer's or the export's encoding, values 0..1), as a
colourist's scopes read the signal, with Rec.709 luma and colour-difference weights. Each scope is a
2-D count of pixels (how many fall in each column x level, or each Cb x Cr cell), computed with one
bincount per scope, so a 1080p frame costs a few milliseconds; a picture is first thinned to at
most `MAX_SAMPLES` pixels on a regular grid (every pixel's column is still represented), as
hardware scopes sample too.

The counts are returned raw; how they are drawn (log scaling, colour) is the viewer's business.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _levels(values: np.ndarray) -> np.ndarray:
    """0..1 values as level indices 0..LEVELS-1 (out-of-range values pinned to the ends, NaN to 0)."""
    scaled = values * np.float32(LEVELS - 1)  # one float32 temporary, worked in place from here
    scaled += np.float32(0.5)
    np.nan_to_num(scaled, copy=False, nan=0.0)
    np.clip(scaled, 0, LEVELS - 1, out=scaled)
    return scaled.astype(np.int32)


def measure(rgb: np.ndarray) -> Scopes:
    """The scopes of a display-referred picture (H x W x 3 or 4, any float or uint8 dtype)."""
    # One contiguous copy of the thinned picture: the channel sums below then run on plain memory.
    picture = np.ascontiguousarray(thinned(rgb), dtype=np.float32)
    if rgb.dtype == np.uint8:
        picture *= np.float32(1 / 255)
    height, width = picture.shape[:2]
    luma = picture @ np.asarray(REC709, np.float32)
    column = (np.arange(width, dtype=np.int32) * COLUMNS // max(1, width))[None, :]
    waveform = np.bincount((_levels(luma) * COLUMNS + column).ravel(), minlength=LEVELS * COLUMNS)
    levels = _levels(picture)  # (H, W, 3): every channel at once
    third = COLUMNS // 3
    # Each channel's columns squeezed into its own third of the parade, red, green, blue from the left.
    place = (np.arange(width, dtype=np.int32) * third // max(1, width))[None, :, None] + np.arange(3, dtype=np.int32) * third
    parade = np.bincount((levels * COLUMNS + place).ravel(), minlength=LEVELS * COLUMNS)
    histogram = np.bincount((levels + np.arange(3, dtype=np.int32) * LEVELS).ravel(), minlength=3 * LEVELS)
    # Rec.709 colour differences, scaled so the 100 % primaries land near the edge (-0.5..0.5).
    half = VECTOR_SIZE // 2
    cb = (picture[..., 2] - luma) * np.float32((VECTOR_SIZE - 1) / (2 * (1 - REC709[2]))) + half
    cr = (picture[..., 0] - luma) * np.float32((VECTOR_SIZE - 1) / (2 * (1 - REC709[0]))) + half
    for difference in (cb, cr):
        np.nan_to_num(difference, copy=False, nan=half)
        np.clip(difference, 0, VECTOR_SIZE - 1, out=difference)
    u, v = cb.astype(np.int32), cr.astype(np.int32)
    vectorscope = np.bincount((v * VECTOR_SIZE + u).ravel(), minlength=VECTOR_SIZE * VECTOR_SIZE)
    return Scopes(waveform.reshape(LEVELS, COLUMNS), parade.reshape(LEVELS, COLUMNS),
                  vectorscope.reshape(VECTOR_SIZE, VECTOR_SIZE), histogram.reshape(3, LEVELS))


def vector_position(rgb: tuple[float, float, float]) -> tuple[int, int]:
    """The vectorscope cell (Cb column, Cr row) a display-referred colour lands in: for drawing targets."""
    r, g, b = rgb
    luma = REC709[0] * r + REC709[1] * g + REC709[2] * b
    half = VECTOR_SIZE // 2
    column = int(np.clip((b - luma) / (2 * (1 - REC709[2])) * (VECTOR_SIZE - 1) + half, 0, VECTOR_SIZE - 1))
    row = int(np.clip((r - luma) / (2 * (1 - REC709[0])) * (VECTOR_SIZE - 1) + half, 0, VECTOR_SIZE - 1))
    return column, row
