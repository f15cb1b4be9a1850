"""The encoder's own 8-bit Y'CbCr, written from our signal instead of through swscale.

An 8-bit SDR export used to hand swscale a 16-bit R'G'B' frame and let it make the encoder's
yuv420p (or yuv422p): ~8 ms of CPU a 720p frame, a fifth of the picture chain, on a machine where
x264 wants both cores. The export's table (engine.media.signal_lut) can hold the R'G'B' -> Y'CbCr
matrix as well, since the matrix is linear and tetrahedral interpolation commutes with it; what is
left is rounding to 8 bits and averaging chroma, ~1.5 ms in OpenCV.

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
_PAIR_MEAN = np.array([[0.5, 0.5]])


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
    if pix_fmt not in _SUBSAMPLING:
        raise ValueError(f"no planar Y'CbCr writer for {pix_fmt}; it writes {', '.join(PLANAR_FORMATS)}")
    height, width = ycbcr.shape[1:]
    step_x, step_y = _SUBSAMPLING[pix_fmt]
    if width % step_x or height % step_y:
        raise ValueError(f"a {width}x{height} frame cannot be written as {pix_fmt}: its chroma needs an even "
                         f"{'width and height' if step_y == 2 else 'width'}")
    frame = av.VideoFrame(width, height, pix_fmt)
    luma, blue, red = (_plane_view(plane) for plane in frame.planes)
    cv2.convertScaleAbs(ycbcr[0], luma, alpha=1.0 / _CODE)  # rounds to the nearest code
    for source, plane in ((ycbcr[1], blue), (ycbcr[2], red)):
        if step_y == 2:
            source = _chroma_420(source)
        elif step_x == 2:
            source = _pair_means(source)
        cv2.convertScaleAbs(source, plane, alpha=1.0 / _CODE)
    return frame


def _chroma_420(plane: np.ndarray) -> np.ndarray:
    """Row i of a 4:2:0 chroma plane: rows 2i-1 .. 2i+2 weighted 1, 3, 3, 1 (edges repeated), pairs averaged.

    That is half the mean of the 2x2 block plus a quarter of each of the two 2x2 blocks one row
    off it, so it is made from OpenCV's fast 2x2 means (~0.5 ms a 720p plane; a general 4-tap
    filter took ~5).
    """
    height, width = plane.shape
    blocks = cv2.resize(plane, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    offset = np.empty((height // 2 + 1, width // 2), plane.dtype)  # the blocks of rows 2i-1 and 2i (float ones unrounded)
    offset[0], offset[-1] = _pair_means(plane[:1])[0], _pair_means(plane[-1:])[0]  # rows -1 and h: repeated
    if height > 2:
        offset[1:-1] = cv2.resize(plane[1:-1], (width // 2, height // 2 - 1), interpolation=cv2.INTER_AREA)
    around = cv2.addWeighted(offset[:-1], 0.25, offset[1:], 0.25, 0.0)
    return cv2.addWeighted(blocks, 0.5, around, 1.0, 0.0)


def _pair_means(plane: np.ndarray) -> np.ndarray:
    """The mean of each horizontal pair of samples (two channels of one pixel to OpenCV); uint16 rounded."""
    height, width = plane.shape
    return cv2.transform(np.ascontiguousarray(plane).reshape(height, width // 2, 2), _PAIR_MEAN)


def _plane_view(plane) -> np.ndarray:
    """A writable uint8 view of one plane's visible pixels (its rows may be padded past the width)."""
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, :plane.width]
