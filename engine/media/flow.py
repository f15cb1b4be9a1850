"""In-between frames from keyframes by bidirectional optical flow (OpenCV DIS), with occlusion handling.

For two keyframes A and B, DIS estimates the flow both ways on display-encoded luma (matching
works best where equal steps look equal; linear light crowds the shadows into a few codes), at
up to 960 px wide, and the flows are scaled back up. Pixels whose forward and backward flows do
not agree are occluded in the other keyframe; DIS fills them with a neighbour's motion (usually
the moving object's), so their flow is refilled from similar-looking confident pixels.

The frame at time t tries two guesses at the motion of what is visible at each pixel (A's flow
there, and B's reversed), warps both keyframes along each with cv2.remap, and checks every
sample against the flow found at the keyframe pixel it read. A guess confirmed in both keyframes
wins; a sample from a keyframe where the surface is hidden gets no weight, so a background
uncovered by a moving object comes from the keyframe that shows it instead of ghosting. The
blend is of the linear pixels. This is classical flow, good for moderate motion between nearby
keyframes; it invents nothing that neither keyframe shows.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from functools import lru_cache, partial

import cv2
import numpy as np

from ..color import linear_to_srgb, to_8bit
from ..timebase import frames_between_rates
from .clip import Clip, ClipInfo, SequentialReader
from .ordered_pool import DEFAULT_WORKERS, ordered_results

try:  # an in-between's blend and weights, each in one pass (flow_kernel.c); None where nothing was compiled
    from . import _flow_kernel as KERNEL
except ImportError:
    KERNEL = None

# quality -> (DIS preset, widest flow field in pixels). Measured on this project's CPU: DIS MEDIUM
# takes about 116 ms per 1080p pair and 31 ms at 960x540, with little visible difference.
QUALITIES = {
    "draft": (cv2.DISOPTICAL_FLOW_PRESET_FAST, 480),
    "normal": (cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, 960),
    "high": (cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, 1920),
}
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec.709 luminance weights


@lru_cache(maxsize=1)
def _srgb_table() -> np.ndarray:
    """sRGB encoding of linear 0, 1/4095 .. 1: a lookup table, as the exact curve is slow per pixel."""
    return linear_to_srgb(np.linspace(0.0, 1.0, 4096, dtype=np.float32))


def _display(linear: np.ndarray) -> np.ndarray:
    """Linear values as display-encoded 0..1 (sRGB curve, to a 12-bit step): for matching, not output."""
    return _srgb_table()[np.rint(np.clip(linear, 0.0, 1.0) * 4095).astype(np.int32)]


def _flow_picture(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """8-bit display-encoded luma at `size` (w, h): what DIS matches."""
    small = cv2.resize(pixels[..., :3], size, interpolation=cv2.INTER_AREA) if size != pixels.shape[1::-1] \
        else pixels[..., :3]
    return to_8bit(_display(small @ _LUMA))


def _guide(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Display-encoded colour at `size`: how alike two pixels look, for the occlusion fill."""
    return _display(cv2.resize(pixels[..., :3], size, interpolation=cv2.INTER_AREA))


def _grid(width: int, height: int) -> np.ndarray:
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return np.stack([xs, ys], axis=-1)


def _remap(picture: np.ndarray, where: np.ndarray) -> np.ndarray:
    # `where` as one two-channel map: split into x and y views, OpenCV copied each into a map of its own.
    return cv2.remap(picture, np.ascontiguousarray(where), None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _per_channel(plane: np.ndarray, channels: int) -> np.ndarray:
    """An H x W plane repeated into H x W x `channels` (OpenCV multiplies only matching shapes)."""
    return cv2.merge([plane] * channels)


def _agreement(flow_there: np.ndarray, motion: np.ndarray, tolerance: np.ndarray | None = None) -> np.ndarray:
    """0..1 per pixel: 1 where the flow found at a keyframe pixel is the assumed motion (`tolerance`:
    _tolerance(motion), where the caller keeps it)."""
    difference = flow_there - motion
    # Lengths in numpy, not cv2.magnitude: OpenCV splits that work among its threads and rounds some
    # values by how it was split, so 1, 2 and 4 threads gave different in-betweens: a machine with
    # another number of cores would render other bits.
    error = _length(difference)
    ratio = error / (_tolerance(motion) if tolerance is None else tolerance)
    return np.exp(-0.5 * ratio * ratio)


def _tolerance(motion: np.ndarray) -> np.ndarray:
    """How far a flow may differ from `motion` and still agree: a pixel plus 10% of the motion (DIS flow
    is smooth, so large motions are less exact)."""
    return 1.0 + 0.1 * _length(motion)


def _length(vectors: np.ndarray) -> np.ndarray:
    x, y = vectors[..., 0], vectors[..., 1]
    return np.sqrt(x * x + y * y)


def _consistency(forward: np.ndarray, backward: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """0..1 per pixel: 1 where following `forward` then `backward` comes back home (visible in both)."""
    return _agreement(-_remap(backward, grid + forward), forward)


def _fill_occluded(flow: np.ndarray, confidence: np.ndarray, picture: np.ndarray) -> np.ndarray:
    """`flow` with its unconfident (occluded) pixels replaced by the flow of similar-looking confident ones.

    DIS extrapolates the neighbouring motion into regions it cannot match, usually the motion of a
    moving object into the background it uncovers. A pixel there most likely belongs to the
    surface it resembles in colour, so the fill is a joint bilateral average of confident flows,
    done on a small copy (about 160 px wide) where a few pixels of radius reach far, over a
    window as wide as the largest motion (capped; sparse when wide).
    """
    height, width = flow.shape[:2]
    scale = min(1.0, 160.0 / width)
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small_flow = cv2.resize(flow, size, interpolation=cv2.INTER_AREA) * scale
    small_conf = cv2.resize(confidence, size, interpolation=cv2.INTER_AREA)
    if float(confidence.min()) > 0.9:
        return flow  # nothing is occluded
    small_guide = _guide(picture, size)
    radius = int(min(12, 2 + math.ceil(float(np.abs(small_flow).max()))))
    pad = ((radius, radius), (radius, radius), (0, 0))
    flow_p = np.pad(small_flow, pad, mode="edge")
    conf_p = np.pad(small_conf[..., None], pad, mode="edge")[..., 0]
    guide_p = np.pad(small_guide, pad, mode="edge")
    total = np.zeros_like(small_flow)
    weights = np.full(small_conf.shape, 1e-6, np.float32)
    step = max(1, math.ceil(radius / 4))  # at most 9 x 9 neighbours, centred on the pixel
    offsets = [k * step for k in range(-(radius // step), radius // step + 1)]
    for dy in offsets:
        for dx in offsets:
            window = (slice(radius + dy, radius + dy + size[1]), slice(radius + dx, radius + dx + size[0]))
            difference = np.sum((guide_p[window] - small_guide) ** 2, axis=-1)
            weight = conf_p[window] * np.exp(-difference / (2 * 0.08 ** 2) - (dx * dx + dy * dy) / (2 * radius ** 2))
            total += weight[..., None] * flow_p[window]
            weights += weight
    filled = cv2.resize(total / weights[..., None], (width, height), interpolation=cv2.INTER_LINEAR) / scale
    return confidence[..., None] * flow + (1.0 - confidence[..., None]) * filled


class FlowPair:
    """Two keyframes of one size and the flows between them: any in-between at time 0..1."""

    def __init__(self, first: np.ndarray, second: np.ndarray, quality: str = "normal"):
        if quality not in QUALITIES:
            raise ValueError(f"unknown flow quality {quality!r}; use one of {', '.join(QUALITIES)}")
        if first.shape != second.shape:
            raise ValueError(f"keyframes must have the same size and channels to interpolate, got {first.shape} "
                             f"and {second.shape}; fit them to one resolution first")
        self.first, self.second = first, second
        height, width = first.shape[:2]
        preset, widest = QUALITIES[quality]
        scale = min(1.0, widest / width)
        self._size = (max(16, round(width * scale)), max(16, round(height * scale)))
        dis = cv2.DISOpticalFlow_create(preset)
        small_a, small_b = _flow_picture(first, self._size), _flow_picture(second, self._size)
        ab = dis.calc(small_a, small_b, None)  # where each pixel of A goes in B (flow-size pixels)
        ba = dis.calc(small_b, small_a, None)
        self._small_grid = _grid(*self._size)
        self._ab = _fill_occluded(ab, _consistency(ab, ba, self._small_grid), first)
        self._ba = _fill_occluded(ba, _consistency(ba, ab, self._small_grid), second)
        # The two guesses at the motion of what each in-between pixel shows (see at()), and how far a
        # flow may differ from each: the same for every in-between of the pair.
        self._motions = (self._ab, -self._ba)
        self._tolerances = tuple(_tolerance(motion) for motion in self._motions)
        self._grid = _grid(width, height)
        self._gain = np.array([width / self._size[0], height / self._size[1]], dtype=np.float32)
        self._full_motions: list[np.ndarray] | None = None  # the two guesses at full size, made on first use
        self._kernel_fits = (KERNEL is not None and first.ndim == 3 and first.shape[2] == 3
                             and all(k.dtype == np.float32 and k.flags.c_contiguous for k in (first, second)))
        self._full_lock = threading.Lock()  # in-betweens of one pair are made on several threads at once
        # The weights in one pass too (flow_kernel.c's weights(): ~9-10 ms of CPU a guess at 960 x 540
        # where the numpy and OpenCV passes below take ~25-30); a build from before it lacks the function.
        self._weights_in_kernel = KERNEL is not None and hasattr(KERNEL, "weights")

    def _full_size(self, motions: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
        """The motions at the keyframes' size, in full-size pixels: the same for every in-between of the
        pair, so made once (two H x W x 2 maps) instead of at each in-between (~16 ms of 1080p passes)."""
        with self._full_lock:
            if self._full_motions is None:
                full_size = self.first.shape[1::-1]
                full = [cv2.resize(motion, full_size, interpolation=cv2.INTER_LINEAR) for motion in motions]
                for motion in full:
                    motion *= self._gain
                self._full_motions = full
            return self._full_motions

    def at(self, t: float) -> np.ndarray:
        """The frame at time t between the keyframes (0 = first, 1 = second)."""
        if t <= 0.0:
            return self.first
        if t >= 1.0:
            return self.second
        full_size = self.first.shape[1::-1]
        # Two guesses at the motion of what is visible at x at time t: A's flow at x and the reverse
        # of B's. Each guess is checked in both keyframes (does the pixel it reads there move that
        # way?): a guess seen in both wins; a pixel hidden in one keyframe comes from the other.
        motions = self._motions
        full_motions = self._full_size(motions) if full_size != self._size else motions
        weights = np.empty((4, full_size[1], full_size[0]), np.float32)  # A's and B's under each guess
        for motion, tolerance, pair in zip(motions, self._tolerances, (weights[:2], weights[2:])):
            self._weights(motion, tolerance, t, pair)
        if self._kernel_fits:
            out = np.empty_like(self.first)
            motion0, motion1 = (np.ascontiguousarray(motion, np.float32) for motion in full_motions)  # no copy if already so
            KERNEL.inbetween(self.first, self.second, motion0, motion1, weights, -t, 1.0 - t, out)
            return out
        return self._blend(full_motions, weights, t)

    def _weights(self, motion: np.ndarray, tolerance: np.ndarray, t: float, into: np.ndarray) -> None:
        """How far the samples of A and of B along this guess are to be trusted, into the two planes of
        `into` (the keyframes' size)."""
        if self._weights_in_kernel:
            # The same formulas; the flows are sampled exactly where cv2.remap snaps positions to 1/32
            # pixel, and e^x is the kernel's own (the same bits on every machine).
            flow_size = motion.shape[:2]
            small = into if into.shape[1:] == flow_size else np.empty((2, *flow_size), np.float32)
            KERNEL.weights(*(np.ascontiguousarray(field, np.float32) for field in (self._ab, self._ba, motion,
                                                                                     tolerance)), t, small)
            if small is not into:
                for plane, weight in zip(into, small):
                    cv2.resize(weight, plane.shape[::-1], dst=plane, interpolation=cv2.INTER_LINEAR)
            return
        in_a = self._small_grid - t * motion
        in_b = self._small_grid + (1.0 - t) * motion
        valid_a = _agreement(_remap(self._ab, in_a), motion, tolerance)
        valid_b = _agreement(-_remap(self._ba, in_b), motion, tolerance)
        support = np.exp(6.0 * (valid_a + valid_b))  # trust in this guess: seen in both > in one > none
        for plane, weight in zip(into, (support * (1.0 - t) * (valid_a + 1e-3), support * t * (valid_b + 1e-3))):
            if plane.shape != weight.shape:
                cv2.resize(weight, plane.shape[::-1], dst=plane, interpolation=cv2.INTER_LINEAR)
            else:
                plane[...] = weight

    def _blend(self, full_motions: list[np.ndarray], weights: np.ndarray, t: float) -> np.ndarray:
        """The weighted mean of the four samples, through OpenCV and numpy: where the kernel is not
        built, or the keyframes are not 3-channel float32 (flow_kernel.c does the same in one pass)."""
        total, weight_sum = None, None
        where = np.empty(self._grid.shape, np.float32)  # sampling positions, reused for each warp
        for full_motion, weight_a, weight_b in zip(full_motions, weights[0::2], weights[1::2]):
            # The full-size passes below work in place (same operations in the same order, so the
            # same bits): every frame-sized temporary costs its page faults, most of this at 1080p.
            np.multiply(full_motion, -t, out=where)
            where += self._grid
            warped_a = _remap(self.first, where)
            np.multiply(full_motion, 1.0 - t, out=where)
            where += self._grid
            warped_b = _remap(self.second, where)
            # Products as OpenCV computes them (each exact, so the same bits as numpy's broadcast,
            # at a third of its time).
            cv2.multiply(warped_a, _per_channel(weight_a, warped_a.shape[2]), dst=warped_a)
            cv2.multiply(warped_b, _per_channel(weight_b, warped_b.shape[2]), dst=warped_b)
            if total is None:
                total, weight_sum = warped_a, weight_a + weight_b
            else:
                total += warped_a
                weight_sum += weight_a
                weight_sum += weight_b
            total += warped_b
        total /= weight_sum[..., None]
        return total.astype(np.float32, copy=False)


def retime_clip(source: Clip, info: ClipInfo, position: Callable[[int], Fraction], quality: str = "normal") -> Clip:
    """A lazy clip whose frame j shows `source` at frame position position(j) (exact fraction).

    Whole positions are the source frames themselves; fractions are flow in-betweens of the two
    neighbours. The flows of the last pair are kept, so all in-betweens of a gap share them.
    """
    if quality not in QUALITIES:
        raise ValueError(f"unknown flow quality {quality!r}; use one of {', '.join(QUALITIES)}")
    if source.frame_count < 1:
        raise ValueError("cannot retime an empty clip: it has no frames")
    return RetimedClip(source, info, position, quality)


# In-betweens computed at once when a clip is streamed. Each is independent of the others (so the
# bits are the same), and most of its time is numpy and OpenCV passes that release the GIL: two
# workers on two cores made a 1080p interpolated shot ~1.8x faster; more than four gain little.
STREAM_WORKERS = DEFAULT_WORKERS


class RetimedClip(Clip):
    """The clip retime_clip makes: frame j is `source` at position(j), in-betweens by flow."""

    def __init__(self, source: Clip, info: ClipInfo, position: Callable[[int], Fraction], quality: str):
        super().__init__(info)
        self._reader = SequentialReader(source)
        self._position, self._quality = position, quality
        self._last = source.frame_count - 1
        self._pair: tuple[int, FlowPair] | None = None  # the flows of the gap used last

    def _where(self, index: int) -> tuple[int, Fraction]:
        """(the source frame before the position, how far past it: 0 for a source frame itself)."""
        where = min(max(Fraction(self._position(index)), Fraction(0)), Fraction(self._last))
        whole = math.floor(where)
        return whole, where - whole

    def _pair_for(self, whole: int) -> FlowPair:
        if self._pair is None or self._pair[0] != whole:
            self._pair = None  # let the old flows go before the new ones are computed
            first = self._reader.get(whole)
            self._pair = (whole, FlowPair(first, self._reader.get(whole + 1), self._quality))
        return self._pair[1]

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        whole, past = self._where(index)
        return self._reader.get(whole) if past == 0 else self._pair_for(whole).at(float(past))

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Frames in order, up to 2 x STREAM_WORKERS in-betweens being computed at once."""
        return ordered_results(self._tasks(self._range(start, stop)), STREAM_WORKERS, name="flow")

    def _tasks(self, indices: range) -> Iterator[Callable[[], np.ndarray]]:
        """One task a frame. The source and the flows are read here, in the caller's thread and in order
        (the reader streams); only the in-betweens' warps and blends go to the workers."""
        for index in indices:
            whole, past = self._where(index)
            if past == 0:
                yield partial(_same, self._reader.get(whole))
            else:
                yield partial(self._pair_for(whole).at, float(past))


def _same(frame: np.ndarray) -> np.ndarray:
    return frame


def inbetween_clip(source: Clip, per_gap: int, quality: str = "normal") -> Clip:
    """`per_gap` flow in-betweens between each pair of source frames; the fps rises to keep the timing."""
    if per_gap < 0:
        raise ValueError(f"in-betweens per gap must be 0 or more, got {per_gap}")
    step = per_gap + 1
    count = (source.frame_count - 1) * step + 1 if source.frame_count else 0
    info = source.info.with_(fps=source.fps * step, frame_count=count)
    return retime_clip(source, info, lambda j: Fraction(j, step), quality)


def resample_fps_clip(source: Clip, fps: Fraction, quality: str = "normal") -> Clip:
    """`source` at another frame rate, same duration, with flow in-betweens where frames fall between."""
    fps = Fraction(fps)
    count = max(1, frames_between_rates(source.frame_count, source.fps, fps))
    ratio = source.fps / fps  # source frames per output frame, exact
    return retime_clip(source, source.info.with_(fps=fps, frame_count=count), lambda j: j * ratio, quality)


MOTION_WIDTH = 320  # the motion measure's working width: enough to tell 3 % from 20 % of the frame, ~5 ms a pair


def motion_between(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """How far things move between two keyframes: (median motion as a share of the frame's width, share of
    the picture occluded in one of them). What the render router reads to tell interpolation's job (small,
    mostly visible motion) from a video model's; the keyframes may differ in size (both are scaled to one)."""
    height = max(8, round(MOTION_WIDTH * first.shape[0] / first.shape[1]))
    size = (MOTION_WIDTH, height)
    small_a, small_b = _flow_picture(first, size), _flow_picture(second, size)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    forward = dis.calc(small_a, small_b, None)
    backward = dis.calc(small_b, small_a, None)
    visible = _consistency(forward, backward, _grid(*size))
    return float(np.median(_length(forward))) / MOTION_WIDTH, float(np.mean(visible < 0.5))
