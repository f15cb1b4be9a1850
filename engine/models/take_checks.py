"""Quick checks on a take part-way through denoising, so that a failing take is stopped before the
rest of its steps are paid for (denoise.py runs them at the early-abort steps and retries the next seed).

Each check looks at one thing and returns why the take fails, in a few words, or None. They see
either the raw latents or a cheap linear preview of them (latent_preview.preview_frames: float
0..1, frames x h x w x 3, one frame per latent frame). Early in the schedule the latents are
still mostly noise, so the thresholds only catch what no amount of further denoising repairs:
numbers that are no longer numbers, a take that has collapsed to one flat level, frames that are
all the same, brightness that jumps back and forth. A bad composition, a wrong subject or
ugly detail is not theirs to judge.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Rec. 709 luma weights: how bright a preview pixel looks, for the level checks.
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)

# Black: the take's mean brightness under 2 % and its brightest 1 % of pixels under 6 %. A dark
# scene keeps highlights and noise above that; a collapsed take (a fp16 overflow clamped to zero,
# a negative-guided blackout) has neither.
BLACK_MEAN = 0.02
BLACK_HIGHLIGHTS = 0.06
# Blown out: the mirror image: mean over 98 % and even the darkest 1 % over 94 %.
WHITE_MEAN = 0.98
WHITE_SHADOWS = 0.94
# Frozen: every pair of neighbouring frames differs by under 0.2 % on average (half a code value
# in 8 bits). Even a locked-off still life keeps noise at this point of the schedule; identical
# frames mean the model has stopped making a video. Needs 3 frames or more.
FROZEN_DIFFERENCE = 0.002
FROZEN_MIN_FRAMES = 3
# Flicker: the frames' mean brightness jumps up and down by more than 12 % of the range, reversing
# direction, on at least a third of the frame-to-frame steps. Noise averages out over a frame and
# a fade or a cut goes one way; a strobing take does not. Needs 4 frames or more (3 steps).
FLICKER_JUMP = 0.12
FLICKER_SHARE = 1 / 3
FLICKER_MIN_FRAMES = 4


def not_finite(latents: np.ndarray) -> str | None:
    """NaN or infinite latents: no later step brings them back (a NaN spreads through every layer)."""
    bad = int(np.size(latents) - np.count_nonzero(np.isfinite(latents)))
    return f"{bad} of {np.size(latents)} latent values are NaN or infinite" if bad else None


def _luma(frames: np.ndarray) -> np.ndarray:
    return frames @ LUMA


def black(frames: np.ndarray) -> str | None:
    luma = _luma(frames)
    mean, highlights = float(luma.mean()), float(np.percentile(luma, 99))
    if mean < BLACK_MEAN and highlights < BLACK_HIGHLIGHTS:
        return f"the preview is black (mean brightness {mean:.1%})"
    return None


def blown_out(frames: np.ndarray) -> str | None:
    luma = _luma(frames)
    mean, shadows = float(luma.mean()), float(np.percentile(luma, 1))
    if mean > WHITE_MEAN and shadows > WHITE_SHADOWS:
        return f"the preview is blown out to white (mean brightness {mean:.1%})"
    return None


def frozen(frames: np.ndarray) -> str | None:
    if len(frames) < FROZEN_MIN_FRAMES:
        return None
    largest = float(np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3)).max())
    if largest < FROZEN_DIFFERENCE:
        return f"the {len(frames)} frames do not move (largest change between frames {largest:.2%})"
    return None


def flickering(frames: np.ndarray) -> str | None:
    if len(frames) < FLICKER_MIN_FRAMES:
        return None
    steps = np.diff(_luma(frames).mean(axis=(1, 2)))
    big = np.abs(steps) > FLICKER_JUMP
    reversing = big[1:] & big[:-1] & (np.sign(steps[1:]) != np.sign(steps[:-1]))
    share = float(reversing.sum()) / len(steps)
    if share >= FLICKER_SHARE:
        return f"the brightness flickers between frames ({int(reversing.sum())} reversals over {len(frames)} frames)"
    return None


# name -> check, in the order they run; the name is what the log, the stats and the errors say.
PREVIEW_CHECKS: dict[str, Callable[[np.ndarray], str | None]] = {
    "black": black, "blown out": blown_out, "frozen": frozen, "flicker": flickering}


def failed_check(latents: np.ndarray, frames: np.ndarray | None) -> tuple[str, str] | None:
    """(check name, why) for the first check the take fails, or None when it passes them all.
    `frames` is None for a family without a preview: then only the latents are checked."""
    why = not_finite(latents)
    if why:
        return "NaN", why
    if frames is None:
        return None
    why = not_finite(frames)  # a preview map gone wrong must not pass as a black picture
    if why:
        return "NaN", why.replace("latent", "preview")
    for name, check in PREVIEW_CHECKS.items():
        why = check(frames)
        if why:
            return name, why
    return None
