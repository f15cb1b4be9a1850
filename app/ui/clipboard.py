"""Nodes on the system clipboard as JSON, so a copy pastes into another window or another project.

The data is the project file's own node, link and group objects (engine.project,
engine.annotation_file), as JSON text (a chat or a text file can carry it too). A group goes with
the copy when all its nodes do (a closed group's box selected copies its nodes). Path parameters are
copied as the files they name now (the project's PathResolver): the project being pasted into may
live in another folder.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from engine.annotation_file import group_to_data
from engine.graph import Graph
from engine.paths import PathResolver
from engine.project import link_to_data, node_to_data

CLIPBOARD_KIND = "aiprod.nodes"
NODES_MIME = "application/x-aiprod-nodes+json"


def _absolute_paths(graph: Graph, data: dict, paths: PathResolver) -> dict:
    schema = graph.registry.get(data["type"]).schema
    params = dict(data.get("params", {}))
    for param in schema.params:
        value = params.get(param.name)
        if param.kind == "path" and isinstance(value, str) and value:
            params[param.name] = str(paths.file(value))
    data = dict(data, params=params)
    data.pop("files", None)  # fingerprints describe the source project's files, not the paste
    return data


def nodes_data(project, node_ids: list[str]) -> dict:
    """The nodes (installed types only), the links among them and the groups they fill, as JSON-ready data."""
    graph, paths = project.graph, project.paths
    chosen = [n for n in node_ids if n in graph.nodes and not graph.nodes[n].is_unknown]
    kept = set(chosen)
    return {"kind": CLIPBOARD_KIND,
            "nodes": [_absolute_paths(graph, node_to_data(graph, graph.nodes[n], None, paths), paths)
                      for n in chosen],
            "links": [link_to_data(l) for l in graph.links.values() if l.src_node in kept and l.dst_node in kept],
            "groups": [group_to_data(g) for g in project.model.groups.values() if kept.issuperset(g.nodes)]}


def from_mime(mime: QMimeData | None) -> dict | None:
    """The nodes data on `mime` (a custom type, as older builds and other tools may offer, then
    plain text), or None."""
    if mime is None:
        return None
    if mime.hasFormat(NODES_MIME):
        text = bytes(mime.data(NODES_MIME)).decode("utf-8", errors="replace")
    elif mime.hasText():
        text = mime.text()
    else:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("kind") == CLIPBOARD_KIND else None


def put(data: dict) -> None:
    # Plain text, not to_mime(): a QMimeData made in Python and handed to the clipboard is
    # deleted by Qt's static clean-up after the interpreter has gone, which crashes the app on
    # exit (SIGSEGV in shiboken). setText lets Qt build its own mime object; from_mime reads
    # the text back, and the text also pastes into chats and files.
    QGuiApplication.clipboard().setText(json.dumps(data, indent=1, ensure_ascii=False))


def get() -> dict | None:
    return from_mime(QGuiApplication.clipboard().mimeData())
