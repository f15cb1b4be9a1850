"""Camera poses into frames: one affine resample per pose with torch grid_sample (one thread on the CPU).

Bilinear or bicubic, after an area prefilter when the camera shows the source smaller than 1:1,
so a fine pattern averages to grey instead of aliasing. Output size never depends on source size.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Hashable
from fractions import Fraction

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .camera import CameraPath, Pose
from .clip import Clip, FunctionClip, SequentialReader
from .torch_threads import torch_threads

FITS = ("cover", "contain")
SAMPLING = ("bilinear", "bicubic")
_LEVELS_PER_OCTAVE = 8  # prefilter sizes step by 2^(1/8): what is left to bilinear minifies at most 9%
_BATCH = 4  # sub-frame samples resampled together (bounds the memory of the sampling grids)


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
    edges = []
    for axis, extent in enumerate(source_size):
        position = (grid[..., axis] + 1.0) * (extent / 2.0)  # source pixels from the left/top edge
        inside = torch.minimum(position, extent - position) / minification  # output pixels inside the edge
        edges.append(torch.clamp(inside + 0.5, 0.0, 1.0))
    return edges[0] * edges[1]


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

    On the CPU it runs on one torch thread (engine/media/torch_threads.py), leaving the other core to
    x264 during an export. Measured with benchmarks/camera.py (torch 2.13, 2 cores shared with other
    work, medians over three runs): a 720p bilinear frame costs 9-13 ms of CPU, a 1080p one 27-45 ms,
    most of it grid_sample; bicubic about 2-3x that. The affine_grid path before it cost 70-100 ms at
    720p and 145-170 ms at 1080p in the same runs (its matmul and elementwise passes on 2 OpenMP
    threads waited on a busy core). grid_sample's CPU kernel splits work by batch item only, so a frame is not tiled; sub-frames
    of motion blur share one batch.
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
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self._levels: dict[float, torch.Tensor] = {}
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

    def sample(self, pixels: np.ndarray, poses: list[Pose], source_key: Hashable | None = None) -> np.ndarray:
        """The average of the source seen from each pose (one pose: a plain resample)."""
        src_h, src_w, channels = pixels.shape
        affines = [source_affine(p, (src_w, src_h), (self.width, self.height), self.fit) for p in poses]
        # The least minified pose picks the prefilter, so no sub-frame is blurrier than it must be.
        minification = min(math.sqrt(abs(np.linalg.det(a))) for a, _ in affines)
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
        frame = _channels_last(total)
        if channels == 4:  # back from premultiplied to straight alpha
            alpha = np.clip(frame[..., 3:], 0.0, 1.0)
            frame = np.concatenate([frame[..., :3] / np.maximum(alpha, 1e-6) * (alpha > 1e-6), alpha], axis=2)
        return np.ascontiguousarray(frame, dtype=np.float32)

    def _inside(self, a: np.ndarray, b: np.ndarray, src_w: int, src_h: int) -> bool:
        """Whether the whole frame sees the picture (its corners land on it): then no edge to draw."""
        corners = np.array([[x, y] for x in (-self.width / 2, self.width / 2) for y in (-self.height / 2,
                                                                                       self.height / 2)])
        landed = corners @ a.T + b
        return bool(np.all(landed >= -1e-6) and np.all(landed <= np.array([src_w, src_h]) + 1e-6))

    def _source(self, pixels: np.ndarray, minification: float, key: Hashable | None) -> torch.Tensor:
        """The source on the device, area-filtered down when the camera shows it smaller than 1:1."""
        # (The epsilon keeps an exact 2x from landing a level lower through rounding.)
        level = math.floor(math.log2(max(minification, 1.0)) * _LEVELS_PER_OCTAVE + 1e-6) / _LEVELS_PER_OCTAVE
        if key is not None and key == self._levels_of and level in self._levels:
            return self._levels[level]
        work = np.asarray(pixels, dtype=np.float32)
        if work.shape[2] == 4:  # filter premultiplied colour, so transparent pixels do not bleed in
            work = np.concatenate([work[..., :3] * work[..., 3:], work[..., 3:]], axis=2)
        if level > 0:
            size = (max(1, round(work.shape[1] / 2 ** level)), max(1, round(work.shape[0] / 2 ** level)))
            work = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
        tensor = torch.from_numpy(np.ascontiguousarray(work.transpose(2, 0, 1)))[None].to(self.device)
        if key is not None:
            if key != self._levels_of or len(self._levels) >= 3:
                self._levels, self._levels_of = {}, key
            self._levels[level] = tensor
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
        return FunctionClip(info, lambda index: renderer.render(reader.get(index), index, index))
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
    return clip
