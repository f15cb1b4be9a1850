"""The frames an Export hands its writer, each measured by the export's QA on the way.

Two paths give the same picture. The exact one converts each frame as it arrives: alpha multiplied
in where the file has none, then the output transform (engine.media.transfer_fast) to 16-bit. An
8-bit SDR movie takes the table path instead (engine.media.signal_lut): the frames (a closing
Grade's input frames, where the film ends in one) go through one baked table that holds the grade,
the output transform and the encoder's Y'CbCr matrix together, so the grade is never computed frame
by frame and swscale has nothing left to do; the table path hands the writer frames already in the
encoder's planar format (engine.media.ycbcr). The QA still reads graded frames (the grade applied to
the few pixels it measures).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import av
import numpy as np

from engine.media.clip import Clip
from engine.media.colorspaces import OUTPUT_TRANSFORMS
from engine.media.export_formats import ExportFormat
from engine.media.graded_clip import GradedClip
from engine.media.ordered_pool import DEFAULT_WORKERS, ordered_results
from engine.media.signal_lut import SignalEncoder, fits_table
from engine.media.transfer_fast import encode_output_uint16
from engine.media.ycbcr import PLANAR_FORMATS, copy_frame
from engine.qa.picture import measured_grid

from .export_qa import ExportQA

# Frames converted at once (the table or the output transform, and the encoder's planes): each depends on
# its frame alone, so a workstation's cores share the work; the frames still reach the writer in order.
EXPORT_WORKERS = DEFAULT_WORKERS


def export_frames(clip: Clip, fmt: ExportFormat, transform: str, qa: ExportQA, start: int,
                  stop: int) -> Iterator[np.ndarray | av.VideoFrame]:
    """Frames start..stop-1 of `clip` as the writer wants them (runs in the export's worker thread).

    Each is a uint16 signal (VideoEncoder converts it), or on the table path a frame already in the
    encoder's pixel format."""
    if fits_table(fmt.bit_depth, fmt.is_yuv, transform, clip.info.channels) and fmt.pix_fmt in PLANAR_FORMATS:
        return _through_table(clip, fmt, transform, qa, start, stop)
    return _exact(qa.watched(clip), fmt, transform, start, stop)


def _exact(clip: Clip, fmt: ExportFormat, transform: str, start: int, stop: int) -> Iterator[np.ndarray]:
    tasks = (partial(exact_signal, pixels, clip.color_space, fmt, transform) for pixels in clip.frames(start, stop))
    return ordered_results(tasks, EXPORT_WORKERS, name="export")


def exact_signal(pixels: np.ndarray, working: str, fmt: ExportFormat, transform: str) -> np.ndarray:
    """One frame as the writer wants it, computed exactly: the reference of the table path."""
    if pixels.shape[-1] == 4 and not fmt.alpha:  # no alpha in the file: transparent areas become black
        pixels = pixels[..., :3] * pixels[..., 3:]
    if fmt.codec == "exr":
        return np.array(pixels, dtype=np.float32)  # scene-linear, as it is
    # Alpha where the file can hold it and the clip has it (ProRes 4444 always stores one).
    alpha = fmt.alpha and (pixels.shape[-1] == 4 or fmt.pix_fmt.startswith("yuva"))
    return encode_output_uint16(pixels, working, transform, alpha=alpha)


def _through_table(clip: Clip, fmt: ExportFormat, transform: str, qa: ExportQA, start: int,
                   stop: int) -> Iterator[av.VideoFrame]:
    graded = clip if isinstance(clip, GradedClip) else None
    source = graded.source if graded is not None else clip
    working = clip.color_space

    def grade(pixels: np.ndarray) -> np.ndarray:
        return graded.grader(pixels) if graded is not None else pixels

    def signal(graded_pixels: np.ndarray) -> np.ndarray:  # the exact path from graded pixels on
        if graded_pixels.shape[-1] == 4:  # (a clip that said it has none): no alpha in the file, as exact_signal
            graded_pixels = graded_pixels[..., :3] * graded_pixels[..., 3:]
        return encode_output_uint16(graded_pixels, working, transform, alpha=False)

    encoder = SignalEncoder(graded.grading if graded is not None else None, working, transform,
                            exact=lambda pixels: signal(grade(pixels)), matrix=OUTPUT_TRANSFORMS[transform].matrix)

    def tasks() -> Iterator[Callable[[], av.VideoFrame]]:
        last = None  # the frame before: its pixels, grid, graded grid and planes
        for pixels in source.frames(start, stop):
            # The QA's grid of the frame, graded exactly: what the QA measures, and what the table must match.
            grid = np.ascontiguousarray(measured_grid(pixels))
            if last is not None and _repeats(pixels, grid, last.pixels, last.grid):
                # The same figures: it is the same picture.
                qa.measure(last.graded_grid, finite=last.planes.outcome.finite)
                yield last.planes.again
                continue
            graded_grid = grade(grid)
            # The frame's range (which table it takes, and the QA's NaN check) is found by its conversion.
            planes = _FramePlanes(encoder, pixels, grid, signal(graded_grid), fmt.pix_fmt)
            qa.measure(graded_grid, finite=planes.outcome.finite)
            last = _Converted(pixels, grid, graded_grid, planes)
            yield planes

    return ordered_results(tasks(), EXPORT_WORKERS, name="export")


def _repeats(pixels: np.ndarray, grid: np.ndarray, earlier: np.ndarray, earlier_grid: np.ndarray) -> bool:
    """Whether a frame is the picture before it again (a hold, a title card's middle, black): the very
    same array, or one of the same values. The QA grids (1 pixel in 64) tell almost every other pair
    apart first; then every value is compared (a NaN never equals itself, so a frame holding one is
    converted on its own, unless it is the same array: then it is the same picture however it reads)."""
    if pixels is earlier:  # the very same array (a title card's middle): the same picture, unread
        return True
    return (pixels.shape == earlier.shape and np.array_equal(grid, earlier_grid)
            and np.array_equal(pixels, earlier))


@dataclass
class _Converted:
    pixels: np.ndarray
    grid: np.ndarray
    graded_grid: np.ndarray
    planes: "_FramePlanes"


class _Outcome:
    """What a frame's conversion found: whether it is done, and the highest value it read (NaN where it
    read a NaN). The export's QA asks it whether the frame was finite once the export is over, so it
    holds nothing frame-sized: the QA keeps one for every frame of the film."""

    def __init__(self) -> None:
        self.high = math.nan
        self.made = threading.Event()

    def finite(self) -> bool:
        """Whether the frame holds no NaN and no infinity (its highest value carries both through), as its
        conversion found; True if it was never converted (the export stopped first: no report then)."""
        return not self.made.is_set() or math.isfinite(self.high)


class _FramePlanes:
    """A worker's task: one frame through its table (or exactly) into the encoder's Y'CbCr planes.

    The frame is kept, so a frame that repeats this one is written as a copy of it (again()): a held
    frame costs a copy of the encoder's 8-bit planes (~0.2 ms at 720p) instead of the table (~5 ms).
    Each call returns a new PyAV frame (an encoder may keep the frames it was given, and only reads them).
    Only the export's last converted frame is kept alive by it; the QA keeps `outcome` alone.
    """

    def __init__(self, encoder: SignalEncoder, pixels: np.ndarray, grid: np.ndarray, grid_signal: np.ndarray,
                 pix_fmt: str):
        self._encoder, self._pix_fmt = encoder, pix_fmt
        self._inputs: tuple | None = (pixels, grid, grid_signal)
        self._frame: av.VideoFrame | None = None
        self.outcome = _Outcome()

    def __call__(self) -> av.VideoFrame:
        try:
            self._frame, (_, self.outcome.high) = self._encoder.convert(*self._inputs, self._pix_fmt)
        finally:
            self._inputs = None  # the frame's pixels are not needed any more
            self.outcome.made.set()
        return self._frame

    def again(self) -> av.VideoFrame:
        """The same picture as a new frame. Run after __call__ (tasks start in order), it waits for the
        frame if it is still being made."""
        self.outcome.made.wait()
        if self._frame is None:  # its own task failed, and raises in its place, before this one
            raise RuntimeError("the frame this one repeats could not be converted")
        return copy_frame(self._frame)
