"""Every edit of a project model (its graph and annotations) as a command with do/undo, and the undo stack.

The canvas and inspector never change the model themselves: they push commands here, so undo
and redo work the same with or without a GUI, and tests drive them directly. A command is given
the ProjectModel; graph edits use `model.graph`, annotation edits live in engine.annotation_commands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .errors import GraphError, ParamError, cut
from .events import EventEmitter
from .graph import Graph, Link, Node
from .project_model import ProjectModel, SeedLock


class Command:
    # What the history and the Undo menu say. Commands set it in words (a node's label or title, a
    # parameter's label) in do(), from the model as it is then; the ids they are built with are the fallback.
    text = "Edit"

    def do(self, model: ProjectModel) -> None:
        raise GraphError(f"{type(self).__name__} does not implement do()")

    def undo(self, model: ProjectModel) -> None:
        raise GraphError(f"{type(self).__name__} does not implement undo()")

    def merge(self, later: "Command") -> bool:
        """Absorb `later` (already done) into this command; True if it did (slider drags)."""
        return False


class AddNode(Command):
    def __init__(self, type_id: str, position: tuple[float, float] = (0.0, 0.0),
                 params: dict[str, Any] | None = None, label: str = "", node_id: str | None = None):
        self.type_id, self.position, self.label = type_id, position, label
        self.params = dict(params or {})
        self.node_id = node_id  # chosen on the first do(), then stable across redo
        self.text = f"Add {type_id}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        node_type = graph.registry.get(self.type_id)
        schema = node_type.schema
        params = schema.default_params()
        for name, value in self.params.items():
            param = schema.param(name)
            if param is None:
                raise ParamError(f"{schema.title} has no parameter {name!r}")
            params[name] = param.coerce(value)
        self.node_id = self.node_id or graph.new_node_id()
        self.text = f"Add {cut(self.label or schema.title)}"
        graph.insert_node(Node(self.node_id, schema.type_id, params, tuple(self.position), self.label,
                               type_version=schema.version))

    def undo(self, model: ProjectModel) -> None:
        model.graph.delete_node(self.node_id)


class RemoveNode(Command):
    """Remove a node, its links, and what was attached to them (seed locks, reroute dots, its place in a
    group), as one step."""

    def __init__(self, node_id: str):
        self.node_id = node_id
        self._node: Node | None = None
        self._links: list[tuple[Link, tuple, int, dict]] = []  # link, its reroute points, its index, params
        self._locks: list[SeedLock] = []
        self._group = None  # the group it was in, as it was
        self.text = f"Remove {node_id}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if self.node_id not in graph.nodes:
            raise GraphError(f"there is no node {self.node_id!r}")
        self.text = f"Remove {graph.short_name(self.node_id)}"
        self._locks = model.locks_of(self.node_id)
        for lock in self._locks:
            model.assign_seed_lock(lock, False)
        self._group = model.group_of(self.node_id)
        if self._group is not None:
            smaller = self._group.without(self.node_id)
            self._group_index = list(model.groups).index(self._group.id)
            if smaller is not None:
                model.replace_group(smaller)
            else:  # its last node: the group goes with it
                model.delete_group(self._group.id)
        attached = [l.id for l in graph.links.values() if self.node_id in (l.src_node, l.dst_node)]
        # Removed last-to-first so that re-inserting first-to-last restores each original index.
        self._links = [_delete_link(model, link_id) for link_id in reversed(attached)]
        self._node = graph.delete_node(self.node_id)

    def undo(self, model: ProjectModel) -> None:
        model.graph.insert_node(self._node)
        for removed in reversed(self._links):
            _restore_link(model, removed)
        for lock in self._locks:
            model.assign_seed_lock(lock, True)
        if self._group is not None:
            if self._group.id in model.groups:
                model.replace_group(self._group)
            else:
                model.insert_group(self._group, self._group_index)


def _delete_link(model: ProjectModel, link_id: str) -> tuple[Link, tuple, int, dict]:
    """Remove a link with its reroute dots, renumbering what its node's parameters say about the
    links into that input (a Sequence's trims); returns what _restore_link needs to put all back."""
    graph = model.graph
    link = graph.links[link_id]
    before = [l.id for l in graph.links_into(link.dst_node, link.dst_port)]
    points = model.assign_reroute(link_id, ())
    link, index = graph.delete_link(link_id)
    order = [before.index(other) + 1 for other in before if other != link_id]
    old_params = _relink_params(graph, link.dst_node, link.dst_port, order)
    return link, points, index, old_params


def _restore_link(model: ProjectModel, removed: tuple[Link, tuple, int, dict]) -> None:
    link, points, index, old_params = removed
    model.graph.insert_link(link, index)
    model.assign_reroute(link.id, points)
    _assign_params(model.graph, link.dst_node, old_params)


def _relink_params(graph: Graph, node_id: str, port: str, order: list[int | None]) -> dict[str, Any]:
    """Let the node renumber its parameters after the links into `port` changed (NodeType.params_after_relink);
    returns the old values of those it changed, for undo."""
    node = graph.nodes.get(node_id)
    schema = graph.schema_of(node_id) if node is not None else None
    if schema is None or not (schema.input(port) and schema.input(port).multiple):
        return {}
    changed = graph.registry.get(node.type_id)().params_after_relink(port, dict(node.params), order)
    old = {name: node.params.get(name, schema.param(name).default) for name in changed}
    _assign_params(graph, node_id, changed)
    return old


def _assign_params(graph: Graph, node_id: str, values: dict[str, Any]) -> None:
    for name, value in values.items():
        graph.assign_param(node_id, name, value)


class MoveNode(Command):
    def __init__(self, node_id: str, position: tuple[float, float]):
        self.node_id, self.position = node_id, (float(position[0]), float(position[1]))
        self._old: tuple[float, float] | None = None
        self.text = f"Move {node_id}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if self.node_id not in graph.nodes:
            raise GraphError(f"there is no node {self.node_id!r}")
        self.text = f"Move {graph.short_name(self.node_id)}"
        self._old = graph.nodes[self.node_id].position
        graph.assign_position(self.node_id, self.position)

    def undo(self, model: ProjectModel) -> None:
        model.graph.assign_position(self.node_id, self._old)


class RenameNode(Command):
    def __init__(self, node_id: str, label: str):
        self.node_id, self.label = node_id, label
        self._old = ""
        self.text = f"Rename {node_id}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if self.node_id not in graph.nodes:
            raise GraphError(f"there is no node {self.node_id!r}")
        self.text = f"Rename {graph.short_name(self.node_id)} to {cut(self.label)}" if self.label else \
            f"Rename {graph.short_name(self.node_id)} back to its type's title"
        self._old = graph.nodes[self.node_id].label
        graph.assign_label(self.node_id, self.label)

    def undo(self, model: ProjectModel) -> None:
        model.graph.assign_label(self.node_id, self._old)


class SetBypass(Command):
    """Bypass a node (its inputs pass through it unchanged) or let it run again."""

    def __init__(self, node_id: str, bypassed: bool):
        self.node_id, self.bypassed = node_id, bool(bypassed)
        self._old = False
        self.text = f"{'Bypass' if bypassed else 'Enable'} {node_id}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if self.node_id not in graph.nodes:
            raise GraphError(f"there is no node {self.node_id!r}")
        self.text = f"{'Bypass' if self.bypassed else 'Enable'} {graph.short_name(self.node_id)}"
        self._old = graph.nodes[self.node_id].bypassed
        graph.assign_bypass(self.node_id, self.bypassed)

    def undo(self, model: ProjectModel) -> None:
        model.graph.assign_bypass(self.node_id, self._old)


class Connect(Command):
    """Link an output to an input; a single input that was already linked gets the new link instead."""

    def __init__(self, src_node: str, src_port: str, dst_node: str, dst_port: str, link_id: str | None = None):
        self.ends = (src_node, src_port, dst_node, dst_port)
        self.link_id = link_id
        self._replaced: tuple[Link, tuple, int, dict] | None = None
        self.text = f"Connect {src_node}.{src_port} to {dst_node}.{dst_port}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        replaced = graph.check_link(*self.ends)
        self._replaced = _delete_link(model, replaced.id) if replaced else None
        self.link_id = self.link_id or graph.new_link_id()
        link = Link(self.link_id, *self.ends)
        self.text = f"Connect {graph.link_name(link)}"
        graph.insert_link(link)

    def undo(self, model: ProjectModel) -> None:
        model.graph.delete_link(self.link_id)
        if self._replaced:
            _restore_link(model, self._replaced)


class Disconnect(Command):
    def __init__(self, link_id: str):
        self.link_id = link_id
        self._removed: tuple[Link, tuple, int, dict] | None = None
        self.text = f"Disconnect {link_id}"

    def do(self, model: ProjectModel) -> None:
        if self.link_id not in model.graph.links:
            raise GraphError(f"there is no link {self.link_id!r}")
        self.text = f"Disconnect {model.graph.link_name(model.graph.links[self.link_id])}"
        self._removed = _delete_link(model, self.link_id)

    def undo(self, model: ProjectModel) -> None:
        _restore_link(model, self._removed)


class ReorderInputs(Command):
    """Change the order of the links into a multi-link input (the shots of a Sequence play in link order)."""

    def __init__(self, node_id: str, port: str, link_ids: list[str] | tuple[str, ...]):
        self.node_id, self.port, self.link_ids = node_id, port, tuple(link_ids)
        self._old: tuple[str, ...] = ()
        self._old_params: dict[str, Any] = {}
        self.text = f"Reorder {node_id}.{port}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if self.node_id not in graph.nodes:
            raise GraphError(f"there is no node {self.node_id!r}")
        schema = graph.schema_of(self.node_id)
        port = schema.input(self.port) if schema is not None else None
        if port is None or not port.multiple:
            raise GraphError(f"{graph.display_name(self.node_id)} has no input {self.port!r} that takes several "
                             "links; only such an input has an order")
        self.text = f"Reorder {graph.short_name(self.node_id)}: {self.port.replace('_', ' ')}"
        self._old = graph.reorder_links(self.node_id, self.port, self.link_ids)
        order = [self._old.index(link_id) + 1 for link_id in self.link_ids]
        self._old_params = _relink_params(graph, self.node_id, self.port, order)

    def undo(self, model: ProjectModel) -> None:
        model.graph.reorder_links(self.node_id, self.port, self._old)
        _assign_params(model.graph, self.node_id, self._old_params)


class SetParam(Command):
    """Set one parameter; consecutive SetParams with the same `merge_key` undo as one (a slider drag)."""

    def __init__(self, node_id: str, name: str, value: Any, merge_key: str | None = None):
        self.node_id, self.name, self.value, self.merge_key = node_id, name, value, merge_key
        self._old: Any = None
        self.text = f"Set {node_id}.{name}"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if self.node_id not in graph.nodes:
            raise GraphError(f"there is no node {self.node_id!r}")
        schema = graph.schema_of(self.node_id)
        if schema is None:
            raise GraphError(f"{graph.display_name(self.node_id)} has a type that is not installed; "
                             "its parameters cannot be edited")
        param = schema.param(self.name)
        if param is None:
            raise ParamError(f"{schema.title} has no parameter {self.name!r}")
        try:
            self.value = param.coerce(self.value)
        except ParamError as exc:
            raise ParamError(f"{graph.display_name(self.node_id)}: {exc}") from None
        self.text = f"Set {graph.short_name(self.node_id)}: {param.display_name}"
        self._old = graph.nodes[self.node_id].params.get(self.name, param.default)
        graph.assign_param(self.node_id, self.name, self.value)

    def undo(self, model: ProjectModel) -> None:
        model.graph.assign_param(self.node_id, self.name, self._old)

    def merge(self, later: Command) -> bool:
        if (isinstance(later, SetParam) and self.merge_key is not None and later.merge_key == self.merge_key
                and (later.node_id, later.name) == (self.node_id, self.name)):
            self.value = later.value
            return True
        return False


class SetProjectSetting(Command):
    """One project setting (the GPU budget, an imported shot's source range), undoable like any edit so the
    project shows unsaved."""

    def __init__(self, settings: dict, key: str, value, text: str):
        self.settings, self.key, self.value, self.text = settings, key, value, text
        self._had, self._old = key in settings, settings.get(key)

    def do(self, model) -> None:
        self._had, self._old = self.key in self.settings, self.settings.get(self.key)
        if self.value is None:  # None removes the setting
            self.settings.pop(self.key, None)
        else:
            self.settings[self.key] = self.value

    def undo(self, model) -> None:
        if self._had:
            self.settings[self.key] = self._old
        else:
            self.settings.pop(self.key, None)


class CommandGroup(Command):
    """Several edits that do and undo as one (paste, delete selection); all or nothing."""

    def __init__(self, text: str, children: list[Command] | None = None):
        self.text = text
        self.children: list[Command] = list(children or [])

    def do(self, model: ProjectModel) -> None:
        done: list[Command] = []
        try:
            for child in self.children:
                child.do(model)
                done.append(child)
        except Exception:
            for child in reversed(done):
                child.undo(model)
            raise

    def undo(self, model: ProjectModel) -> None:
        for child in reversed(self.children):
            child.undo(model)


class UndoStack:
    """Commands done on one project model, with undo/redo and a clean mark for 'unsaved changes'.

    Given a bare Graph (a test, a headless script), the stack edits a model of that graph with no annotations.
    """

    def __init__(self, model: ProjectModel | Graph):
        self.model = model if isinstance(model, ProjectModel) else ProjectModel(model)
        self.events = EventEmitter()  # emits the stack itself after every change
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean_depth: int | None = 0
        self._group: CommandGroup | None = None

    def push(self, command: Command) -> Command:
        """Do `command` and record it; if do() raises, nothing is recorded and the model is unchanged."""
        command.do(self.model)
        if self._group is not None:
            self._group.children.append(command)
        else:
            self._record(command)
        return command

    def _record(self, command: Command) -> None:
        if self._undone and self._clean_depth is not None and self._clean_depth > len(self._done):
            self._clean_depth = None  # the saved state was in the redo branch being discarded
        self._undone.clear()
        top_is_saved_state = len(self._done) == self._clean_depth
        if not (self._done and not top_is_saved_state and self._done[-1].merge(command)):
            self._done.append(command)
        self.events.emit(self)

    @contextlib.contextmanager
    def group(self, text: str) -> Iterator[CommandGroup]:
        """Collect the pushes inside the block into one undo step; on error the block's edits are undone."""
        if self._group is not None:
            yield self._group  # nested groups join the outer one
            return
        self._group = group = CommandGroup(text)
        try:
            yield group
        except BaseException:
            self._group = None
            group.undo(self.model)
            raise
        self._group = None
        if group.children:
            self._record(group)

    def undo(self) -> None:
        if not self._done:
            return
        command = self._done.pop()
        command.undo(self.model)
        self._undone.append(command)
        self.events.emit(self)

    def redo(self) -> None:
        if not self._undone:
            return
        command = self._undone.pop()
        command.do(self.model)
        self._done.append(command)
        self.events.emit(self)

    @property
    def graph(self) -> Graph:
        return self.model.graph

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    def history(self) -> list[str]:
        """Texts of the done commands, oldest first (the undo history view)."""
        return [c.text for c in self._done]

    def redo_history(self) -> list[str]:
        """Texts of the undone commands, next to redo first (the greyed part of the history view)."""
        return [c.text for c in reversed(self._undone)]

    def set_clean(self) -> None:
        self._clean_depth = len(self._done)
        self.events.emit(self)

    @property
    def is_clean(self) -> bool:
        return self._clean_depth == len(self._done)
