"""A Registry instance holds the node types and port types one app (or one test) knows.

There is no module-level registry: the app builds one from app.nodes, a test builds its own.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .errors import UnknownNodeTypeError
from .ports import BUILTIN_PORT_TYPES, PortType
from .schema import NodeType


class Registry:
    def __init__(self, node_types: Iterable[type[NodeType]] = (), port_types: Iterable[PortType] = BUILTIN_PORT_TYPES):
        self._types: dict[str, type[NodeType]] = {}
        self._replaced: dict[str, str] = {}  # old id -> current id
        self._port_types: dict[str, PortType] = {}
        for port_type in port_types:
            self.register_port_type(port_type)
        for node_type in node_types:
            self.register(node_type)

    def register_port_type(self, port_type: PortType) -> None:
        self._port_types[port_type.name] = port_type

    def register(self, node_type: type[NodeType]) -> type[NodeType]:
        schema = getattr(node_type, "schema", None)
        if schema is None:
            raise TypeError(f"{node_type.__name__} has no schema")
        taken = self._types.get(schema.type_id) or self._types.get(self._replaced.get(schema.type_id, ""))
        if taken is not None:
            raise ValueError(f"node type id {schema.type_id!r} is already registered by {taken.__name__}")
        for port in (*schema.inputs, *schema.outputs):
            if port.type.name not in self._port_types:
                raise ValueError(f"{schema.type_id}: port {port.name!r} has unregistered type {port.type.name!r}")
        for old in schema.replaces:
            if old in self._types or old in self._replaced:
                raise ValueError(f"{schema.type_id} replaces {old!r}, which another type already claims")
            self._replaced[old] = schema.type_id
        self._types[schema.type_id] = node_type
        return node_type

    def resolve(self, type_id: str) -> str | None:
        """The current id for `type_id` (itself, or the type that replaces it); None if unknown."""
        if type_id in self._types:
            return type_id
        return self._replaced.get(type_id)

    def get(self, type_id: str) -> type[NodeType]:
        current = self.resolve(type_id)
        if current is None:
            close = difflib.get_close_matches(type_id, list(self._types), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else " `aiprod nodes` lists the installed types."
            raise UnknownNodeTypeError(f"no node type {type_id!r} is installed.{hint}")
        return self._types[current]

    def __contains__(self, type_id: str) -> bool:
        return self.resolve(type_id) is not None

    def types(self) -> list[type[NodeType]]:
        return sorted(self._types.values(), key=lambda t: (t.schema.category, t.schema.title))

    def categories(self) -> dict[str, list[type[NodeType]]]:
        grouped: dict[str, list[type[NodeType]]] = {}
        for node_type in self.types():
            grouped.setdefault(node_type.schema.category, []).append(node_type)
        return grouped

    def port_type(self, name: str) -> PortType:
        try:
            return self._port_types[name]
        except KeyError:
            raise UnknownNodeTypeError(f"no port type {name!r} is registered") from None
