"""Files dropped from the file manager onto the canvas: which node each becomes.

Each node type declares the file suffixes it opens (NodeSchema.opens_files) and the path parameter
that receives the file; a project file is opened instead. Several files land as several nodes in
one undo step, laid out in a column from the drop point so none hides another.
"""

from __future__ import annotations

from pathlib import Path

from engine.commands import AddNode
from engine.errors import AiprodError
from engine.project import SUFFIX

ROW_STEP = 140.0  # scene units between the nodes of a multi-file drop (a node with a summary fits)


def node_for_file(registry, path: str | Path) -> tuple[str, str] | None:
    """(type id, path parameter) of the first registered type that opens this file's suffix; None for a
    project or a file no node reads."""
    suffix = Path(path).suffix.lower()
    for node_type in registry.types():
        schema = node_type.schema
        if suffix in schema.opens_files:
            return schema.type_id, schema.opens_files_param
    return None


def is_project(path: str | Path) -> bool:
    return Path(path).suffix.lower() == SUFFIX


def add_file_nodes(document, paths: list[str], position: tuple[float, float], message=None) -> list[str]:
    """One node per usable file, in one undo step; returns the new ids (files no node reads are skipped).

    `message` (a callable) hears why files were skipped or why the drop was refused.
    """
    planned = [(p, node_for_file(document.graph.registry, p)) for p in paths]
    usable = [(p, kind) for p, kind in planned if kind is not None]
    skipped = [Path(p).name for p, kind in planned if kind is None and not is_project(p)]
    if skipped and message is not None:
        message(f"no node reads {', '.join(skipped)}")
    if not usable:
        return []
    stack, new_ids = document.stack, []
    x, y = position
    try:
        with stack.group(f"Add {len(usable)} file(s)"):
            for row, (path, (type_id, param)) in enumerate(usable):
                command = stack.push(AddNode(type_id, (x, y + row * ROW_STEP), {param: str(Path(path).resolve())},
                                             label=Path(path).stem))
                new_ids.append(command.node_id)
    except AiprodError as exc:  # e.g. a plug-in set without the media nodes
        if message is not None:
            message(f"cannot add the dropped files: {exc}")
        return []
    return new_ids
