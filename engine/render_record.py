"""The render record an export carries: enough to render the same file again and check it, node by node.

Per node upstream of the export (and the export itself): its type, version and revision, its
parameters (paths made absolute, so the record does not need the project file), its seed, the
fingerprints of the files and models it read, its cache key, and a digest of the output it left in
the cache; then the links between those nodes and the versions of the libraries that made the
pictures. `aiprod render --reproduce FILE` (app.cli_reproduce) rebuilds the graph from it, renders
it again, and compares.

The record holds nothing that changes from one render to the next (no time, no run id, sorted keys),
so two renders of one project still write the same bits. It lives in the container's `comment` tag
beside the project graph where the container keeps the tag whole; MOV keeps at most 64 KiB there and
MXF keeps no free text, so for those the whole provenance goes to `<file>.record.json` beside the movie
and the comment (MOV) names that file and its hash. Image sequences keep it in their `.aiprod.json`.
The other files a render delivers: a sound file (Export Audio: WAV, FLAC) in its comment like a movie;
a picture (Save Image) and a LUT (Export LUT), whose formats hold no such text, in `<file>.record.json`.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__
from .graph import Graph
from .media.authorship import stamp
from .paths import PathResolver

RECORD_FORMAT = 1
RECORD_KEY = "render_record"
POINTER_KEY = "render_record_file"  # in the comment of a movie whose record lives beside it
SIDECAR_SUFFIX = ".record.json"
# Bytes of `comment` a container keeps whole (MOV writes a 16-bit length, and a longer tag comes back
# cut); MXF keeps no free text at all. MP4, Matroska, WebM and WAV kept 4.6 MB whole when measured.
_TAG_LIMITS = {".mov": 65535, ".mxf": 0}
# What a render's bits depend on besides the project: the app and the libraries that draw and encode.
_LIBRARIES = (("torch", "torch"), ("diffusers", "diffusers"), ("av", "av"), ("opencolorio", "opencolorio"),
              ("numpy", "numpy"))


@dataclass
class Lineage:
    """What a render knows of the nodes upstream of one node (engine.executor builds it)."""

    graph: Graph
    order: list[str]  # the node and everything it needs, in render order (the node last)
    fingerprints: dict[str, dict[str, str]]
    keys: dict[str, str]
    outputs: dict[str, str | None]  # DiskCache.content_digest of each node's output
    paths: PathResolver


def versions() -> dict[str, str]:
    """The app's version and its libraries', read from the installed packages (nothing heavy is imported)."""
    found = {"aiprod": __version__, "python": platform.python_version()}
    for name, distribution in _LIBRARIES:
        try:
            found[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _params_as_recorded(graph: Graph, node_id: str, paths: PathResolver) -> dict:
    """The node's parameters with every path absolute, as the render resolved it."""
    node = graph.nodes[node_id]
    params = dict(node.params)
    for param in graph.schema_of(node_id).params:
        value = params.get(param.name)
        if param.kind == "path" and isinstance(value, str) and value:
            params[param.name] = str(paths.file(value))
    return params


def build_record(lineage: Lineage) -> dict:
    """The record of the render of the last node of `lineage` (an export)."""
    graph = lineage.graph
    included = set(lineage.order)
    nodes = []
    for node_id in lineage.order:
        node, schema = graph.nodes[node_id], graph.schema_of(node_id)
        params = _params_as_recorded(graph, node_id, lineage.paths)
        entry = {"id": node_id, "type": node.type_id, "version": schema.version, "revision": schema.revision,
                 "label": node.label, "params": params, "fingerprints": lineage.fingerprints[node_id],
                 "key": lineage.keys[node_id], "output": lineage.outputs[node_id],
                 "deterministic": schema.deterministic}
        if "seed" in params:
            entry["seed"] = params["seed"]
        if node.bypassed:
            entry["bypassed"] = True
        nodes.append(entry)
    links = [{"from": {"node": l.src_node, "port": l.src_port}, "to": {"node": l.dst_node, "port": l.dst_port}}
             for l in graph.links.values() if l.src_node in included and l.dst_node in included]
    return {"format": RECORD_FORMAT, "export": lineage.order[-1], "versions": versions(), "nodes": nodes,
            "links": links}


def record_sidecar(path: Path) -> Path:
    """film.mov -> film.mov.record.json: where a file's record lives when the file cannot hold it."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def digest_text(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def needs_sidecar(comment: str, suffix: str) -> bool:
    """Whether a container of this kind would lose part of this comment."""
    limit = _TAG_LIMITS.get(suffix.lower())
    return limit is not None and len(comment.encode("utf-8")) > limit


def sidecar_text(provenance: dict) -> str:
    """The whole provenance (marked: AIPROD wrote it) as a record sidecar holds it."""
    return json.dumps(stamp(provenance), sort_keys=True)


def movie_comment(provenance: dict, target: Path) -> tuple[dict, str | None]:
    """What a movie (or sound file) at `target` carries in its comment, and the text of its sidecar
    record (None when the comment holds the record whole). The sidecar holds the whole marked
    provenance; the comment then names it and its hash, so a sidecar left from another render is not
    taken for this one's."""
    whole = sidecar_text(provenance)
    if not needs_sidecar(whole, target.suffix):
        return provenance, None
    short = {k: v for k, v in provenance.items() if k not in (RECORD_KEY, "project")}
    short[POINTER_KEY] = {"name": record_sidecar(target).name, "blake2b": digest_text(whole)}
    return short, whole
