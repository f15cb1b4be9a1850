"""The render router: the cheapest method that can give a shot, from its keyframes, their motion, its
prompt, the models installed and this machine's measured costs."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from engine.cost.calibration import FILE_NAME, Calibration
from engine.cost.router import FIRST_LAST, FULL_VIDEO, INTERPOLATION, METHODS, STILL, ShotWork, choose, method_cost
from engine.media.flow import motion_between

RNG = np.random.default_rng(11)


def texture(seed: int, width: int = 640, height: int = 360) -> np.ndarray:
    """A blurred random texture (linear RGB): what optical flow can follow."""
    rng = np.random.default_rng(seed)
    noise = rng.random((height // 8, width // 8, 3)).astype(np.float32)
    return cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1) ** 2.2


def work(keyframes, motion=None, occluded=None, action=False) -> ShotWork:
    return ShotWork(1280, 720, 120, keyframes, 30, motion, occluded, action)


def test_the_shipped_costs_rank_the_methods_cheapest_first_as_measured():
    """The uncalibrated figures keep the order measured on the project's CPU, and the camera move's is
    within a factor of two of what `aiprod calibrate` measured there (0.0037 s a megapixel-frame)."""
    table = Calibration.defaults()
    costs = [method_cost(m, ShotWork(1920, 1080, 120, 3), table) for m in METHODS]
    assert [c.seconds for c in costs] == sorted(c.seconds for c in costs) and costs[0].seconds > 0
    assert costs[0].gpu_s == 0 < costs[-1].gpu_s and not any(c.measured for c in costs)
    assert 0.0037 / 2 <= table.seconds("camera") <= 0.0037 * 2


def test_motion_is_measured_as_a_share_of_the_width():
    first = texture(1)
    close = np.roll(first, 13, axis=1)  # 2 % of 640 px
    motion, occluded = motion_between(first, close)
    assert 0.012 < motion < 0.03 and occluded < 0.1
    far_motion, far_occluded = motion_between(first, texture(2))  # another place altogether
    assert far_motion > 0.08 or far_occluded > 0.2


def test_one_keyframe_with_a_camera_move_is_a_still_through_the_camera():
    route = choose(work(1), {FIRST_LAST, FULL_VIDEO}, Calibration.defaults())
    assert route.method == STILL and route.reason.startswith("auto → still + camera: 1 keyframe")
    assert route.cost.gpu_s == 0 and route.alternatives[FULL_VIDEO].gpu_s > 100


def test_two_close_keyframes_are_interpolated():
    first = texture(1)
    motion, occluded = motion_between(first, np.roll(first, 13, axis=1))
    route = choose(work(2, motion, occluded), {FIRST_LAST, FULL_VIDEO}, Calibration.defaults())
    assert route.method == INTERPOLATION
    assert "median motion 2 % of width" in route.reason and "(estimated)" in route.reason


def test_two_far_apart_keyframes_go_to_video_when_a_model_is_installed_else_interpolation():
    motion, occluded = motion_between(texture(1), texture(2))
    far = work(2, motion, occluded)
    assert choose(far, {FIRST_LAST, FULL_VIDEO}, Calibration.defaults()).method == FIRST_LAST
    assert choose(far, {FULL_VIDEO}, Calibration.defaults()).method == FULL_VIDEO
    fallback = choose(far, set(), Calibration.defaults())
    assert fallback.method == INTERPOLATION and "no video model for it is installed" in fallback.reason


def test_a_prompt_asking_for_action_on_one_keyframe_needs_video():
    action = work(1, action=True)
    assert choose(action, {FULL_VIDEO}, Calibration.defaults()).method == FULL_VIDEO
    assert choose(action, set(), Calibration.defaults()).method == STILL
    # First/last-frame video needs two keyframes: with only it installed, the still stays.
    assert choose(action, {FIRST_LAST}, Calibration.defaults()).method == STILL


def test_calibration_replaces_the_defaults_and_changes_a_choice(tmp_path):
    far = work(2, 0.3, 0.5)
    table = Calibration.load(tmp_path)
    assert choose(far, {FIRST_LAST, FULL_VIDEO}, table).method == FIRST_LAST
    # Measured here, this machine's first/last-frame model is slow (a large model, offloaded): full
    # video diffusion is now the cheaper way to make the shot.
    shot = 1280 * 720 * 120 / 1e6
    table.record("video:first/last-frame video", 600.0, shot * 30, vram_gb=40.0, megapixel_frames=shot)
    assert table.is_measured("video:first/last-frame video") and not table.is_measured("camera")
    route = choose(far, {FIRST_LAST, FULL_VIDEO}, table)
    assert route.method == FULL_VIDEO and route.alternatives[FIRST_LAST].gpu_s == pytest.approx(600.0)
    table.save()
    again = Calibration.load(tmp_path)
    assert choose(far, {FIRST_LAST, FULL_VIDEO}, again).method == FULL_VIDEO
    assert again.vram_gb("video:first/last-frame video") == pytest.approx(40.0 / shot, rel=1e-5)
    assert route.alternatives[FIRST_LAST].vram_gb == pytest.approx(40.0, rel=1e-5)


def test_a_later_measurement_is_blended_and_a_calibration_run_replaces():
    table = Calibration.defaults()
    table.record("camera", 1.0, 10.0)  # 0.1 s per megapixel-frame: replaces the default
    assert table.seconds("camera") == pytest.approx(0.1)
    table.record("camera", 4.0, 10.0)  # one slow render moves it a third of the way
    assert table.seconds("camera") == pytest.approx(0.2)
    table.record("camera", 0.5, 10.0, replace=True)
    assert table.seconds("camera") == pytest.approx(0.05)


@pytest.mark.parametrize("content", ["{not json", json.dumps({"format": 1, "machine": "another machine",
                                                                "stages": {"camera": {"seconds": 9.0}}}),
                                     json.dumps({"format": 1, "machine": None, "stages": {"camera": {"seconds": -1}}}),
                                     json.dumps([1, 2])])
def test_a_damaged_or_foreign_calibration_gives_the_defaults(tmp_path, content):
    (tmp_path / FILE_NAME).write_text(content.replace('"machine": null', json.dumps(
        {"machine": Calibration.defaults().machine})[1:-1]), encoding="utf-8")
    table = Calibration.load(tmp_path)
    assert table.seconds("camera") == Calibration.defaults().seconds("camera") and not table.is_measured("camera")
