"""Backdrops as project data: titled, coloured frames kept in project.settings["backdrops"].

A backdrop is UI state, not part of the graph (it renders nothing), so it lives in the project's
settings, which the project file already saves and loads untouched: a list of
{"id", "title", "color", "rect": [x, y, width, height]}. Every change is one SetBackdrops
command on the project's undo stack, so backdrops undo like any edit; moving a backdrop also
moves the nodes inside it, in the same undo step.
"""

from __future__ import annotations

import copy

from engine.commands import MoveNode

from .settings_command import SetProjectSetting

KEY = "backdrops"
COLORS = ["#4a5a6a", "#5a4a6a", "#4a6a5a", "#6a5a3a", "#6a3a3a", "#3a5a6a"]
MARGIN = 40.0  # room around the nodes a new backdrop frames
TITLE_HEIGHT = 28.0


class SetBackdrops(SetProjectSetting):
    """Replace the project's backdrop list (the only command that edits it)."""

    def __init__(self, project, backdrops: list[dict], text: str = "Edit backdrop"):
        super().__init__(project, KEY, backdrops, text)


def backdrops(project) -> list[dict]:
    """The project's backdrops; malformed entries (a hand-edited file) are skipped, not fatal."""
    found = []
    for raw in project.settings.get(KEY, []) if isinstance(project.settings.get(KEY), list) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        rect = raw.get("rect")
        if (isinstance(rect, list) and len(rect) == 4
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= 1e15 for v in rect)
                and isinstance(raw.get("title", ""), str) and isinstance(raw.get("color", ""), str)):
            found.append(raw)
    return found


def _new_id(existing: list[dict]) -> str:
    taken = {b.get("id") for b in existing}
    return next(f"b{i}" for i in range(1, len(taken) + 2) if f"b{i}" not in taken)


def add_backdrop(document, rect: tuple[float, float, float, float], title: str = "Backdrop") -> str:
    current = backdrops(document.project)
    backdrop = {"id": _new_id(current), "title": title, "color": COLORS[len(current) % len(COLORS)],
                "rect": [float(v) for v in rect]}
    document.stack.push(SetBackdrops(document.project, current + [backdrop], "Add backdrop"))
    return backdrop["id"]


def frame_rect(node_rects: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """A backdrop rect around node rects (x, y, w, h), with a margin and room for the title."""
    left = min(r[0] for r in node_rects) - MARGIN
    top = min(r[1] for r in node_rects) - MARGIN - TITLE_HEIGHT
    right = max(r[0] + r[2] for r in node_rects) + MARGIN
    bottom = max(r[1] + r[3] for r in node_rects) + MARGIN
    return left, top, right - left, bottom - top


def update_backdrop(document, backdrop_id: str, text: str = "Edit backdrop", **changes) -> None:
    current = copy.deepcopy(backdrops(document.project))
    for backdrop in current:
        if backdrop.get("id") == backdrop_id:
            backdrop.update(changes)
    document.stack.push(SetBackdrops(document.project, current, text))


def remove_backdrop(document, backdrop_id: str) -> None:
    kept = [b for b in backdrops(document.project) if b.get("id") != backdrop_id]
    document.stack.push(SetBackdrops(document.project, kept, "Delete backdrop"))


def move_backdrop(document, backdrop_id: str, dx: float, dy: float, node_ids: list[str]) -> None:
    """Move the backdrop and the nodes inside it as one undo step."""
    stack, graph = document.stack, document.graph
    current = copy.deepcopy(backdrops(document.project))
    for backdrop in current:
        if backdrop.get("id") == backdrop_id:
            x, y, w, h = backdrop["rect"]
            backdrop["rect"] = [x + dx, y + dy, w, h]
    with stack.group("Move backdrop"):
        stack.push(SetBackdrops(document.project, current, "Move backdrop"))
        for node_id in node_ids:
            x, y = graph.nodes[node_id].position
            stack.push(MoveNode(node_id, (x + dx, y + dy)))
