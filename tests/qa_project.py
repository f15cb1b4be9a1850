"""A film that fails its QA: a black still as a two-second shot, exported (and checked by a QA node)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image as PILImage


def black_film_project(folder: Path, qa_node: bool = False, fail_render: bool = False) -> Path:
    """A 2 s shot of a black still, exported to film.mp4 (and checked by a QA node)."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    folder.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(np.zeros((36, 64, 3), np.uint8)).save(folder / "black.png")
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("media.import_image", (0, 0), {"path": "black.png"}, node_id="still"))
    stack.push(AddNode("shot.scene", (300, 0), {"duration": 2.0, "head_handle": 0.0, "tail_handle": 0.0,
                                                 "resolution": "640x360"}, node_id="night", label="Night"))
    stack.push(AddNode("output.export", (600, 0), {"path": "film.mp4"}, node_id="export"))
    stack.push(Connect("still", "image", "night", "keyframes"))
    stack.push(Connect("night", "frames", "export", "frames"))
    if qa_node:
        stack.push(AddNode("output.qa", (600, 200), {"path": "checked.json", "fail_render": fail_render}, node_id="qa"))
        stack.push(Connect("night", "frames", "qa", "frames"))
    return save_project(Project(graph, "Black"), folder / "black.aiprod")
