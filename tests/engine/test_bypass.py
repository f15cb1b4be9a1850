"""Bypass (Nuke's disable): a bypassed node passes its input through unchanged, so a look can be
switched off without unlinking it; the switch is one undo step and is saved in the project file, and
neither way makes what feeds it again."""

from __future__ import annotations

import json

import numpy as np

from engine.cache import DiskCache
from engine.commands import AddNode, Connect, SetBypass, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.project import Project, load_project, save_project


def graded_shot(registry):
    graph = Graph(registry)
    stack = UndoStack(graph)
    stack.push(AddNode("image.color_bars", (0, 0), {"resolution": "640x360"}, node_id="bars"))
    stack.push(AddNode("shot.scene", (200, 0), {"duration": 0.25, "resolution": "640x360",
                                                "method": "keyframes + interpolation"}, node_id="shot"))
    stack.push(AddNode("image.color_bars", (0, 200), {"resolution": "640x360"}, node_id="bars2"))
    stack.push(AddNode("color.grade", (400, 0), {"exposure": 2.0}, node_id="grade"))
    stack.push(Connect("bars", "image", "shot", "keyframes"))
    stack.push(Connect("bars2", "image", "shot", "keyframes"))
    stack.push(Connect("shot", "frames", "grade", "frames"))
    return graph, stack


def frames_of(graph, node, cache=None, folder=None):
    report = Executor(cache, project_dir=folder).run(graph, [node], load_outputs=True)
    assert report.status == "finished", report.results
    return report, report.outputs[node]["frames"]


def test_a_bypassed_grade_passes_its_shot_through_and_back(tmp_path):
    from app.nodes import build_registry

    graph, stack = graded_shot(build_registry())
    cache = DiskCache(tmp_path / "cache")
    _, graded = frames_of(graph, "grade", cache)
    _, shot = frames_of(graph, "shot", cache)
    stack.push(SetBypass("grade", True))
    assert stack.undo_text.startswith("Bypass")
    report, passed = frames_of(graph, "grade", cache)
    assert np.array_equal(passed.frame(3), shot.frame(3)) and not np.array_equal(passed.frame(3), graded.frame(3))
    assert report.results["grade"].stats == {"bypassed": True}
    stack.undo()  # enabled again: graded as before, on the shot from the cache
    report, again = frames_of(graph, "grade", cache)
    assert report.results["shot"].status == "cached" and report.results["grade"].status == "ran"
    assert np.array_equal(again.frame(3), graded.frame(3))


def test_bypass_is_saved_and_a_bad_value_is_named_not_obeyed(tmp_path):
    from app.nodes import build_registry

    registry = build_registry()
    graph, stack = graded_shot(registry)
    stack.push(SetBypass("grade", True))
    path = save_project(Project(graph, "Bypass"), tmp_path / "film.aiprod")
    data = json.loads(path.read_text())
    assert [n.get("bypass") for n in data["nodes"] if n["id"] == "grade"] == [True]
    assert all("bypass" not in n for n in data["nodes"] if n["id"] != "grade")  # written only when set
    assert load_project(path, registry).graph.nodes["grade"].bypassed
    for node in data["nodes"]:
        if node["id"] == "grade":
            node["bypass"] = "yes"
    path.write_text(json.dumps(data))
    project = load_project(path, registry)
    assert not project.graph.nodes["grade"].bypassed
    assert any("bypass must be true or false" in w for w in project.warnings)
