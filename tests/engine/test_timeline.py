"""The timeline as a view of the graph, and every timeline edit as an undoable command: the graph each
leaves, what the Sequence then renders (frames counted and compared), undo and redo, and which nodes
a trim makes run again."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from engine.cache import DiskCache
from engine.executor import Executor
from engine.timeline import edits
from engine.timeline.edits import TimelineEditError
from engine.timeline.model import build_timeline, snap
from tests.timeline_project import build_timeline_graph


@pytest.fixture
def film(tmp_path):
    graph, stack = build_timeline_graph(tmp_path)
    return graph, stack, tmp_path


def rendered(graph, folder, cache=None):
    """The Sequence's clip as it renders now."""
    executor = Executor(cache, project_dir=folder)
    report = executor.run(graph, ["cut"], load_outputs=True)
    assert report.status == "finished", report.results
    return report.outputs["cut"]["frames"]


def spans(timeline):
    return [(s.name, s.start, s.end) for s in timeline.shots]


def test_the_timeline_places_shots_as_the_sequence_plays_them(film):
    graph, _, folder = film
    timeline = build_timeline(graph, "cut")
    assert timeline.fps == 24
    assert spans(timeline) == [("Shot A", 0, 24), ("Shot B", 24, 72), ("Shot C", 60, 96)]  # B dissolves into C
    assert [s.join.kind for s in timeline.shots] == ["cut", "cut", "dissolve"]
    assert timeline.frame_count == rendered(graph, folder).frame_count == 96
    dialogue, = timeline.sounds["dialogue"]
    music, = timeline.sounds["music"]
    assert (dialogue.name, dialogue.offset, dialogue.place_id) == ("Line at 0.5 s", 0.5, "line_at")
    assert (music.name, music.offset, music.place_id) == ("Bed", 0, None)


def test_a_measured_length_replaces_the_planned_one(film):
    graph, _, _ = film
    from engine.timeline.model import Material

    timeline = build_timeline(graph, "cut", material=lambda node, port: Material(30, 24) if node == "shot_a" else None)
    assert timeline.shot(1).material.known and not timeline.shot(2).material.known
    assert spans(timeline)[:2] == [("Shot A", 0, 30), ("Shot B", 30, 78)]


def check_undo_redo(stack, graph, command):
    """Push, undo and redo: the graph returns exactly to before, then to after."""
    before = ({k: dict(n.params) for k, n in graph.nodes.items()}, list(graph.links))
    stack.push(command)
    after = ({k: dict(n.params) for k, n in graph.nodes.items()}, list(graph.links))
    stack.undo()
    assert ({k: dict(n.params) for k, n in graph.nodes.items()}, list(graph.links)) == before
    stack.redo()
    assert ({k: dict(n.params) for k, n in graph.nodes.items()}, list(graph.links)) == after


def test_moving_a_shot_reorders_the_links_and_its_trim_follows(film):
    graph, stack, folder = film
    stack.push(edits.trim_shot(graph, build_timeline(graph, "cut"), 3, "tail", 6))
    check_undo_redo(stack, graph, edits.move_shot(build_timeline(graph, "cut"), 3, 1))
    timeline = build_timeline(graph, "cut")
    assert [s.name for s in timeline.shots] == ["Shot C", "Shot A", "Shot B"]
    assert timeline.shot(1).tail == 6  # the trim went with the shot
    # B and C no longer meet: the dissolve between them is gone, every join is the node's cut.
    assert [s.join.kind for s in timeline.shots] == ["cut"] * 3
    assert spans(timeline) == [("Shot C", 0, 30), ("Shot A", 30, 54), ("Shot B", 54, 102)]
    assert rendered(graph, folder).frame_count == 102


def test_a_ripple_trim_pulls_the_later_shots_in(film):
    graph, stack, folder = film
    before = rendered(graph, folder)
    check_undo_redo(stack, graph, edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", 6))
    timeline = build_timeline(graph, "cut")
    assert spans(timeline) == [("Shot A", 0, 18), ("Shot B", 18, 66), ("Shot C", 54, 90)]
    after = rendered(graph, folder)
    assert after.frame_count == 90
    assert np.array_equal(after.frame(17), before.frame(17))
    assert np.array_equal(after.frame(18), before.frame(24))  # B's first frame comes right after the cut


def test_a_trim_without_ripple_leaves_black_and_keeps_the_rest_in_place(film):
    graph, stack, folder = film
    before = rendered(graph, folder)
    check_undo_redo(stack, graph, edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", 6, ripple=False))
    timeline = build_timeline(graph, "cut")
    assert spans(timeline) == [("Shot A", 0, 18), ("Shot B", 24, 72), ("Shot C", 60, 96)]
    assert timeline.shot(2).gap == 6
    after = rendered(graph, folder)
    assert after.frame_count == 96
    assert not after.frame(20)[..., :3].any()  # black in the gap
    assert np.array_equal(after.frame(40), before.frame(40))
    # Giving the frames back fills the gap again.
    stack.push(edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", -6, ripple=False))
    assert spans(build_timeline(graph, "cut")) == [("Shot A", 0, 24), ("Shot B", 24, 72), ("Shot C", 60, 96)]


def test_a_head_trim_cuts_the_first_frames_of_the_shot(film):
    graph, stack, folder = film
    stack.push(edits.trim_shot(graph, build_timeline(graph, "cut"), 2, "head", 10))
    timeline = build_timeline(graph, "cut")
    assert spans(timeline) == [("Shot A", 0, 24), ("Shot B", 24, 62), ("Shot C", 50, 86)]
    assert rendered(graph, folder).frame_count == 86


def test_impossible_trims_are_refused_before_anything_changes(film):
    graph, stack, _ = film
    timeline = build_timeline(graph, "cut")
    with pytest.raises(TimelineEditError, match="no more material before its first frame"):
        edits.trim_shot(graph, timeline, 1, "head", -1)
    with pytest.raises(TimelineEditError, match="leaves none"):
        edits.trim_shot(graph, timeline, 1, "tail", 24)
    stack.push(edits.trim_shot(graph, timeline, 1, "tail", 8))
    stack.push(edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", 2, ripple=False))
    trims = list(graph.nodes["cut"].params["trims"])
    with pytest.raises(TimelineEditError, match="only 2 frames of gap"):
        edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", -4, ripple=False)
    assert graph.nodes["cut"].params["trims"] == trims


def test_split_makes_two_shots_that_play_the_same_frames(film):
    graph, stack, folder = film
    before = rendered(graph, folder)
    check_undo_redo(stack, graph, edits.split_shot(graph, build_timeline(graph, "cut"), 2, 40))
    timeline = build_timeline(graph, "cut")
    assert spans(timeline) == [("Shot A", 0, 24), ("Shot B", 24, 40), ("Shot B (2)", 40, 72), ("Shot C", 60, 96)]
    assert timeline.shot(3).join.kind == "cut" and timeline.shot(4).join.kind == "dissolve"
    copy = graph.nodes[timeline.shot(3).node_id]
    assert copy.params == graph.nodes["shot_b"].params
    assert [l.src_node for l in graph.links_into(copy.id)] == ["bars"]
    after = rendered(graph, folder)
    assert after.frame_count == 96
    for index in (23, 24, 39, 40, 41, 65, 95):
        assert np.array_equal(after.frame(index), before.frame(index)), index


def test_delete_with_and_without_ripple(film):
    graph, stack, folder = film
    check_undo_redo(stack, graph, edits.delete_shot(graph, build_timeline(graph, "cut"), 2))
    assert spans(build_timeline(graph, "cut")) == [("Shot A", 0, 24), ("Shot C", 24, 60)]
    assert "shot_b" in graph.nodes  # the node stays on the canvas
    assert rendered(graph, folder).frame_count == 60
    stack.undo()
    stack.push(edits.delete_shot(graph, build_timeline(graph, "cut"), 1, ripple=False))
    timeline = build_timeline(graph, "cut")
    assert spans(timeline) == [("Shot B", 24, 72), ("Shot C", 60, 96)]
    assert rendered(graph, folder).frame_count == 96


def test_changing_a_join_and_its_length(film):
    graph, stack, folder = film
    check_undo_redo(stack, graph, edits.set_join(build_timeline(graph, "cut"), 1, "dissolve", 6))
    timeline = build_timeline(graph, "cut")
    assert spans(timeline) == [("Shot A", 0, 24), ("Shot B", 18, 66), ("Shot C", 54, 90)]
    stack.push(edits.set_join(build_timeline(graph, "cut"), 2, "fade through black", 8))
    timeline = build_timeline(graph, "cut")
    assert (timeline.shot(3).join.kind, timeline.shot(3).join.frames) == ("fade through black", 8)
    clip = rendered(graph, folder)
    assert clip.frame_count == 18 + 48 + 36
    with pytest.raises(TimelineEditError, match="can last 1 to 24"):
        edits.set_join(build_timeline(graph, "cut"), 1, "dissolve", 30)


def test_sliding_a_placed_sound_and_one_linked_straight_in(film):
    graph, stack, _ = film
    timeline = build_timeline(graph, "cut")
    check_undo_redo(stack, graph, edits.slide_sound(graph, timeline, timeline.sounds["dialogue"][0], 2.25))
    assert graph.nodes["line_at"].params["offset"] == 2.25
    timeline = build_timeline(graph, "cut")
    links_before = list(graph.links)
    check_undo_redo(stack, graph, edits.slide_sound(graph, timeline, timeline.sounds["music"][0], 1.0))
    music, = build_timeline(graph, "cut").sounds["music"]
    assert music.place_id is not None and music.offset == 1 and music.source == ("bed", "audio")
    stack.undo()
    assert list(graph.links) == links_before


def test_markers_are_kept_but_re_render_nothing(film, tmp_path):
    graph, stack, folder = film
    cache = DiskCache(tmp_path / "cache")
    assert Executor(cache, project_dir=folder).run(graph, ["export"]).status == "finished"
    check_undo_redo(stack, graph, edits.add_marker(graph, build_timeline(graph, "cut"), 30, "Music in", "green"))
    stack.push(edits.rename_marker(graph, build_timeline(graph, "cut"), 1, "Score starts"))
    stack.push(edits.move_marker(graph, build_timeline(graph, "cut"), 1, 36))
    marker, = build_timeline(graph, "cut").markers
    assert (marker.frame, marker.name, marker.color) == (36, "Score starts", "green")
    again = Executor(cache, project_dir=folder).run(graph, ["export"])
    assert again.results["export"].status == "cached"  # the film is not written again for a marker
    stack.push(edits.remove_marker(graph, build_timeline(graph, "cut"), 1))
    assert build_timeline(graph, "cut").markers == ()


def test_snapping_goes_to_the_nearest_point_within_reach(film):
    graph, _, _ = film
    points = build_timeline(graph, "cut").snap_points(playhead=50)
    assert {0, 24, 60, 72, 96, 50, 12}.issubset(points)  # 12: the line starts at 0.5 s
    assert snap(22, points, 3) == 24 and snap(30, points, 3) == 30


def test_a_trim_reruns_only_the_sequence_and_what_follows_it(film, tmp_path):
    graph, stack, folder = film
    from engine.commands import AddNode, Connect, SetParam

    stack.push(AddNode("image.color_bars", (0, 300), {"resolution": "640x360"}, node_id="bars2"))
    for shot in ("shot_a", "shot_b", "shot_c"):  # interpolated shots are cached, as costly shots are
        stack.push(SetParam(shot, "method", "keyframes + interpolation"))
        stack.push(Connect("bars2", "image", shot, "keyframes"))
    cache = DiskCache(tmp_path / "cache")
    first = Executor(cache, project_dir=folder).run(graph, ["export"])
    assert first.status == "finished", first.results
    stack.push(edits.trim_shot(graph, build_timeline(graph, "cut"), 2, "tail", 12))
    second = Executor(cache, project_dir=folder).run(graph, ["export"])
    ran = {n for n, r in second.results.items() if r.status == "ran"}
    cached = {n for n, r in second.results.items() if r.status == "cached"}
    assert ran == {"cut", "export"}
    assert {"shot_a", "shot_b", "shot_c", "mix"} <= cached


def test_a_tail_dragged_past_the_material_makes_its_scene_longer(film, tmp_path):
    graph, stack, folder = film
    from engine.commands import AddNode, Connect, SetParam

    stack.push(AddNode("image.color_bars", (0, 300), {"resolution": "640x360"}, node_id="bars2"))
    for shot in ("shot_a", "shot_b", "shot_c"):
        stack.push(SetParam(shot, "method", "keyframes + interpolation"))
        stack.push(Connect("bars2", "image", shot, "keyframes"))
    cache = DiskCache(tmp_path / "cache")
    assert Executor(cache, project_dir=folder).run(graph, ["export"]).status == "finished"
    stack.push(edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", 4))
    check_undo_redo(stack, graph, edits.trim_shot(graph, build_timeline(graph, "cut"), 1, "tail", -10))
    assert graph.nodes["shot_a"].params["duration"] == pytest.approx(1.25)  # 6 frames more than its 24
    assert spans(build_timeline(graph, "cut"))[:2] == [("Shot A", 0, 30), ("Shot B", 30, 78)]
    again = Executor(cache, project_dir=folder).run(graph, ["export"])
    ran = {n for n, r in again.results.items() if r.status == "ran"}
    assert ran == {"shot_a", "cut", "export"}  # that shot is made again; the others come from the cache
    assert again.results["shot_b"].status == again.results["shot_c"].status == "cached"


def test_a_cut_made_a_dissolve_gets_half_a_second(film):
    graph, stack, _ = film
    stack.push(edits.set_join(build_timeline(graph, "cut"), 1, "dissolve"))
    join = build_timeline(graph, "cut").shot(2).join
    assert (join.kind, join.frames) == ("dissolve", 12)


def test_a_sound_not_made_yet_has_its_planned_length(film):
    graph, stack, _ = film
    from engine.commands import AddNode, Connect, SetParam

    stack.push(AddNode("sound.music", (300, 1100), {"length": 3.0}, node_id="score"))
    stack.push(AddNode("sound.place", (500, 1100), {"offset": 1.0, "trim_start": 0.5}, node_id="score_at"))
    stack.push(Connect("score", "audio", "score_at", "audio"))
    stack.push(Connect("score_at", "audio", "mix", "music"))
    score = build_timeline(graph, "cut").sounds["music"][1]
    assert (score.length, score.known, score.end) == (2.5, False, 3.5)  # 3 s made, 0.5 s trimmed off
    stack.push(SetParam("score_at", "length", 1.0))
    assert build_timeline(graph, "cut").sounds["music"][1].length == 1
    measured = build_timeline(graph, "cut", sound_length=lambda node, port: Fraction(2) if node == "score" else None)
    assert (measured.sounds["music"][1].length, measured.sounds["music"][1].known) == (1, True)
