"""A three-node film project (colour bars as a still shot, exported) for tests of what exports write."""

from __future__ import annotations

from pathlib import Path


def save_film_project(folder: Path, export_path: str, seconds: float = 1.0, fmt: str = "h264",
                      resolution: str = "640x360") -> Path:
    """`folder`/film.aiprod: `seconds` of bars at 24 fps and `resolution`, exported to `export_path`."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("image.color_bars", (0, 0), {"resolution": resolution}, node_id="bars"))
    stack.push(AddNode("shot.scene", (300, 0), {"duration": seconds, "head_handle": 0.0, "tail_handle": 0.0,
                                                 "resolution": resolution}, node_id="shot"))
    stack.push(AddNode("output.export", (600, 0), {"path": export_path, "format": fmt}, node_id="export"))
    stack.push(Connect("bars", "image", "shot", "keyframes"))
    stack.push(Connect("shot", "frames", "export", "frames"))
    folder.mkdir(parents=True, exist_ok=True)
    return save_project(Project(graph, "Film"), folder / "film.aiprod")
