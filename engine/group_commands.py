"""Commands that group nodes into one collapsible box, and choose the parameters shown on it.

They follow engine.commands: each checks its edit before changing anything, changes the model only
through its primitive steps (which announce themselves), and puts back exactly what it replaced.
A group changes how the graph is drawn, never what it renders, so none of these re-runs a node.
"""

from __future__ import annotations

import dataclasses

from .commands import Command
from .errors import GraphError, short_repr
from .project_model import Group, Point, ProjectModel

GROUP_COLOR = "#5a6a8a"  # a slate blue, apart from the category colours of node title bars


class GroupNodes(Command):
    """Put `node_ids` into a new group, collapsed at `position` (default: the top-left of the nodes)."""

    def __init__(self, node_ids, title: str = "Group", position: Point | None = None, group_id: str | None = None):
        self.node_ids, self.title, self.position = tuple(dict.fromkeys(node_ids)), title, position
        self.group_id = group_id  # chosen on the first do(), then stable across redo
        self.text = "Group nodes"

    def do(self, model: ProjectModel) -> None:
        graph = model.graph
        if len(self.node_ids) < 2:
            raise GraphError("select at least two nodes to group")
        missing = [n for n in self.node_ids if n not in graph.nodes]
        if missing:
            raise GraphError(f"there is no node {short_repr(missing[0])} to group")
        chosen = set(self.node_ids)
        self.node_ids = tuple(n for n in graph.nodes if n in chosen)  # the graph's order, whatever the selection's
        position = self.position
        if position is None:
            points = [graph.nodes[n].position for n in self.node_ids]
            position = (min(x for x, _ in points), min(y for _, y in points))
        group = Group(self.group_id or "g", self.title, GROUP_COLOR, self.node_ids, (), True, tuple(position))
        model._check_members(group)  # before an id is spent on it
        self.group_id = self.group_id or model.new_group_id()
        self.text = f"Group {len(self.node_ids)} nodes as {short_repr(self.title)}"
        model.insert_group(dataclasses.replace(group, id=self.group_id))

    def undo(self, model: ProjectModel) -> None:
        model.delete_group(self.group_id)


class AddGroup(Command):
    """Add a whole group as it is given (a paste: its title, colour, shown parameters, collapsed state
    and position), under a new id; its nodes must be in the graph and in no group yet."""

    def __init__(self, group: Group):
        self.group = group
        self.group_id: str | None = None  # chosen on the first do(), then stable across redo
        self.text = f"Add group {short_repr(group.title)}"

    def do(self, model: ProjectModel) -> None:
        model._check_members(self.group)  # before an id is spent on it
        self.group_id = self.group_id or model.new_group_id()
        model.insert_group(dataclasses.replace(self.group, id=self.group_id))

    def undo(self, model: ProjectModel) -> None:
        model.delete_group(self.group_id)


class Ungroup(Command):
    """Remove a group; its nodes stay where they are, shown one by one again."""

    def __init__(self, group_id: str):
        self.group_id = group_id
        self._removed: tuple[Group, int] | None = None
        self.text = "Ungroup"

    def do(self, model: ProjectModel) -> None:
        group = model.groups.get(self.group_id)
        if group is None:
            raise GraphError(f"there is no group {short_repr(self.group_id)}")
        self.text = f"Ungroup {short_repr(group.title)}"
        self._removed = model.delete_group(self.group_id)

    def undo(self, model: ProjectModel) -> None:
        model.insert_group(*self._removed)


class EditGroup(Command):
    """Change a group's title, colour, collapsed state, position or exposed parameters."""

    FIELDS = {"title", "color", "collapsed", "position", "exposed"}

    def __init__(self, group_id: str, text: str = "Edit group", **changes):
        unknown = set(changes) - self.FIELDS
        if unknown:
            raise GraphError(f"a group has no {', '.join(sorted(unknown))}")
        self.group_id, self.changes, self.text = group_id, changes, text
        self._old: Group | None = None

    def do(self, model: ProjectModel) -> None:
        current = model.groups.get(self.group_id)
        if current is None:
            raise GraphError(f"there is no group {short_repr(self.group_id)}")
        changes = dict(self.changes)
        if "exposed" in changes:
            changes["exposed"] = tuple(tuple(e) for e in changes["exposed"])
            for node_id, name in changes["exposed"]:
                if node_id not in current.nodes:
                    raise GraphError(f"{model.graph.display_name(node_id) if node_id in model.graph.nodes else node_id} "
                                     f"is not in the group {short_repr(current.title)}; only its own nodes' "
                                     "parameters can show on it")
                schema = model.graph.schema_of(node_id) if node_id in model.graph.nodes else None
                if schema is not None and schema.param(name) is None:
                    raise GraphError(f"{model.graph.display_name(node_id)} has no parameter {short_repr(name)} to show")
        if "position" in changes:
            changes["position"] = tuple(changes["position"])
        self._old = model.replace_group(dataclasses.replace(current, **changes))

    def undo(self, model: ProjectModel) -> None:
        model.replace_group(self._old)

    def merge(self, later: Command) -> bool:
        """Dragging a collapsed group is one step however many moves it took."""
        if (isinstance(later, EditGroup) and later.group_id == self.group_id
                and set(self.changes) == set(later.changes) == {"position"}):
            self.changes = dict(later.changes)
            return True
        return False


def set_collapsed(model: ProjectModel, group_id: str, collapsed: bool) -> EditGroup:
    title = model.groups[group_id].title
    return EditGroup(group_id, f"{'Collapse' if collapsed else 'Expand'} {short_repr(title)}", collapsed=collapsed)


def set_exposed(model: ProjectModel, group_id: str, node_id: str, param: str, shown: bool) -> EditGroup:
    """Show one parameter of a node inside the group on the group (or stop showing it)."""
    group = model.groups[group_id]
    exposed = [e for e in group.exposed if e != (node_id, param)]
    if shown:
        exposed.append((node_id, param))
    schema = model.graph.schema_of(node_id)
    label = schema.param(param).display_name if schema is not None and schema.param(param) else param
    verb = "Show" if shown else "Hide"
    return EditGroup(group_id, f"{verb} {model.graph.short_name(node_id)}: {label} on {short_repr(group.title)}",
                     exposed=tuple(exposed))
