"""Camera poses into frames: one affine resample per pose, with cv2.warpAffine on the CPU and torch
grid_sample on CUDA.

torch is imported where the torch path runs, not with the module: the node registry, the editor's
first window and `aiprod --help` import this module, and torch would cost them ~2.5 s.

Bilinear or bicubic, after an area prefilter when the camera shows the source smaller than 1:1,
so a fine pattern averages to grey instead of aliasing. Output size never depends on source size.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Hashable, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .camera import CameraPath, Pose
from .clip import Clip, FunctionClip, SequentialReader

try:  # the bilinear resample without roll in C (engine/media/warp_kernel.c), built by setup.py where it can
    from . import _warp_kernel as WARP
except ImportError:  # no compiler at install: OpenCV's warpAffine resamples every pose
    WARP = None

if TYPE_CHECKING:  # annotations only: torch is imported where it runs
    import torch

FITS = ("cover", "contain")
SAMPLING = ("bilinear", "bicubic")
_LEVELS_PER_OCTAVE = 8  # prefilter sizes step by 2^(1/8): what is left to bilinear minifies at most 9%
_BATCH = 4  # sub-frame samples resampled together on the torch path (bounds the memory of the sampling grids)
BACKENDS = ("cv2", "torch")
_CV2_MAX_CHANNELS = 4  # cv2.warpAffine interpolates 1-4 channel images
_CV2_MAX_SIDE = 32767  # OpenCV's remap (behind warpAffine) keeps pixel positions in int16: sides below SHRT_MAX


def _prefilter_level(minification: float) -> float:
    """Octaves of area prefilter for a camera that shows the source `minification` times smaller than 1:1."""
    # (The epsilon keeps an exact 2x from landing a level lower through rounding.)
    return math.floor(math.log2(max(minification, 1.0)) * _LEVELS_PER_OCTAVE + 1e-6) / _LEVELS_PER_OCTAVE


def source_affine(pose: Pose, source_size: tuple[int, int], output_size: tuple[int, int],
                  fit: str = "cover") -> tuple[np.ndarray, np.ndarray]:
    """(A, b): source pixel position = A @ (output pixel position from the frame centre) + b.

    Positions are continuous with pixel k spanning k..k+1 (the align_corners=False convention).
    """
    (src_w, src_h), (out_w, out_h) = source_size, output_size
    ratios = (src_w / out_w, src_h / out_h)
    base = min(ratios) if fit == "cover" else max(ratios)  # source pixels per output pixel at the base fit
    angle = math.radians(pose.roll)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    dolly = 1.0 / (1.0 - pose.dolly)
    a = base * rotation / (pose.zoom * dolly)
    focus = np.array([(pose.focus_x - 0.5) * out_w, (pose.focus_y - 0.5) * out_h])
    pan = np.array([pose.pan_x * out_w, pose.pan_y * out_h])
    b = base * (focus * (1.0 - 1.0 / dolly) + pan) + np.array([src_w / 2, src_h / 2])
    return a, b


def sampling_grid(theta: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """F.affine_grid(theta, (n, c, height, width), align_corners=False), without its matrix product.

    An affine map of the output's pixel centres (u across, v down, -1..1) is, per axis, a ramp in u
    plus a ramp in v: x = t00 u + (t01 v + t02). Two 1-D ramps and one broadcast add per axis cost
    ~1 ms for a 720p frame where affine_grid's batched matmul took ~18 ms (one thread).
    """
    import torch

    options = {"dtype": theta.dtype, "device": theta.device}
    across = (torch.arange(width, **options) * 2 + 1) / width - 1  # pixel centres, align_corners=False
    down = (torch.arange(height, **options) * 2 + 1) / height - 1
    grid = torch.empty((len(theta), height, width, 2), **options)
    for axis in range(2):
        torch.add((theta[:, axis, 0, None] * across)[:, None, :],
                  (theta[:, axis, 1, None] * down + theta[:, axis, 2, None])[:, :, None], out=grid[..., axis])
    return grid


def _coverage(grid: torch.Tensor, source_size: tuple[int, int], minification: float) -> torch.Tensor:
    """How much of each output pixel (0..1) lies on the picture, from its sampling position.

    Beyond the picture the camera sees black (transparent); the edge is anti-aliased over one
    output pixel. Sampling itself clamps to the border, so pixels just inside the edge are not
    darkened by the bilinear filter reaching half a pixel outside.
    """
    import torch

    edges = []
    for axis, extent in enumerate(source_size):
        position = (grid[..., axis] + 1.0) * (extent / 2.0)  # source pixels from the left/top edge
        inside = torch.minimum(position, extent - position) / minification  # output pixels inside the edge
        edges.append(torch.clamp(inside + 0.5, 0.0, 1.0))
    return edges[0] * edges[1]


def _edge_factors(a: np.ndarray, b: np.ndarray, source_size: tuple[int, int], output_size: tuple[int, int],
                  minification: float) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
    """_coverage for the cv2 path, from the affine map itself instead of a sampling grid.

    Per axis, clamp(min(p, extent - p) / minification + 0.5, 0, 1) with min(p, extent - p) written as
    extent/2 - |p - extent/2|, and the source position p a ramp across the output plus a ramp down it.
    Without roll (the off-diagonal terms zero) each axis depends on one output axis only: the answer is
    (row factors (H,), column factors (W,)), nothing full-size. With roll it is one H x W float32 map
    (two buffers, four passes per axis).
    """
    (out_w, out_h) = output_size
    across = np.arange(out_w, dtype=np.float64) + (0.5 - out_w / 2.0)  # output pixel centres from the frame centre
    down = np.arange(out_h, dtype=np.float64) + (0.5 - out_h / 2.0)
    scale = 1.0 / minification
    if a[0, 1] == 0.0 and a[1, 0] == 0.0:
        factors = []
        for axis, ramp in ((1, down), (0, across)):
            centred = np.abs((a[axis, axis] * ramp + b[axis] - source_size[axis] / 2.0) * scale)
            factors.append(np.clip(source_size[axis] / 2.0 * scale + 0.5 - centred, 0.0, 1.0).astype(np.float32))
        return factors[0], factors[1]
    coverage = np.empty((out_h, out_w), np.float32)
    scratch = np.empty((out_h, out_w), np.float32)
    for axis, extent in enumerate(source_size):
        target = coverage if axis == 0 else scratch
        # (p - extent/2) / minification, as a ramp down plus a ramp across
        np.add.outer(((a[axis, 1] * down + b[axis] - extent / 2.0) * scale).astype(np.float32),
                     (a[axis, 0] * scale * across).astype(np.float32), out=target)
        np.abs(target, out=target)
        np.subtract(np.float32(extent / 2.0 * scale + 0.5), target, out=target)
        np.clip(target, 0.0, 1.0, out=target)
    return np.multiply(coverage, scratch, out=coverage)


def _apply_coverage(frame: np.ndarray, factors: tuple[np.ndarray, np.ndarray] | np.ndarray) -> None:
    """frame (H x W x C) *= coverage in place, touching only what the edges change.

    Row and column factors are below 1 only in a run at either end (coverage rises, holds at 1, falls),
    so only those rows and columns are multiplied (on a flat H x W*C view: numpy broadcasts a per-pixel
    factor over a short channel axis slowly). A full map goes through cv2.multiply against its copy per
    channel.
    """
    height, width, channels = frame.shape
    if isinstance(factors, tuple):
        flat = frame.reshape(height, width * channels)
        row, column = factors
        for factor, length in ((row, height), (column, width)):
            below = np.flatnonzero(factor < 1.0)
            if not len(below):
                continue
            head = below[below < length // 2 + 1]
            ends = [slice(0, head[-1] + 1)] if len(head) else []
            tail = below[below >= length // 2 + 1]
            if len(tail):
                ends.append(slice(tail[0], length))
            for end in ends:
                if factor is row:
                    flat[end] *= factor[end, None]
                else:
                    part = slice(end.start * channels, end.stop * channels)
                    flat[:, part] *= np.repeat(factor[end], channels)[None, :]
        return
    if channels == 1:
        np.multiply(frame[..., 0], factors, out=frame[..., 0])
    else:
        cv2.multiply(frame, cv2.merge([factors] * channels), dst=frame)


def warp_matrix(a: np.ndarray, b: np.ndarray, source_size: tuple[int, int], level_size: tuple[int, int],
                output_size: tuple[int, int]) -> np.ndarray:
    """The 2x3 map for cv2.warpAffine(..., WARP_INVERSE_MAP): output pixel index -> index in the level.

    source_affine works in continuous positions (pixel k spans k..k+1) from the frame centre in output
    pixels, on the full-size source; OpenCV puts pixel k's centre at k on both pictures. So: output index
    x -> position x + 0.5 - width/2, through (a, b), scaled from the source to the prefiltered level (as
    grid_sample's normalised coordinates do), minus 0.5.
    """
    (src_w, src_h), (level_w, level_h), (out_w, out_h) = source_size, level_size, output_size
    scale = np.diag([level_w / src_w, level_h / src_h])
    linear = scale @ a
    offset = linear @ np.array([0.5 - out_w / 2.0, 0.5 - out_h / 2.0]) + scale @ b - 0.5
    return np.hstack([linear, offset[:, None]])


def _warp(source: np.ndarray, matrix: np.ndarray, size: tuple[int, int], interpolation: int) -> np.ndarray:
    """source (H x W x C float32) resampled through the 2x3 inverse map to size (width, height).

    A bilinear RGB resample whose map has no roll (a scale and a shift per axis, as a push-in or a pan
    has) goes through the warp kernel: the same sampling in half OpenCV's CPU time (warp_kernel.c);
    the rest through cv2.warpAffine, OpenCV's own kernel."""
    if (WARP is not None and interpolation == cv2.INTER_LINEAR and source.shape[2] == 3
            and matrix[0, 1] == 0 and matrix[1, 0] == 0):
        out = np.empty((size[1], size[0], 3), np.float32)
        WARP.axes(np.ascontiguousarray(source, dtype=np.float32), matrix[0, 0], matrix[0, 2], matrix[1, 1],
                  matrix[1, 2], out)
        return out
    with _without_ipp():
        return cv2.warpAffine(source, matrix, size, flags=interpolation | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)


@contextlib.contextmanager
def _without_ipp() -> Iterator[None]:
    """OpenCV's own warpAffine instead of Intel IPP's, for the calling thread only (OpenCV keeps the switch
    per thread).

    Why: OpenCV 5.1's wheels hand a bilinear float warpAffine to IPP, which splits the frame into
    stripes, one per OpenCV thread, and rounds sampling positions differently at each stripe's start:
    with a roll, ~200 pixels of a 720p frame changed by an ulp between 1, 2, 3, 4 and 8 threads (measured
    with opencv-python-headless 5.1.0). OpenCV's own kernel computes each output pixel from its own
    (x, y) and gave the same bits for every thread count. On one thread it took ~5 ms for a 720p
    bilinear frame where IPP's took ~3.5 (~9 against ~6.5 rolled); bicubic cost ~11 ms either way (IPP
    does not take it).
    """
    before = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    try:
        yield
    finally:
        cv2.ipp.setUseIPP(before)


def _channels_last(planes: torch.Tensor) -> np.ndarray:
    """C x H x W to a contiguous H x W x C float32 array.

    On the CPU cv2.merge interleaves a 1080p frame in ~2.5 ms where numpy's or torch's transposing copy
    took 10-14 ms (one thread, 2 busy cores).
    """
    channels, height, width = planes.shape
    if planes.device.type != "cpu":
        return planes.permute(1, 2, 0).contiguous().cpu().numpy()
    return cv2.merge(list(planes.numpy())).reshape(height, width, channels)


class CameraRenderer:
    """Frames of a shot seen through a camera path, at a fixed output size, on CUDA if there is one.

    On the CPU it resamples with cv2.warpAffine (_sample_cv2); on CUDA, and for what warpAffine cannot
    take (see _backend), with torch grid_sample (_sample_torch, one torch thread on the CPU, leaving the
    other core to x264 during an export: engine/media/torch_threads.py). The two draw the same frames at
    over 109 dB PSNR with OpenCV 5.1 (over 64 dB with 4.10) on the sample stills
    (tests/engine/test_camera_render_cv2.py). Measured with benchmarks/camera.py (2 cores shared with
    other work): a 720p bilinear frame of the sample's push-in costs ~3 ms wall and ~5 ms of CPU with
    cv2 against ~11 ms / 15 ms with torch; bicubic ~6 / 11 against ~27 / 34; 1080p bilinear ~7 / 14
    against ~31 / 31. A rolled frame whose edges show costs cv2 about what it costs torch in CPU (the
    per-pixel coverage map and a slower warp), less in wall time. The affine_grid path before both cost
    70-100 ms at 720p. grid_sample's CPU kernel splits work by batch item only, so a frame is not tiled;
    sub-frames of motion blur share one batch there, and are warped one by one with cv2.
    """

    def __init__(self, path: CameraPath, width: int, height: int, frame_count: int, fps: Fraction,
                 fit: str = "cover", sampling: str = "bilinear"):
        if fit not in FITS:
            raise ValueError(f"unknown fit {fit!r}; use one of {', '.join(FITS)}")
        if sampling not in SAMPLING:
            raise ValueError(f"unknown sampling {sampling!r}; use one of {', '.join(SAMPLING)} "
                             "(nearest is not offered: it shimmers on moving pictures)")
        self.path, self.width, self.height = path, width, height
        self.frame_count, self.fps, self.fit, self.sampling = frame_count, Fraction(fps), fit, sampling
        import torch

        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self._levels: dict[float, np.ndarray] = {}
        self._tensors: dict[float, torch.Tensor] = {}
        self._levels_of: Hashable | None = None

    def poses(self, index: int) -> list[Pose]:
        """The poses sampled for frame `index`: one, or one per sub-frame across the open shutter."""
        shutter = self.path.shutter_angle / 360.0 if self.path.blur_samples > 1 else 0.0
        count = self.path.blur_samples if shutter > 0 else 1
        span = max(self.frame_count - 1, 1)
        poses = []
        for k in range(count):
            offset = ((k + 0.5) / count - 0.5) * shutter  # sub-frame time, centred on the frame
            seconds = float(Fraction(index) / self.fps) + offset / float(self.fps)
            poses.append(self.path.pose_at((index + offset) / span, seconds))
        return poses

    def render(self, pixels: np.ndarray, index: int, source_key: Hashable | None = None) -> np.ndarray:
        """Frame `index` from source pixels; the same `source_key` reuses their prefiltered copies."""
        return self.sample(pixels, self.poses(index), source_key)

    def sample(self, pixels: np.ndarray, poses: list[Pose], source_key: Hashable | None = None,
               backend: str | None = None) -> np.ndarray:
        """The average of the source seen from each pose (one pose: a plain resample).

        `backend` None picks one (see _backend); "cv2" or "torch" forces it (tests compare the two).
        """
        backend = backend or self._backend(pixels)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
        src_h, src_w, channels = pixels.shape
        affines = [source_affine(p, (src_w, src_h), (self.width, self.height), self.fit) for p in poses]
        # The least minified pose picks the prefilter, so no sub-frame is blurrier than it must be.
        minification = min(math.sqrt(abs(np.linalg.det(a))) for a, _ in affines)
        if backend == "cv2":
            frame = self._sample_cv2(pixels, affines, minification, source_key)
        else:
            frame = self._sample_torch(pixels, affines, minification, source_key)
        if channels == 4:  # back from premultiplied to straight alpha
            alpha = np.clip(frame[..., 3:], 0.0, 1.0)
            frame = np.concatenate([frame[..., :3] / np.maximum(alpha, 1e-6) * (alpha > 1e-6), alpha], axis=2)
        return np.ascontiguousarray(frame, dtype=np.float32)

    def _backend(self, pixels: np.ndarray) -> str:
        """cv2.warpAffine on the CPU; torch grid_sample on CUDA (the frame stays on the GPU until the
        end), for more than 4 channels (warpAffine's limit) and for pictures of 32767 pixels or more a
        side (remap's int16 positions)."""
        if self.device.type != "cpu" or pixels.shape[2] > _CV2_MAX_CHANNELS:
            return "torch"
        if max(pixels.shape[:2]) >= _CV2_MAX_SIDE or max(self.width, self.height) >= _CV2_MAX_SIDE:
            return "torch"
        return "cv2"

    def _sample_cv2(self, pixels: np.ndarray, affines: list[tuple[np.ndarray, np.ndarray]], minification: float,
                    source_key: Hashable | None) -> np.ndarray:
        """One resample per pose (_warp: the warp kernel or cv2.warpAffine; inverse map, replicated border:
        grid_sample's "border" padding; both interpolate bicubic with a = -0.75), then the edge coverage
        from the map itself, only where _inside says the edges show.

        Within 109 dB PSNR of grid_sample with OpenCV 5.1 on the sample stills. OpenCV 4.x snaps sampling
        positions to 1/32 pixel (INTER_BITS = 5): measured with 4.10, 64.9 dB at worst on the stills and
        50.6 on a noise picture, above the 50 dB bar, so 4.x stays allowed (numbers in
        tests/engine/test_camera_render_cv2.py). The bits do not depend on OpenCV's thread count
        (_without_ipp; tested). OpenCV may split a warp over its thread pool (cv2.getNumThreads(),
        process-wide, left as the process set it): see benchmarks/camera.py for the CPU that costs.
        """
        src_h, src_w, channels = pixels.shape
        source = self._level(pixels, minification, source_key)
        interpolation = cv2.INTER_LINEAR if self.sampling == "bilinear" else cv2.INTER_CUBIC
        size = (self.width, self.height)
        total = None
        for a, b in affines:
            matrix = warp_matrix(a, b, (src_w, src_h), (source.shape[1], source.shape[0]), size)
            frame = _warp(source, matrix, size, interpolation).reshape(self.height, self.width, channels)
            if not self._inside(a, b, src_w, src_h):
                _apply_coverage(frame, _edge_factors(a, b, (src_w, src_h), size, minification))
            total = frame if total is None else np.add(total, frame, out=total)
        if len(affines) > 1:
            np.divide(total, np.float32(len(affines)), out=total)
        return total

    def _sample_torch(self, pixels: np.ndarray, affines: list[tuple[np.ndarray, np.ndarray]], minification: float,
                      source_key: Hashable | None) -> np.ndarray:
        """grid_sample per batch of poses, on one thread on the CPU."""
        import torch
        import torch.nn.functional as F

        from .torch_threads import torch_threads

        src_h, src_w, _ = pixels.shape
        source = self._source(pixels, minification, source_key)
        # grid_sample works in normalised coordinates (-1..1 across the edges of either picture).
        to_normalised = np.diag([2.0 / src_w, 2.0 / src_h])
        from_normalised = np.diag([self.width / 2.0, self.height / 2.0])
        thetas = [np.hstack([to_normalised @ a @ from_normalised, (to_normalised @ b - 1.0)[:, None]])
                  for a, b in affines]
        # One thread on the CPU: a second one mostly waits on a busy core (engine/media/torch_threads.py).
        with torch_threads(1) if self.device.type == "cpu" else contextlib.nullcontext():
            total = None
            for start in range(0, len(thetas), _BATCH):
                theta = torch.as_tensor(np.stack(thetas[start:start + _BATCH]), dtype=torch.float32,
                                        device=self.device)
                grid = sampling_grid(theta, self.height, self.width)
                batch = F.grid_sample(source.expand(len(theta), -1, -1, -1), grid, mode=self.sampling,
                                      padding_mode="border", align_corners=False)
                if not all(self._inside(a, b, src_w, src_h) for a, b in affines[start:start + _BATCH]):
                    batch.mul_(_coverage(grid, (src_w, src_h), minification)[:, None])
                part = batch[0] if len(batch) == 1 else batch.sum(0)
                total = part if total is None else total.add_(part)
            if len(affines) > 1:
                total.div_(len(affines))
        return _channels_last(total)

    def _inside(self, a: np.ndarray, b: np.ndarray, src_w: int, src_h: int) -> bool:
        """Whether the whole frame sees the picture (its corners land on it): then no edge to draw."""
        corners = np.array([[x, y] for x in (-self.width / 2, self.width / 2) for y in (-self.height / 2,
                                                                                       self.height / 2)])
        landed = corners @ a.T + b
        return bool(np.all(landed >= -1e-6) and np.all(landed <= np.array([src_w, src_h]) + 1e-6))

    def _level(self, pixels: np.ndarray, minification: float, key: Hashable | None) -> np.ndarray:
        """The source as H x W x C float32 (premultiplied if RGBA), area-filtered down when the camera
        shows it smaller than 1:1; cached per prefilter level for the same `key`."""
        level = _prefilter_level(minification)
        if key is not None and key == self._levels_of and level in self._levels:
            return self._levels[level]
        work = np.asarray(pixels, dtype=np.float32)
        channels = work.shape[2]
        if channels == 4:  # filter premultiplied colour, so transparent pixels do not bleed in
            work = np.concatenate([work[..., :3] * work[..., 3:], work[..., 3:]], axis=2)
        if level > 0:
            size = (max(1, round(work.shape[1] / 2 ** level)), max(1, round(work.shape[0] / 2 ** level)))
            work = cv2.resize(work, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], channels)
        work = np.ascontiguousarray(work)
        if key is not None:
            if key != self._levels_of or len(self._levels) >= 3:
                self._levels, self._tensors, self._levels_of = {}, {}, key
            self._levels[level] = work
        return work

    def _source(self, pixels: np.ndarray, minification: float, key: Hashable | None) -> torch.Tensor:
        """_level as a 1 x C x H x W tensor on the device (for grid_sample), cached alike."""
        level = _prefilter_level(minification)
        if key is not None and key == self._levels_of and level in self._tensors:
            return self._tensors[level]
        import torch

        work = self._level(pixels, minification, key)
        tensor = torch.from_numpy(np.ascontiguousarray(work.transpose(2, 0, 1)))[None].to(self.device)
        if key is not None:
            self._tensors[level] = tensor
        return tensor


def camera_clip(source: Clip, path: CameraPath, width: int, height: int, fit: str = "cover",
                sampling: str = "bilinear") -> Clip:
    """A lazy clip: `source` through the camera path at width x height, one resample per frame.

    A held still is read once and sampled at its full resolution every frame; a still with a
    static path is rendered once and stays a held still.
    """
    renderer = CameraRenderer(path, width, height, source.frame_count, source.fps, fit, sampling)
    info = source.info.with_(width=width, height=height)
    if not source.is_still:
        reader = SequentialReader(source)
        clip = FunctionClip(info, lambda index: renderer.render(reader.get(index), index, index))
        clip.owned_frames = True  # each frame is a new resample
        return clip
    still: dict[str, np.ndarray] = {}

    def render_still(index: int) -> np.ndarray:
        if "source" not in still:
            still["source"] = source.frame(0)
        if not path.is_static:
            return renderer.render(still["source"], index, "still")
        if "frame" not in still:
            still["frame"] = renderer.render(still["source"], 0, "still")
            still["frame"].setflags(write=False)
        return still["frame"]

    clip = FunctionClip(info, render_still)
    clip.is_still = path.is_static
    clip.owned_frames = not path.is_static  # a static path hands out its one read-only frame
    return clip
