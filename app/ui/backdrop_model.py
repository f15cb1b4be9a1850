"""Backdrop edits the canvas asks for, as engine commands on the project model (engine.annotation_commands).

A backdrop is a titled, coloured frame behind a group of nodes; moving one by its title bar
moves the nodes inside it too (and a closed group's box inside it), in the same undo step.
"""

from __future__ import annotations

from engine.annotation_commands import AddBackdrop, EditBackdrop, RemoveBackdrop
from engine.commands import MoveNode
from engine.group_commands import EditGroup

MARGIN = 40.0  # room around the nodes a new backdrop frames
TITLE_HEIGHT = 28.0


def add_backdrop(document, rect: tuple[float, float, float, float], title: str = "Backdrop") -> str:
    return document.stack.push(AddBackdrop(rect, title)).backdrop_id


def frame_rect(node_rects: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """A backdrop rect around node rects (x, y, w, h), with a margin and room for the title."""
    left = min(r[0] for r in node_rects) - MARGIN
    top = min(r[1] for r in node_rects) - MARGIN - TITLE_HEIGHT
    right = max(r[0] + r[2] for r in node_rects) + MARGIN
    bottom = max(r[1] + r[3] for r in node_rects) + MARGIN
    return left, top, right - left, bottom - top


def update_backdrop(document, backdrop_id: str, text: str = "Edit backdrop", **changes) -> None:
    document.stack.push(EditBackdrop(backdrop_id, text, **changes))


def remove_backdrop(document, backdrop_id: str) -> None:
    document.stack.push(RemoveBackdrop(backdrop_id))


def move_backdrop(document, backdrop_id: str, dx: float, dy: float, node_ids: list[str],
                  group_ids: list[str] = ()) -> None:
    """Move the backdrop, the nodes inside it and the closed groups' boxes inside it as one undo step."""
    stack, model = document.stack, document.model
    x, y, w, h = model.backdrops[backdrop_id].rect
    with stack.group("Move backdrop"):
        stack.push(EditBackdrop(backdrop_id, "Move backdrop", rect=(x + dx, y + dy, w, h)))
        for node_id in node_ids:
            x, y = model.graph.nodes[node_id].position
            stack.push(MoveNode(node_id, (x + dx, y + dy)))
        for group_id in group_ids:
            x, y = model.groups[group_id].position
            stack.push(EditGroup(group_id, "Move group", position=(x + dx, y + dy)))
