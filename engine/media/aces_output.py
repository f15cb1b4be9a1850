"""ACES 2.0 output transforms (SDR, Rec.709 or sRGB displays) from OpenColorIO's built-in studio config.

The exact ACES 2.0 output transform is a chain of tone scale, chroma compression and gamut
mapping that costs about 800 ms per 1080p frame on two cores, so export and preview use the
usual fast path of colour pipelines: the transform is evaluated once per process on a 129^3
lattice in ACEScct (a log encoding that spaces the lattice evenly in stops, linear -0.007 to
222; about a second) and applied as a tetrahedral 3D LUT by OpenColorIO, ~30 ms per 1080p
frame. Measured against the exact transform (tests/engine/test_aces_output.py): greys within
1.5e-3, 99 % of Rec.709-gamut colours over ten stops within 1e-3 (one 10-bit code value); the
worst, saturated highlights where the gamut mapping bends, about 1e-2 on Rec.1886 and 7e-3 sRGB. A 65^3 lattice would
bake in 0.2 s but triples those errors.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

STUDIO_CONFIG = "ocio://studio-config-latest"  # built into OpenColorIO 2.x: no file to ship
ACES_SDR_VIEW = "ACES 2.0 - SDR 100 nits (Rec.709)"
REC1886_DISPLAY = "Rec.1886 Rec.709 - Display"
SRGB_DISPLAY = "sRGB - Display"
LATTICE = 129  # OpenColorIO's largest 3D LUT


def _ocio():
    import PyOpenColorIO as OCIO

    return OCIO


@lru_cache(maxsize=1)
def _config():
    return _ocio().Config.CreateFromFile(STUDIO_CONFIG)


@lru_cache(maxsize=4)
def exact_processor(display: str):
    """The exact ACEScg -> display transform (the reference the baked LUT is checked against)."""
    OCIO = _ocio()
    return _config().getProcessor("ACEScg", display, ACES_SDR_VIEW, OCIO.TRANSFORM_DIR_FORWARD).getDefaultCPUProcessor()


@lru_cache(maxsize=1)
def baked_processor():
    """ACEScg -> ACEScct -> the Rec.1886 transform sampled on the lattice, as one OpenColorIO CPU processor.

    Only the Rec.1886 display is baked: both displays share the view's display-linear Rec.709
    light and differ only in their encoding, which `encode_in_place` swaps exactly. (Baking the
    sRGB display directly is three times less accurate: its steep toe falls between lattice points.)
    """
    display = REC1886_DISPLAY
    OCIO = _ocio()
    config = _config()
    axis = np.linspace(0.0, 1.0, LATTICE, dtype=np.float32)
    # OpenColorIO's 3D LUT data runs with blue fastest, then green, then red.
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    lattice = np.ascontiguousarray(np.stack([r, g, b], axis=-1).reshape(-1, 3))
    config.getProcessor("ACEScct", "ACEScg").getDefaultCPUProcessor().applyRGB(lattice)  # lattice in linear
    exact_processor(display).applyRGB(lattice)
    lut = OCIO.Lut3DTransform(gridSize=LATTICE)
    lut.setData(lattice.reshape(-1))
    lut.setInterpolation(OCIO.INTERP_TETRAHEDRAL)
    chain = OCIO.GroupTransform([OCIO.ColorSpaceTransform("ACEScg", "ACEScct"), lut])
    return config.getProcessor(chain).getDefaultCPUProcessor()


def encode_in_place(rgb: np.ndarray, display: str) -> np.ndarray:
    """ACEScg linear H x W x 3 (or N x 3) float32, C-contiguous, to the display signal, in place."""
    OCIO = _ocio()
    if rgb.dtype != np.float32 or not rgb.flags.c_contiguous or rgb.shape[-1] != 3:
        raise ValueError("ACES output needs C-contiguous float32 RGB")
    height, width = (rgb.shape[0], rgb.shape[1]) if rgb.ndim == 3 else (1, rgb.shape[0])
    baked_processor().apply(OCIO.PackedImageDesc(rgb, width, height, 3))  # real W x H: threads per row
    if display == SRGB_DISPLAY:  # Rec.1886 signal -> display light -> sRGB signal
        from .transfer_fast import srgb_encode

        np.clip(rgb, 0.0, 1.0, out=rgb)
        np.power(rgb, np.float32(2.4), out=rgb)
        srgb_encode(rgb, inplace=True)
    elif display != REC1886_DISPLAY:
        raise ValueError(f"no ACES output for display {display!r}; use {REC1886_DISPLAY!r} or {SRGB_DISPLAY!r}")
    return rgb


def encode(acescg: np.ndarray, display: str) -> np.ndarray:
    """A float32 copy of `acescg` (… x 3) through the baked ACES 2.0 SDR output transform."""
    rgb = np.array(acescg, dtype=np.float32, order="C", copy=True)
    flat = rgb.reshape(-1, 3) if rgb.ndim != 3 else rgb
    encode_in_place(flat, display)
    return rgb
