"""The GPU paths give the CPU's results (skipped where torch sees no CUDA device)."""

from fractions import Fraction

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.gpu

CUDA = torch.device("cuda")
CPU = torch.device("cpu")


def test_grade_on_the_gpu_matches_the_cpu():
    from app.nodes.grade import Grade, looks_folder
    from engine.media.grade_math import apply_ops_numpy, build_ops
    from engine.media.lut import read_cube

    params = {**Grade.schema.default_params(), "exposure": 0.7, "temperature": 4800.0, "saturation": 1.3,
              "contrast": 1.2, "lift": [0.95, 1.0, 1.05]}
    look = read_cube(looks_folder() / "teal_orange.cube")
    ops = build_ops(params, "lin_rec709", [(look, "rec709")])
    pixels = np.random.default_rng(0).random((270, 480, 3), dtype=np.float32) * 2
    on_gpu = apply_ops_numpy(pixels, ops, on=CUDA)
    on_cpu = apply_ops_numpy(pixels, ops, on=CPU)
    assert np.abs(on_gpu - on_cpu).max() < 1e-4


def test_camera_move_on_the_gpu_matches_the_cpu():
    from engine.media.camera import CameraPath, Pose
    from engine.media.camera_render import CameraRenderer

    source = np.random.default_rng(1).random((720, 1280, 3), dtype=np.float32)
    path = CameraPath.move(Pose(), Pose(pan_x=0.05, zoom=1.3, roll=2.0))
    frames = {}
    for device in ("cuda", "cpu"):
        renderer = CameraRenderer(path, 640, 360, 12, Fraction(24))
        renderer.device = torch.device(device)
        frames[device] = renderer.render(source, 7)
    assert np.abs(frames["cuda"] - frames["cpu"]).max() < 1e-3
