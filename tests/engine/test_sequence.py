"""Cuts, dissolves and fades join shots with exact lengths and correct mixes."""

import numpy as np
import pytest

from engine.media.clip import StillClip
from engine.media.sequence import Join, SequenceClip


def flat(value, frames, fps=24, size=(4, 6)):
    return StillClip(np.full((*size, 3), value, np.float32), fps, frames)


def values(clip):
    return [round(float(f[0, 0, 0]), 4) for f in clip.frames()]


def test_cuts_add_lengths():
    seq = SequenceClip([flat(0.1, 3), flat(0.2, 2)], [Join("cut", 0)])
    assert values(seq) == [0.1, 0.1, 0.1, 0.2, 0.2]


def test_dissolve_overlaps_and_mixes_linearly():
    seq = SequenceClip([flat(0.0, 4), flat(1.0, 4)], [Join("dissolve", 2)])
    assert seq.frame_count == 6
    assert values(seq) == [0.0, 0.0, 0.25, 0.75, 1.0, 1.0]


def test_fade_through_black_dips_to_black_without_overlap():
    seq = SequenceClip([flat(1.0, 4), flat(1.0, 4)], [Join("fade through black", 4)])
    assert seq.frame_count == 8
    assert values(seq) == [1.0, 1.0, 0.75, 0.25, 0.25, 0.75, 1.0, 1.0]


def test_fade_in_and_out():
    seq = SequenceClip([flat(1.0, 6)], [], fade_in=2, fade_out=2)
    assert values(seq) == [0.25, 0.75, 1.0, 1.0, 0.75, 0.25]


def test_random_access_equals_streaming():
    seq = SequenceClip([flat(0.0, 5), flat(0.5, 5), flat(1.0, 5)], [Join("dissolve", 3), Join("cut", 0)])
    streamed = values(seq)
    assert [round(float(seq.frame(i)[0, 0, 0]), 4) for i in reversed(range(seq.frame_count))] == streamed[::-1]


@pytest.mark.parametrize("second, message", [
    (flat(0.1, 3, size=(8, 6)), "resolution"),
    (flat(0.1, 3, fps=25), "fps"),
])
def test_mismatched_shots_are_refused_with_the_fix(second, message):
    with pytest.raises(ValueError, match=message):
        SequenceClip([flat(0.1, 3), second], [Join("cut", 0)])


def test_transition_longer_than_a_shot_is_refused():
    with pytest.raises(ValueError, match="longer than a shot"):
        SequenceClip([flat(0.1, 3), flat(0.2, 3)], [Join("dissolve", 5)])
