"""The torch camera resample (ramps for the grid, one torch thread, output written as H x W x C; CUDA's path, and
the CPU's reference for the cv2.warpAffine path in test_camera_render_cv2.py) draws the same frames as the
affine_grid path it replaced, and the one-thread switch stays in its thread."""

import math
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.media.camera import CameraPath, Pose, Shake
from engine.media.camera_render import CameraRenderer, _coverage, sampling_grid, source_affine
from engine.media.torch_threads import torch_threads

W, H = 192, 108
# Frames are 0..~1.2 linear light. The grid differs from affine_grid's by float32 rounding (<= 2e-7 of the
# half-width, ~3e-5 source pixels here), which moves a value on the noisy test picture by up to ~5e-5.
# RGBA is compared premultiplied: straight colour is divided by alpha, so where alpha is ~1e-6 (the edge of
# a letterbox bar) it swings by whole units either way and nothing of it shows.
TOLERANCE = 1e-4


def premultiplied(frame: np.ndarray) -> np.ndarray:
    if frame.shape[2] == 3:
        return frame
    return np.concatenate([frame[..., :3] * frame[..., 3:], frame[..., 3:]], axis=2)


def reference_sample(renderer: CameraRenderer, pixels: np.ndarray, poses: list[Pose],
                     source_key=None) -> np.ndarray:
    """CameraRenderer.sample as it was before: affine_grid, torch's default threads, a transpose copy.

    benchmarks/camera.py times it beside the renderer.
    """
    src_h, src_w, channels = pixels.shape
    affines = [source_affine(p, (src_w, src_h), (renderer.width, renderer.height), renderer.fit) for p in poses]
    minification = min(math.sqrt(abs(np.linalg.det(a))) for a, _ in affines)
    source = renderer._source(pixels, minification, source_key)
    to_normalised = np.diag([2.0 / src_w, 2.0 / src_h])
    from_normalised = np.diag([renderer.width / 2.0, renderer.height / 2.0])
    thetas = [np.hstack([to_normalised @ a @ from_normalised, (to_normalised @ b - 1.0)[:, None]])
              for a, b in affines]
    total = None
    for start in range(0, len(thetas), 4):
        theta = torch.as_tensor(np.stack(thetas[start:start + 4]), dtype=torch.float32, device=renderer.device)
        grid = F.affine_grid(theta, (len(theta), channels, renderer.height, renderer.width), align_corners=False)
        batch = F.grid_sample(source.expand(len(theta), -1, -1, -1), grid, mode=renderer.sampling,
                              padding_mode="border", align_corners=False)
        if not all(renderer._inside(a, b, src_w, src_h) for a, b in affines[start:start + 4]):
            batch = batch * _coverage(grid, (src_w, src_h), minification)[:, None]
        total = batch.sum(0) if total is None else total + batch.sum(0)
    frame = (total / len(affines)).permute(1, 2, 0).cpu().numpy()
    if channels == 4:
        alpha = np.clip(frame[..., 3:], 0.0, 1.0)
        frame = np.concatenate([frame[..., :3] / np.maximum(alpha, 1e-6) * (alpha > 1e-6), alpha], axis=2)
    return np.ascontiguousarray(frame, dtype=np.float32)


def picture(width: int, height: int, channels: int = 3) -> np.ndarray:
    """Noise over gradients with hard-edged blocks: every sub-pixel shift shows in the values."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.stack([x / width, y / height, 1 - x / width], -1) + rng.uniform(0, 0.2, (height, width, 3))
    pixels[height // 4:height // 2, width // 3:width // 2] = 1.2
    if channels == 4:
        alpha = np.clip(rng.uniform(-0.3, 1.3, (height, width, 1)), 0, 1)
        alpha[:, : width // 5] = 0.0  # a fully transparent band
        pixels = np.concatenate([pixels, alpha], axis=2)
    return pixels.astype(np.float32)


CASES = {
    "plain": (CameraPath.still(Pose(zoom=1.1, pan_x=0.03, pan_y=-0.02)), {}),
    "contain": (CameraPath.still(Pose(zoom=1.0)), {"fit": "contain"}),  # letterbox bars: coverage edges
    "roll": (CameraPath.still(Pose(roll=17.0, zoom=1.3)), {}),
    "roll shows edges": (CameraPath.still(Pose(roll=-25.0, zoom=0.7, pan_x=0.1)), {}),
    "dolly": (CameraPath.still(Pose(dolly=0.4, focus_x=0.3, focus_y=0.7)), {}),
    "minified": (CameraPath.still(Pose(zoom=0.45)), {}),  # prefiltered level and edges all round
    "motion blur": (CameraPath.move(Pose(), Pose(pan_x=0.3, zoom=1.4, roll=5.0), shutter_angle=270.0,
                                    blur_samples=6), {}),  # two batches: 4 + 2 sub-frames
    "blur with shake and edges": (CameraPath(CameraPath.move(Pose(zoom=0.8), Pose(zoom=1.2)).keys,
                                             Shake(0.03, 2.0, 5), 180.0, 5), {"fit": "contain"}),
}


@pytest.mark.parametrize("sampling", ["bilinear", "bicubic"])
@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("case", CASES)
def test_new_path_draws_the_frames_of_the_affine_grid_path(case, channels, sampling):
    path, kw = CASES[case]
    pixels = picture(300, 200, channels)  # 3:2 into 16:9: cover crops, contain letterboxes
    renderer = CameraRenderer(path, W, H, 9, 24, sampling=sampling, **kw)
    for index in (0, 4, 8):
        poses = renderer.poses(index)
        expected = reference_sample(renderer, pixels, poses)
        got = renderer.sample(pixels, poses, backend="torch")
        assert got.shape == (H, W, channels) and got.dtype == np.float32 and got.flags.c_contiguous
        assert np.abs(premultiplied(got) - premultiplied(expected)).max() <= TOLERANCE, f"{case} frame {index}"


def test_cases_cover_frames_whose_edges_show_and_frames_whose_edges_do_not():
    pixels = picture(300, 200)
    seen = set()
    for path, kw in CASES.values():
        renderer = CameraRenderer(path, W, H, 9, 24, **kw)
        frame = renderer.render(pixels, 4)
        seen.add(bool((frame[[0, -1]].max(axis=2) < 1e-3).any() or (frame[:, [0, -1]].max(axis=2) < 1e-3).any()))
    assert seen == {True, False}


@pytest.mark.parametrize("theta", [
    [[0.9, 0.05, 0.02], [-0.03, 0.85, -0.01]],
    [[0.2, -0.7, 0.31], [0.66, 0.12, -0.4]],
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
])
def test_sampling_grid_is_affine_grid(theta):
    theta = torch.tensor([theta, [[0.5, 0.1, -0.2], [0.0, 2.0, 0.3]]], dtype=torch.float32)
    for height, width in ((720, 1280), (7, 5), (1, 1)):
        expected = F.affine_grid(theta, (2, 3, height, width), align_corners=False)
        assert torch.allclose(sampling_grid(theta, height, width), expected, rtol=0, atol=1e-6)


def test_one_torch_thread_holds_only_in_its_thread_and_only_inside_the_block():
    default = torch.get_num_threads()
    if default < 2:
        pytest.skip("torch runs on one thread here already")
    seen, inside, leave = {}, threading.Event(), threading.Event()

    def render_thread():
        with torch_threads(1):
            seen["inside"] = torch.get_num_threads()
            inside.set()
            leave.wait(5)
        seen["after"] = torch.get_num_threads()

    def later_thread():  # starts torch work while the other thread is inside the block
        seen["other"] = torch.get_num_threads()

    worker = threading.Thread(target=render_thread)
    worker.start()
    assert inside.wait(5)
    other = threading.Thread(target=later_thread)
    other.start()
    other.join()
    seen["main"] = torch.get_num_threads()
    leave.set()
    worker.join()
    if seen["inside"] == default:
        pytest.skip("this torch is not built with OpenMP: torch_threads leaves the count alone")
    assert seen == {"inside": 1, "other": default, "main": default, "after": default}
