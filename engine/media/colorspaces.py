"""Colour spaces at the edges of the engine: file encodings in, display/delivery encodings out.

Inside, pixels are scene-linear in a working space (linear Rec.709 or ACEScg). Importers decode
a file's encoding (sRGB, Rec.709, camera log curves) and convert its gamut to the working space;
exporters apply an output transform (Rec.709, sRGB, Rec.2020 PQ or HLG) and tag the stream with
it. colour-science provides the transfer functions and gamut matrices (its reference code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..color import import_colour

WORKING_GAMUTS = {"lin_rec709": "ITU-R BT.709", "acescg": "ACEScg"}


_colour = import_colour  # colour-science without the stand-ins it leaves (engine/color.py)


def _f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


@dataclass(frozen=True)
class InputSpace:
    id: str  # what a project file saves; stable forever
    name: str  # what the user reads
    gamut: str  # colour-science RGB colourspace name
    decode: Callable[[np.ndarray], np.ndarray]  # encoded values -> linear light in `gamut`


def _identity(x: np.ndarray) -> np.ndarray:
    return x


def _models():
    return _colour().models


INPUT_SPACES: dict[str, InputSpace] = {s.id: s for s in (
    InputSpace("srgb", "sRGB", "ITU-R BT.709", lambda x: _models().eotf_sRGB(x)),
    InputSpace("rec709", "Rec.709 (gamma 2.4)", "ITU-R BT.709", lambda x: np.power(np.clip(x, 0, None), 2.4)),
    InputSpace("lin_rec709", "Linear Rec.709", "ITU-R BT.709", _identity),
    InputSpace("acescg", "ACEScg", "ACEScg", _identity),
    InputSpace("acescct", "ACEScct", "ACEScg", lambda x: _models().log_decoding_ACEScct(x)),
    InputSpace("arri_logc3", "ARRI LogC3 (AWG3)", "ARRI Wide Gamut 3", lambda x: _models().log_decoding_ARRILogC3(x)),
    InputSpace("arri_logc4", "ARRI LogC4 (AWG4)", "ARRI Wide Gamut 4", lambda x: _models().log_decoding_ARRILogC4(x)),
    InputSpace("sony_slog3", "Sony S-Log3 (S-Gamut3.Cine)", "S-Gamut3.Cine", lambda x: _models().log_decoding_SLog3(x)),
    InputSpace("panasonic_vlog", "Panasonic V-Log (V-Gamut)", "V-Gamut", lambda x: _models().log_decoding_VLog(x)),
    InputSpace("canon_log3", "Canon Log 3 (Cinema Gamut)", "Cinema Gamut", lambda x: _models().log_decoding_CanonLog3(x)),
)}
INPUT_SPACE_CHOICES = tuple((s.id, s.name) for s in INPUT_SPACES.values())  # (id, label)
# The labels projects saved before ids, loaded as these ids; frozen (rewording a name above never changes it).
INPUT_SPACE_RENAMED = {
    "sRGB": "srgb",
    "Rec.709 (gamma 2.4)": "rec709",
    "Linear Rec.709": "lin_rec709",
    "ACEScg": "acescg",
    "ACEScct": "acescct",
    "ARRI LogC3 (AWG3)": "arri_logc3",
    "ARRI LogC4 (AWG4)": "arri_logc4",
    "Sony S-Log3 (S-Gamut3.Cine)": "sony_slog3",
    "Panasonic V-Log (V-Gamut)": "panasonic_vlog",
    "Canon Log 3 (Cinema Gamut)": "canon_log3",
}


@lru_cache(maxsize=64)
def gamut_matrix(source: str, target: str) -> np.ndarray:
    """3x3 matrix from linear `source` RGB to linear `target` RGB (Bradford adaptation of white points)."""
    if source == target:
        return np.eye(3, dtype=np.float32)
    colour = _colour()
    matrix = colour.matrix_RGB_to_RGB(colour.RGB_COLOURSPACES[source], colour.RGB_COLOURSPACES[target],
                                      chromatic_adaptation_transform="Bradford")
    return matrix.astype(np.float32)


def apply_matrix(pixels: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Matrix applied to the RGB of each pixel; an alpha channel passes through."""
    rgb = pixels[..., :3] @ matrix.T
    if pixels.shape[-1] == 4:
        rgb = np.concatenate([rgb, pixels[..., 3:]], axis=-1)
    return rgb.astype(np.float32, copy=False)


def to_working(encoded: np.ndarray, input_space: str, working: str = "lin_rec709") -> np.ndarray:
    """Pixels as stored in a file (0..1 floats, RGB or RGBA) to scene-linear `working`."""
    space = INPUT_SPACES.get(input_space)
    if space is None:
        raise ValueError(f"unknown input colour space {input_space!r}; use one of {', '.join(INPUT_SPACES)}")
    rgb = _decoded(space, _f32(encoded[..., :3]))
    linear = rgb @ gamut_matrix(space.gamut, WORKING_GAMUTS[working]).T
    if encoded.shape[-1] == 4:
        linear = np.concatenate([linear, _f32(encoded[..., 3:])], axis=-1)
    return linear.astype(np.float32, copy=False)


# A picture from an 8- or 16-bit file holds at most 256 or 65536 values: decoding each of those once
# and looking the pixels up gives the very floats decoding every pixel gives, for a fraction of the
# cost (colour-science computes in float64: ~270 ms for a 1080p sRGB still, ~45 ms this way, and
# every frame of an 8-bit video). engine.media.image_io makes the values two ways, both tried.
_CODE_TOPS = (255, 65535)


def _divided(codes: np.ndarray, top: int) -> np.ndarray:
    return codes / np.float32(top)  # image_io's stills


def _multiplied(codes: np.ndarray, top: int) -> np.ndarray:
    return codes * np.float32(1 / top)  # image_io's video frames


def _decoded(space: InputSpace, encoded: np.ndarray) -> np.ndarray:
    """float32 encoded values -> float32 linear light, through a table of its codes where it has them."""
    if space.decode is _identity:
        return encoded
    if encoded.size > 4 * _CODE_TOPS[-1]:  # a table pays for itself only on a picture larger than it
        for top in _CODE_TOPS:
            for made in (_divided, _multiplied):
                codes = _codes_of(encoded, top, made)
                if codes is not None:
                    return _code_table(space, top, made)[codes]
    return _f32(space.decode(encoded))


@lru_cache(maxsize=16)
def _code_table(space: InputSpace, top: int, made: Callable[[np.ndarray, int], np.ndarray]) -> np.ndarray:
    """Each code's decoded value, made once per space and kind of picture (a video's frames share it)."""
    table = _f32(space.decode(made(np.arange(top + 1, dtype=np.float32), top)))
    table.flags.writeable = False  # shared by every picture looked up through it
    return table


def _codes_of(values: np.ndarray, top: int, made: Callable[[np.ndarray, int], np.ndarray]) -> np.ndarray | None:
    """The integer codes `values` were `made` from, or None where any value is not one of those (a
    float file's values, another bit depth, NaN). The first two rows refuse most pictures cheaply."""
    head = values[:2]
    if not np.array_equal(made(np.rint(head * np.float32(top)), top), head):
        return None
    codes = np.rint(values * np.float32(top))
    if not (codes.min() >= 0 and codes.max() <= top) or not np.array_equal(made(codes, top), values):
        return None
    return codes.astype(np.uint8 if top == 255 else np.uint16)


def convert_working(pixels: np.ndarray, source: str, target: str) -> np.ndarray:
    """Between the two working spaces (linear Rec.709 <-> ACEScg)."""
    if source == target:
        return pixels
    return apply_matrix(pixels, gamut_matrix(WORKING_GAMUTS[source], WORKING_GAMUTS[target]))


# ---- output transforms --------------------------------------------------------------------

@dataclass(frozen=True)
class OutputTransform:
    id: str  # what a project file saves; stable forever
    name: str  # what the user reads
    gamut: str
    encode: Callable[[np.ndarray], np.ndarray]  # linear light in `gamut` -> signal 0..1
    # Stream colour tags (ITU-T H.273 code points), as ffmpeg/PyAV and players read them.
    primaries: int
    transfer: int
    matrix: int
    hdr: bool = False


ACES_REC709 = "aces_sdr_rec709"
ACES_SRGB = "aces_sdr_srgb"


def _aces():
    from . import aces_output  # OpenColorIO loads only when an ACES transform is used

    return aces_output


# Diffuse white (scene-linear 1.0) sits at 203 cd/m2 in PQ and at 75 % signal in HLG (ITU-R BT.2408).
PQ_REFERENCE_WHITE_NITS = 203.0


@lru_cache(maxsize=1)
def _hlg_reference_scene_light() -> float:
    return float(_models().oetf_inverse_BT2100_HLG(0.75))


OUTPUT_TRANSFORMS: dict[str, OutputTransform] = {t.id: t for t in (
    OutputTransform("rec709", "Rec.709 (gamma 2.4)", "ITU-R BT.709",
                    lambda x: np.power(np.clip(x, 0, 1), 1 / 2.4), primaries=1, transfer=1, matrix=1),
    OutputTransform("srgb", "sRGB", "ITU-R BT.709",
                    lambda x: _models().eotf_inverse_sRGB(np.clip(x, 0, 1)), primaries=1, transfer=13, matrix=1),
    OutputTransform("rec2020_pq", "Rec.2020 PQ (HDR10)", "ITU-R BT.2020",
                    lambda x: _models().eotf_inverse_ST2084(np.clip(x, 0, None) * PQ_REFERENCE_WHITE_NITS),
                    primaries=9, transfer=16, matrix=9, hdr=True),
    OutputTransform("rec2020_hlg", "Rec.2020 HLG", "ITU-R BT.2020",
                    lambda x: _models().oetf_BT2100_HLG(np.clip(x * _hlg_reference_scene_light(), 0, 1)),
                    primaries=9, transfer=18, matrix=9, hdr=True),
    # ACES 2.0 tone-maps scene light for the display (highlights roll off instead of clipping).
    OutputTransform(ACES_REC709, "ACES 2.0 SDR (Rec.709)", "ACEScg", lambda x: _aces().encode(x, _aces().REC1886_DISPLAY),
                    primaries=1, transfer=1, matrix=1),
    OutputTransform(ACES_SRGB, "ACES 2.0 SDR (sRGB)", "ACEScg", lambda x: _aces().encode(x, _aces().SRGB_DISPLAY),
                    primaries=1, transfer=13, matrix=1),
)}
OUTPUT_TRANSFORM_CHOICES = tuple((t.id, t.name) for t in OUTPUT_TRANSFORMS.values())  # (id, label)
# The labels projects saved before ids, loaded as these ids; frozen (rewording a name above never changes it).
OUTPUT_TRANSFORM_RENAMED = {
    "Rec.709 (gamma 2.4)": "rec709",
    "sRGB": "srgb",
    "Rec.2020 PQ (HDR10)": "rec2020_pq",
    "Rec.2020 HLG": "rec2020_hlg",
    "ACES 2.0 SDR (Rec.709)": "aces_sdr_rec709",
    "ACES 2.0 SDR (sRGB)": "aces_sdr_srgb",
}


def to_output(pixels: np.ndarray, working: str, transform: str) -> np.ndarray:
    """Scene-linear working-space pixels to an output signal (0..1 float32, RGB; alpha passes through)."""
    out = OUTPUT_TRANSFORMS.get(transform)
    if out is None:
        raise ValueError(f"unknown output transform {transform!r}; use one of {', '.join(OUTPUT_TRANSFORMS)}")
    linear = pixels[..., :3] @ gamut_matrix(WORKING_GAMUTS[working], out.gamut).T
    signal = np.clip(_f32(out.encode(linear)), 0.0, 1.0)
    if pixels.shape[-1] == 4:
        signal = np.concatenate([signal, np.clip(pixels[..., 3:], 0, 1)], axis=-1)
    return signal.astype(np.float32, copy=False)


def to_display(pixels: np.ndarray, working: str = "lin_rec709") -> np.ndarray:
    """The viewer transform: an sRGB display (preview and thumbnails), RGB only."""
    return to_output(pixels[..., :3], working, "srgb")
