"""The `.aiprod` project file: JSON, versioned, upgraded on load, saved atomically with a backup.

Every node, link and annotation is a labelled object ("Node.1", "Link.1", "Backdrop.1", ...). Nodes of types that are not
installed, and keys this version does not know, are kept and written back unchanged, so opening
and saving a project in an older or plugin-less install loses nothing. Opening never runs code.

Path parameters: the model holds what the user chose (engine.paths); only the file is converted.
Writing stores a path inside the project's folder relative to it, reading makes a relative path
absolute against the file's folder. Save As never edits the model: an absolute path keeps naming its
file, and a path typed relative keeps meaning "relative to the project", so it follows the project.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .annotation_file import (ANNOTATION_KEYS, COUNTERS_KEY, annotations_to_data, read_annotations,
                              upgrade_annotations_from_v1)
from .atomic import atomic_write_text
from .errors import AiprodError, FutureVersionError, ParamError, ProjectFileError, short_repr
from .fingerprint import file_fingerprint
from .graph import Graph, Link, Node
from .paths import PathResolver, from_file, to_file
from .project_checks import (check_link_fields, check_node_fields, check_top_fields, check_values, read_document,
                             require)
from .project_model import ProjectModel
from .registry import Registry
from .schema import Param

SUFFIX = ".aiprod"
FILE_KIND = "aiprod.project"
NODE_OBJECT = "Node.1"
LINK_OBJECT = "Link.1"
_TOP_KEYS = {"schema_version", "kind", "app", "name", "settings", "nodes", "links", COUNTERS_KEY, *ANNOTATION_KEYS}
_NODE_KEYS = {"object", "id", "type", "type_version", "label", "position", "params", "files", "bypass"}


@dataclass
class ProjectFormat:
    """The file format version this build writes, and the steps that upgrade older files to it.

    `upgrades[n]` turns a version-n document (a dict) into version n+1.
    """

    current_version: int = 1
    upgrades: dict[int, Callable[[dict], dict]] = field(default_factory=dict)

    def upgrade(self, data: dict, source: str) -> dict:
        version = data["schema_version"]
        while version < self.current_version:
            step = self.upgrades.get(version)
            if step is None:
                raise ProjectFileError(f"{source}: project format {version} is too old to open with this version "
                                       f"(no upgrade from {version}); open and save it with an older AIPROD Studio first")
            try:
                data = step(data)
            except Exception as exc:  # an upgrade written for well-formed files, given a damaged one
                raise ProjectFileError(f"{source}: project format {version} could not be upgraded to "
                                       f"{version + 1}: {str(exc)[:200]}") from exc
            version += 1
            data["schema_version"] = version
        return data


# 2: annotations (backdrops, reroute dots, seed locks) left "settings" for typed objects; id counters saved.
PROJECT_FORMAT = ProjectFormat(current_version=2, upgrades={1: upgrade_annotations_from_v1})


@dataclass
class Project:
    graph: Graph
    name: str = "Untitled"
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # top-level keys this version does not know
    warnings: list[str] = field(default_factory=list)  # found while loading; shown to the user
    model: ProjectModel | None = None  # the graph and its annotations; made around `graph` when not given

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = ProjectModel(self.graph)

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def paths(self) -> PathResolver:
        """Where this project's path parameters lead now (relative ones: from its folder)."""
        return PathResolver(self.folder)


# ---- writing -----------------------------------------------------------------------------

def _is_set_path(param: Param, value: Any) -> bool:
    """A path parameter holding a usable path; a wrong one (not text, a NUL inside) is written back as saved."""
    if param.kind != "path" or not value:
        return False
    try:
        param.coerce(value)
    except ParamError:
        return False
    return True


def node_to_data(graph: Graph, node: Node, folder: Path | None, paths: PathResolver | None = None) -> dict:
    """The node as a project file in `folder` stores it; with no folder, its paths as the model holds them.

    `paths` finds the files read, for their fingerprints (default: relative paths from `folder`).
    """
    if node.is_unknown:
        return dict(node.unknown_data)
    paths = paths if paths is not None else PathResolver(folder)
    schema = graph.registry.get(node.type_id).schema
    params = dict(node.params)
    files = {}
    for param in schema.params:
        if _is_set_path(param, params.get(param.name)):
            if param.path_mode == "open":
                files[param.name] = file_fingerprint(paths.file(params[param.name]))
            if folder is not None:
                params[param.name] = to_file(params[param.name], folder)
    data = {"object": NODE_OBJECT, "id": node.id, "type": node.type_id, "type_version": node.type_version,
            "label": node.label, "position": [node.position[0], node.position[1]], "params": params}
    if files:
        data["files"] = files  # lets a relink dialog tell a moved file from a changed one
    if node.bypassed:
        data["bypass"] = True  # written only when set: a file without it reads as before
    data.update(node.extra)
    return data


def link_to_data(link: Link) -> dict:
    return {"object": LINK_OBJECT, "id": link.id, "from": {"node": link.src_node, "port": link.src_port},
            "to": {"node": link.dst_node, "port": link.dst_port}}


def project_to_data(project: Project, folder: Path | None, fmt: ProjectFormat = PROJECT_FORMAT) -> dict:
    """The project as a file in `folder` holds it; with no folder (an autosave), paths as the model holds them."""
    graph = project.graph
    # Typed-relative paths follow the project: in the file being written they mean `folder`.
    paths = PathResolver(folder) if folder is not None else project.paths
    data = {"schema_version": fmt.current_version, "kind": FILE_KIND, "app": f"AIPROD Studio {__version__}",
            "name": project.name, "settings": project.settings,
            "nodes": [node_to_data(graph, n, folder, paths) for n in graph.nodes.values()],
            "links": [link_to_data(l) for l in graph.links.values()],
            **annotations_to_data(project.model)}
    data.update(project.extra)
    return data


def save_project(project: Project, path: str | os.PathLike, fmt: ProjectFormat = PROJECT_FORMAT) -> Path:
    """Write the project atomically to `path`, keeping the previous file as `<path>.bak`.

    Only `project.path` changes: parameter values stay as the user chose them (see the module doc).
    """
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if not path.parent.is_dir():
        raise ProjectFileError(f"cannot save {path.name}: the folder {path.parent} does not exist")
    text = json.dumps(project_to_data(project, path.parent, fmt), indent=2, ensure_ascii=False) + "\n"
    try:
        atomic_write_text(path, text, keep_backup=True)
    except OSError as exc:
        raise ProjectFileError(f"cannot save {path}: {exc.strerror or exc}. Nothing was changed on disk; "
                               "choose another folder with Save As.") from exc
    project.path = path
    return path


# ---- reading -----------------------------------------------------------------------------

def node_from_data(registry: Registry, raw: dict, source: str, warnings: list[str], index: int = 0,
                   folder: Path | None = None) -> Node:
    """A node as the model holds it; relative paths in a file read from `folder` become absolute."""
    check_node_fields(raw, index, source)
    node_id, type_id = raw["id"], raw["type"]
    name = f"node {short_repr(node_id)}"
    position = tuple(float(v) for v in raw.get("position", [0, 0]))
    params = raw.get("params", {})
    label = raw.get("label", "")
    saved_version = raw.get("type_version", 1)
    current_id = registry.resolve(type_id)
    if current_id is None:
        warnings.append(f"{name} has type {short_repr(type_id)}, which is not installed; it is kept as it is")
        return Node(node_id, type_id, params, position, label, saved_version, unknown_data=raw)
    node_type = registry.get(current_id)
    schema = node_type.schema
    if saved_version > schema.version:
        warnings.append(f"{name} was saved by a newer version of AIPROD (node type v{saved_version}, this version "
                        f"knows v{schema.version}); it is kept as it is and runs once AIPROD Studio is updated")
        return Node(node_id, type_id, params, position, label, saved_version, unknown_data=raw)
    if saved_version < schema.version:
        try:
            params = node_type.upgrade_params(dict(params), saved_version)
        except Exception as exc:
            raise ProjectFileError(f"{source}: {name} ({type_id} version {saved_version}) could not be "
                                   f"upgraded to version {schema.version}: {str(exc)[:200]}") from exc
        require(isinstance(params, dict), source, f"{name}: its upgraded params are not an object")
    merged = schema.default_params()
    merged.update(params)
    for retired, advice in schema.retired_params:
        value = merged.pop(retired, None)
        if value not in (None, "", False, 0):  # it was set: what it did must not vanish unnoticed
            warnings.append(f"{schema.title} {name}: {advice} (it had {retired} = {short_repr(value)})")
    for param in schema.params:
        try:  # an enum value saved before ids (a label) loads as its id, for every node type alike
            merged[param.name] = param.coerce(param.current_value(merged[param.name]))
        except ParamError as exc:  # kept as saved so nothing is lost; the node fails until it is fixed
            warnings.append(f"{name}: {exc}")
            continue
        if folder is not None and param.kind == "path" and merged[param.name]:  # coerced just above: a usable path
            merged[param.name] = from_file(merged[param.name], folder)
    extra = {k: v for k, v in raw.items() if k not in _NODE_KEYS}
    bypassed = raw.get("bypass", False)
    if not isinstance(bypassed, bool):  # a hand-edited file: the node runs, and the loader says why
        warnings.append(f"{name}: bypass must be true or false, got {short_repr(bypassed)}; it is not bypassed")
        bypassed = False
    return Node(node_id, current_id, merged, position, label, schema.version, extra=extra, bypassed=bypassed)


def project_from_data(data: Any, registry: Registry, source: str = "project",
                      fmt: ProjectFormat = PROJECT_FORMAT, folder: Path | None = None) -> Project:
    """The project in `data`; relative paths are made absolute against `folder`, the file's folder
    (None keeps them relative: an autosave holds the model's own values)."""
    require(isinstance(data, dict), source, "the file does not hold a JSON object")
    check_values(data, source)
    require(data.get("kind", FILE_KIND) == FILE_KIND and "schema_version" in data, source,
            "it has no schema_version (is it an AIPROD Studio project?)")
    version = data["schema_version"]
    require(isinstance(version, int) and not isinstance(version, bool) and version >= 0, source,
            f"schema_version must be a whole number, got {short_repr(version)}")
    if version > fmt.current_version:
        raise FutureVersionError(f"{source} was saved by a newer AIPROD Studio (project format {version}; this "
                                 f"version reads up to {fmt.current_version}). Update AIPROD Studio to open it.",
                                 version, fmt.current_version)
    data = fmt.upgrade(dict(data), source)
    require(isinstance(data, dict), source, "an upgrade step did not give back an object")
    check_top_fields(data, source)
    nodes, links = data.get("nodes", []), data.get("links", [])
    warnings: list[str] = []
    graph = Graph(registry)
    for index, raw in enumerate(nodes):
        node = node_from_data(registry, raw, source, warnings, index, folder)
        require(node.id not in graph.nodes, source, f"two nodes have the id {short_repr(node.id)}")
        graph.nodes[node.id] = node
    occupied: set = set()  # inputs already fed, so a second link into a single input is caught
    for index, raw in enumerate(links):
        check_link_fields(raw, index, source)
        link = Link(raw["id"], raw["from"]["node"], raw["from"]["port"], raw["to"]["node"], raw["to"]["port"])
        require(link.id not in graph.links, source, f"link id {short_repr(link.id)} is repeated")
        for end in (link.src_node, link.dst_node):
            require(end in graph.nodes, source,
                    f"link {short_repr(link.id)} refers to a node {short_repr(end)} that is not in the file")
        ends_known = not (graph.nodes[link.src_node].is_unknown or graph.nodes[link.dst_node].is_unknown)
        if ends_known:
            try:
                in_port = graph.check_port_types(link.src_node, link.src_port, link.dst_node, link.dst_port)
            except AiprodError as exc:
                raise ProjectFileError(f"{source}: link {short_repr(link.id)} is invalid: {exc}") from None
            end = (link.dst_node, link.dst_port, None if in_port.multiple else "single")
            feeding = (link.src_node, link.src_port) if in_port.multiple else None
            require((end, feeding) not in occupied, source,
                    f"link {short_repr(link.id)} repeats a link into {graph.display_name(link.dst_node)}."
                    f"{link.dst_port}, which takes one link")
            occupied.add((end, feeding))
        graph.links[link.id] = link
    try:
        graph.topological_order()
    except AiprodError as exc:
        raise ProjectFileError(f"{source}: {exc}") from None
    model = ProjectModel(graph)
    read_annotations(data, model, warnings)
    extra = {k: v for k, v in data.items() if k not in _TOP_KEYS}
    return Project(graph, data.get("name", "Untitled"), data.get("settings", {}), None, extra, warnings, model)


def load_project(path: str | os.PathLike, registry: Registry, fmt: ProjectFormat = PROJECT_FORMAT) -> Project:
    """Read a project; raises ProjectFileError (or FutureVersionError) naming the file and the problem."""
    path = Path(path)
    project = project_from_data(read_document(path), registry, str(path), fmt, folder=path.parent)
    project.path = path
    return project
