"""The early take checks on made-up previews: each catches its failure, and none fires on what an
early preview of a healthy take looks like (noise around mid-grey, a dark scene with highlights, a fade)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.models import take_checks
from engine.models.denoise import EarlyAbort, TakeRejected
from engine.models.take_checks import black, blown_out, failed_check, flickering, frozen, not_finite


def noisy_take(frames: int = 8, level: float = 0.5, seed: int = 0) -> np.ndarray:
    """What a preview at 20 % of the schedule looks like: mostly noise around a level."""
    rng = np.random.default_rng(seed)
    return np.clip(level + rng.normal(0.0, 0.2, (frames, 16, 16, 3)), 0, 1).astype(np.float32)


def test_nan_or_infinite_latents_fail_and_finite_ones_pass():
    latents = np.zeros((4, 8, 8), np.float32)
    assert not_finite(latents) is None
    latents[0, 0, 0], latents[1, 2, 3] = np.nan, np.inf
    assert not_finite(latents) == "2 of 256 latent values are NaN or infinite"
    assert failed_check(latents, noisy_take())[0] == "NaN"
    assert failed_check(latents, None)[0] == "NaN"  # a family without a preview is still checked


def test_a_black_or_white_take_fails_and_a_dark_scene_with_highlights_passes():
    assert "black" in black(np.zeros((1, 16, 16, 3), np.float32))
    assert "white" in blown_out(np.ones((1, 16, 16, 3), np.float32))
    night = noisy_take(1, level=0.0)  # a dark take: its noise still reaches well above black
    night[0, :2, :2] = 0.9  # a street lamp
    assert black(night) is None and blown_out(noisy_take(1, level=1.0)) is None
    assert failed_check(np.zeros(4), np.zeros((1, 8, 8, 3), np.float32)) == (
        "black", "the preview is black (mean brightness 0.0%)")


def test_frames_that_do_not_move_fail_and_noise_passes():
    held = np.repeat(noisy_take(1), 6, axis=0)
    assert "do not move" in frozen(held)
    assert frozen(noisy_take(6)) is None
    assert frozen(held[:2]) is None  # two frames say too little


def test_a_strobing_take_fails_and_a_fade_or_a_cut_passes():
    strobe = np.stack([np.full((16, 16, 3), 0.8 if i % 2 else 0.2, np.float32) for i in range(8)])
    assert "flickers" in flickering(strobe)
    fade = np.stack([np.full((16, 16, 3), i / 7, np.float32) for i in range(8)])
    cut = np.stack([np.full((16, 16, 3), 0.2 if i < 4 else 0.8, np.float32) for i in range(8)])
    assert flickering(fade) is None and flickering(cut) is None and flickering(noisy_take(8)) is None


def test_an_early_preview_of_a_healthy_take_passes_every_check():
    for seed in range(20):
        assert failed_check(np.zeros(4), noisy_take(9, level=0.5, seed=seed)) is None


@pytest.mark.parametrize("at, total, steps", [((0.2, 0.4), 10, {2, 4}), ((0.2, 0.4), 30, {6, 12}),
                                              ((0.2,), 2, {1}), ((0.2, 0.4), 1, set()), ((0.25,), 8, {2})])
def test_the_checks_run_after_their_fraction_of_the_steps_never_after_the_last(at, total, steps):
    assert EarlyAbort(at).check_steps(total) == steps


def test_a_rejection_counts_the_steps_it_saved():
    rejected = TakeRejected(7, "black", "the preview is black", 6, 30)
    assert rejected.steps_saved == 24 and str(rejected) == "seed 7: black at step 6/30 (the preview is black)"
    assert rejected.record()["steps_saved"] == 24


def test_the_thresholds_are_ordered_as_their_comments_say():
    assert take_checks.BLACK_MEAN < take_checks.BLACK_HIGHLIGHTS < take_checks.WHITE_SHADOWS < take_checks.WHITE_MEAN
