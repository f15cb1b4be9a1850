"""Every edit the editor makes, as engine commands pushed on the document's undo stack.

The canvas, palette, inspector and menus call these; none of them changes the graph itself.
A refused edit (a link between incompatible ports, a loop) is reported on `message` with the
engine's own explanation and leaves the graph and the undo history untouched.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.commands import AddNode, Connect, Disconnect, MoveNode, RemoveNode, RenameNode, ReorderInputs, SetParam
from engine.errors import AiprodError, short_repr
from engine.graph import Link
from engine.group_commands import AddGroup, GroupNodes, Ungroup
from engine.project import node_from_data
from engine.project_model import Group

from . import clipboard
from .clipboard import CLIPBOARD_KIND
from .theme import GRID

PASTE_OFFSET = 2.0 * GRID  # a paste sits clearly apart from what was copied
DUPLICATE_OFFSET = float(GRID)  # a duplicate sits one grid step off its original


class EditActions(QObject):
    message = Signal(str)  # for the status bar: why an edit was refused, or what was done

    def __init__(self, document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document

    def _push(self, command) -> bool:
        try:
            self.document.stack.push(command)
        except AiprodError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def push(self, command) -> bool:
        """Any command (a canvas layer's own: a group moved or opened); a refusal is reported on `message`."""
        return self._push(command)

    # ---- single edits ---------------------------------------------------------------------

    def add_node(self, type_id: str, position: tuple[float, float]) -> str | None:
        command = AddNode(type_id, (float(position[0]), float(position[1])))
        return command.node_id if self._push(command) else None

    def connect_ports(self, src_node: str, src_port: str, dst_node: str, dst_port: str) -> bool:
        return self._push(Connect(src_node, src_port, dst_node, dst_port))

    def disconnect(self, link_ids: list[str]) -> bool:
        """Remove links (Delete on a wire, its menu, a detached drag dropped on empty space): one undo step."""
        link_ids = [l for l in link_ids if l in self.document.graph.links]
        if not link_ids:
            return False
        try:
            with self.document.stack.group(f"Disconnect {len(link_ids)} link(s)"):
                for link_id in link_ids:
                    self.document.stack.push(Disconnect(link_id))
        except AiprodError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def reconnect(self, link_id: str, dst_node: str, dst_port: str) -> bool:
        """Move a link's input end to another input: one undo step, or nothing if the new link is refused."""
        link = self.document.graph.links.get(link_id)
        if link is None:
            return False
        try:  # a refused Connect undoes the Disconnect too (the group rolls back)
            graph = self.document.graph
            moved = Link(link.id, link.src_node, link.src_port, dst_node, dst_port)
            with self.document.stack.group(f"Reconnect {graph.link_name(moved)}"):
                self.document.stack.push(Disconnect(link_id))
                self.document.stack.push(Connect(link.src_node, link.src_port, dst_node, dst_port))
        except AiprodError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def can_connect(self, src_node: str, src_port: str, dst_node: str, dst_port: str) -> str | None:
        """None if the link may be made, else the reason it may not (shown while dragging)."""
        try:
            self.document.graph.check_link(src_node, src_port, dst_node, dst_port)
        except AiprodError as exc:
            return str(exc)
        return None

    def set_param(self, node_id: str, name: str, value: Any, merge_key: str | None = None) -> bool:
        if self.document.graph.nodes[node_id].params.get(name) == value:
            return True  # no empty undo steps for a widget re-emitting the current value
        return self._push(SetParam(node_id, name, value, merge_key))

    def reorder_inputs(self, node_id: str, port: str, link_ids: list[str]) -> bool:
        """Put the links into a multi-link input (a Sequence's shots) in this order: one undo step."""
        return self._push(ReorderInputs(node_id, port, link_ids))

    def rename(self, node_id: str, label: str) -> bool:
        if self.document.graph.nodes[node_id].label == label:
            return True
        return self._push(RenameNode(node_id, label))

    # ---- compound edits (one undo step each) ----------------------------------------------

    def move_nodes(self, positions: dict[str, tuple[float, float]]) -> None:
        graph = self.document.graph
        moved = {n: p for n, p in positions.items() if n in graph.nodes and tuple(graph.nodes[n].position) != p}
        if not moved:
            return
        with self.document.stack.group(f"Move {len(moved)} node{'s' if len(moved) > 1 else ''}"):
            for node_id, position in moved.items():
                self.document.stack.push(MoveNode(node_id, position))

    def group_nodes(self, node_ids: list[str], title: str = "Group") -> str | None:
        """Group the nodes into one closed box (Ctrl+G); its id, or None when refused."""
        command = GroupNodes(node_ids, title)
        if not self._push(command):
            return None
        self.message.emit(f"grouped {len(command.node_ids)} nodes as '{title}': double-click the box to open it")
        return command.group_id

    def ungroup(self, group_id: str) -> bool:
        return self._push(Ungroup(group_id))

    def delete(self, node_ids: list[str], link_ids: list[str] = ()) -> None:
        graph = self.document.graph
        node_ids = [n for n in node_ids if n in graph.nodes]
        # Links attached to deleted nodes go with them; only the others are disconnected on their own.
        link_ids = [l for l in link_ids if l in graph.links
                    and graph.links[l].src_node not in node_ids and graph.links[l].dst_node not in node_ids]
        if not node_ids and not link_ids:
            return
        try:
            with self.document.stack.group(f"Delete {len(node_ids) + len(link_ids)} item(s)"):
                for link_id in link_ids:
                    self.document.stack.push(Disconnect(link_id))
                for node_id in node_ids:
                    self.document.stack.push(RemoveNode(node_id))
        except AiprodError as exc:
            self.message.emit(str(exc))

    def copy_data(self, node_ids: list[str]) -> dict:
        """The selection as JSON-ready data: the nodes and the links between them (app.ui.clipboard)."""
        return clipboard.nodes_data(self.document.project, node_ids)

    def copy(self, node_ids: list[str]) -> None:
        data = self.copy_data(node_ids)
        if data["nodes"]:
            clipboard.put(data)
            groups = len(data["groups"])
            self.message.emit(f"copied {len(data['nodes'])} node(s)" + (f" in {groups} group(s)" if groups else ""))

    def paste_data(self, data: dict | None, offset: float | tuple[float, float] = PASTE_OFFSET,
                   verb: str = "Paste") -> list[str]:
        """Add copies of the nodes (new ids, shifted by `offset`, one number or x, y), their inner
        links and the groups they fill, in one undo step; returns the new ids."""
        dx, dy = offset if isinstance(offset, tuple) else (offset, offset)
        if not isinstance(data, dict) or data.get("kind") != CLIPBOARD_KIND:
            self.message.emit("the clipboard holds no AIPROD nodes")
            return []
        stack, graph, new_ids = self.document.stack, self.document.graph, {}
        try:
            with stack.group(f"{verb} {len(data['nodes'])} node(s)"):
                for index, raw in enumerate(data["nodes"]):
                    # Read as a project file's node is: what an older build copied is upgraded (its
                    # type version, the choice labels it saved) before it is added.
                    node = node_from_data(graph.registry, raw, "the clipboard", [], index)
                    if node.is_unknown:
                        raise AiprodError(f"node type {short_repr(node.type_id)} is not installed here, or is "
                                          "newer than this version")
                    x, y = node.position
                    command = stack.push(AddNode(node.type_id, (x + dx, y + dy), node.params, node.label))
                    new_ids[raw["id"]] = command.node_id
                for raw in data["links"]:
                    src, dst = raw["from"], raw["to"]
                    stack.push(Connect(new_ids[src["node"]], src["port"], new_ids[dst["node"]], dst["port"]))
                for raw in data.get("groups", []):  # older builds copied none
                    stack.push(AddGroup(_pasted_group(raw, new_ids, dx, dy)))
        except (AiprodError, KeyError, TypeError, ValueError) as exc:
            self.message.emit(f"cannot paste: {exc}")
            return []
        return list(new_ids.values())

    def paste(self) -> list[str]:
        return self.paste_data(clipboard.get())

    def duplicate(self, node_ids: list[str]) -> list[str]:
        data = self.copy_data(node_ids)
        return self.paste_data(data, DUPLICATE_OFFSET, "Duplicate") if data["nodes"] else []


def _pasted_group(raw: dict, new_ids: dict[str, str], dx: float, dy: float) -> Group:
    """A copied group (engine.annotation_file's form) around the pasted nodes, its box as far off as they are."""
    x, y = raw["position"]
    return Group("pasted", raw["title"], raw["color"], tuple(new_ids[n] for n in raw["nodes"]),
                 tuple((new_ids[n], name) for n, name in raw.get("exposed", [])), raw.get("collapsed", True),
                 (float(x) + dx, float(y) + dy))
