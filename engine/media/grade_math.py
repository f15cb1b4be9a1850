"""The colour grade as a pure function: parameters -> a short list of colour operations -> torch.

The operations (3x3 matrices with offsets, a few transfer curves, a power, LUTs) are the common
language of two back ends: `apply_ops` here (torch, used on CUDA and for baking) and
engine.media.grade_ocio (OpenColorIO's CPU processor). Building both from one list keeps them equal.

Order: exposure, white balance and saturation in linear light (one matrix; saturation keeps
luminance exactly); lift/gamma/gain and contrast in a log encoding (ACEScct, the standard log
space for grading: equal steps per stop); then the LUT and the look, each in its own encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .colorspaces import WORKING_GAMUTS, _colour, gamut_matrix
from .lut import Lut, apply_lut

if TYPE_CHECKING:  # annotations only: torch is imported where it runs
    import torch

# ACEScct (Academy S-2016-001): a pure log2 curve above 2^-7, a straight toe below it.
ACESCCT_BREAK_LIN = 0.0078125
ACESCCT_BREAK_LOG = 0.155251141552511
ACESCCT_TOE_SLOPE = 10.5402377416545
ACESCCT_TOE_OFFSET = 0.0729055341958355
ACESCCT_BLACK = ACESCCT_TOE_OFFSET  # scene-linear 0.0
ACESCCT_WHITE = 9.72 / 17.52  # scene-linear 1.0 (diffuse white)

# Which encoding (and gamut) a LUT expects at its input; its output is decoded the same way.
LUT_INPUT_SPACES = {
    "rec709": ("ITU-R BT.709", "gamma24"),
    "srgb": ("ITU-R BT.709", "srgb"),
    "acescct": ("ACEScg", "acescct"),
    "linear": (None, None),  # the working space itself
}
# What the user reads for each (the file saves the id); and the labels saved before ids, frozen:
# rewording a label above must never change them.
LUT_INPUT_SPACE_LABELS = {"rec709": "Rec.709 (gamma 2.4)", "srgb": "sRGB", "acescct": "ACEScct", "linear": "Linear"}
LUT_INPUT_SPACE_RENAMED = {"Rec.709 (gamma 2.4)": "rec709", "sRGB": "srgb", "ACEScct": "acescct", "Linear": "linear"}
DISPLAY_SPACE = "rec709"  # the domain of the built-in looks and of exported LUTs


@dataclass(frozen=True, eq=False)
class Matrix:
    """out = matrix @ rgb + offset."""
    matrix: np.ndarray
    offset: np.ndarray


@dataclass(frozen=True)
class Curve:
    """A transfer function: "acescct", "gamma24" or "srgb"; encode = linear -> code values."""
    name: str
    encode: bool


@dataclass(frozen=True, eq=False)
class Power:
    """Per-channel power; values at or below zero pass unchanged (no NaN, no clamp)."""
    exponent: np.ndarray


@dataclass(frozen=True, eq=False)
class LutStep:
    lut: Lut


Op = Matrix | Curve | Power | LutStep


@dataclass(frozen=True)
class Grading:
    """A whole grade as data: its operations in working space and its mix over the original (0..1)."""
    ops: tuple[Op, ...]
    mix: float = 1.0


def acescct_encode(x: float) -> float:
    return ACESCCT_TOE_SLOPE * x + ACESCCT_TOE_OFFSET if x <= ACESCCT_BREAK_LIN else (np.log2(x) + 9.72) / 17.52


# ---- white balance and luminance ------------------------------------------------------------

NEUTRAL_KELVIN = 6504.0
TINT_DUV = 0.02  # tint +-1 moves the white +-0.02 Duv off the Planckian locus


@lru_cache(maxsize=64)
def white_balance_matrix(kelvin: float, tint: float, working: str) -> np.ndarray:
    """3x3 in working RGB: Bradford adaptation from a white at `kelvin`/`tint` to the working white.

    `kelvin` names the light the shot was lit by: above 6504 K (bluer light) the picture is warmed
    to compensate, below it cooled. Positive tint treats the light as green and so adds magenta.
    The offset from the neutral Planckian point is added to the working white point, so 6504 K and
    tint 0 give exactly the identity in either working space.
    """
    colour = _colour()
    space = colour.RGB_COLOURSPACES[WORKING_GAMUTS[working]]
    planck = colour.temperature.CCT_to_uv_Ohno2013
    shift = planck(np.array([kelvin, tint * TINT_DUV])) - planck(np.array([NEUTRAL_KELVIN, 0.0]))
    white_xy = np.asarray(space.whitepoint, np.float64)
    white_uv = colour.xy_to_UCS_uv(white_xy)
    source_xyz = colour.xy_to_XYZ(colour.UCS_uv_to_xy(white_uv + shift))
    adapt = colour.adaptation.matrix_chromatic_adaptation_VonKries(source_xyz, colour.xy_to_XYZ(white_xy),
                                                                   transform="Bradford")
    return space.matrix_XYZ_to_RGB @ adapt @ space.matrix_RGB_to_XYZ


def luminance_weights(working: str) -> np.ndarray:
    """Y of each working primary (Rec.709: 0.2126 0.7152 0.0722; ACEScg/AP1: 0.2722 0.6741 0.0537)."""
    return np.asarray(_colour().RGB_COLOURSPACES[WORKING_GAMUTS[working]].matrix_RGB_to_XYZ[1], np.float64)


def _affine(scale, offset) -> Matrix:
    return Matrix(np.diag(np.asarray(scale, np.float64) * np.ones(3)), np.asarray(offset, np.float64) * np.ones(3))


def lut_stage(lut: Lut, input_space: str, working: str) -> list[Op]:
    """The LUT wrapped in its input encoding: working linear -> encoded -> LUT -> decoded -> working linear."""
    if input_space not in LUT_INPUT_SPACES:
        raise ValueError(f"unknown LUT input space {input_space!r}; use one of {', '.join(LUT_INPUT_SPACES)}")
    gamut, curve = LUT_INPUT_SPACES[input_space]
    if gamut is None:
        return [LutStep(lut)]
    into = gamut_matrix(WORKING_GAMUTS[working], gamut).astype(np.float64)
    return [Matrix(into, np.zeros(3)), Curve(curve, True), LutStep(lut), Curve(curve, False),
            Matrix(np.linalg.inv(into), np.zeros(3))]


def build_ops(grade: dict, working: str, luts: list[tuple[Lut, str]] = (), keep_neutral: bool = False) -> list[Op]:
    """Operations for a grade dict (see app.nodes.grade) in the working space; `luts` are (LUT, input space)."""
    if working not in WORKING_GAMUTS:
        raise ValueError(f"unknown working space {working!r}; use one of {', '.join(WORKING_GAMUTS)}")
    ops: list[Op] = []
    # Exposure, white balance and saturation are linear-light matrices: one 3x3 for all three.
    # Saturation mixes toward luminance (weights of the working primaries), so Y never changes.
    saturation = grade["saturation"]
    weights = luminance_weights(working)
    saturate = saturation * np.eye(3) + (1 - saturation) * np.outer(np.ones(3), weights)
    exposure = 2.0 ** grade["exposure"]
    ops.append(Matrix(saturate @ (exposure * white_balance_matrix(grade["temperature"], grade["tint"], working)),
                      np.zeros(3)))

    lift = np.asarray(grade["lift"][:3], np.float64) - 1.0  # 1 = neutral (colour parameters cannot go negative)
    gamma = np.asarray(grade["gamma"][:3], np.float64)
    gain = np.asarray(grade["gain"][:3], np.float64)
    offset = np.asarray(grade.get("offset", (1.0, 1.0, 1.0))[:3], np.float64) - 1.0  # a grade saved before it: none
    if np.any(lift >= 1):
        raise ValueError(f"lift must be below 2 in every channel, got {list(lift + 1)}; 1 is neutral")
    if np.any(gamma <= 0):
        raise ValueError(f"gamma must be above 0 in every channel, got {list(gamma)}; 1 is neutral")
    contrast, pivot = grade["contrast"], acescct_encode(grade["pivot"])
    log_is_neutral = not lift.any() and np.all(gamma == 1) and np.all(gain == 1) and not offset.any() and contrast == 1
    if keep_neutral or not log_is_neutral:
        span = ACESCCT_WHITE - ACESCCT_BLACK
        ops.append(Curve("acescct", True))
        # Lift/gain in the style of Resolve's wheels, normalised so ACEScct black (lin 0) is 0 and
        # diffuse white (lin 1) is 1: gain scales about black, lift raises black and leaves white.
        ops.append(_affine(gain * (1 - lift) / span, gain * lift - gain * (1 - lift) * ACESCCT_BLACK / span))
        if keep_neutral or np.any(gamma != 1):
            ops.append(Power(1.0 / gamma))
        # Offset moves every level by the same share of the black-to-white range (Resolve's Offset).
        ops.append(_affine(1.0, offset))
        # Back to ACEScct units and contrast about the pivot, in one affine step.
        ops.append(_affine(span * contrast, (ACESCCT_BLACK - pivot) * contrast + pivot))
        ops.append(Curve("acescct", False))

    for lut, input_space in luts:
        ops.extend(lut_stage(lut, input_space, working))
    return merge_matrices(ops, keep_neutral)


def merge_matrices(ops: list[Op], keep_identity: bool = False) -> list[Op]:
    """Adjacent matrices folded into one; identity matrices dropped (fewer passes over the pixels)."""
    merged: list[Op] = []
    for op in ops:
        if isinstance(op, Matrix) and merged and isinstance(merged[-1], Matrix):
            previous = merged.pop()
            op = Matrix(op.matrix @ previous.matrix, op.matrix @ previous.offset + op.offset)
        merged.append(op)
    if keep_identity:
        return merged
    return [op for op in merged if not (isinstance(op, Matrix) and np.allclose(op.matrix, np.eye(3), atol=1e-12)
                                        and not op.offset.any())]


# ---- torch back end -----------------------------------------------------------------------

def _curve(x: torch.Tensor, name: str, encode: bool) -> torch.Tensor:
    import torch

    if name == "acescct":
        if encode:
            log = (torch.log2(x.clamp(min=ACESCCT_BREAK_LIN)) + 9.72) / 17.52
            return torch.where(x <= ACESCCT_BREAK_LIN, x * ACESCCT_TOE_SLOPE + ACESCCT_TOE_OFFSET, log)
        linear = torch.exp2(x * 17.52 - 9.72)
        return torch.where(x <= ACESCCT_BREAK_LOG, (x - ACESCCT_TOE_OFFSET) / ACESCCT_TOE_SLOPE, linear)
    if name == "gamma24":  # a display encoding: negative light does not exist on a display
        return x.clamp(min=0.0).pow(1 / 2.4 if encode else 2.4)
    if name == "srgb":  # IEC 61966-2-1; the straight segment continues below zero
        if encode:
            return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp(min=0.0031308).pow(1 / 2.4) - 0.055)
        return torch.where(x <= 0.04045, x / 12.92, ((x.clamp(min=0.04045) + 0.055) / 1.055).pow(2.4))
    raise ValueError(f"unknown transfer curve {name!r}")


def apply_ops(rgb: torch.Tensor, ops: list[Op]) -> torch.Tensor:
    """The operations on `rgb` (... x 3, float32 tensor, any device)."""
    import torch

    for op in ops:
        if isinstance(op, Matrix):
            matrix = torch.as_tensor(op.matrix.T, dtype=rgb.dtype, device=rgb.device)
            rgb = rgb @ matrix
            if op.offset.any():
                rgb = rgb + torch.as_tensor(op.offset, dtype=rgb.dtype, device=rgb.device)
        elif isinstance(op, Curve):
            rgb = _curve(rgb, op.name, op.encode)
        elif isinstance(op, Power):
            exponent = torch.as_tensor(op.exponent, dtype=rgb.dtype, device=rgb.device)
            rgb = torch.where(rgb > 0, rgb.clamp(min=1e-30).pow(exponent), rgb)
        else:
            rgb = apply_lut(rgb, op.lut)
    return rgb


def apply_ops_numpy(pixels: np.ndarray, ops: list[Op], mix: float = 1.0, on: torch.device | None = None) -> np.ndarray:
    """A frame (H x W x 3 or 4, float32) through the operations with torch; alpha passes through."""
    import torch

    from .lut import device

    # np.require copies read-only frames (held stills) so torch never aliases memory it must not write.
    source = torch.from_numpy(np.require(pixels, np.float32, ["C", "W"])).to(on or device())
    rgb = source[..., :3]
    graded = apply_ops(rgb, ops)
    if mix < 1.0:
        graded = torch.lerp(rgb, graded, mix)
    if pixels.shape[-1] == 4:
        graded = torch.cat([graded, source[..., 3:]], dim=-1)
    result = graded.cpu().numpy()
    return result.copy() if np.shares_memory(result, pixels) else result
