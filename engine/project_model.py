"""The project model: the graph plus the annotations people put on it (backdrops, groups, reroute dots,
seed locks).

Annotations render nothing, but they are model data like nodes: typed, saved in the project file,
changed only by commands (engine.commands, engine.annotation_commands) through the primitive steps
below, and each step is announced on the same event stream as the graph's, in edit order, so a
canvas updates item by item. Annotations of a node or link go away in the same undoable step as it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import events as ev
from .errors import GraphError, short_repr
from .graph import Graph

Rect = tuple[float, float, float, float]
Point = tuple[float, float]
BACKDROP_COLORS = ("#4a5a6a", "#5a4a6a", "#4a6a5a", "#6a5a3a", "#6a3a3a", "#3a5a6a")
_HEX_COLOR = set("0123456789abcdefABCDEF")
COORDINATE_LIMIT = 1e15  # beyond this a hand-edited file is not a layout but an attack on the painter


@dataclass(frozen=True)
class Backdrop:
    """A titled, coloured frame behind a group of nodes."""

    id: str
    title: str
    color: str  # "#rrggbb"
    rect: Rect  # x, y, width, height in canvas units

    def __post_init__(self) -> None:
        if not isinstance(self.title, str):
            raise GraphError(f"backdrop {short_repr(self.id)}: its title must be text")
        _check_color(self.color, f"backdrop {short_repr(self.id)}")
        rect = _coordinates(self.rect, 4, f"backdrop {short_repr(self.id)}: its rect")
        if rect[2] < 0 or rect[3] < 0:
            raise GraphError(f"backdrop {short_repr(self.id)}: width and height must not be negative")
        object.__setattr__(self, "rect", rect)


@dataclass(frozen=True)
class Group:
    """Nodes shown as one box while collapsed, with the parameters chosen to show on it.

    A group is how the graph is drawn, not how it runs: its nodes render, cache and save as if it
    were not there. Collapsed, the canvas draws one box at `position` whose ports are the links that
    cross its edge; the inspector of the group edits its `exposed` parameters of the nodes inside.
    """

    id: str
    title: str
    color: str  # "#rrggbb"
    nodes: tuple[str, ...]
    exposed: tuple[tuple[str, str], ...] = ()  # (node id, parameter name), in the order shown
    collapsed: bool = True
    position: Point = (0.0, 0.0)  # the collapsed box's top-left, in canvas units

    def __post_init__(self) -> None:
        what = f"group {short_repr(self.id)}"
        if not isinstance(self.title, str):
            raise GraphError(f"{what}: its title must be text")
        _check_color(self.color, what)
        if (not isinstance(self.nodes, (list, tuple)) or not self.nodes
                or not all(isinstance(n, str) and n for n in self.nodes) or len(set(self.nodes)) != len(self.nodes)):
            raise GraphError(f"{what}: its nodes must be a list of distinct node ids, got {short_repr(self.nodes)}")
        exposed = []
        for entry in self.exposed if isinstance(self.exposed, (list, tuple)) else [self.exposed]:
            if not (isinstance(entry, (list, tuple)) and len(entry) == 2 and all(isinstance(e, str) for e in entry)):
                raise GraphError(f"{what}: an exposed parameter must be [node id, parameter], got {short_repr(entry)}")
            if entry[0] not in self.nodes:
                raise GraphError(f"{what}: it shows a parameter of node {short_repr(entry[0])}, which is not in it")
            exposed.append(tuple(entry))
        if not isinstance(self.collapsed, bool):
            raise GraphError(f"{what}: collapsed must be true or false")
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "exposed", tuple(dict.fromkeys(exposed)))
        object.__setattr__(self, "position", _coordinates(self.position, 2, f"{what}: its position"))

    def without(self, node_id: str) -> "Group | None":
        """The group once `node_id` is deleted: without it and its exposed parameters (None: nothing left)."""
        nodes = tuple(n for n in self.nodes if n != node_id)
        if not nodes:
            return None
        return Group(self.id, self.title, self.color, nodes, tuple(e for e in self.exposed if e[0] != node_id),
                     self.collapsed, self.position)


@dataclass(frozen=True)
class Reroute:
    """The points a link's wire is drawn through, from its output to its input."""

    link_id: str
    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", tuple(
            _coordinates(p, 2, f"reroute of link {short_repr(self.link_id)}: a point") for p in self.points))


@dataclass(frozen=True)
class SeedLock:
    """A seed parameter that "New Seeds" leaves alone: the studio liked this take."""

    node_id: str
    param: str


def _check_color(color, what: str) -> None:
    if not (isinstance(color, str) and len(color) == 7 and color[0] == "#" and set(color[1:]) <= _HEX_COLOR):
        raise GraphError(f"{what}: colour {short_repr(color)} is not #rrggbb")


def _coordinates(values, count: int, what: str) -> tuple[float, ...]:
    if (not isinstance(values, (list, tuple)) or len(values) != count
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            or not all(math.isfinite(v) and abs(v) <= COORDINATE_LIMIT for v in values)):
        raise GraphError(f"{what} must be {count} finite numbers, got {short_repr(values)}")
    return tuple(float(v) for v in values)


class ProjectModel:
    """What an undo stack edits: one graph and its annotations. `events` is the graph's emitter."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.events = graph.events
        self.backdrops: dict[str, Backdrop] = {}  # drawing order: later ones on top
        self.groups: dict[str, Group] = {}
        self.reroutes: dict[str, Reroute] = {}  # by link id
        self.seed_locks: dict[SeedLock, None] = {}  # an ordered set, so files save in a stable order

    # ---- queries ------------------------------------------------------------------------

    def new_backdrop_id(self) -> str:
        return self.graph.ids.take("b", self.backdrops)

    def next_backdrop_color(self) -> str:
        return BACKDROP_COLORS[len(self.backdrops) % len(BACKDROP_COLORS)]

    def new_group_id(self) -> str:
        return self.graph.ids.take("g", self.groups)

    def group_of(self, node_id: str) -> Group | None:
        """The group a node is in (a node is in one at most)."""
        return next((g for g in self.groups.values() if node_id in g.nodes), None)

    def collapsed_group_of(self, node_id: str) -> Group | None:
        group = self.group_of(node_id)
        return group if group is not None and group.collapsed else None

    def points_of(self, link_id: str) -> tuple[Point, ...]:
        reroute = self.reroutes.get(link_id)
        return reroute.points if reroute else ()

    def is_locked(self, node_id: str, param: str) -> bool:
        return SeedLock(node_id, param) in self.seed_locks

    def locks_of(self, node_id: str) -> list[SeedLock]:
        return [lock for lock in self.seed_locks if lock.node_id == node_id]

    # ---- primitive changes (used by commands and the project loader) ----------------------

    def insert_backdrop(self, backdrop: Backdrop, index: int | None = None) -> None:
        if backdrop.id in self.backdrops:
            raise GraphError(f"a backdrop with id {backdrop.id!r} already exists")
        items = list(self.backdrops.items())
        items.insert(len(items) if index is None else index, (backdrop.id, backdrop))
        self.backdrops = dict(items)
        self.graph.ids.move_past((backdrop.id,))
        self.events.emit(ev.BackdropAdded(backdrop.id))

    def delete_backdrop(self, backdrop_id: str) -> tuple[Backdrop, int]:
        if backdrop_id not in self.backdrops:
            raise GraphError(f"there is no backdrop {short_repr(backdrop_id)}")
        index = list(self.backdrops).index(backdrop_id)
        backdrop = self.backdrops.pop(backdrop_id)
        self.events.emit(ev.BackdropRemoved(backdrop_id))
        return backdrop, index

    def replace_backdrop(self, backdrop: Backdrop) -> Backdrop:
        """Put a changed backdrop in place of the one with its id; returns the old one."""
        if backdrop.id not in self.backdrops:
            raise GraphError(f"there is no backdrop {short_repr(backdrop.id)}")
        old = self.backdrops[backdrop.id]
        self.backdrops[backdrop.id] = backdrop
        self.events.emit(ev.BackdropChanged(backdrop.id))
        return old

    def insert_group(self, group: Group, index: int | None = None) -> None:
        if group.id in self.groups:
            raise GraphError(f"a group with id {group.id!r} already exists")
        self._check_members(group)
        items = list(self.groups.items())
        items.insert(len(items) if index is None else index, (group.id, group))
        self.groups = dict(items)
        self.graph.ids.move_past((group.id,))
        self.events.emit(ev.GroupAdded(group.id))

    def delete_group(self, group_id: str) -> tuple[Group, int]:
        if group_id not in self.groups:
            raise GraphError(f"there is no group {short_repr(group_id)}")
        index = list(self.groups).index(group_id)
        group = self.groups.pop(group_id)
        self.events.emit(ev.GroupRemoved(group_id, group.nodes))
        return group, index

    def replace_group(self, group: Group) -> Group:
        """Put a changed group in place of the one with its id; returns the old one."""
        if group.id not in self.groups:
            raise GraphError(f"there is no group {short_repr(group.id)}")
        self._check_members(group)
        old = self.groups[group.id]
        self.groups[group.id] = group
        self.events.emit(ev.GroupChanged(group.id))
        return old

    def _check_members(self, group: Group) -> None:
        for node_id in group.nodes:
            if node_id not in self.graph.nodes:
                raise GraphError(f"group {short_repr(group.id)}: there is no node {short_repr(node_id)}")
            other = self.group_of(node_id)
            if other is not None and other.id != group.id:
                raise GraphError(f"{self.graph.display_name(node_id)} is already in the group "
                                 f"{short_repr(other.title)}; ungroup it first")

    def assign_reroute(self, link_id: str, points: tuple[Point, ...]) -> tuple[Point, ...]:
        """Route the link through `points` (none: straight); returns the points it had."""
        if points and link_id not in self.graph.links:
            raise GraphError(f"there is no link {short_repr(link_id)} to route")
        old = self.points_of(link_id)
        if points:
            self.reroutes[link_id] = Reroute(link_id, tuple(points))
        else:
            self.reroutes.pop(link_id, None)
        if old != self.points_of(link_id):
            self.events.emit(ev.RerouteChanged(link_id))
        return old

    def assign_seed_lock(self, lock: SeedLock, locked: bool) -> bool:
        """Lock or unlock one seed; returns whether it was locked."""
        was = lock in self.seed_locks
        if locked and not was:
            if lock.node_id not in self.graph.nodes:
                raise GraphError(f"there is no node {short_repr(lock.node_id)} to lock a seed of")
            self.seed_locks[lock] = None
        elif was and not locked:
            del self.seed_locks[lock]
        if was != locked:
            self.events.emit(ev.SeedLockChanged(lock.node_id, lock.param, locked))
        return was
