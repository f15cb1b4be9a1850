"""A render's (or a preview's) private copy of the graph: equal to the graph, sharing nothing that an
edit made while it runs could change."""

from __future__ import annotations

from app.nodes import build_registry
from app.ui.render_controller import snapshot
from engine.graph import Graph, Node


def test_the_copy_is_equal_and_shares_no_node_or_value():
    graph = Graph(build_registry())
    graph.nodes = {"grade": Node("grade", "color.grade", {"lift": [0.1, 0.2, 0.3], "mix": 0.5}, (10.0, 20.0),
                                 label="Warm", extra={"future": {"keep": [1]}})}
    copied = snapshot(graph)
    assert copied.nodes == graph.nodes and copied.links == graph.links
    original = graph.nodes["grade"]
    original.params["lift"][0] = 0.9  # edits as the editor makes them, in place, while a render runs
    original.params["mix"] = 1.0
    original.extra["future"]["keep"].append(2)
    kept = copied.nodes["grade"]
    assert kept.params == {"lift": [0.1, 0.2, 0.3], "mix": 0.5} and kept.extra == {"future": {"keep": [1]}}
    assert kept.label == "Warm" and kept.position == (10.0, 20.0)
