"""The camera's bilinear resample without roll (engine/media/warp_kernel.c) against OpenCV's warpAffine.

The kernel stands in for cv2.warpAffine(INTER_LINEAR | WARP_INVERSE_MAP, BORDER_REPLICATE) where a pose
has no roll: the same sampling, positions in double where OpenCV's are float, so the frames agree to
rounding (measured: 96 dB at worst on noise, over 130 on the sample stills), and its edges replicate
the border pixels as OpenCV's do. (test_signal_kernel.py checks that it is built where it can be.)
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.media import camera_render
from engine.media.camera import CameraPath, Pose
from engine.media.camera_render import CameraRenderer, _without_ipp
from engine.media.image_io import read_image

STILLS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "stills"
needs_kernel = pytest.mark.skipif(camera_render.WARP is None, reason="the warp kernel is not built here")


def opencv(source: np.ndarray, map_: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    scale_x, offset_x, scale_y, offset_y = map_
    matrix = np.array([[scale_x, 0.0, offset_x], [0.0, scale_y, offset_y]])
    with _without_ipp():
        return cv2.warpAffine(source, matrix, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)


def kernel(source: np.ndarray, map_: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    out = np.full((size[1], size[0], 3), np.nan, np.float32)  # every pixel must be written
    camera_render.WARP.axes(source, *map_, out)
    return out


def psnr(got: np.ndarray, expected: np.ndarray) -> float:
    return 10 * np.log10(1.0 / max(float(np.mean((got.astype(np.float64) - expected) ** 2)), 1e-30))


MAPS = {  # (scale_x, offset_x, scale_y, offset_y) of output pixel -> source position, pixel centres at k
    "push-in": (0.8, 120.3, 0.8, 67.9),
    "minified": (1.45, 3.2, 1.45, 1.7),
    "zoomed out, every edge showing": (2.2, -300.6, 2.2, -180.25),
    "stretched one way, shrunk the other": (0.37, 40.0, 1.9, -10.5),
    "whole pixels": (1.0, 7.0, 1.0, -3.0),
}


@needs_kernel
@pytest.mark.parametrize("name", MAPS)
def test_the_kernel_samples_as_opencv_does(name):
    """Noise, where every shift of a position shows: within rounding of OpenCV's float positions."""
    source = np.random.default_rng(5).random((200, 300, 3), dtype=np.float32)
    size = (192, 108)
    got, expected = kernel(source, MAPS[name], size), opencv(source, MAPS[name], size)
    assert not np.isnan(got).any()
    assert np.abs(got - expected).max() < 2e-4 and psnr(got, expected) >= 90.0, name


@needs_kernel
def test_whole_pixel_shifts_copy_the_source_with_its_edges_replicated():
    source = np.random.default_rng(6).random((20, 30, 3), dtype=np.float32)
    got = kernel(source, (1.0, 7.0, 1.0, -3.0), (30, 20))
    rows = np.clip(np.arange(20) - 3, 0, 19)
    columns = np.clip(np.arange(30) + 7, 0, 29)
    assert np.array_equal(got, source[rows][:, columns])  # bit for bit: weights 0 and 1


@needs_kernel
def test_the_kernel_matches_opencv_on_the_sample_stills_as_the_film_moves():
    """The sample film's push-in (no roll) over a 1080p still into 720p, start, middle and end."""
    pixels = read_image(STILLS / "dawn.jpg")
    path = CameraPath.move(Pose(zoom=1.0), Pose(zoom=1.35, pan_x=0.05, pan_y=-0.04))
    renderer = CameraRenderer(path, 1280, 720, 24, 24)
    for index in (0, 12, 23):
        with_kernel = renderer.render(pixels, index, "dawn")
        try:
            camera_render.WARP, kept = None, camera_render.WARP
            with_opencv = renderer.render(pixels, index, "dawn")
        finally:
            camera_render.WARP = kept
        assert psnr(with_kernel, with_opencv) >= 110.0, index


@needs_kernel
def test_a_rolled_pose_bicubic_sampling_and_rgba_stay_with_opencv(monkeypatch):
    calls = []
    monkeypatch.setattr(camera_render, "WARP", _Recording(camera_render.WARP, calls))
    source = np.random.default_rng(7).random((90, 160, 3), dtype=np.float32)
    for path, sampling, channels in ((CameraPath.still(Pose(roll=3.0)), "bilinear", 3),
                                     (CameraPath.still(Pose(zoom=1.2)), "bicubic", 3),
                                     (CameraPath.still(Pose(zoom=1.2)), "bilinear", 4)):
        pixels = source if channels == 3 else np.dstack([source, np.ones_like(source[..., :1])])
        CameraRenderer(path, 80, 45, 1, 24, sampling=sampling).render(pixels, 0)
    assert calls == []
    CameraRenderer(CameraPath.still(Pose(zoom=1.2)), 80, 45, 1, 24).render(source, 0)
    assert len(calls) == 1  # and the plain bilinear RGB push-in does take it


class _Recording:
    def __init__(self, module, calls):
        self._module, self._calls = module, calls

    def axes(self, *args):
        self._calls.append(args)
        return self._module.axes(*args)


@needs_kernel
def test_the_kernel_refuses_what_it_cannot_sample():
    warp = camera_render.WARP
    out = np.zeros((4, 5, 3), np.float32)
    source = np.zeros((6, 7, 3), np.float32)
    warp.axes(source, 1.0, 0.0, 1.0, 0.0, out)  # fits
    with pytest.raises(ValueError, match="H x W x 3 float32"):
        warp.axes(np.zeros((6, 7, 4), np.float32), 1.0, 0.0, 1.0, 0.0, out)
    with pytest.raises(ValueError, match="H x W x 3 float32"):
        warp.axes(source.astype(np.float64), 1.0, 0.0, 1.0, 0.0, out)
    with pytest.raises(ValueError, match="C-contiguous"):
        warp.axes(source, 1.0, 0.0, 1.0, 0.0, np.zeros((4, 10, 3), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="finite"):
        warp.axes(source, float("nan"), 0.0, 1.0, 0.0, out)
    with pytest.raises((ValueError, BufferError)):
        readonly = out.copy()
        readonly.setflags(write=False)
        warp.axes(source, 1.0, 0.0, 1.0, 0.0, readonly)
