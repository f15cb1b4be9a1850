"""A four-node project (colour bars under a title card, saved as a PNG) that renders in a second."""

from __future__ import annotations

from pathlib import Path


def save_bars_project(folder: Path) -> Path:
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("image.color_bars", (0, 0), {"resolution": "1280x720"}, node_id="bars"))
    stack.push(AddNode("value.text", (0, 220), {"text": "AIPROD Studio\nsample project"}, node_id="title_text"))
    stack.push(AddNode("image.title_card", (320, 60), {"placement": "lower third", "size": 9.0}, node_id="title"))
    stack.push(AddNode("output.save_image", (640, 60), {"path": "sample.png"}, node_id="save"))
    stack.push(Connect("bars", "image", "title", "background"))
    stack.push(Connect("title_text", "text", "title", "text"))
    stack.push(Connect("title", "image", "save", "image"))
    return save_project(Project(graph, "Bars"), folder / "sample.aiprod")
