"""The last steps of an 8-bit SDR export in one table: grade, output transform and 16-bit quantisation.

An export that ends in a Grade spent most of its own time there: the grade through OpenColorIO
(~27 ms of CPU a 720p frame), then the output transform in numpy (~8 ms), then the 16-bit signal
swscale turns into the encoder's YUV. For an 8-bit file all of that is a smooth function of the
pixel's colour alone, so it is baked once per export into a 65³ table over fourth-root-shaped
scene-linear input and applied by OpenColorIO's tetrahedral 3D LUT straight into the signal
(~12 ms of CPU): the encoder's own Y'CbCr planes for a movie (engine.media.ycbcr: the matrix baked in
too, so swscale has nothing left to do), or uint16 R'G'B'.

What it may cost in accuracy is checked, not assumed, twice. A table is baked only if it follows
the exact path (engine.media.grade_math in float64, colour-science's transfer functions) at the
centres of its cells, where interpolation is worst, within CELL_*_ERROR_CODES over the whole colour
cube: a look with hard steps is never tabled. Then each frame uses the table only if it gives the
exact signal of the export QA's grid of that frame's pixels (1 in ~64) within FRAME_MAX_ERROR_CODES;
the sample film's frames stay within 1 code, 0.01 rms, of the exact path (tests/engine/test_signal_lut.py).
Which table a frame goes through depends on that frame alone (its brightest value picks the
domain), so a frame exports to the same bits whatever range of the film is exported. A frame
outside every table's domain (negative light, highlights above MAX_TOP, NaN) takes the exact path.

The table is applied by engine/media/signal_kernel.c where it is built (setup.py, with a C compiler):
the shaper, the tetrahedral interpolation and the planes in one pass, to the same floats as OpenColorIO
gives, ~1.7 ms of ~7 less CPU a 720p frame on an AVX2 CPU. Without it, OpenColorIO applies the table.

10-bit and HDR outputs need finer steps than a 65³ table keeps and take the exact path; so do the
ACES output transforms (already a baked OpenColorIO LUT) and pictures with alpha (the grade runs
before alpha is multiplied in, which a table of colour alone cannot do).
"""

from __future__ import annotations

import math
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable

import av
import cv2
import numpy as np
import PyOpenColorIO as ocio
import xxhash

from .colorspaces import OUTPUT_TRANSFORMS, WORKING_GAMUTS, gamut_matrix
from .grade_math import Grading, apply_ops
from .value_range import value_range as range_of  # encode() has a parameter named value_range
from .ycbcr import empty_frame, planar_frame, ycbcr_affine, ycbcr_of_signal

try:  # the one-pass kernel (see above); None where setup.py found no C compiler to build it
    from . import _signal_kernel as KERNEL
except ImportError:
    KERNEL = None

TABLE_SIZE = 65  # 97 was no more accurate on film frames, and 1.7x slower on busy colours (cache misses)
# A grade a 65³ table cannot follow (a look LUT with strong curvature, pushed by exposure) gets a 97³ one
# before the exact path: baked in ~0.6 s, and about as fast as 65³ on smooth frames, where the exact path
# (grade, output transform, Y'CbCr) costs ~91 ms of wall time and ~145 of CPU a 1080p frame against ~45.
FALLBACK_TABLE_SIZE = 97
# Transforms a table may stand for: SDR display encodings that clip to 0..1.
TABLE_TRANSFORMS = ("rec709", "srgb")
# The table's top in scene-linear starts at diffuse white and doubles for brighter frames up to this
# (four stops over white: beyond it a table's steps are too coarse for most grades).
MAX_TOP = 16.0
# Negative light a frame may hold and still use a table (it is read as 0): rounding noise of resampling.
NEGATIVE_TOLERANCE = -1.0 / 4096
# A table is baked only where it follows the grade at the centres of its cells (where interpolation is
# worst) within these, in codes of the 8-bit file, over the whole colour cube; a posterising look fails.
CELL_MAX_ERROR_CODES = 6.0
CELL_P999_ERROR_CODES = 3.5
# Each frame then takes its table only if the table gives the exact signal of a grid of its own pixels
# within this: natural pictures use a small part of the cube, where the error is far smaller.
FRAME_MAX_ERROR_CODES = 1.5
CODE = 65535 / 255  # one code of an 8-bit file, in the 16-bit signal
# The shaper is a fourth root: dark values get the table's steps that the encoding needs there. It is
# two square roots, which every x86-64 CPU computes 8 or 16 at a time: numpy's cube root is vectorised
# only with AVX-512, and cost 57 ms a 720p frame on an AVX2 CPU (most workstations) against 5 ms for
# these; the table follows the grade as closely (tests/engine/test_signal_lut.py). OpenCV takes them
# (1080p, one thread: 2.5 ms of CPU against numpy's 4.5 on an AVX-512 CPU), with numpy's bits.
_ROOT = 4.0


def fits_table(fmt_bit_depth: int, is_yuv: bool, transform: str, channels: int) -> bool:
    """Whether an export of this kind may go through a table at all (8-bit YUV, SDR, no alpha)."""
    return fmt_bit_depth == 8 and is_yuv and transform in TABLE_TRANSFORMS and channels == 3


class SignalTable:
    """Scene-linear pixels in [0, top] (working space) to the encoder's signal, through one baked table.

    The signal is uint16 R'G'B' (0..65535), or with `matrix` (an H.273 matrix code) the encoder's
    limited-range Y'CbCr planes on engine.media.ycbcr's scale (257 x the 8-bit code): the matrix is
    linear, so baking it in costs the table nothing and spares the export a conversion a frame. Those
    planes are float32, not rounded: engine.media.ycbcr rounds them once, to the file's 8 bits, and
    OpenColorIO writing floats skips its conversion to 16-bit integers (~1.1 of ~6.4 ms of its CPU a
    720p frame in an export).
    """

    def __init__(self, grading: Grading | None, working: str, transform: str, top: float,
                 size: int = TABLE_SIZE, matrix: int | None = None, use_kernel: bool = True):
        if transform not in TABLE_TRANSFORMS:
            raise ValueError(f"no table for output transform {transform!r}; tables cover {', '.join(TABLE_TRANSFORMS)}")
        self.grading, self.working, self.transform, self.top, self.size = grading, working, transform, top, size
        self._ycbcr = ycbcr_affine(matrix) if matrix is not None else None
        self._scale = np.float32(1.0 / math.pow(top, 1.0 / _ROOT))  # fourth root of [0, top] -> 0..1
        grid = np.linspace(0.0, 1.0, size)
        table = self.exact(_corners(grid, top))
        if self._ycbcr is not None:
            table = table * 65535.0  # float planes on the uint16 scale (see above)
        lut = ocio.Lut3DTransform(size)
        lut.setInterpolation(ocio.INTERP_TETRAHEDRAL)
        lut.setData(np.ascontiguousarray(table, dtype=np.float32).ravel())  # red slowest, as OCIO reads it
        config = ocio.Config.CreateRaw()
        config.setProcessorCacheFlags(ocio.PROCESSOR_CACHE_OFF)  # an in-memory table: never reuse a stale one
        self._processor = config.getProcessor(lut).getOptimizedCPUProcessor(
            ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32 if self._ycbcr is not None else ocio.BIT_DEPTH_UINT16,
            ocio.OPTIMIZATION_LOSSLESS)
        # The kernel's copy of the table: 4 floats a node, so that one vector load reads a node.
        self._nodes = None
        if use_kernel and KERNEL is not None and self._ycbcr is not None:
            self._nodes = np.zeros((size ** 3, 4), np.float32)
            self._nodes[:, :3] = table
        self.error_p999, self.error_max = self._error_at_cell_centres(grid)

    @property
    def uses_kernel(self) -> bool:
        """Whether encode() goes through engine/media/signal_kernel.c (else through OpenColorIO)."""
        return self._nodes is not None

    @property
    def accurate(self) -> bool:
        return self.error_max <= CELL_MAX_ERROR_CODES and self.error_p999 <= CELL_P999_ERROR_CODES

    def exact(self, linear: np.ndarray) -> np.ndarray:
        """The exact signal (0..1, float64, N x 3) of working-space linear values: what the table samples."""
        import torch

        rgb = torch.from_numpy(np.asarray(linear, dtype=np.float64))
        if self.grading is not None and self.grading.ops:
            rgb = torch.lerp(rgb, apply_ops(rgb, list(self.grading.ops)), self.grading.mix)
        out = OUTPUT_TRANSFORMS[self.transform]
        rgb = rgb @ torch.from_numpy(gamut_matrix(WORKING_GAMUTS[self.working], out.gamut).astype(np.float64)).T
        signal = np.clip(np.asarray(out.encode(rgb.numpy()), dtype=np.float64), 0.0, 1.0)
        if self._ycbcr is not None:
            signal = signal @ self._ycbcr[:, :3].T + self._ycbcr[:, 3]
        return signal

    def encode(self, rgb: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
        """H x W x 3 float32 linear (inside the domain) -> a new signal: H x W x 3 uint16 R'G'B' as swscale
        takes it, or 3 x H x W float32 Y'CbCr planes (257 x code) as the encoder's planar formats store them.

        `rgb` is read only; `scratch` (float32, its shape) is overwritten if given, saving an allocation
        (OpenColorIO's path only: the kernel shapes each run of pixels in its own small buffer).
        Negative values (rounding noise of resampling) need no clamp: their square root is NaN, which
        OpenColorIO's 3D LUT reads as 0 (its renderers are tested for that), as it would clamp them.
        """
        rgb = np.ascontiguousarray(rgb, dtype=np.float32)  # what OpenColorIO reads (no copy if it is that already)
        height, width = rgb.shape[:2]
        if self._nodes is not None:
            out = np.empty((3, height, width), np.float32)
            KERNEL.apply(rgb, float(self._scale), self._nodes, self.size, out[0], out[1], out[2])
            return out
        shaped = cv2.sqrt(rgb, scratch)  # IEEE square roots, a negative's NaN included (see _ROOT)
        cv2.sqrt(shaped, shaped)
        if self._scale != 1:
            shaped *= self._scale
        source = ocio.PackedImageDesc(shaped, width, height, 3)
        if self._ycbcr is not None:
            out = np.empty((3, height, width), np.float32)
            self._processor.apply(source, ocio.PlanarImageDesc(out[0], out[1], out[2], width, height))
        else:
            out = np.empty((height, width, 3), np.uint16)
            self._processor.apply(source, ocio.PackedImageDesc(out, width, height, 3, ocio.BIT_DEPTH_UINT16,
                                                               2, 6, 6 * width))
        return out

    def encode_frame(self, rgb: np.ndarray, pix_fmt: str) -> av.VideoFrame:
        """H x W x 3 float32 linear (inside the domain) -> a new 8-bit frame for the encoder: the codes
        engine.media.ycbcr.planar_frame makes of encode()'s planes. Through the kernel where this table
        uses it, in one pass that never writes the float planes out."""
        if not self.uses_kernel:
            return planar_frame(self.encode(rgb), pix_fmt)
        return self.encode_frame_and_range(rgb, pix_fmt)[0]

    def encode_frame_and_range(self, rgb: np.ndarray, pix_fmt: str) -> tuple[av.VideoFrame, tuple[float, float]]:
        """encode_frame() through the kernel (uses_kernel), and the (lowest, highest) value of `rgb`
        ((NaN, NaN) where it holds one), as engine.media.value_range gives them: the kernel reads every
        value anyway, so the range costs no pass of its own over the frame."""
        rgb = np.ascontiguousarray(rgb, dtype=np.float32)
        height, width = rgb.shape[:2]
        frame, targets, (step_x, step_y) = empty_frame(width, height, pix_fmt)
        low_high = KERNEL.frame(rgb, float(self._scale), self._nodes, self.size, step_x, step_y, *targets)
        return frame, low_high

    def _error_at_cell_centres(self, grid: np.ndarray) -> tuple[float, float]:
        """(99.9th percentile, max) of |table - exact| in 8-bit codes, over a sample of cell centres."""
        centres = (grid[:-1] + grid[1:]) / 2
        rng = np.random.default_rng(0)  # a fixed sample: the same grade always gets the same verdict
        picks = rng.integers(0, len(centres), size=(40000, 3))
        shaped = centres[picks]
        linear = (shaped / float(self._scale)) ** _ROOT
        signal = self.encode(np.ascontiguousarray(linear[:, None, :], dtype=np.float32))
        signal = signal[:, :, 0].T if self._ycbcr is not None else signal[:, 0, :]  # N x 3 either way
        error = np.abs(signal / 65535.0 - self.exact(linear)) * 255.0
        return float(np.percentile(error, 99.9)), float(error.max())


def _corners(grid: np.ndarray, top: float) -> np.ndarray:
    """The table's nodes as scene-linear colours, red slowest (OCIO's order)."""
    linear = (grid * top ** (1.0 / _ROOT)) ** _ROOT
    red, green, blue = np.meshgrid(linear, linear, linear, indexing="ij")
    return np.stack([red, green, blue], axis=-1).reshape(-1, 3)


class SignalEncoder:
    """Frames to the encoder's signal: through a table where it is accurate, else exactly.

    `exact(pixels)` is the reference path (the grade's own processor, then the output transform, to the
    uint16 R'G'B' signal); it takes every frame no table covers. With `matrix` (an H.273 code) every
    frame comes out as Y'CbCr planes instead (see SignalTable): float32 from a table, uint16 from the
    exact path (converted by the same matrix); engine.media.ycbcr.planar_frame takes either.
    `table_frames` and `exact_frames` count what each path took. encode() may be called from several
    threads at once (an export encodes frames in parallel): each table is baked once, under a lock.
    """

    def __init__(self, grading: Grading | None, working: str, transform: str,
                 exact: Callable[[np.ndarray], np.ndarray], matrix: int | None = None):
        self.grading, self.working, self.transform, self._exact = grading, working, transform, exact
        self.matrix = matrix
        self._tables: dict[float, SignalTable | None] = {}
        self.table_frames = 0
        self.exact_frames = 0
        self.second_passes = 0  # frames convert() took through a table their own range then refused
        self._last_top = 0.0  # the top of the table the last converted frame picked (0: none): the next guess's floor
        self._lock = threading.Lock()  # the tables and the counts, shared by the threads encoding frames
        self._scratch = threading.local()  # each thread's shaped frame, reused from one frame to its next

    def table_for(self, top: float) -> SignalTable | None:
        """The table of domain [0, top], found on first use (baked_table: baked, or kept from before);
        None where no table size follows the grade."""
        with self._lock:
            if top not in self._tables:
                self._tables[top] = baked_table(self.grading, self.working, self.transform, top, self.matrix)
            return self._tables[top]

    def encode(self, pixels: np.ndarray, sample: np.ndarray, sample_signal: np.ndarray,
               value_range: tuple[float, float] | None = None) -> np.ndarray:
        """One H x W x 3 float32 working-space frame (left unchanged) -> its signal (see SignalTable).

        `sample` is a grid of the frame's own pixels (h x w x 3, contiguous) and `sample_signal` their
        exact uint16 R'G'B' signal: the frame goes through its table only if the table reproduces those.
        `value_range` is the frame's (min, max) where the caller has it already (NaN: exact path).
        """
        return self._signal(self._table_of(pixels, sample, sample_signal, value_range), pixels)

    def encode_frame(self, pixels: np.ndarray, sample: np.ndarray, sample_signal: np.ndarray,
                     value_range: tuple[float, float] | None, pix_fmt: str) -> av.VideoFrame:
        """encode(), then engine.media.ycbcr.planar_frame: the frame as the encoder takes it (a matrix
        must be set). A table the kernel applies does both in one pass, to the same codes."""
        table = self._table_of(pixels, sample, sample_signal, value_range)
        if table is not None and table.uses_kernel:
            return table.encode_frame(pixels, pix_fmt)
        return planar_frame(self._signal(table, pixels), pix_fmt)

    def convert(self, pixels: np.ndarray, sample: np.ndarray, sample_signal: np.ndarray,
                pix_fmt: str) -> tuple[av.VideoFrame, tuple[float, float]]:
        """encode_frame() for a frame whose range is not known yet: the frame, and its (lowest, highest)
        value as engine.media.value_range gives them, for the same result as encode_frame() after it.

        Where the kernel applies the table, the sample (the QA's grid of the frame) picks the table and
        the kernel measures the frame's range as it converts it: no pass of its own over the frame. A
        frame the sample misjudged (a highlight, a negative or a NaN between the grid's pixels) picks
        another way from its measured range and is converted again (`second_passes` counts them). The
        guess is never below the last frame's table: a shot whose small highlights the grid misses
        (a sun's glint) pays the second pass on its first frame, not on every one.
        """
        if sample.size and pixels.shape[-1] == 3:
            low, high = range_of(sample)
            table = self._checked(self._by_range(low, max(high, self._last_top)), sample, sample_signal)
            if table is not None and table.uses_kernel:
                frame, measured = table.encode_frame_and_range(pixels, pix_fmt)
                picked = self._by_range(*measured)  # the way the whole frame picks
                self._last_top = picked.top if picked is not None else 0.0
                if picked is table:
                    self._count(table)
                    return frame, measured
                with self._lock:
                    self.second_passes += 1
                return self.encode_frame(pixels, sample, sample_signal, measured, pix_fmt), measured
        measured = range_of(pixels)
        return self.encode_frame(pixels, sample, sample_signal, measured, pix_fmt), measured

    def _signal(self, table: SignalTable | None, pixels: np.ndarray) -> np.ndarray:
        """The frame through `table`, or exactly where it is None."""
        if table is None:
            return self._as_output(self._exact(pixels))
        pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        if table.uses_kernel:
            return table.encode(pixels)  # needs no scratch frame
        scratch = getattr(self._scratch, "frame", None)
        if scratch is None or scratch.shape != pixels.shape:
            scratch = self._scratch.frame = np.empty(pixels.shape, np.float32)
        return table.encode(pixels, scratch)

    def _table_of(self, pixels: np.ndarray, sample: np.ndarray, sample_signal: np.ndarray,
                  value_range: tuple[float, float] | None) -> SignalTable | None:
        """The table this frame goes through, None for the exact path; counted either way."""
        table = None
        if pixels.shape[-1] == 3:
            table = self._checked(self._by_range(*(value_range if value_range is not None else range_of(pixels))),
                                  sample, sample_signal)
        self._count(table)
        return table

    def _by_range(self, low: float, high: float) -> SignalTable | None:
        """The table a frame of values low..high may take (the smallest that holds it), None if none."""
        if low >= NEGATIVE_TOLERANCE and high <= MAX_TOP * (1 + 1e-3):  # False for NaN
            return self.table_for(domain_top(high))
        return None

    def _checked(self, table: SignalTable | None, sample: np.ndarray, sample_signal: np.ndarray) -> SignalTable | None:
        """`table` if it gives the exact signal of the frame's sample (its grid), else None."""
        if table is None or sample.size == 0:  # a frame too thin for the grid: nothing to check with
            return None
        error = np.abs(table.encode(sample) - self._as_output(sample_signal).astype(np.float32)).max() / CODE
        return None if error > FRAME_MAX_ERROR_CODES else table

    def _count(self, table: SignalTable | None) -> None:
        with self._lock:
            if table is None:
                self.exact_frames += 1
            else:
                self.table_frames += 1

    def _as_output(self, signal: np.ndarray) -> np.ndarray:
        """A uint16 R'G'B' signal in the encoder's output form (Y'CbCr planes where a matrix is set)."""
        return ycbcr_of_signal(signal, self.matrix) if self.matrix is not None else signal


# Tables baked lately, by what they are baked from. A process that renders again reuses them: the
# editor's render process exporting a film again after a title or a cut changed, or another export of
# the same grade. A 65³ bake takes ~0.2 s on one core (a 97³ ~0.6 s), and the export's first frame
# waits for it while the encoder has nothing to do. Each keeps ~9 MB (its nodes, and OpenColorIO's copy).
KEEP_BAKED = 4
_baked: OrderedDict[bytes, SignalTable | None] = OrderedDict()
_baked_lock = threading.Lock()


def baked_table(grading: Grading | None, working: str, transform: str, top: float,
                matrix: int | None) -> SignalTable | None:
    """The table of domain [0, top] for this grade and output: the smallest size that follows the grade
    (SignalTable.accurate), None where none does; baked, or the one baked last time for the same."""
    # Everything the table is made of, the grade's numbers and LUTs included (pickled, then hashed);
    # and which path applies it, which a test may switch. A grade that cannot be pickled is baked
    # each time, as before.
    try:
        key = xxhash.xxh3_128_digest(pickle.dumps(
            (grading, working, transform, top, matrix, TABLE_SIZE, FALLBACK_TABLE_SIZE, KERNEL is not None),
            protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        key = None
    with _baked_lock:
        if key in _baked:
            _baked.move_to_end(key)
            return _baked[key]
    table = None
    for size in (TABLE_SIZE, FALLBACK_TABLE_SIZE):
        candidate = SignalTable(grading, working, transform, top, size=size, matrix=matrix)
        if candidate.accurate:
            table = candidate
            break
    if key is not None:
        with _baked_lock:
            _baked[key] = table
            while len(_baked) > KEEP_BAKED:
                _baked.popitem(last=False)
    return table


def domain_top(brightest: float) -> float:
    """The smallest table top (1, 2, 4 ... MAX_TOP) that holds `brightest` (a hair over counts as in)."""
    top = 1.0
    while brightest > top * (1 + 1e-3) and top < MAX_TOP:
        top *= 2.0
    return top
