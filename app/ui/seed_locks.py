"""Seed locks: which seeds "New Seeds" leaves alone, kept in project.settings["seed_locks"].

A studio that likes a take locks its seed; rolling new seeds for a shot or the whole graph then
changes only the unlocked ones. A lock renders nothing, so it is UI state in the project's
settings ({node id: [param names]}), changed through SetProjectSetting so it undoes like any edit.
"""

from __future__ import annotations

import random

from engine.commands import SetParam
from engine.schema import SEED_MAX

from .settings_command import SetProjectSetting

KEY = "seed_locks"


def locks(project) -> dict[str, list[str]]:
    """The project's locks; a malformed entry (a hand-edited file) counts as no lock."""
    raw = project.settings.get(KEY)
    if not isinstance(raw, dict):
        return {}
    return {node: [n for n in names if isinstance(n, str)] for node, names in raw.items()
            if isinstance(node, str) and isinstance(names, list)}


def is_locked(project, node_id: str, name: str) -> bool:
    return name in locks(project).get(node_id, [])


def set_locked(document, node_id: str, name: str, locked: bool) -> None:
    current = locks(document.project)
    names = [n for n in current.get(node_id, []) if n != name] + ([name] if locked else [])
    if names:
        current[node_id] = names
    else:
        current.pop(node_id, None)
    verb = "Lock" if locked else "Unlock"
    document.stack.push(SetProjectSetting(document.project, KEY, current, f"{verb} {node_id}.{name}"))


def seed_params(graph, node_id: str) -> list[str]:
    schema = graph.schema_of(node_id)
    return [p.name for p in schema.params if p.kind == "seed"] if schema is not None else []


def new_seeds(document, node_ids, rng: random.Random | None = None) -> int:
    """Give every unlocked seed of `node_ids` a new random value, in one undo step; returns how many."""
    rng = rng or random.Random()
    graph, project = document.graph, document.project
    changes = [(node_id, name) for node_id in node_ids if node_id in graph.nodes
               for name in seed_params(graph, node_id) if not is_locked(project, node_id, name)]
    if changes:
        with document.stack.group(f"New seeds for {len(changes)} parameter(s)"):
            for node_id, name in changes:
                document.stack.push(SetParam(node_id, name, rng.randint(0, SEED_MAX)))
    return len(changes)
