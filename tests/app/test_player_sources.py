"""Which sound the player plays for a node, worked out from the graph of the sample film."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.nodes import build_registry
from app.ui.player.sources import ExportFile, PortSound, exports_reached, sound_candidates, timeline_picture
from engine.project import load_project

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "sample.aiprod"


@pytest.fixture(scope="module")
def graph():
    return load_project(SAMPLE, build_registry()).graph


def test_a_mix_plays_its_own_mix_output(graph):
    assert sound_candidates(graph, "mix")[0] == PortSound("mix", "mix")


def test_a_voice_plays_its_audio(graph):
    assert sound_candidates(graph, "narrator") == [PortSound("narrator", "audio")]


def test_frames_play_with_the_mix_linked_into_the_export_they_reach(graph):
    # cut -> grade -> export, whose audio input is the Mix: through a grade, downstream.
    assert exports_reached(graph, "cut") == ["export"]
    assert sound_candidates(graph, "cut") == [PortSound("mix", "mix")]
    assert sound_candidates(graph, "grade") == [PortSound("mix", "mix")]
    # A title over a shot reaches the export through the sequence as well.
    assert sound_candidates(graph, "lower_third") == [PortSound("mix", "mix")]


def test_a_scene_tries_its_own_optional_audio_before_the_exports_mix(graph):
    assert sound_candidates(graph, "night") == [PortSound("night", "audio"), PortSound("mix", "mix")]


def test_an_export_plays_the_file_it_wrote(graph):
    assert sound_candidates(graph, "export") == [ExportFile("export")]


def test_a_node_that_reaches_no_export_and_has_no_sound_has_none(graph):
    assert sound_candidates(graph, "dawn_still") == []  # an image: it feeds a scene's keyframes, not frames
    assert sound_candidates(graph, "no such node") == []


def test_the_timeline_plays_the_cut_through_its_grade_as_it_is_exported(graph):
    assert timeline_picture(graph, "cut") == "grade"  # cut -> Warm look -> export


def test_the_timeline_plays_through_every_grade_and_stops_at_a_branch_or_another_node():
    from engine.commands import AddNode, Connect, UndoStack

    graph = load_project(SAMPLE, build_registry()).graph
    stack = UndoStack(graph)
    stack.push(AddNode("color.grade", (0, 0), {"saturation": 0.5}, label="Second look", node_id="look2"))
    stack.push(Connect("grade", "frames", "look2", "frames"))
    stack.push(Connect("look2", "frames", "export", "frames"))  # in place of the grade's link
    assert timeline_picture(graph, "cut") == "look2"  # two looks in a row: both are the film
    stack.push(AddNode("color.grade", (0, 0), {}, label="A trial look", node_id="trial"))
    stack.push(Connect("cut", "frames", "trial", "frames"))
    assert timeline_picture(graph, "cut") == "cut"  # the cut feeds two looks: which is the film is not known
    stack.undo()
    stack.push(AddNode("title.overlay", (0, 0), {"text": "End"}, node_id="end_card"))
    stack.push(Connect("look2", "frames", "end_card", "frames"))
    assert timeline_picture(graph, "cut") == "look2"  # the look now feeds the export and a title: a branch
    assert timeline_picture(graph, "no such node") == "no such node"
