"""engine.media.half_float: float16 <-> float32 through the CPU's F16C, the bits numpy gives."""

import numpy as np
import pytest

from engine.media.half_float import HALF_MAX, float32_from_half, half_from_float32

SPECIAL = np.array([0.0, -0.0, 1e-8, -1e-8, 6e-5, 5.96e-8, 2.98e-8, 1.0 + 2 ** -11, 1.0 + 3 * 2 ** -11,
                    65504.0, 65519.0, 65520.0, 1e6, -1e6, np.inf, -np.inf, np.nan], np.float32)


def numpys(frame: np.ndarray) -> np.ndarray:
    """What the cache wrote before: numpy's clamp and rounding."""
    return np.clip(frame, -HALF_MAX, HALF_MAX).astype(np.float16)


@pytest.mark.parametrize("case", ["ordinary", "specials", "strided"])
def test_narrowing_gives_numpys_bits_with_highlights_clamped_and_nan_kept(case):
    rng = np.random.default_rng(9)
    frame = (rng.standard_normal((72, 128, 3)) * 3).astype(np.float32) ** 3
    if case == "specials":  # subnormals, ties on both sides, the edge of the range, infinities and NaN
        frame.reshape(-1)[:len(SPECIAL)] = SPECIAL
    elif case == "strided":
        frame = frame[::2, 1::3]
    ours = half_from_float32(frame)
    assert ours.dtype == np.float16 and ours.shape == frame.shape
    assert np.array_equal(ours.view(np.uint16), numpys(frame).view(np.uint16))


def test_a_frame_inside_the_half_range_round_trips_to_within_half_precision():
    frame = np.random.default_rng(2).random((36, 64, 3), dtype=np.float32) * 100
    back = float32_from_half(half_from_float32(frame))
    assert back.dtype == np.float32
    assert np.abs(back - frame).max() <= 100 * 2 ** -11


def test_values_beyond_the_half_range_stay_finite():
    frame = np.full((4, 4, 3), 1e9, np.float32)
    frame[0, 0] = -1e9
    half = half_from_float32(frame)
    assert np.isfinite(half).all() and half.max() == HALF_MAX and half.min() == -HALF_MAX
