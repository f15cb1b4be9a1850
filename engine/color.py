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
    """colour-science, imported once, leaving no stand-in modules behind.

    Where matplotlib is not installed, `import colour` puts MagicMock stand-ins for matplotlib,
    mpl_toolkits and cycler into sys.modules (colour/plotting/__init__.py). A stand-in has no
    __spec__, so importlib.util.find_spec("matplotlib") raises ValueError, and diffusers asks exactly
    that when it is imported: a Keyframe rendered after a Title in one process failed so. colour's
    plotting modules keep their references; the engine never plots."""
    from unittest.mock import Mock

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warnings about optional plotting packages
        import colour
    for name in [n for n, module in list(sys.modules.items()) if isinstance(module, Mock)
                 and n.split(".")[0] in ("matplotlib", "mpl_toolkits", "cycler")]:
        # pop, not del: lru_cache lets two threads' first calls both run this, and the other may be first.
        sys.modules.pop(name, None)
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
