"""Colour conversions between the engine's scene-linear pixels and display/file encodings.

colour-science supplies the transfer functions (its reference implementations of the standards).
"""

from __future__ import annotations

import sys
import warnings
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def import_colour():
    """colour-science, imported the one way every colour-managed node uses.

    With matplotlib missing (the engine needs none), colour puts MagicMocks in sys.modules for it
    and warns. Those stand-ins outlive its import and break libraries that ask importlib about
    matplotlib: diffusers' first import raised "matplotlib.__spec__ is not set", so a generation
    after any colour conversion could not load its model. colour keeps its own references; the
    registry entries go."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warnings about optional plotting packages
        import colour
    from unittest.mock import Mock

    for name in [n for n, module in sys.modules.items() if isinstance(module, Mock)]:
        if name.split(".")[0] in ("matplotlib", "mpl_toolkits"):
            del sys.modules[name]
    return colour


def linear_to_srgb(pixels: np.ndarray) -> np.ndarray:
    """Scene-linear Rec.709 values to sRGB-encoded values (IEC 61966-2-1), clipped to 0..1."""
    encoded = import_colour().models.eotf_inverse_sRGB(np.clip(pixels, 0.0, 1.0))
    return np.asarray(encoded, dtype=np.float32)


def srgb_to_linear(encoded: np.ndarray) -> np.ndarray:
    """sRGB-encoded values (0..1) to scene-linear Rec.709."""
    return np.asarray(import_colour().models.eotf_sRGB(np.asarray(encoded, dtype=np.float32)), dtype=np.float32)


def to_8bit(encoded: np.ndarray) -> np.ndarray:
    """Encoded 0..1 floats to 8-bit code values, rounded (not truncated) so a round trip is exact."""
    return np.clip(np.rint(encoded * 255.0), 0, 255).astype(np.uint8)
