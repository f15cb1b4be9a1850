"""The editor follows what a node type declares (overriding inputs, the port it previews, its "before"
input, the files it opens), shown with stub types the editor has never heard of."""

from __future__ import annotations

import numpy as np

from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.image import Image
from engine.ports import FLOAT, IMAGE, TEXT
from engine.registry import Registry
from engine.schema import EnumParam, FloatParam, NodeSchema, NodeType, PathParam, Port, StringParam


class Source(NodeType):
    schema = NodeSchema("stub.source", "Source", "Stub", outputs=(Port("amount", FLOAT), Port("words", TEXT),
                                                                  Port("picture", IMAGE)))

    def execute(self, ctx, inputs, params):
        return {"amount": 3.0, "words": "hello", "picture": Image(np.full((2, 2, 3), 0.5, np.float32))}


class Tinter(NodeType):
    """Its "level" input overrides "strength"; its "caption" input shares a parameter's name but overrides nothing."""

    schema = NodeSchema(
        "stub.tinter", "Tinter", "Stub",
        inputs=(Port("picture", IMAGE, optional=True), Port("level", FLOAT, optional=True, overrides="strength"),
                Port("caption", TEXT, optional=True)),
        outputs=(Port("stats", TEXT), Port("picture", IMAGE)),
        params=(FloatParam("strength", 1.0), StringParam("caption", "mine"), PathParam("sketch", ""),
                EnumParam("tone", "warm", (("warm", "Warm (3200 K)"), ("cool", "Cool (6500 K)")))),
        preview_port="picture", before_input="picture", opens_files=(".sketch",), opens_files_param="sketch",
    )

    def execute(self, ctx, inputs, params):
        picture = inputs["picture"] or Image(np.zeros((2, 2, 3), np.float32))
        return {"stats": f"strength {params['strength']}", "picture": picture}


def stub_registry() -> Registry:
    return Registry([Source, Tinter])


def test_a_dropped_file_becomes_the_node_type_that_declares_its_suffix():
    from app.nodes import build_registry
    from app.ui.file_drop import node_for_file

    assert node_for_file(stub_registry(), "/films/plan.SKETCH") == ("stub.tinter", "sketch")
    assert node_for_file(stub_registry(), "/films/clip.mp4") is None  # no stub type opens movies
    builtin = build_registry()
    assert node_for_file(builtin, "look.cube") == ("color.grade", "lut_path")
    assert node_for_file(builtin, "clip.mov") == ("media.import_video", "path")
    assert node_for_file(builtin, "plan.sketch") is None


def test_the_preview_shows_the_declared_port_and_the_declared_before_input():
    from app.ui.preview_load import before_source, has_before, load_output

    graph = Graph(stub_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("stub.source", node_id="src"))
    stack.push(AddNode("stub.tinter", node_id="tint"))
    stack.push(Connect("src", "picture", "tint", "picture"))
    assert has_before(graph, "tint") and not has_before(graph, "src")
    assert before_source(graph, "tint") == ("src", "picture")
    kind, payload = load_output(Executor(), graph, "tint")
    assert kind == "image" and payload[0] == "picture"  # not "stats", its first output


def test_the_inspector_greys_out_only_declared_overrides_and_shows_enum_labels(qtbot):
    from tests.app.conftest import _window

    window = _window(qtbot, stub_registry())
    actions = window.actions_
    source, tinter = actions.add_node("stub.source", (0, 0)), actions.add_node("stub.tinter", (300, 0))
    actions.connect_ports(source, "amount", tinter, "level")
    actions.connect_ports(source, "words", tinter, "caption")
    window.scene.select_nodes([tinter])
    editors = window.inspector.editors
    assert not editors["strength"].isEnabled()
    assert "from the linked input 'level'" in editors["strength"].toolTip().lower()
    assert editors["caption"].isEnabled()  # same name as an input, but no declaration: still the user's
    combo = editors["tone"].combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Warm (3200 K)", "Cool (6500 K)"]
    combo.setCurrentIndex(1)
    assert window.document.graph.nodes[tinter].params["tone"] == "cool"  # the id is what the project keeps
    summary = window.scene.nodes[tinter].summary
    assert not any(line.startswith("Strength") for line in summary)  # the canvas leaves out what the input sets
    assert "Tone: Cool (6500 K)" in summary
