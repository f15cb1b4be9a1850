"""Cuts, dissolves and fades join shots with exact lengths and correct mixes."""

import numpy as np
import pytest

from app.nodes import build_registry
from app.nodes.sequence import Sequence, joins_for
from engine.commands import AddNode, Connect, UndoStack
from engine.errors import ParamError
from engine.executor import Executor
from engine.graph import Graph
from engine.media.clip import StillClip
from engine.media.sequence import Join, SequenceClip
from engine.media.sequence_joins_text import parse_join_overrides


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


def test_shot_shorter_than_its_two_dissolves_is_refused():
    # Three shots visible at once would add up rather than mix: a picture brighter than any shot.
    with pytest.raises(ValueError, match="shot 2 has 5 frames but the dissolves into and out of it take 6"):
        SequenceClip([flat(0.1, 5), flat(0.2, 5), flat(0.3, 5)], [Join("dissolve", 3), Join("dissolve", 3)])


# --- per-join transitions, through the Sequence node ---

RED, GREEN, BLUE = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]


def run_sequence(colours, **params):
    """A Sequence of one-second 24 fps cards of these colours (sRGB 0/1: the same in linear)."""
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("edit.sequence", params=params, node_id="seq"))
    for n, colour in enumerate(colours):
        stack.push(AddNode("title.overlay", node_id=f"shot{n}", params={
            "text": "", "background_color": colour, "duration": 1.0, "fps": "24", "resolution": "640x360"}))
        stack.push(Connect(f"shot{n}", "frames", "seq", "shots"))
    return Executor().run(graph, ["seq"], load_outputs=True)


def rgb(clip, index):
    return clip.frame(index)[100, 100, :3].astype(float).round(4).tolist()


def test_each_join_makes_its_own_transition():
    # Dissolves by default, 0.625 s = 15 frames (odd, so one frame is the exact middle); join 1 a
    # cut and join 3 a half-second fade instead.
    report = run_sequence([RED, GREEN, BLUE, RED], transition="dissolve", transition_seconds=0.625,
                          joins=[{"join": 1, "transition": "cut"},  # join 2 keeps the dissolve
                                 {"join": 3, "transition": "fade through black", "seconds": 0.5}])
    assert report.status == "finished", report.results["seq"].message
    clip = report.outputs["seq"]["frames"]
    assert clip.frame_count == 4 * 24 - 15  # only the dissolve overlaps its shots
    # Join 1, a cut at frame 24: the frames either side are pure, no frame mixes red and green.
    assert rgb(clip, 23) == RED and rgb(clip, 24) == GREEN
    assert all(min(rgb(clip, i)[:2]) == 0.0 for i in range(0, 33))
    # Join 2, a dissolve: shot 3 starts 15 frames before shot 2 ends; its middle frame is the average.
    assert rgb(clip, 32) == GREEN and rgb(clip, 48) == BLUE
    assert rgb(clip, 33 + 7) == [0.0, 0.5, 0.5]
    # Join 3, a fade through black at frame 57: blue dims to near black, then red comes up, never both.
    levels = [max(rgb(clip, i)) for i in range(48, 69)]
    assert levels[:3] == [1.0, 1.0, 1.0] and levels[-3:] == [1.0, 1.0, 1.0]
    assert min(levels) < 0.1 and levels.index(min(levels)) in (8, 9)  # the darkest frames straddle the cut
    assert all(rgb(clip, i)[0] == 0.0 for i in range(48, 57)) and all(rgb(clip, i)[2] == 0.0 for i in range(57, 69))
    assert rgb(clip, clip.frame_count - 1) == RED


def test_without_joins_every_join_is_the_same_as_before():
    report = run_sequence([RED, GREEN, BLUE], transition="dissolve", transition_seconds=0.5)
    clip = report.outputs["seq"]["frames"]
    assert clip.frame_count == 3 * 24 - 2 * 12
    for i in range(12):  # both joins the node's 12-frame dissolve
        mix = round((i + 0.5) / 12, 4)
        assert rgb(clip, 12 + i) == [round(1 - mix, 4), mix, 0.0]
        assert rgb(clip, 24 + i) == [0.0, round(1 - mix, 4), mix]


def test_a_join_beyond_the_linked_shots_fails_naming_the_line():
    report = run_sequence([RED, GREEN, BLUE], joins=[{"join": 1, "transition": "cut"},
                                                     {"join": 3, "transition": "fade through black", "seconds": 0.5}])
    assert report.status == "failed"
    assert report.results["seq"].message == (
        "joins row 2: join 3 would be between shots 3 and 4, but only 3 shots are linked (joins 1 to 2)")


@pytest.mark.parametrize("text, message", [
    ("2 dissolve 1.0", "joins line 1: '2 dissolve 1.0' is not 'join: transition [seconds]'"),
    ("1: cut\n\n2: wipe 1", "joins line 3: 'wipe' is not a transition; use cut, dissolve or fade"),
    ("x: cut", "joins line 1: the join number 'x' must be a whole number from 1"),
    ("0: cut", "joins line 1: the join number '0' must be a whole number from 1"),
    ("2: cut 1.0", "joins line 1: a cut has no length; write '2: cut'"),
    ("2: dissolve nan", "joins line 1: 'dissolve nan' is not a transition"),
    ("2: fade 45", "joins line 1: 45 seconds is longer than the 30 a transition may last"),
    ("2: cut\n2: dissolve", "joins line 2: join 2 is already set on line 1"),
])
def test_bad_join_lines_are_parameter_errors_naming_the_line(text, message):
    """The old Joins text, read only by the version 1 upgrade: a line it cannot read keeps the text as saved."""
    with pytest.raises(ParamError) as caught:
        parse_join_overrides(text)
    assert str(caught.value).startswith(message)
    assert Sequence.upgrade_params({"joins": text}, 1) == {"joins": text}


@pytest.mark.parametrize("rows, message", [
    ([{"join": 0, "transition": "cut"}], "joins row 1, column join: join must be at least 1, got 0"),
    ([{"join": 2, "transition": "wipe"}], "joins row 1, column transition: transition must be one of cut, dissolve"),
    ([{"join": 2, "transition": "fade through black", "seconds": 45}],
     "joins row 1, column seconds: seconds must be at most 30.0, got 45"),
    ([{"join": 2, "transition": "dissolve", "seconds": "1s"}],
     "joins row 1, column seconds: seconds must be a time in seconds"),
])
def test_bad_join_cells_name_the_row_and_column(rows, message):
    with pytest.raises(ParamError, match=message):
        Sequence.schema.param("joins").coerce(rows)
    graph = Graph(build_registry())
    with pytest.raises(ParamError, match=message):  # the inspector and the CLI refuse it as they set it
        UndoStack(graph).push(AddNode("edit.sequence", params={"joins": rows}, node_id="seq"))


def test_a_join_given_twice_names_both_rows_before_and_while_running():
    rows = [{"join": 2}, {"join": 1}, {"join": 2, "transition": "cut"}]
    message = "joins row 3, column join: join 2 is already set in row 1; give each join one row"
    assert Sequence().problems({**Sequence.schema.default_params(), "joins": rows}, None) == [message]
    report = run_sequence([RED, GREEN, BLUE], joins=rows)
    assert report.status == "failed" and report.results["seq"].message == message


def test_a_version_1_sequence_opens_with_its_join_text_as_rows_and_plays_the_same(tmp_path):
    import json

    from engine.project import load_project

    text = "1: cut\n# join 2 keeps the dissolve\n3: fade 0.5\n2: dissolve"
    old = {"schema_version": 1, "kind": "aiprod.project", "name": "old", "settings": {}, "links": [],
           "nodes": [{"object": "Node.1", "id": "seq", "type": "edit.sequence", "type_version": 1,
                      "position": [0, 0], "params": {"transition": "dissolve", "transition_seconds": 0.625,
                                                     "joins": text}}]}
    (tmp_path / "old.aiprod").write_text(json.dumps(old))
    project = load_project(tmp_path / "old.aiprod", build_registry())
    node = project.graph.nodes["seq"]
    assert project.warnings == [] and node.type_version == 2
    assert node.params["joins"] == [{"join": 1, "transition": "cut", "seconds": 0.0},
                                    {"join": 3, "transition": "fade through black", "seconds": 0.5},
                                    {"join": 2, "transition": "dissolve", "seconds": 0.625}]
    shots = [flat(0.5, 24) for _ in range(4)]
    assert joins_for(shots, node.params) == [Join("cut", 0), Join("dissolve", 15), Join("fade through black", 12)]


def test_join_lines_read_kinds_lengths_and_comments():
    overrides = parse_join_overrides("2: Dissolve 1.5s  # slow\n3: fade through black\n  \n4:fade .25")
    assert {n: (o.kind, o.seconds) for n, o in overrides.items()} == {
        2: ("dissolve", 1.5), 3: ("fade through black", None), 4: ("fade through black", 0.25)}
    assert Sequence().problems(Sequence.schema.default_params(), None) == []
