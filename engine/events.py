"""Plain-Python events: the engine announces changes, listeners (the Qt app, the CLI, tests) react.

The engine never knows who listens; the app marshals these onto the GUI thread itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


class EventEmitter:
    """A list of callbacks called in order with each event; a failing listener does not stop the others."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Any], None]] = []

    def connect(self, callback: Callable[[Any], None]) -> None:
        self._listeners.append(callback)

    def disconnect(self, callback: Callable[[Any], None]) -> None:
        self._listeners.remove(callback)

    def emit(self, event: Any) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:  # a broken listener must not break an edit or a render
                import logging

                logging.getLogger("aiprod.events").exception("event listener failed on %r", event)


# ---- graph model events -------------------------------------------------------------------

@dataclass(frozen=True)
class NodeAdded:
    node_id: str


@dataclass(frozen=True)
class NodeRemoved:
    node_id: str


@dataclass(frozen=True)
class NodeMoved:
    node_id: str
    position: tuple[float, float]


@dataclass(frozen=True)
class NodeRenamed:
    node_id: str
    label: str


@dataclass(frozen=True)
class ParamChanged:
    node_id: str
    name: str
    value: Any


@dataclass(frozen=True)
class NodeBypassed:
    node_id: str
    bypassed: bool


@dataclass(frozen=True)
class LinkAdded:
    link_id: str


@dataclass(frozen=True)
class LinkRemoved:
    link_id: str


@dataclass(frozen=True)
class LinksReordered:
    """The links into a multi-link input now come in `link_ids` order (a Sequence's shot order)."""

    node_id: str
    port: str
    link_ids: tuple[str, ...]


# ---- annotation events (engine.project_model): backdrops, groups, reroute dots, seed locks ----------

@dataclass(frozen=True)
class BackdropAdded:
    backdrop_id: str


@dataclass(frozen=True)
class BackdropRemoved:
    backdrop_id: str


@dataclass(frozen=True)
class BackdropChanged:
    backdrop_id: str


@dataclass(frozen=True)
class GroupAdded:
    group_id: str


@dataclass(frozen=True)
class GroupRemoved:
    group_id: str
    node_ids: tuple[str, ...]  # its members, which the canvas shows again


@dataclass(frozen=True)
class GroupChanged:
    group_id: str


@dataclass(frozen=True)
class RerouteChanged:
    """The dots a link's wire passes through changed (none left: the wire is straight again)."""

    link_id: str


@dataclass(frozen=True)
class SeedLockChanged:
    node_id: str
    param: str
    locked: bool


# ---- execution events ---------------------------------------------------------------------

@dataclass(frozen=True)
class RunStarted:
    run_id: str
    node_ids: tuple[str, ...]


@dataclass(frozen=True)
class NodeQueued:
    run_id: str
    node_id: str


@dataclass(frozen=True)
class RunPlanned:
    """What this render will run, in order, once the cache has been looked at (the rest is cached or
    not needed), and which of those store their outputs: a reader that only wants cheap work done
    (a preview, a thumbnail) can stop here rather than run cheap nodes for a costly one it will not make."""

    run_id: str
    to_run: tuple[str, ...]
    storing: tuple[str, ...]


@dataclass(frozen=True)
class NodeStarted:
    run_id: str
    node_id: str
    # Whether its outputs go to the disk cache (when there is one): the node type judged them too
    # costly to make again. A reader that only wants cheap work done (thumbnails) stops when such a node starts.
    stores: bool = False


@dataclass(frozen=True)
class NodeProgress:
    run_id: str
    node_id: str
    fraction: float
    message: str


@dataclass(frozen=True, eq=False)
class NodePreview:
    """A cheap look at a node's work in progress (a generation's current prediction): a small
    8-bit display-referred RGB picture, H x W x 3, for the viewer and the node's thumbnail."""

    run_id: str
    node_id: str
    pixels: object  # numpy uint8 array; the engine's events carry no Qt types
    step: int
    steps: int


@dataclass(frozen=True)
class NodeCached:
    run_id: str
    node_id: str


@dataclass(frozen=True)
class NodeSkipped:
    """Not needed this render: everything it feeds was served from the cache."""

    run_id: str
    node_id: str


@dataclass(frozen=True)
class NodeFinished:
    run_id: str
    node_id: str
    seconds: float
    # What the node measured and reported through RunContext.stats (a generation: its steps, the
    # device, peak VRAM), shown in the CLI summary and the node's tooltip.
    stats: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class NodeFailed:
    run_id: str
    node_id: str
    message: str


@dataclass(frozen=True)
class NodeWarning:
    """Something the user should know that did not stop the node: a damaged cache entry re-made,
    an output that could not be cached."""

    run_id: str
    node_id: str
    message: str


@dataclass(frozen=True)
class RunWarning:
    """Something about the render as a whole, such as a cache index that had to be rebuilt."""

    run_id: str
    message: str


@dataclass(frozen=True)
class NodeCancelled:
    run_id: str
    node_id: str


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    status: str  # "finished", "failed" (some node failed) or "cancelled"
    seconds: float
