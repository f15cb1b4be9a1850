"""Annotations and id counters in the project file (format 2), and the upgrade from format 1.

Groups came later to format 2: a file without them has none, and an older app ignores them (the
nodes inside are ordinary nodes of the file, so it still opens and renders the same film).

Format 1 kept backdrops, reroute dots and seed locks as untyped values in "settings"; format 2
gives each its own labelled objects beside the nodes and links, and saves the id counters so an
id is never handed out twice. An annotation a hand-edited file broke is dropped with a warning:
it renders nothing, and the rest of the project opens.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import AiprodError, short_repr
from .ids import IdCounters
from .project_model import Backdrop, Group, ProjectModel, SeedLock

BACKDROP_OBJECT = "Backdrop.1"
GROUP_OBJECT = "Group.1"
REROUTE_OBJECT = "Reroute.1"
SEED_LOCK_OBJECT = "SeedLock.1"
ANNOTATION_KEYS = ("backdrops", "groups", "reroutes", "seed_locks")
COUNTERS_KEY = "next_ids"


# ---- writing -----------------------------------------------------------------------------

def annotations_to_data(model: ProjectModel) -> dict[str, Any]:
    """The top-level keys format 2 adds; an empty collection is left out, so plain projects stay short."""
    data: dict[str, Any] = {COUNTERS_KEY: model.graph.ids.to_data()}
    if model.backdrops:
        data["backdrops"] = [{"object": BACKDROP_OBJECT, "id": b.id, "title": b.title, "color": b.color,
                              "rect": list(b.rect)} for b in model.backdrops.values()]
    if model.groups:
        data["groups"] = [group_to_data(g) for g in model.groups.values()]
    if model.reroutes:
        data["reroutes"] = [{"object": REROUTE_OBJECT, "link": r.link_id, "points": [list(p) for p in r.points]}
                            for r in model.reroutes.values()]
    if model.seed_locks:
        data["seed_locks"] = [{"object": SEED_LOCK_OBJECT, "node": lock.node_id, "param": lock.param}
                              for lock in model.seed_locks]
    return data


def group_to_data(group: Group) -> dict[str, Any]:
    """A group as the project file (and the clipboard) holds it."""
    return {"object": GROUP_OBJECT, "id": group.id, "title": group.title, "color": group.color,
            "nodes": list(group.nodes), "exposed": [list(e) for e in group.exposed],
            "collapsed": group.collapsed, "position": list(group.position)}


# ---- reading -----------------------------------------------------------------------------

def read_annotations(data: dict, model: ProjectModel, warnings: list[str]) -> None:
    """Fill `model` (whose graph is loaded) with the file's annotations and id counters."""
    graph = model.graph
    counters = data.get(COUNTERS_KEY)
    if isinstance(counters, dict):
        graph.ids = IdCounters({k: v for k, v in counters.items() if isinstance(k, str) and k.isalpha()
                                and isinstance(v, int) and not isinstance(v, bool) and 0 < v < 10**18})
    for entry in _entries(data, "backdrops", BACKDROP_OBJECT, warnings):
        _add(warnings, "backdrop", entry, lambda e: model.insert_backdrop(
            Backdrop(_text(e, "id"), e.get("title", ""), e.get("color", ""), e.get("rect"))))
    for entry in _entries(data, "groups", GROUP_OBJECT, warnings):
        _add(warnings, "group", entry, lambda e: _add_group(model, e, warnings))
    for entry in _entries(data, "reroutes", REROUTE_OBJECT, warnings):
        _add(warnings, "reroute", entry, lambda e: _add_reroute(model, e))
    for entry in _entries(data, "seed_locks", SEED_LOCK_OBJECT, warnings):
        _add(warnings, "seed lock", entry, lambda e: _add_seed_lock(model, e))
    # Ids in use are never handed out again, whatever the counters say (a file from before them, or edited).
    graph.ids.move_past([*graph.nodes, *graph.links, *model.backdrops, *model.groups])


def _entries(data: dict, key: str, label: str, warnings: list[str]) -> list[dict]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        warnings.append(f"the project's {key} are not a list and were left out")
        return []
    found = []
    for entry in raw:
        if isinstance(entry, dict) and entry.get("object", label) == label:
            found.append(entry)
        else:
            warnings.append(f"an entry of the project's {key} is not a {label} object and was left out: "
                            f"{short_repr(entry)}")
    return found


def _add(warnings: list[str], what: str, entry: dict, insert) -> None:
    try:
        insert(entry)
    except (AiprodError, TypeError, ValueError) as exc:
        warnings.append(f"a {what} was left out: {exc}")


def _text(entry: dict, key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"its {key} {short_repr(value)} is not a name")
    return value


def _add_group(model: ProjectModel, entry: dict, warnings: list[str]) -> None:
    """A group as saved, less what a hand-edited file broke: a node not in the file or already in another
    group, or a shown parameter its node does not have, is left out with a warning (the group stays)."""
    group_id, graph = _text(entry, "id"), model.graph
    nodes = entry.get("nodes")
    if not isinstance(nodes, list):
        raise ValueError("its nodes are not a list")
    kept = []
    for node_id in nodes:
        if not isinstance(node_id, str) or node_id not in graph.nodes:
            warnings.append(f"group {short_repr(group_id)}: node {short_repr(node_id)} is not in the file and was left out")
        elif model.group_of(node_id) is not None or node_id in kept:
            warnings.append(f"group {short_repr(group_id)}: node {short_repr(node_id)} is already in a group and was "
                            "left out of this one")
        else:
            kept.append(node_id)
    exposed = entry.get("exposed", [])
    if not isinstance(exposed, list):
        raise ValueError("its exposed parameters are not a list")
    shown = []
    for item in exposed:
        node_id, name = item if isinstance(item, list) and len(item) == 2 else (None, None)
        schema = graph.schema_of(node_id) if isinstance(node_id, str) and node_id in kept else None
        if node_id in kept and isinstance(name, str) and (schema is None or schema.param(name) is not None):
            shown.append((node_id, name))  # a node whose type is not installed keeps what it showed
        else:
            warnings.append(f"group {short_repr(group_id)}: the shown parameter {short_repr(item)} is not a parameter "
                            "of a node in it and was left out")
    if not kept:
        raise ValueError("none of its nodes are in the file")
    model.insert_group(Group(group_id, entry.get("title", ""), entry.get("color", ""), tuple(kept), tuple(shown),
                             entry.get("collapsed", True), entry.get("position", (0.0, 0.0))))


def _add_reroute(model: ProjectModel, entry: dict) -> None:
    link_id = _text(entry, "link")
    if link_id not in model.graph.links:
        raise ValueError(f"it routes link {short_repr(link_id)}, which is not in the file")
    if not isinstance(entry.get("points"), list):
        raise ValueError("its points are not a list")
    model.assign_reroute(link_id, tuple(entry["points"]))


def _add_seed_lock(model: ProjectModel, entry: dict) -> None:
    node_id, param = _text(entry, "node"), _text(entry, "param")
    if node_id not in model.graph.nodes:
        raise ValueError(f"it locks a seed of node {short_repr(node_id)}, which is not in the file")
    model.assign_seed_lock(SeedLock(node_id, param), True)


# ---- format 1 -> 2 -------------------------------------------------------------------------

def upgrade_annotations_from_v1(data: dict) -> dict:
    """Move format 1's settings["backdrops"/"reroutes"/"seed_locks"] into format 2's typed lists.

    A reroute of format 1 named its link and the link's ends, because link ids were reused; one
    whose link now joins other ports belonged to a deleted link and is dropped here, as is a lock
    whose node is gone.
    """
    data = copy.copy(data)
    settings = data.get("settings")
    if not isinstance(settings, dict):
        return data
    settings = dict(settings)
    backdrops = settings.pop("backdrops", None)
    reroutes = settings.pop("reroutes", None)
    locks = settings.pop("seed_locks", None)
    data["settings"] = settings
    if isinstance(backdrops, list):
        data["backdrops"] = [{"object": BACKDROP_OBJECT, **b} if isinstance(b, dict) else b for b in backdrops]
    if isinstance(reroutes, list):
        ends = {}
        for link in data.get("links", []) if isinstance(data.get("links"), list) else []:
            try:
                ends[link["id"]] = ([link["from"]["node"], link["from"]["port"]], [link["to"]["node"], link["to"]["port"]])
            except (KeyError, TypeError):
                continue  # the loader reports the broken link itself
        data["reroutes"] = [{"object": REROUTE_OBJECT, "link": r.get("link"), "points": r.get("points")}
                            for r in reroutes if isinstance(r, dict) and isinstance(r.get("link"), str)
                            and ends.get(r.get("link")) == (r.get("from"), r.get("to"))]
    if isinstance(locks, dict):
        # Format 1 kept the locks of deleted nodes (and gave them to the next node of that id); drop them.
        nodes = {n.get("id") for n in data.get("nodes", []) if isinstance(n, dict)} \
            if isinstance(data.get("nodes"), list) else set()
        data["seed_locks"] = [{"object": SEED_LOCK_OBJECT, "node": node, "param": name}
                              for node, names in locks.items() if node in nodes and isinstance(names, list)
                              for name in names if isinstance(name, str)]
    return data
