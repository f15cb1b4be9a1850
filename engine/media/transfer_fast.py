"""Fast output transforms for export: scene-linear working-space pixels to a quantised video signal.

colorspaces.to_output is the reference (colour-science's functions, ~100 ms per 1080p frame with
their input checks and float64 temporaries). Export calls these instead: the same formulas in
float32 numpy, computed in place on one scratch buffer, so a frame costs a few milliseconds and an
export is bound by the encoder. tests/engine/test_media_io.py holds them to colour-science within 1e-5.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .colorspaces import ACES_REC709, ACES_SRGB, OUTPUT_TRANSFORMS, WORKING_GAMUTS, gamut_matrix

ACES_DISPLAYS = {ACES_REC709: "REC1886_DISPLAY", ACES_SRGB: "SRGB_DISPLAY"}

# ITU-R BT.2100 / SMPTE ST 2084 (PQ) constants.
PQ_M1 = 2610 / 16384
PQ_M2 = 2523 / 4096 * 128
PQ_C1 = 3424 / 4096
PQ_C2 = 2413 / 4096 * 32
PQ_C3 = 2392 / 4096 * 32
PQ_PEAK_NITS = 10000.0
# ITU-R BT.2100 HLG constants, as colour-science states them.
HLG_A = 0.17883277
HLG_B = 0.28466892
HLG_C = 0.559910729529562
# Diffuse white: 203 cd/m2 in PQ, 75 % signal in HLG (ITU-R BT.2408), as in colorspaces.
PQ_REFERENCE_WHITE_NITS = 203.0
HLG_REFERENCE_SCENE_LIGHT = (math.exp((0.75 - HLG_C) / HLG_A) + HLG_B) / 12  # HLG inverse OETF of 0.75


def _f32(x: np.ndarray) -> np.ndarray:
    return np.array(x, dtype=np.float32, copy=True)


# numpy's float32 power and log are vectorised only with AVX-512; on an AVX2 CPU (most workstations)
# they run one value at a time: np.power took 29 ms of a 720p frame there, OpenCV's 11, as accurately
# (within 1e-7 of float64). OpenCV's need a contiguous array, non-negative for a fractional power.

def _power_in_place(y: np.ndarray, exponent: float) -> None:
    """y **= exponent, for y >= 0 (as every caller has clipped it)."""
    if y.size and y.flags.c_contiguous:
        flat = y.reshape(-1)
        cv2.pow(flat, float(exponent), dst=flat)
    else:
        np.power(y, np.float32(exponent), out=y)


def _log_in_place(y: np.ndarray) -> None:
    """y = ln(y), for y > 0."""
    if y.size and y.flags.c_contiguous:
        flat = y.reshape(-1)
        cv2.log(flat, dst=flat)
    else:
        np.log(y, out=y)


# Each transfer function takes float32 values, and with inplace=True overwrites them (no temporaries
# the size of a frame, which is where the time goes at 1080p and above).

def gamma24_encode(x: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Rec.709 display encoding: the BT.1886 gamma 2.4 inverse EOTF of linear 0..1 (clipped)."""
    y = x if inplace else _f32(x)
    np.clip(y, 0.0, 1.0, out=y)
    _power_in_place(y, 1 / 2.4)
    return y


def srgb_encode(x: np.ndarray, inplace: bool = False) -> np.ndarray:
    """sRGB inverse EOTF (IEC 61966-2-1) of linear 0..1 (clipped)."""
    y = x if inplace else _f32(x)
    np.clip(y, 0.0, 1.0, out=y)
    dark = y <= np.float32(0.0031308)
    dark_values = y * np.float32(12.92)
    _power_in_place(y, 1 / 2.4)
    y *= np.float32(1.055)
    y -= np.float32(0.055)
    np.copyto(y, dark_values, where=dark)  # a masked copy: much faster than fancy indexing
    return y


def pq_encode(nits: np.ndarray, inplace: bool = False) -> np.ndarray:
    """SMPTE ST 2084 inverse EOTF: absolute luminance in cd/m2 to a PQ signal 0..1."""
    y = nits if inplace else _f32(nits)
    np.clip(y, 0.0, PQ_PEAK_NITS, out=y)
    y *= np.float32(1 / PQ_PEAK_NITS)
    _power_in_place(y, PQ_M1)
    # (c1 + c2 y) / (1 + c3 y) written as c2/c3 + (c1 - c2/c3) / (1 + c3 y): the final power of 78.8
    # magnifies rounding, and this form rounds less in float32 (4e-6 from the float64 reference, not 1.3e-5).
    y *= np.float32(PQ_C3)
    y += np.float32(1.0)
    np.divide(np.float32(PQ_C1 - PQ_C2 / PQ_C3), y, out=y)
    y += np.float32(PQ_C2 / PQ_C3)
    _power_in_place(y, PQ_M2)
    return y


def hlg_encode(e: np.ndarray, inplace: bool = False) -> np.ndarray:
    """ITU-R BT.2100 HLG OETF of normalised scene light 0..1 (clipped)."""
    y = e if inplace else _f32(e)
    np.clip(y, 0.0, 1.0, out=y)
    bright = y > np.float32(1 / 12)
    # The log branch on every pixel, its argument kept positive (below 1/12, 12E - b can be <= 0).
    log_branch = y * np.float32(12)
    log_branch -= np.float32(HLG_B)
    np.maximum(log_branch, np.float32(1e-6), out=log_branch)
    _log_in_place(log_branch)
    log_branch *= np.float32(HLG_A)
    log_branch += np.float32(HLG_C)
    y *= np.float32(3.0)
    np.sqrt(y, out=y)
    np.copyto(y, log_branch, where=bright)
    return y


def _encode_in_place(name: str, rgb: np.ndarray) -> None:
    if name == "rec709":
        gamma24_encode(rgb, inplace=True)
    elif name == "srgb":
        srgb_encode(rgb, inplace=True)
    elif name == "rec2020_pq":
        np.maximum(rgb, 0.0, out=rgb)
        rgb *= np.float32(PQ_REFERENCE_WHITE_NITS)
        pq_encode(rgb, inplace=True)
    elif name == "rec2020_hlg":
        rgb *= np.float32(HLG_REFERENCE_SCENE_LIGHT)
        hlg_encode(rgb, inplace=True)
    elif name in ACES_DISPLAYS:  # already fast: a baked 3D LUT applied by OpenColorIO's threads
        from . import aces_output

        aces_output.encode_in_place(rgb, getattr(aces_output, ACES_DISPLAYS[name]))
    else:
        raise ValueError(f"no fast version of output transform {name!r}; use one of {', '.join(OUTPUT_TRANSFORMS)}")


def _output_rgb(pixels: np.ndarray, working: str, transform: str) -> np.ndarray:
    """A fresh float32 H x W x 3 copy of the RGB in the transform's gamut, encoded (0..1)."""
    out = OUTPUT_TRANSFORMS.get(transform)
    if out is None:
        raise ValueError(f"unknown output transform {transform!r}; use one of {', '.join(OUTPUT_TRANSFORMS)}")
    if working not in WORKING_GAMUTS:
        raise ValueError(f"unknown working space {working!r}; use one of {', '.join(WORKING_GAMUTS)}")
    matrix = gamut_matrix(WORKING_GAMUTS[working], out.gamut)
    if np.array_equal(matrix, np.eye(3, dtype=np.float32)):
        rgb = np.array(pixels[..., :3], dtype=np.float32, order="C", copy=True)
    else:  # a 2-D (pixels x 3) product runs about twice as fast as the 3-D one
        flat = np.ascontiguousarray(pixels[..., :3], dtype=np.float32).reshape(-1, 3)
        rgb = (flat @ matrix.T).reshape(pixels.shape[:-1] + (3,))
    _encode_in_place(transform, rgb)
    return rgb


def encode_output(pixels: np.ndarray, working: str, transform: str) -> np.ndarray:
    """What colorspaces.to_output returns (0..1 float32 signal, alpha clipped and passed through), faster."""
    rgb = _output_rgb(pixels, working, transform)
    np.clip(rgb, 0.0, 1.0, out=rgb)
    if pixels.shape[-1] == 4:
        rgb = np.concatenate([rgb, np.clip(pixels[..., 3:], 0, 1).astype(np.float32)], axis=-1)
    return rgb


def to_uint16(signal: np.ndarray, inplace: bool = False) -> np.ndarray:
    """0..1 float signal to 16-bit code values, rounded (swscale takes these as rgb48 / rgba64)."""
    scaled = signal if inplace else _f32(signal)
    scaled *= np.float32(65535.0)
    np.clip(scaled, 0.0, 65535.0, out=scaled)
    scaled += np.float32(0.5)  # values are non-negative, so the truncating cast then rounds
    # NaN (a broken frame, which the export's QA reports) passes the clip and casts to 0 on x86-64 and
    # ARM alike; np.fmax would catch it first but is 4x slower than clip, on every frame.
    with np.errstate(invalid="ignore"):
        return scaled.astype(np.uint16)


def encode_output_uint16(pixels: np.ndarray, working: str, transform: str, alpha: bool) -> np.ndarray:
    """Scene-linear pixels to H x W x 3 (rgb48) or, with alpha, H x W x 4 (rgba64) 16-bit signal.

    A clip without alpha gets an opaque one when the format wants it; alpha is dropped otherwise.
    """
    rgb = to_uint16(_output_rgb(pixels, working, transform), inplace=True)
    if not alpha:
        return rgb
    height, width = rgb.shape[:2]
    out = np.empty((height, width, 4), dtype=np.uint16)
    out[..., :3] = rgb
    out[..., 3] = to_uint16(pixels[..., 3]) if pixels.shape[-1] == 4 else 65535
    return out
