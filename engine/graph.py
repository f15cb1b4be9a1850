"""The graph model: nodes with typed ports and parameters, and type-checked links between them.

Edits go through engine.commands (do/undo); the methods here that change the graph are the
primitive steps those commands use, and each announces itself on `graph.events`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .errors import CycleError, GraphError, LinkTypeError, cut, short_repr
from .events import EventEmitter
from .ids import IdCounters
from .registry import Registry
from .schema import NodeSchema, Port


@dataclass
class Node:
    id: str
    type_id: str
    params: dict[str, Any]
    position: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    type_version: int = 1
    # A node whose type is not installed keeps its whole saved object here and is written back as is.
    unknown_data: dict | None = None
    # Keys of a saved node object this version does not know; kept so a newer app's data survives.
    extra: dict = field(default_factory=dict)
    # Bypassed (Nuke's disable): the node does not run; each output passes on its first input of the
    # same type, so a look can be switched off without unlinking it.
    bypassed: bool = False

    @property
    def is_unknown(self) -> bool:
        return self.unknown_data is not None


@dataclass(frozen=True)
class Link:
    id: str
    src_node: str
    src_port: str
    dst_node: str
    dst_port: str


class Graph:
    def __init__(self, registry: Registry):
        self.registry = registry
        self.events = EventEmitter()
        self.nodes: dict[str, Node] = {}
        self.links: dict[str, Link] = {}  # insertion order = order of links into a multi-link input
        self.ids = IdCounters()

    # ---- queries ------------------------------------------------------------------------

    def schema_of(self, node_id: str) -> NodeSchema | None:
        """The node's schema, or None for a node kept as saved (its type not installed, or newer)."""
        node = self.nodes[node_id]
        if node.is_unknown:
            return None
        return self.registry.get(node.type_id).schema

    def display_name(self, node_id: str) -> str:
        return f"{self.short_name(node_id)} ({cut(node_id)})"  # a hostile file's 100,000-character name stays one line

    def short_name(self, node_id: str) -> str:
        """The node's label, or its type's title: what the history calls it (without its id)."""
        node = self.nodes[node_id]
        schema = self.schema_of(node_id)
        return cut(node.label or (schema.title if schema else node.type_id))

    def link_name(self, link: Link) -> str:
        """A link in words: "Night frames → Lower third frames"."""
        return (f"{self.short_name(link.src_node)} {link.src_port.replace('_', ' ')} → "
                f"{self.short_name(link.dst_node)} {link.dst_port.replace('_', ' ')}")

    def unavailable_reason(self, node_id: str) -> str | None:
        """Why a node kept as saved cannot run, with what to do about it; None for a node that can."""
        node = self.nodes[node_id]
        if not node.is_unknown:
            return None
        current = self.registry.resolve(node.type_id)
        if current is not None:
            known = self.registry.get(current).schema.version
            return (f"saved by a newer version of AIPROD (node type v{node.type_version}, this version knows "
                    f"v{known}); update AIPROD Studio")
        return (f"node type {short_repr(node.type_id)} is not installed; install the plugin that provides it "
                "or remove the node")

    def links_into(self, node_id: str, port: str | None = None) -> list[Link]:
        return [l for l in self.links.values() if l.dst_node == node_id and (port is None or l.dst_port == port)]

    def links_from(self, node_id: str) -> list[Link]:
        return [l for l in self.links.values() if l.src_node == node_id]

    def upstream(self, node_ids: Iterable[str]) -> set[str]:
        """The nodes given and every node they depend on."""
        return self._reach(node_ids, lambda link: (link.dst_node, link.src_node))

    def downstream(self, node_ids: Iterable[str]) -> set[str]:
        """The nodes given and every node that depends on them."""
        return self._reach(node_ids, lambda link: (link.src_node, link.dst_node))

    def _reach(self, node_ids: Iterable[str], step) -> set[str]:
        """Nodes reachable from `node_ids` following `step(link) -> (from, to)` over every link."""
        neighbours: dict[str, list[str]] = {}
        for link in self.links.values():
            origin, target = step(link)
            neighbours.setdefault(origin, []).append(target)
        seen: set[str] = set()
        stack = list(node_ids)
        while stack:
            node_id = stack.pop()
            if node_id not in seen:
                seen.add(node_id)
                stack.extend(neighbours.get(node_id, ()))
        return seen

    def topological_order(self, node_ids: Iterable[str] | None = None) -> list[str]:
        """Dependency order (Kahn), ties broken by the order nodes were added, so runs are repeatable."""
        wanted = set(self.nodes) if node_ids is None else set(node_ids)
        indegree = {n: 0 for n in self.nodes if n in wanted}
        consumers: dict[str, list[str]] = {}
        for link in self.links.values():
            if link.src_node in indegree and link.dst_node in indegree:
                indegree[link.dst_node] += 1
                consumers.setdefault(link.src_node, []).append(link.dst_node)
        position = {n: i for i, n in enumerate(self.nodes)}
        ready = [(position[n], n) for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, node_id = heapq.heappop(ready)
            order.append(node_id)
            for consumer in consumers.get(node_id, ()):
                indegree[consumer] -= 1
                if indegree[consumer] == 0:
                    heapq.heappush(ready, (position[consumer], consumer))
        if len(order) != len(indegree):
            loop = self._find_loop({n for n, d in indegree.items() if d > 0}, position)
            path = " → ".join(self.display_name(n) for n in loop)
            raise CycleError(f"the graph has a loop: {path}; remove one of these links", loop[0])
        return order

    def _find_loop(self, stuck: set[str], position: dict[str, int]) -> list[str]:
        """One loop among the nodes Kahn's algorithm could not order, in data-flow order, first node repeated.

        A stuck node may merely sit downstream of a loop, so it cannot be reported as is. Every stuck
        node has an input from another stuck node, so walking upstream along such inputs must revisit
        a node, and the nodes from that node's first visit on form a loop.
        """
        producers: dict[str, str] = {}
        for link in self.links.values():  # link order, so the same file always reports the same loop
            if link.dst_node in stuck and link.src_node in stuck:
                producers.setdefault(link.dst_node, link.src_node)
        walk: list[str] = []
        seen: set[str] = set()
        node_id = min(stuck, key=position.__getitem__)
        while node_id not in seen:
            seen.add(node_id)
            walk.append(node_id)
            node_id = producers[node_id]
        loop = walk[walk.index(node_id):][::-1]  # upstream walk reversed = the direction data flows
        first = loop.index(min(loop, key=position.__getitem__))
        loop = loop[first:] + loop[:first]  # start at the earliest-added node, as the user would list it
        return loop + [loop[0]]

    def sinks(self) -> list[str]:
        """Nodes whose outputs feed nothing."""
        feeding = {l.src_node for l in self.links.values()}
        return [n for n in self.nodes if n not in feeding]

    def new_node_id(self) -> str:
        """An id no node of this project has ever had (the counters are saved with the project)."""
        return self.ids.take("n", self.nodes)

    def new_link_id(self) -> str:
        return self.ids.take("l", self.links)

    def check_link(self, src_node: str, src_port: str, dst_node: str, dst_port: str) -> Link | None:
        """Raise if the link may not be made; return the link it would replace on a single input."""
        in_port = self.check_port_types(src_node, src_port, dst_node, dst_port)
        if src_node == dst_node or src_node in self.downstream([dst_node]):
            raise CycleError(
                f"linking {self.display_name(src_node)} to {self.display_name(dst_node)} would make a loop: "
                f"{self.display_name(dst_node)} already feeds {self.display_name(src_node)}", dst_node)
        existing = self.links_into(dst_node, dst_port)
        if any(l.src_node == src_node and l.src_port == src_port for l in existing):
            raise GraphError(f"{self.display_name(src_node)}.{src_port} is already linked to "
                             f"{self.display_name(dst_node)}.{dst_port}")
        return None if in_port.multiple or not existing else existing[0]

    def check_port_types(self, src_node: str, src_port: str, dst_node: str, dst_port: str) -> Port:
        """Raise unless both ends exist and the output's type fits the input; returns the input port.

        Constant time, so a project loader can check every link and look for loops once at the end.
        """
        for node_id in (src_node, dst_node):
            if node_id not in self.nodes:
                raise GraphError(f"there is no node {short_repr(node_id)}")
        src_schema, dst_schema = self.schema_of(src_node), self.schema_of(dst_node)
        for node_id, schema in ((src_node, src_schema), (dst_node, dst_schema)):
            if schema is None:
                raise GraphError(f"{self.display_name(node_id)} has type {short_repr(self.nodes[node_id].type_id)}, "
                                 "which is not installed; its links cannot be changed")
        out_port, in_port = src_schema.output(src_port), dst_schema.input(dst_port)
        if out_port is None:
            raise GraphError(f"{self.display_name(src_node)} has no output {short_repr(src_port)}")
        if in_port is None:
            raise GraphError(f"{self.display_name(dst_node)} has no input {short_repr(dst_port)}")
        if not in_port.type.accepts(out_port.type):
            raise LinkTypeError(
                f"cannot link {self.display_name(src_node)}.{src_port} ({out_port.type.name}) to "
                f"{self.display_name(dst_node)}.{dst_port} ({in_port.type.name}): "
                f"a {in_port.type.name} input does not accept {out_port.type.name}")
        return in_port

    # ---- primitive changes (used by engine.commands and the project loader) ----------------

    def insert_node(self, node: Node) -> None:
        if node.id in self.nodes:
            raise GraphError(f"a node with id {node.id!r} already exists")
        self.nodes[node.id] = node
        self.ids.move_past((node.id,))  # a caller-chosen "n7" is never handed out again either
        self.events.emit(ev.NodeAdded(node.id))

    def delete_node(self, node_id: str) -> Node:
        if self.links_into(node_id) or self.links_from(node_id):
            raise GraphError(f"{self.display_name(node_id)} still has links; remove them first")
        node = self.nodes.pop(node_id)
        self.events.emit(ev.NodeRemoved(node_id))
        return node

    def insert_link(self, link: Link, index: int | None = None) -> None:
        """Add a link; `index` puts it back where it was (order matters on multi-link inputs)."""
        if link.id in self.links:
            raise GraphError(f"a link with id {link.id!r} already exists")
        if index is None or index >= len(self.links):
            self.links[link.id] = link
        else:
            items = list(self.links.items())
            items.insert(index, (link.id, link))
            self.links = dict(items)
        self.ids.move_past((link.id,))
        self.events.emit(ev.LinkAdded(link.id))

    def delete_link(self, link_id: str) -> tuple[Link, int]:
        """Remove a link; returns it and the index it had."""
        index = list(self.links).index(link_id)
        link = self.links.pop(link_id)
        self.events.emit(ev.LinkRemoved(link_id))
        return link, index

    def reorder_links(self, node_id: str, port: str, link_ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """Put the links into `node_id`.`port` in the order `link_ids`; returns the order they had.

        `link_ids` must name every link into that input once. The links keep the places they held
        among all links (only their order among themselves changes), so the file's other links and
        the order of links into other inputs stay as they were.
        """
        current = tuple(l.id for l in self.links_into(node_id, port))
        wanted = tuple(link_ids)
        if sorted(wanted) != sorted(current) or len(set(wanted)) != len(wanted):
            raise GraphError(f"the links into {self.display_name(node_id)}.{port} are {', '.join(current) or 'none'}; "
                             f"a new order must name each of them once, got {', '.join(map(str, wanted)) or 'none'}")
        moved = iter(wanted)  # each slot the input's links held takes the next link of the new order
        order = [next(moved) if link_id in current else link_id for link_id in self.links]
        self.links = {link_id: self.links[link_id] for link_id in order}
        self.events.emit(ev.LinksReordered(node_id, port, wanted))
        return current

    def assign_param(self, node_id: str, name: str, value: Any) -> None:
        self.nodes[node_id].params[name] = value
        self.events.emit(ev.ParamChanged(node_id, name, value))

    def assign_bypass(self, node_id: str, bypassed: bool) -> None:
        self.nodes[node_id].bypassed = bool(bypassed)
        self.events.emit(ev.NodeBypassed(node_id, bool(bypassed)))

    def assign_position(self, node_id: str, position: tuple[float, float]) -> None:
        self.nodes[node_id].position = (float(position[0]), float(position[1]))
        self.events.emit(ev.NodeMoved(node_id, self.nodes[node_id].position))

    def assign_label(self, node_id: str, label: str) -> None:
        self.nodes[node_id].label = label
        self.events.emit(ev.NodeRenamed(node_id, label))
