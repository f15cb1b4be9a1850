"""Colour conversions between the engine's scene-linear pixels and display/file encodings.

colour-science supplies the transfer functions (its reference implementations of the standards).
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _colour():
    with warnings.catch_warnings():
        # colour-science warns at import about optional plotting packages the engine does not use.
        warnings.simplefilter("ignore")
        import colour
    return colour


def linear_to_srgb(pixels: np.ndarray) -> np.ndarray:
    """Scene-linear Rec.709 values to sRGB-encoded values (IEC 61966-2-1), clipped to 0..1."""
    encoded = _colour().models.eotf_inverse_sRGB(np.clip(pixels, 0.0, 1.0))
    return np.asarray(encoded, dtype=np.float32)


def srgb_to_linear(encoded: np.ndarray) -> np.ndarray:
    """sRGB-encoded values (0..1) to scene-linear Rec.709."""
    return np.asarray(_colour().models.eotf_sRGB(np.asarray(encoded, dtype=np.float32)), dtype=np.float32)


def to_8bit(encoded: np.ndarray) -> np.ndarray:
    """Encoded 0..1 floats to 8-bit code values, rounded (not truncated) so a round trip is exact."""
    return np.clip(np.rint(encoded * 255.0), 0, 255).astype(np.uint8)
