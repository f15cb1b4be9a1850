"""Still image files in and out: PNG, JPEG, TIFF, DPX and OpenEXR.

Reading returns the values as stored, as float32 0..1 (EXR: scene-linear as stored, any range);
the caller decodes the colour space (colorspaces.to_working). PNG, TIFF and DPX keep their 16 or
10 bits through PyAV (Pillow would cut 16-bit RGB to 8); JPEG goes through Pillow, whose
decoder is the reference for the files it is usually given. Writing encodes one frame with PyAV's
image encoders and saves it with engine.atomic, so a failed write never leaves half a picture.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image as PILImage

from ..atomic import atomic_write
from .half_float import float32_from_half

READ_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".dpx")
# The largest picture read: where Pillow refuses to open one (its decompression-bomb limit, 179
# megapixels, 2 GB as float32 RGB), under FFmpeg's own limit (~268). Past these both decoders fail
# with messages that say nothing of the size ("damaged", "decompression bomb DOS attack").
MAX_READ_PIXELS = 2 * PILImage.MAX_IMAGE_PIXELS
# EXR scanlines per stored chunk, by compression code (OpenEXR file layout).
_EXR_LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}


def read_image(path: str | Path) -> np.ndarray:
    """H x W x 3 (or 4 with alpha) float32 values as stored in the file; ValueError if it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not an image; choose a picture in it (Import Image Sequence "
                         "reads a folder of frames)")
    if suffix not in READ_EXTENSIONS:
        raise ValueError(f"cannot read {path.name}: {suffix or 'no extension'} is not a supported image type; "
                         f"use one of {', '.join(READ_EXTENSIONS)}")
    if not path.is_file():
        raise ValueError(f"image file {path} does not exist; check the path")
    if suffix not in (".exr", ".dpx"):  # Pillow reads no EXR or DPX header (0.6 ms a frame to find out)
        _refuse_oversized(path)
    try:
        if suffix in (".jpg", ".jpeg"):
            return _read_with_pillow(path)
        if suffix == ".exr":
            _check_exr_complete(path)
        return _read_with_pyav(path)
    except (OSError, av.FFmpegError, struct.error, SyntaxError) as exc:
        raise ValueError(f"cannot read {path}: the file is damaged, truncated or not a {suffix[1:].upper()} "
                         f"image ({exc}). Export it again from the source.") from exc


def _refuse_oversized(path: Path) -> None:
    """A picture too large to read, told from its header (Pillow refuses past its bomb limit as it opens,
    before decoding anything); a header Pillow cannot read (a damaged file) is left to the decoder, which
    says what is wrong."""
    try:
        with PILImage.open(path):
            pass
    except PILImage.DecompressionBombError as exc:
        raise ValueError(f"cannot read {path.name}: it is over the {MAX_READ_PIXELS / 1e6:.0f} megapixels AIPROD "
                         "reads; scale it down (a 16K scan at 16384x8192 reads)") from exc
    except Exception:  # noqa: BLE001 (any other reason Pillow cannot read the header: the decoder reports it)
        return


def _read_with_pillow(path: Path) -> np.ndarray:
    with PILImage.open(path) as picture:
        picture.load()  # decodes now, so a truncated file raises here rather than returning grey rows
        mode = "RGBA" if "A" in picture.getbands() else "RGB"
        return np.asarray(picture.convert(mode), dtype=np.float32) / np.float32(255.0)


def _read_with_pyav(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0), None)
    if frame is None:
        raise OSError("no picture in the file")
    return frame_to_float(frame)


def frame_to_float(frame: av.VideoFrame) -> np.ndarray:
    """A decoded picture as float32 H x W x 3/4: integers scaled to 0..1, float formats as they are."""
    fmt = frame.format
    alpha = any(component.is_alpha for component in fmt.components)
    bits = max(component.bits for component in fmt.components)
    if "f16" in fmt.name:
        return _half_planes(frame, alpha)
    if "f32" in fmt.name:
        return frame.reformat(format="gbrapf32le" if alpha else "gbrpf32le").to_ndarray()
    yuv = _yuv_source(frame)
    if bits > 8:
        pixels = frame.reformat(format="rgba64le" if alpha else "rgb48le", **yuv).to_ndarray()
        return pixels.astype(np.float32) * np.float32(1 / 65535)
    pixels = frame.reformat(format="rgba" if alpha else "rgb24", **yuv).to_ndarray()
    return pixels.astype(np.float32) * np.float32(1 / 255)


# H.273 matrix code -> swscale colourspace (the two numberings agree except for 6 and 10).
_SWS_MATRIX = {1: 1, 4: 4, 5: 5, 6: 5, 7: 7, 9: 9, 10: 9}


def _yuv_source(frame: av.VideoFrame) -> dict:
    """How to read a YUV frame's matrix and range: as tagged, else what players assume (HD: Rec.709)."""
    if not frame.format.name.startswith(("yuv", "nv", "p0", "p2")):
        return {}
    matrix = _SWS_MATRIX.get(int(frame.colorspace), 1 if frame.height >= 720 else 5)
    full = int(frame.color_range) == 2 or frame.format.name.startswith("yuvj")
    # Same transfer and primaries out as in: swscale would otherwise "convert" a tagged HDR picture.
    return {"src_colorspace": matrix, "src_color_range": 2 if full else 1,
            "dst_color_trc": int(frame.color_trc), "dst_color_primaries": int(frame.color_primaries)}


def _half_planes(frame: av.VideoFrame, alpha: bool) -> np.ndarray:
    """Half-float planar frames (EXR), read plane by plane: swscale's half conversion loses range."""
    planes = []
    for plane in frame.planes:
        rows = np.frombuffer(plane, dtype=np.float16).reshape(plane.height, plane.line_size // 2)
        planes.append(rows[:, :plane.width])
    if len(planes) == 1:  # grey: one luminance plane
        planes = planes * 3
    order = [2, 0, 1] + ([3] if alpha and len(planes) > 3 else [])  # stored as G, B, R(, A)
    return float32_from_half(np.stack([planes[i] for i in order], axis=-1))


def _check_exr_complete(path: Path) -> None:
    """Raise OSError if a scanline EXR is cut short: FFmpeg's decoder fills the missing rows with zeros."""
    data = path.read_bytes()
    if data[:4] != b"\x76\x2f\x31\x01":
        raise OSError("not an OpenEXR file (bad magic number)")
    position, attributes = 8, {}
    while data[position] != 0:
        name_end = data.index(b"\0", position)
        type_end = data.index(b"\0", name_end + 1)
        (size,) = struct.unpack_from("<i", data, type_end + 1)
        value_at = type_end + 5
        attributes[data[position:name_end].decode("latin-1")] = data[value_at:value_at + size]
        position = value_at + size
    if "tiles" in attributes or "dataWindow" not in attributes:
        return  # tiled or multi-part files: left to the decoder
    _, y_min, _, y_max = struct.unpack("<4i", attributes["dataWindow"])
    lines = _EXR_LINES_PER_CHUNK.get(attributes.get("compression", b"\0")[0], 1)
    chunks = math.ceil((y_max - y_min + 1) / lines)
    offsets = struct.unpack_from(f"<{chunks}Q", data, position + 1)
    for offset in offsets:
        if offset + 8 > len(data):
            raise OSError("the file is truncated (a block of scanlines lies past its end)")
        (size,) = struct.unpack_from("<i", data, offset + 4)
        if offset + 8 + size > len(data):
            raise OSError("the file is truncated (its last scanlines are missing)")


# ---- writing --------------------------------------------------------------------------------------


def encode_picture(frame: av.VideoFrame, codec: str, pix_fmt: str, options: dict[str, str] | None = None) -> bytes:
    """One frame through an FFmpeg image encoder: the bytes of the file."""
    context = av.CodecContext.create(codec, "w")
    context.width, context.height, context.pix_fmt = frame.width, frame.height, pix_fmt
    context.time_base = Fraction(1, 25)  # required by the API; a still has no timing
    context.options = dict(options or {})
    if frame.format.name != pix_fmt:
        frame = frame.reformat(format=pix_fmt)
    frame.pts = 0
    packets = context.encode(frame) + context.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def signal_frame(signal: np.ndarray) -> av.VideoFrame:
    """A 16-bit H x W x 3/4 signal (uint16) as an rgb48/rgba64 frame."""
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(signal), format="rgba64le" if signal.shape[-1] == 4
                                      else "rgb48le")


def linear_frame(pixels: np.ndarray) -> av.VideoFrame:
    """Float32 H x W x 3/4 pixels as a planar float frame (what the EXR encoder takes)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    return av.VideoFrame.from_ndarray(pixels, format="gbrapf32le" if pixels.shape[-1] == 4 else "gbrpf32le")


def _save(path: str | Path, data: bytes) -> Path:
    try:
        return atomic_write(path, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror or exc}. Choose a folder you can write to.") from exc


def encode_png16(signal: np.ndarray) -> bytes:
    """A 16-bit PNG from a uint16 signal (RGB or RGBA)."""
    return encode_picture(signal_frame(signal), "png", "rgba64be" if signal.shape[-1] == 4 else "rgb48be")


def encode_dpx10(signal: np.ndarray) -> bytes:
    """A 10-bit RGB DPX from a uint16 signal (alpha, if any, is dropped)."""
    return encode_picture(signal_frame(signal[..., :3]), "dpx", "gbrp10le")


def encode_exr(pixels: np.ndarray, half: bool = True) -> bytes:
    """An OpenEXR file of scene-linear float pixels, half (16-bit) or full float, ZIP compressed."""
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    pix_fmt = "gbrapf32le" if pixels.shape[-1] == 4 else "gbrpf32le"
    return encode_picture(linear_frame(pixels), "exr", pix_fmt,
                          {"format": "half" if half else "float", "compression": "zip1"})


def write_png16(path: str | Path, signal: np.ndarray) -> Path:
    return _save(path, encode_png16(signal))


def write_dpx10(path: str | Path, signal: np.ndarray) -> Path:
    return _save(path, encode_dpx10(signal))


def write_exr(path: str | Path, pixels: np.ndarray, half: bool = True) -> Path:
    return _save(path, encode_exr(pixels, half))
