"""Clips stream frames lazily with exact rational timing."""

from fractions import Fraction

import numpy as np
import pytest

from engine.media.clip import ArrayClip, ClipInfo, FunctionClip, MapClip, SequentialReader, StillClip, as_fps


@pytest.mark.parametrize("value, expected", [(24, Fraction(24)), ("24000/1001", Fraction(24000, 1001)),
                                             (23.976, Fraction(24000, 1001)), (29.97, Fraction(30000, 1001)),
                                             (25.0, Fraction(25)), (12.5, Fraction(25, 2)),
                                             ("23.976", Fraction(24000, 1001)), ("59.94", Fraction(60000, 1001))])
def test_frame_rates_are_exact(value, expected):
    assert as_fps(value) == expected


def test_duration_is_exact():
    info = ClipInfo(4, 4, Fraction(24000, 1001), 120)
    assert info.duration == Fraction(5005, 1000)


def test_function_clip_is_lazy_and_ordered():
    calls = []

    def render(i):
        calls.append(i)
        return np.full((2, 3, 3), i, np.float32)

    clip = FunctionClip(ClipInfo(3, 2, 24, 100), render)
    assert calls == []
    got = [f[0, 0, 0] for f in clip.frames(10, 13)]
    assert got == [10, 11, 12] and calls == [10, 11, 12]
    with pytest.raises(IndexError):
        clip.frame(100)


def test_map_clip_on_a_still_computes_once():
    calls = []
    still = StillClip(np.ones((2, 2, 3), np.float32), 24, 50)

    def double(frame, i):
        calls.append(i)
        return frame * 2

    mapped = MapClip(still, double, constant_over_time=True)
    frames = list(mapped.frames())
    assert len(frames) == 50 and calls == [0] and frames[-1][0, 0, 0] == 2
    varying = MapClip(still, double)
    list(varying.frames(0, 5))
    assert calls == [0, 0, 1, 2, 3, 4]


def test_sequential_reader_streams_and_seeks():
    opened = []

    class Counting(ArrayClip):
        def frames(self, start=0, stop=None):
            opened.append(start)
            return super().frames(start, stop)

    clip = Counting([np.full((1, 1, 3), i, np.float32) for i in range(10)], 24)
    reader = SequentialReader(clip)
    assert [reader.get(i)[0, 0, 0] for i in (0, 1, 2, 2, 3, 7, 8)] == [0, 1, 2, 2, 3, 7, 8]
    assert opened == [0, 7]


def test_bad_info_is_refused():
    with pytest.raises(ValueError, match="positive"):
        ClipInfo(0, 10, 24, 1)
    with pytest.raises(ValueError, match="working space"):
        ClipInfo(10, 10, 24, 1, "rec709")
    with pytest.raises(ValueError, match="positive"):
        as_fps(0)
