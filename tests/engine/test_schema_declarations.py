"""Behaviour a node type declares in its schema: inputs that override parameters, enum ids with
labels and the old values they still accept, and parameters a type retired."""

from __future__ import annotations

import json

import pytest

from app.nodes import build_registry
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.ports import FLOAT, INT, TEXT
from engine.project import Project, load_project, project_from_data, save_project
from engine.registry import Registry
from engine.schema import EnumParam, FloatParam, NodeSchema, NodeType, Port, StringParam

SEEN: list[dict] = []  # the params each Echo run was given


class Echo(NodeType):
    """Its input `level` overrides the parameter `gain` (a different name: only the declaration links them)."""

    schema = NodeSchema("test.echo", "Echo", "Test",
                        inputs=(Port("level", FLOAT, optional=True, overrides="gain"),
                                Port("note", TEXT, optional=True)),
                        outputs=(Port("value", FLOAT),),
                        params=(FloatParam("gain", 1.0, min=0.0, max=10.0), StringParam("note", "own")))

    def execute(self, ctx, inputs, params):
        SEEN.append(dict(params))
        return {"value": params["gain"]}


class Constant(NodeType):
    schema = NodeSchema("test.constant", "Constant", "Test", outputs=(Port("value", FLOAT), Port("text", TEXT)),
                        params=(FloatParam("value", 4.0),))

    def execute(self, ctx, inputs, params):
        return {"value": params["value"], "text": "linked"}


def _echo_graph(value: float | None):
    graph = Graph(Registry([Echo, Constant]))
    stack = UndoStack(graph)
    stack.push(AddNode("test.echo", node_id="echo", params={"gain": 2.0}))
    stack.push(AddNode("test.constant", node_id="c", params={"value": value if value is not None else 0.0}))
    if value is not None:
        stack.push(Connect("c", "value", "echo", "level"))
    stack.push(Connect("c", "text", "echo", "note"))  # same name as a parameter, but declares no override
    return graph


def test_a_linked_overriding_input_reaches_the_node_as_its_parameter():
    SEEN.clear()
    report = Executor().run(_echo_graph(4.0), ["echo"], load_outputs=True)
    assert report.status == "finished", report.results["echo"].message
    assert report.outputs["echo"]["value"] == 4.0 and SEEN[-1]["gain"] == 4.0
    assert SEEN[-1]["note"] == "own"  # an input that only shares a parameter's name overrides nothing


def test_an_unlinked_overriding_input_leaves_the_parameter():
    SEEN.clear()
    report = Executor().run(_echo_graph(None), ["echo"], load_outputs=True)
    assert report.outputs["echo"]["value"] == 2.0


def test_a_linked_value_outside_the_parameter_range_fails_with_one_clear_line():
    report = Executor().run(_echo_graph(40.0), ["echo"])
    assert report.status == "failed"
    assert report.results["echo"].message == ("the linked input 'level' does not fit: gain must be at most 10.0, "
                                              "got 40.0")


def test_overridden_by_reads_the_declaration_not_the_names():
    assert Echo.schema.overridden_by(["level", "note"]) == {"gain": "level"}
    assert Echo.schema.overridden_by(["note"]) == {}


@pytest.mark.parametrize("port, message", [
    (Port("level", FLOAT, optional=True, overrides="volume"), "not one of its parameters"),
    (Port("level", TEXT, optional=True, overrides="gain"), "cannot override the float parameter"),
    (Port("level", FLOAT, overrides="gain"), "must be optional"),
])
def test_an_override_must_name_a_parameter_of_a_fitting_kind(port, message):
    with pytest.raises(ValueError, match=message):
        NodeSchema("test.bad", "Bad", "Test", inputs=(port,), params=(FloatParam("gain", 1.0),))


@pytest.mark.parametrize("field, number", [("version", 0), ("revision", 0), ("revision", 1.5), ("revision", True)])
def test_a_version_or_revision_is_a_whole_number_from_1(field, number):
    with pytest.raises(ValueError, match=f"{field} must be a whole number from 1"):
        NodeSchema("test.bad", "Bad", "Test", **{field: number})


def test_an_int_input_may_override_a_float_parameter():
    NodeSchema("test.ok", "Ok", "Test", inputs=(Port("n", INT, optional=True, overrides="gain"),),
               params=(FloatParam("gain", 1.0),))


def test_the_builtin_overrides_are_declared():
    registry = build_registry()
    declared = {(t.schema.type_id, p.name, p.overrides) for t in registry.types() for p in t.schema.inputs
                if p.overrides}
    assert {("sound.music", "length", "length"), ("title.overlay", "text", "text"),
            ("shot.scene", "duration", "duration")} <= declared
    # A Voice's linked Text replaces its Lines table (a script, read as 'NAME: words' lines), not a parameter.
    assert not any(type_id == "sound.voice" for type_id, *_ in declared)


# ---- enum ids and labels ----------------------------------------------------------------------

def _project(nodes: list[dict]) -> dict:
    """A project file's data as the current version writes it, holding these nodes."""
    return {"schema_version": 1, "kind": "aiprod.project", "links": [],
            "nodes": [{"object": "Node.1", "type_version": 1, **node} for node in nodes]}


def test_a_project_saved_with_old_labels_loads_to_the_ids():
    nodes = [
        {"id": "export", "type": "output.export", "params": {"format": "H.264 (yuv420p)",
                                                              "output_transform": "Rec.2020 PQ (HDR10)"}},
        {"id": "mix", "type": "sound.mix", "params": {"loudness_target": "Streaming (−14 LUFS)"}},
        {"id": "bars", "type": "image.color_bars", "params": {"resolution": "640x360 (proxy)"}},
        {"id": "camera", "type": "shot.camera", "params": {"resolution": "same as input"}},
        {"id": "still", "type": "media.import_image", "params": {"color_space": "ARRI LogC3 (AWG3)"}},
        {"id": "grade", "type": "color.grade", "params": {"lut_input_space": "Linear"}},
        {"id": "wav", "type": "output.export_audio", "params": {"format": "FLAC 24-bit"}},
    ]
    project = project_from_data(_project(nodes), build_registry())
    params = {n: project.graph.nodes[n].params for n in project.graph.nodes}
    assert project.warnings == []
    assert (params["export"]["format"], params["export"]["output_transform"]) == ("h264", "rec2020_pq")
    assert params["mix"]["loudness_target"] == "streaming"
    assert params["bars"]["resolution"] == "640x360" and params["camera"]["resolution"] == "same_as_input"
    assert params["still"]["color_space"] == "arri_logc3" and params["grade"]["lut_input_space"] == "linear"
    assert params["wav"]["format"] == "flac24"


def test_the_label_is_shown_and_the_id_saved(tmp_path):
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("output.export", node_id="export"))
    save_project(Project(graph, "ids"), tmp_path / "ids.aiprod")
    saved = json.loads((tmp_path / "ids.aiprod").read_text())["nodes"][0]["params"]
    assert saved["format"] == "h264" and saved["output_transform"] == "rec709"
    param = graph.schema_of("export").param("format")
    assert param.choice_label("h264") == "H.264 (yuv420p)" and param.choice_label("vp9") == "VP9"


def _sizes(labels: tuple[str, str]) -> type[NodeType]:
    class Sizes(NodeType):
        schema = NodeSchema("test.sizes", "Sizes", "Test", params=(
            EnumParam("size", "small", (("small", labels[0]), ("large", labels[1]))),))

        def execute(self, ctx, inputs, params):
            return {}

    return Sizes


def test_rewording_a_label_still_loads_a_project_saved_with_the_id(tmp_path):
    before = Registry([_sizes(("Small (640)", "Large (1920)"))])
    graph = Graph(before)
    UndoStack(graph).push(AddNode("test.sizes", node_id="n", params={"size": "large"}))
    save_project(Project(graph, "sizes"), tmp_path / "sizes.aiprod")
    reworded = Registry([_sizes(("Compact", "Full HD"))])
    project = load_project(tmp_path / "sizes.aiprod", reworded)
    assert project.warnings == [] and project.graph.nodes["n"].params["size"] == "large"
    assert project.graph.schema_of("n").param("size").choice_label("large") == "Full HD"


def test_a_renamed_value_must_map_to_a_current_id():
    with pytest.raises(ValueError, match="renamed 'Big' -> 'huge'"):
        EnumParam("size", "small", ("small", "large"), renamed={"Big": "huge"})


# ---- a retired parameter ----------------------------------------------------------------------

def test_a_grade_that_exported_a_lut_loads_with_a_warning_naming_the_export_lut_node(tmp_path):
    nodes = [{"id": "n3", "type": "color.grade", "params": {"exposure": 1.0, "export_lut_path": "look.cube"}},
             {"id": "n4", "type": "color.grade", "params": {"export_lut_path": ""}}]
    project = project_from_data(_project(nodes), build_registry())
    assert len(project.warnings) == 1  # an empty path exported nothing: nothing to say
    assert project.warnings[0].startswith("Grade node 'n3': its LUT export is now an Export LUT node")
    assert "look.cube" in project.warnings[0]
    assert "export_lut_path" not in project.graph.nodes["n3"].params
    assert project.graph.nodes["n3"].params["exposure"] == 1.0
