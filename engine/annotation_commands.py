"""Commands that edit a project's annotations: backdrops, reroute dots and seed locks.

They follow engine.commands: each checks its edit before changing anything, changes the model only
through its primitive steps (which announce themselves), and puts back exactly what it replaced.
"""

from __future__ import annotations

import dataclasses

from .commands import Command
from .errors import GraphError, short_repr
from .project_model import Backdrop, Point, ProjectModel, Rect, SeedLock


class AddBackdrop(Command):
    def __init__(self, rect: Rect, title: str = "Backdrop", color: str | None = None,
                 backdrop_id: str | None = None):
        self.rect, self.title, self.color = rect, title, color
        self.backdrop_id = backdrop_id  # chosen on the first do(), then stable across redo
        self.text = "Add backdrop"

    def do(self, model: ProjectModel) -> None:
        backdrop = Backdrop(self.backdrop_id or "b", self.title, self.color or model.next_backdrop_color(),
                            tuple(self.rect))  # checked before an id is spent on it
        self.backdrop_id = self.backdrop_id or model.new_backdrop_id()
        self.color = backdrop.color
        model.insert_backdrop(dataclasses.replace(backdrop, id=self.backdrop_id))

    def undo(self, model: ProjectModel) -> None:
        model.delete_backdrop(self.backdrop_id)


class RemoveBackdrop(Command):
    """Remove a backdrop; the nodes it framed stay where they are."""

    def __init__(self, backdrop_id: str):
        self.backdrop_id = backdrop_id
        self._removed: tuple[Backdrop, int] | None = None
        self.text = "Delete backdrop"

    def do(self, model: ProjectModel) -> None:
        self._removed = model.delete_backdrop(self.backdrop_id)

    def undo(self, model: ProjectModel) -> None:
        model.insert_backdrop(*self._removed)


class EditBackdrop(Command):
    """Change a backdrop's title, colour or rect (moving one with its nodes: app.ui.backdrop_model)."""

    def __init__(self, backdrop_id: str, text: str = "Edit backdrop", **changes):
        unknown = set(changes) - {"title", "color", "rect"}
        if unknown:
            raise GraphError(f"a backdrop has no {', '.join(sorted(unknown))}")
        self.backdrop_id, self.changes, self.text = backdrop_id, changes, text
        self._old: Backdrop | None = None

    def do(self, model: ProjectModel) -> None:
        current = model.backdrops.get(self.backdrop_id)
        if current is None:
            raise GraphError(f"there is no backdrop {short_repr(self.backdrop_id)}")
        changes = dict(self.changes)
        if "rect" in changes:
            changes["rect"] = tuple(changes["rect"])
        self._old = model.replace_backdrop(dataclasses.replace(current, **changes))

    def undo(self, model: ProjectModel) -> None:
        model.replace_backdrop(self._old)


class SetReroute(Command):
    """Route a link's wire through `points` (output to input); no points makes it straight again."""

    def __init__(self, link_id: str, points: list[Point] | tuple[Point, ...], text: str = "Edit reroute dots"):
        self.link_id, self.text = link_id, text
        self.points = tuple((float(x), float(y)) for x, y in points)
        self._old: tuple[Point, ...] = ()

    def do(self, model: ProjectModel) -> None:
        self._old = model.assign_reroute(self.link_id, self.points)

    def undo(self, model: ProjectModel) -> None:
        model.assign_reroute(self.link_id, self._old)


class SetSeedLock(Command):
    def __init__(self, node_id: str, param: str, locked: bool):
        self.lock, self.locked = SeedLock(node_id, param), locked
        self._was = False
        self.text = f"{'Lock' if locked else 'Unlock'} {node_id}.{param}"

    def do(self, model: ProjectModel) -> None:
        graph, lock = model.graph, self.lock
        if lock.node_id not in graph.nodes:
            raise GraphError(f"there is no node {short_repr(lock.node_id)}")
        schema = graph.schema_of(lock.node_id)
        param = schema.param(lock.param) if schema is not None else None
        if param is None or param.kind != "seed":
            raise GraphError(f"{graph.display_name(lock.node_id)} has no seed {short_repr(lock.param)} to lock")
        self.text = f"{'Lock' if self.locked else 'Unlock'} {graph.short_name(lock.node_id)}: {param.display_name}"
        self._was = model.assign_seed_lock(lock, self.locked)

    def undo(self, model: ProjectModel) -> None:
        model.assign_seed_lock(self.lock, self._was)
