"""Seed locks and "New Seeds": rolling new seeds for a shot or the whole graph changes only the unlocked ones.

A studio that likes a take locks its seed. Locks are part of the project model
(engine.project_model.SeedLock), edited by the SetSeedLock command so they undo like any edit,
and removed with their node in the same step.
"""

from __future__ import annotations

import random

from engine.annotation_commands import SetSeedLock
from engine.commands import SetParam
from engine.schema import SEED_MAX


def set_locked(document, node_id: str, name: str, locked: bool) -> None:
    document.stack.push(SetSeedLock(node_id, name, locked))


def seed_params(graph, node_id: str) -> list[str]:
    schema = graph.schema_of(node_id)
    return [p.name for p in schema.params if p.kind == "seed"] if schema is not None else []


def new_seeds(document, node_ids, rng: random.Random | None = None) -> int:
    """Give every unlocked seed of `node_ids` a new random value, in one undo step; returns how many."""
    rng = rng or random.Random()
    model = document.model
    changes = [(node_id, name) for node_id in node_ids if node_id in model.graph.nodes
               for name in seed_params(model.graph, node_id) if not model.is_locked(node_id, name)]
    if changes:
        with document.stack.group(f"New seeds for {len(changes)} parameter(s)"):
            for node_id, name in changes:
                document.stack.push(SetParam(node_id, name, rng.randint(0, SEED_MAX)))
    return len(changes)
