"""Rebuilding a render from its record, and judging the second render node by node against the first.

The record (engine.render_record) becomes a project document and goes through the project loader,
so a record edited by hand or made to harm is refused by the same checks as a project file. After
the second render, each node gets one verdict:

* "identical": same cache key and the same output content digest;
* "differs": same key (same parameters, files, models and inputs) yet other output bits;
* "not reproducible: <why>": what the node reads changed (a file, a model, its type's version or
  revision, an input upstream), or it draws fresh randomness each render, or it failed this time;
* "not compared: <why>": one of the two renders kept no copy of its output to compare.

The export itself is judged by its essence (engine.render_record_file), since it writes elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import AiprodError, cut, short_repr
from .executor import NodeResult
from .graph import Graph
from .project import FILE_KIND, LINK_OBJECT, NODE_OBJECT, PROJECT_FORMAT, Project, project_from_data
from .registry import Registry
from .render_record import versions
from .render_record_file import RecordedExport

IDENTICAL, DIFFERS, NOT_REPRODUCIBLE, NOT_COMPARED = "identical", "differs", "not reproducible", "not compared"


@dataclass
class Verdict:
    node_id: str
    outcome: str  # IDENTICAL, DIFFERS, NOT_REPRODUCIBLE or NOT_COMPARED
    why: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome in (IDENTICAL, NOT_COMPARED)


def _require(condition: bool, source: str, problem: str) -> None:
    if not condition:
        raise AiprodError(f"{source}: its render record is damaged: {problem}; the file was edited by hand")


def _text(value) -> bool:
    return isinstance(value, str)


def checked_nodes(record: dict, source: str) -> list[dict]:
    """The record's nodes, each checked for the fields a comparison reads (the loader checks the rest)."""
    nodes, links = record.get("nodes"), record.get("links")
    _require(isinstance(nodes, list) and nodes, source, "it lists no nodes")
    _require(isinstance(links, list), source, "its links are not a list")
    seen = set()
    for index, node in enumerate(nodes):
        _require(isinstance(node, dict), source, f"node {index} is not an object")
        _require(_text(node.get("id")) and node["id"] not in seen, source, f"node {index} has no id of its own")
        seen.add(node["id"])
        _require(_text(node.get("type")), source, f"node {short_repr(node['id'])} has no type")
        version = node.get("version")
        _require(isinstance(version, int) and not isinstance(version, bool) and version >= 1, source,
                 f"node {short_repr(node['id'])} has version {short_repr(version)}")
        revision = node.get("revision", 1)  # records written before revisions existed hold none: 1
        _require(isinstance(revision, int) and not isinstance(revision, bool) and revision >= 1, source,
                 f"node {short_repr(node['id'])} has revision {short_repr(revision)}")
        _require(isinstance(node.get("params"), dict), source, f"node {short_repr(node['id'])} has no parameters")
        prints = node.get("fingerprints")
        _require(isinstance(prints, dict) and all(_text(k) and _text(v) for k, v in prints.items()), source,
                 f"node {short_repr(node['id'])} has malformed fingerprints")
        _require(_text(node.get("key")), source, f"node {short_repr(node['id'])} has no cache key")
        _require(node.get("output") is None or _text(node["output"]), source,
                 f"node {short_repr(node['id'])} has a malformed output digest")
    _require(record.get("export") in seen, source, f"its export node {short_repr(record.get('export'))} is not listed")
    return nodes


def record_project(recorded: RecordedExport, registry: Registry) -> Project:
    """The graph that made the export, as a project (no file), checked like any project file."""
    source = f"the render record in {cut(str(recorded.source), 300)}"
    record = recorded.record
    nodes = checked_nodes(record, source)
    document = {"schema_version": PROJECT_FORMAT.current_version, "kind": FILE_KIND, "name": "reproduction",
                "nodes": [{"object": NODE_OBJECT, "id": n["id"], "type": n["type"], "type_version": n["version"],
                           "label": n.get("label", ""), "params": n["params"],
                           **({"bypass": n["bypassed"]} if "bypassed" in n else {})} for n in nodes],
                "links": [{"object": LINK_OBJECT, "id": f"link{index}", **link} if isinstance(link, dict) else link
                          for index, link in enumerate(record["links"])]}
    return project_from_data(document, registry, source)


# ---- verdicts --------------------------------------------------------------------------------

def _fingerprint_change(node: dict, name: str, now: str | None, graph: Graph, node_id: str) -> str:
    """Why a fingerprint moved, in words naming the file or model."""
    value = node["params"].get(name)
    schema = graph.schema_of(node_id)
    param = next((p for p in schema.params if p.name == name), None) if schema else None
    if param is not None and param.kind == "path":
        state = "is missing" if now == "missing" else "changed since the render"
        return f"its file {cut(str(value), 200)} ({name}) {state}"
    if isinstance(value, str) and value:
        return f"the model or file behind {name} {short_repr(value)} changed since the render"
    return f"what it reads as {short_repr(name)} changed since the render"


def _own_change(node: dict, now: dict, graph: Graph, node_id: str) -> str | None:
    """What changed in what the node itself is or reads (its type's version or revision, a file, a
    model); None: nothing."""
    schema = graph.schema_of(node_id)
    if schema is not None and schema.version != node["version"]:
        return f"node type {node['type']} was version {node['version']} and is now {schema.version}"
    if schema is not None and schema.revision != node.get("revision", 1):
        return (f"node type {node['type']} computes its output differently in this release "
                f"(revision {node.get('revision', 1)}, now {schema.revision})")
    old_prints, new_prints = node["fingerprints"], now.get("fingerprints") or {}
    for name in sorted(set(old_prints) | set(new_prints)):
        if old_prints.get(name) != new_prints.get(name):
            return _fingerprint_change(node, name, new_prints.get(name), graph, node_id)
    return None


def _input_change(graph: Graph, node_id: str, old_keys: dict, new_keys: dict) -> str:
    for link in graph.links_into(node_id):
        if old_keys.get(link.src_node) != new_keys.get(link.src_node):
            return f"its input {graph.display_name(link.src_node)} changed"
    return "its cache key differs from the recorded one (this version computes keys differently)"


def judge(record: dict, again: dict | None, results: dict[str, NodeResult], graph: Graph,
          export_identical: bool | None, writers: frozenset[str] = frozenset()) -> list[Verdict]:
    """One verdict per recorded node: `again` is the second render's record (None if its export failed),
    `export_identical` whether the two exports' essences match (None: not compared). `writers`: nodes
    besides the export that write files, which the second render pointed into its temporary folder;
    their keys (which name where they write) and those downstream differ by design, so these are
    judged by what they read and by their output."""
    nodes = record["nodes"]
    moved = frozenset(graph.downstream(writers))
    now = {n["id"]: n for n in (again or {}).get("nodes", [])}
    old_keys = {n["id"]: n["key"] for n in nodes}
    new_keys = {n: entry.get("key") for n, entry in now.items()}
    verdicts = []
    for node in nodes:
        node_id = node["id"]
        result = results.get(node_id)
        if result is None or result.status in ("failed", "cancelled"):
            why = result.message if result is not None and result.message else "it did not run"
            verdicts.append(Verdict(node_id, NOT_REPRODUCIBLE, f"it failed this time: {cut(why, 300)}"))
        elif node.get("deterministic") is False:
            verdicts.append(Verdict(node_id, NOT_REPRODUCIBLE, "it is not deterministic: it draws fresh "
                                                                 "randomness on every render"))
        elif node_id == record["export"]:
            verdicts.append(_export_verdict(node_id, export_identical))
        elif node_id not in now:
            verdicts.append(Verdict(node_id, NOT_COMPARED, "the export of the second render failed"))
        else:
            verdicts.append(_output_verdict(node, now[node_id], graph, old_keys, new_keys, moved, writers))
    return verdicts


def _output_verdict(node: dict, now: dict, graph: Graph, old_keys: dict, new_keys: dict,
                    moved: frozenset[str], writers: frozenset[str]) -> Verdict:
    """The verdict of a node both renders ran: what it reads first, then the bits it made."""
    node_id = node["id"]
    if now["key"] != node["key"]:
        why = _own_change(node, now, graph, node_id)
        if why is None and node_id not in moved:
            why = _input_change(graph, node_id, old_keys, new_keys)
        if why is not None:
            return Verdict(node_id, NOT_REPRODUCIBLE, why)
    if node.get("bypassed"):
        return Verdict(node_id, NOT_COMPARED, "bypassed: it passes its input on")
    if now["output"] is None:
        return Verdict(node_id, NOT_COMPARED, "its output is not kept in the cache (it is recomputed when "
                                              "needed); what it feeds is compared")
    if node["output"] is None:
        return Verdict(node_id, NOT_COMPARED, "the first render kept no copy of its output (it ran without a "
                                              "cache, or the entry was evicted)")
    if now["output"] == node["output"]:
        return Verdict(node_id, IDENTICAL)
    if node_id in writers:  # its output names the files it wrote, elsewhere this time
        return Verdict(node_id, NOT_COMPARED, "its output names the files it wrote, which the second render "
                                              "wrote into its temporary folder; what it feeds is compared")
    return Verdict(node_id, DIFFERS, "same parameters, files and inputs, other output bits")


def _export_verdict(node_id: str, export_identical: bool | None) -> Verdict:
    if export_identical is None:
        return Verdict(node_id, NOT_COMPARED, "the second render wrote no file")
    if export_identical:
        return Verdict(node_id, IDENTICAL, "picture and sound bit-identical")
    return Verdict(node_id, DIFFERS, "the picture or sound bits differ")


def version_changes(record: dict) -> list[str]:
    """The app and library versions that differ from the recorded ones ("torch 2.3.0 → 2.4.1")."""
    recorded = record.get("versions")
    if not isinstance(recorded, dict):
        return []
    current = versions()
    return [f"{name} {cut(str(recorded.get(name)), 40)} → {current[name]}" for name in sorted(current)
            if recorded.get(name) is not None and str(recorded.get(name)) != current[name]]
