"""Flow in-betweens put moving things half way, do not ghost where something was uncovered, and retime exactly."""

from fractions import Fraction

import cv2
import numpy as np
import pytest

from engine.media.clip import ArrayClip
from engine.media.flow import FlowPair, inbetween_clip, resample_fps_clip, retime_clip


def texture(height, width, seed=1):
    """A smooth random colour texture in linear light: something flow can follow."""
    grain = np.random.default_rng(seed).random((height, width)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 2.0)
    grain = (grain - grain.min()) / (grain.max() - grain.min())
    return (np.stack([grain, grain[::-1] * 0.5 + 0.25, 1 - grain], -1) ** 2.2).astype(np.float32)


def gray(picture):
    return cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY).astype(np.float64)


def test_half_way_between_a_frame_and_its_8_px_shift_is_a_4_px_shift():
    wide = texture(90, 200)
    first, second = wide[:, 20:180].copy(), wide[:, 12:172].copy()  # the content moves 8 px right
    middle = FlowPair(first, second).at(0.5)
    (dx, dy), _ = cv2.phaseCorrelate(gray(first), gray(middle))
    assert dx == pytest.approx(4.0, abs=0.25) and abs(dy) < 0.25
    assert np.abs(middle - wide[:, 16:176])[:, 12:-12].mean() < 0.01



@pytest.mark.parametrize("t", [0.25, 0.5, 0.75])
def test_a_frame_wider_than_its_flow_moves_by_full_size_pixels_at_every_time(t):
    """Draft flow is computed 480 px wide: on a 960 px frame the motion is scaled up (made once for
    the pair and shared by its in-betweens, whatever order they are asked in) before it warps."""
    wide = texture(270, 1000)
    first, second = wide[:, 20:980].copy(), wide[:, 4:964].copy()  # the content moves 16 px right
    pair = FlowPair(first, second, "draft")
    for other in (0.9, 0.1):  # in-betweens made before this one share the pair's full-size motion
        pair.at(other)
    frame = pair.at(t)
    (dx, dy), _ = cv2.phaseCorrelate(gray(first), gray(frame))
    assert dx == pytest.approx(16 * t, abs=0.5) and abs(dy) < 0.5

def test_uncovered_background_does_not_ghost():
    background = texture(180, 320, seed=2)

    def square_at(x):
        frame = background.copy()
        frame[58:122, x:x + 64] = [1.0, 0.2, 0.1]
        return frame

    first, second, truth = square_at(100), square_at(116), square_at(108)
    middle = FlowPair(first, second).at(0.5)
    around = (slice(26, 154), slice(68, 212))
    flow_error = np.abs(middle - truth)[around].mean()
    crossfade_error = np.abs((first + second) / 2 - truth)[around].mean()
    assert flow_error < 0.4 * crossfade_error


def test_ends_are_the_keyframes_themselves():
    a, b = texture(54, 96, 3), texture(54, 96, 4)
    pair = FlowPair(a, b, "draft")
    assert pair.at(0.0) is a and pair.at(1.0) is b


def test_keyframes_of_different_sizes_are_refused():
    with pytest.raises(ValueError, match="same size"):
        FlowPair(texture(54, 96), texture(60, 96))
    with pytest.raises(ValueError, match="unknown flow quality"):
        FlowPair(texture(54, 96), texture(54, 96), "ultra")


def test_inbetweens_per_gap_keep_the_keyframes_and_the_timing():
    keys = [texture(54, 96, s) for s in (5, 6, 7)]
    clip = inbetween_clip(ArrayClip(keys, Fraction(2)), 3, "draft")
    assert clip.frame_count == 9 and clip.fps == 8  # 2 fps with 3 in-betweens: 8 fps, same 1.5 s span
    frames = list(clip.frames())
    for index, key in zip((0, 4, 8), keys):
        assert np.array_equal(frames[index], key)
    assert not np.array_equal(frames[1], keys[0]) and frames[2].shape == keys[0].shape


def test_target_fps_keeps_the_duration_exactly():
    keys = [texture(54, 96, s) for s in range(5)]
    clip = resample_fps_clip(ArrayClip(keys, Fraction(24)), Fraction(30000, 1001), "draft")
    assert clip.fps == Fraction(30000, 1001)
    assert clip.frame_count == round(5 * Fraction(30000, 1001) / 24)  # 6.24 -> 6
    assert np.array_equal(clip.frame(0), keys[0])


def test_retime_positions_beyond_the_ends_hold_the_end_frames():
    keys = [texture(54, 96, s) for s in (8, 9)]
    source = ArrayClip(keys, Fraction(24))
    clip = retime_clip(source, source.info.with_(frame_count=3), lambda j: Fraction(j * 3, 2) - 1)
    assert np.array_equal(clip.frame(0), keys[0]) and np.array_equal(clip.frame(2), keys[1])


def test_interpolate_node_adds_inbetweens_or_retimes():
    from app.nodes.interpolate import Interpolate
    from engine.errors import NodeExecutionError

    keys = ArrayClip([texture(54, 96, s) for s in (1, 2, 3)], Fraction(12))
    params = Interpolate.schema.default_params() | {"count": 1, "quality": "draft"}
    doubled = Interpolate().execute(None, {"frames": keys}, params)["frames"]
    assert (doubled.frame_count, doubled.fps) == (5, 24)
    retimed = Interpolate().execute(None, {"frames": keys}, params | {"mode": "target fps", "fps": "29.97"})["frames"]
    assert retimed.fps == Fraction(30000, 1001) and retimed.frame_count == round(3 * Fraction(30000, 1001) / 12)
    with pytest.raises(NodeExecutionError, match="at least 2 frames"):
        Interpolate().execute(None, {"frames": ArrayClip(keys.frame(0)[None], 12)}, params)


def test_an_inbetween_has_the_same_bits_whatever_the_number_of_threads():
    """OpenCV splits work by its thread count; the in-between must not depend on that (nor on the machine)."""
    wide = texture(90, 180)
    first, second = wide[:, 20:].copy(), wide[:, :160].copy()
    threads = cv2.getNumThreads()
    try:
        made = []
        for count in (1, 2, 3, 4):
            cv2.setNumThreads(count)
            made.append(FlowPair(first, second).at(0.4))
    finally:
        cv2.setNumThreads(threads)
    assert all(np.array_equal(made[0], other) for other in made[1:])


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_a_streamed_shot_has_the_bits_of_its_frames_made_one_by_one(monkeypatch, workers):
    """Streaming computes several in-betweens at once; each must come out as a lone frame() call makes it,
    in order, across the gaps between keyframes."""
    import engine.media.flow as flow

    monkeypatch.setattr(flow, "STREAM_WORKERS", workers)
    keys = [texture(54, 96, s) for s in (5, 6, 7)]
    streamed = list(inbetween_clip(ArrayClip(keys, Fraction(2)), 5, "draft").frames(2, 13))
    alone = inbetween_clip(ArrayClip(keys, Fraction(2)), 5, "draft")
    assert len(streamed) == 11
    for index, frame in zip(range(2, 13), streamed):
        assert np.array_equal(frame, alone.frame(index)), index


def test_a_stream_left_part_way_stops_its_workers(monkeypatch):
    import engine.media.flow as flow

    monkeypatch.setattr(flow, "STREAM_WORKERS", 2)
    keys = [texture(54, 96, s) for s in (5, 6)]
    stream = inbetween_clip(ArrayClip(keys, Fraction(2)), 40, "draft").frames()
    first = next(stream)
    stream.close()  # the consumer (a cancelled render) goes away
    assert np.array_equal(first, keys[0])
