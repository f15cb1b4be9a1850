"""The encoder's own 8-bit Y'CbCr, written from our signal instead of through swscale.

An 8-bit SDR export used to hand swscale a 16-bit R'G'B' frame and let it make the encoder's
yuv420p (or yuv422p): ~8 ms of CPU a 720p frame, a fifth of the picture chain, on a machine where
x264 wants both cores. The export's table (engine.media.signal_lut) can hold the R'G'B' -> Y'CbCr
matrix as well, since the matrix is linear and tetrahedral interpolation commutes with it; what is
left is rounding to 8 bits and filtering chroma: ~0.6 ms a 720p frame in engine/media/signal_kernel.c,
~2 in numpy where that is not built, to the same codes.

The result is limited range through the output's H.273 matrix, with chroma filtered as swscale
filters it, and within 50 dB of swscale's, which differs by its ordered dither and the rounding of
its fixed-point arithmetic (tests/engine/test_ycbcr.py).
"""

from __future__ import annotations

import av
import cv2
import numpy as np

# H.273 matrix coefficients (Kr, Kb) of the matrices an 8-bit SDR export can carry.
_KR_KB = {1: (0.2126, 0.0722), 5: (0.299, 0.114), 6: (0.299, 0.114), 9: (0.2627, 0.0593)}
_CODE = 257  # one 8-bit code on the Y'CbCr planes' scale: code c is 257 * c
# Chroma planes each format keeps: (horizontal, vertical) subsampling.
_SUBSAMPLING = {"yuv420p": (2, 2), "yuv422p": (2, 1), "yuv444p": (1, 1)}
PLANAR_FORMATS = tuple(_SUBSAMPLING)
# Chroma is filtered as swscale filtered it (what the exports were made with before, so films keep
# their look): horizontally the mean of two pixels, vertically a 1-3-3-1 triangle over four rows,
# which centre each sample between the pixels it stands for, vertically as MPEG-2 and H.264 place it.
# The same float32 operations in the same order here and in engine/media/signal_kernel.c, which does
# this where it is built (0.64 ms a 720p frame on one thread, OpenCV's resizes and blends took 0.75,
# numpy takes 2.1): a film gets the same codes with or without it.
_ONE_CODE = np.float32(1.0 / _CODE)

try:
    from ._signal_kernel import planes as _kernel_planes
except ImportError:  # no C compiler at install: the numpy below, to the same codes
    _kernel_planes = None


def ycbcr_affine(matrix: int) -> np.ndarray:
    """3 x 4: R'G'B' (0..1) to limited-range 8-bit Y'CbCr codes / 255, the last column the offset."""
    if matrix not in _KR_KB:
        raise ValueError(f"no Y'CbCr matrix for H.273 code {matrix}; known: {', '.join(map(str, _KR_KB))}")
    kr, kb = _KR_KB[matrix]
    luma = np.array([kr, 1.0 - kr - kb, kb])
    blue_difference = (np.array([0.0, 0.0, 1.0]) - luma) / (2.0 * (1.0 - kb))
    red_difference = (np.array([1.0, 0.0, 0.0]) - luma) / (2.0 * (1.0 - kr))
    scale = np.array([219.0, 224.0, 224.0])[:, None]  # the codes white - black and the chroma excursion span
    offset = np.array([16.0, 128.0, 128.0])[:, None]
    return np.hstack([np.stack([luma, blue_difference, red_difference]) * scale, offset]) / 255.0


def ycbcr_of_signal(signal: np.ndarray, matrix: int) -> np.ndarray:
    """An H x W x 3 uint16 R'G'B' signal (0..65535) -> 3 x H x W uint16 Y'CbCr planes (257 x code)."""
    affine = ycbcr_affine(matrix) * 65535.0  # to the planes' uint16 scale
    affine[:, :3] /= 65535.0  # from the signal's
    packed = cv2.transform(np.ascontiguousarray(signal), affine)  # rounds and saturates to uint16
    return np.ascontiguousarray(packed.transpose(2, 0, 1))


def planar_frame(ycbcr: np.ndarray, pix_fmt: str) -> av.VideoFrame:
    """3 x H x W Y'CbCr planes (257 x code: uint16, or float32 not yet rounded, as the export's table
    writes them) -> a new 8-bit frame in `pix_fmt` for the encoder.

    A new frame each time, never a kept one: an encoder may hold on to the frames it was given.
    Subsampled formats need an even width (and height, for 4:2:0), as their encoders do.
    """
    height, width = ycbcr.shape[1:]
    frame, targets, (step_x, step_y) = empty_frame(width, height, pix_fmt)
    source = np.ascontiguousarray(ycbcr, dtype=np.float32)  # uint16 codes are exact in float32
    if _kernel_planes is not None:
        _kernel_planes(source, step_x, step_y, *targets)
    else:
        eight_bit_planes(source, step_x, step_y, targets)
    return frame


def empty_frame(width: int, height: int, pix_fmt: str) -> tuple[av.VideoFrame, list[np.ndarray], tuple[int, int]]:
    """A new 8-bit planar frame, writable views of its three planes' pixels, and its chroma subsampling
    (horizontal, vertical). ValueError for a format or a size these writers cannot make."""
    if pix_fmt not in _SUBSAMPLING:
        raise ValueError(f"no planar Y'CbCr writer for {pix_fmt}; it writes {', '.join(PLANAR_FORMATS)}")
    step_x, step_y = _SUBSAMPLING[pix_fmt]
    if width % step_x or height % step_y:
        raise ValueError(f"a {width}x{height} frame cannot be written as {pix_fmt}: its chroma needs an even "
                         f"{'width and height' if step_y == 2 else 'width'}")
    frame = av.VideoFrame(width, height, pix_fmt)
    return frame, [_plane_view(plane) for plane in frame.planes], (step_x, step_y)


def copy_frame(frame: av.VideoFrame) -> av.VideoFrame:
    """A new frame with the picture of a planar one (a held frame, written again)."""
    copy, targets, _ = empty_frame(frame.width, frame.height, frame.format.name)
    for target, plane in zip(targets, frame.planes):
        target[...] = _plane_view(plane)
    return copy


def eight_bit_planes(ycbcr: np.ndarray, step_x: int, step_y: int, targets: list[np.ndarray]) -> None:
    """Luma rounded to its codes, chroma filtered (see above) and rounded, into the three uint8 `targets`.
    The reference of signal_kernel.c's planes(): each line one float32 operation, as there."""
    targets[0][...] = _codes(ycbcr[0])
    for plane, target in zip(ycbcr[1:], targets[1:]):
        if step_x == 2:
            pairs = plane[:, 0::2] + plane[:, 1::2]
        if step_y == 2:
            rows = np.arange(0, plane.shape[0], 2)
            above, below = pairs[np.maximum(rows - 1, 0)], pairs[np.minimum(rows + 2, plane.shape[0] - 1)]
            outer = above + below
            inner = pairs[rows] + pairs[rows + 1]
            target[...] = _codes((outer + np.float32(3.0) * inner) * np.float32(0.0625))  # = filtered() there
        elif step_x == 2:
            target[...] = _codes(pairs * np.float32(0.5))
        else:
            target[...] = _codes(plane)


def _codes(values: np.ndarray) -> np.ndarray:
    """257 x code floats -> uint8 codes: scaled, clamped to 0..255, then to nearest, ties to even."""
    return np.rint(np.clip(values * _ONE_CODE, 0, 255)).astype(np.uint8)


def _plane_view(plane) -> np.ndarray:
    """A writable uint8 view of one plane's visible pixels (its rows may be padded past the width)."""
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, :plane.width]
