"""One conversion of seconds to frames: exact at NTSC rates, nearest frame with halves up, used by every node."""

from fractions import Fraction

import pytest

from app.nodes import build_registry
from app.nodes.scene import frame_count_for
from engine.audio import dsp
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.media.audio_mux import sample_at
from engine.timebase import (exact_seconds, frames_from_seconds, frames_of, rational_time, seconds_from_frames,
                             time_range)


@pytest.mark.parametrize("rate, exact", [("23.976", Fraction(24000, 1001)), ("29.97", Fraction(30000, 1001))])
def test_1001_frames_at_ntsc_rates_round_trip_exactly(rate, exact):
    seconds = seconds_from_frames(1001, rate)
    assert seconds == Fraction(1001) / exact  # 41.7500416… s at 23.976, not 1001 / 23.976
    assert frames_from_seconds(seconds, rate) == 1001
    assert frames_from_seconds(float(seconds), exact) == 1001  # the float a project file holds reads back too
    assert frames_from_seconds(float(seconds), 23.976 if rate == "23.976" else 29.97) == 1001
    # An hour of frames does not drift: frame 86314 at 23.976 starts at exactly 86314 * 1001 / 24000 s.
    assert frames_from_seconds(seconds_from_frames(86_314, exact), exact) == 86_314


@pytest.mark.parametrize("rate", ["23.976", "29.97"])
def test_otio_views_carry_whole_frames(rate):
    seconds = float(seconds_from_frames(1001, rate))
    time = rational_time(seconds, rate)
    assert time.value == 1001 and abs(time.rate - float(Fraction(rate))) < 0.01
    assert frames_of(time, rate) == 1001
    span = time_range(seconds, 1.0, rate)
    assert span.start_time.value == 1001 and span.duration.value == frames_from_seconds(1.0, rate)


def test_the_rule_is_nearest_frame_with_halves_up_on_the_typed_decimal():
    assert frames_from_seconds(0.1, 30) == 3  # 0.1 as typed, not 0.1000000000000000055…
    assert frames_from_seconds(0.1875, 24) == 5  # exactly 4.5 frames: the half rounds up, not to even
    assert frames_from_seconds(0.0625, 24) == 2  # 1.5 frames
    assert exact_seconds(0.1) == Fraction(1, 10)


def test_audio_lands_on_the_same_rule():
    assert dsp.seconds_to_frames(1001 / 24000) == 2002  # one 23.976 frame is 2002 samples
    assert sample_at(1001, Fraction(24000, 1001)) == 1001 * 2002
    assert sample_at(3, Fraction(30000, 1001)) == round(3 * 48000 * 1001 / 30000)


def test_scene_title_and_sequence_agree_on_a_half_frame():
    """0.1875 s at 24 fps is 4.5 frames; every node makes it 5 (the Sequence and Title used to round to even, 4)."""
    assert frame_count_for(0.1875, Fraction(24)) == 5
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("edit.sequence", node_id="seq", params={"transition": "dissolve",
                                                                "transition_seconds": 0.1875}))
    for n in range(3):
        stack.push(AddNode("title.overlay", node_id=f"card{n}", params={
            "text": "", "duration": 1.0, "fps": "24", "resolution": "640x360"}))
        stack.push(Connect(f"card{n}", "frames", "seq", "shots"))
    stack.push(AddNode("title.overlay", node_id="short", params={
        "text": "", "duration": 0.1875, "fps": "24", "resolution": "640x360"}))
    report = Executor().run(graph, ["seq", "short"], load_outputs=True)
    assert report.status == "finished"
    assert report.outputs["short"]["frames"].frame_count == 5
    assert report.outputs["seq"]["frames"].frame_count == 3 * 24 - 2 * 5


# ---- timecode ---------------------------------------------------------------------------------

from engine.timebase import frames_from_timecode, timecode_of  # noqa: E402


@pytest.mark.parametrize("rate, frame, text", [
    ("23.976", 0, "00:00:00:00"),
    ("23.976", 23, "00:00:00:23"),
    ("23.976", 86_400, "01:00:00:00"),  # non-drop: counted at a nominal 24, so an hour of labels is 86400 frames
    (24, 86_399, "00:59:59:23"),
    (25, 86_400, "00:57:36:00"),
    (25, 24, "00:00:00:24"),
    ("29.97", 1799, "00:00:59;29"),
    ("29.97", 1800, "00:01:00;02"),  # labels ;00 and ;01 are skipped at the start of every minute…
    ("29.97", 17_982, "00:10:00;00"),  # …but not every tenth: ten real minutes read as ten minutes
    ("59.94", 3599, "00:00:59;59"),
    ("59.94", 3600, "00:01:00;04"),  # four labels skipped at 59.94
    ("59.94", 35_964, "00:10:00;00"),
])
def test_timecode_of_writes_smpte_with_drop_frame_at_ntsc_30_and_60(rate, frame, text):
    assert timecode_of(frame, rate) == text
    assert frames_from_timecode(text, rate) == frame


def test_frames_from_timecode_refuses_what_is_not_a_timecode():
    with pytest.raises(ValueError, match="HH:MM:SS:FF"):
        frames_from_timecode("00:00:00:30", 25)
    with pytest.raises(ValueError, match="HH:MM:SS:FF"):
        frames_from_timecode("soon", 24)
