"""How a Sequence's joins differ from its transition: the columns of the Joins table and what its rows mean.

One row per join made differently: the join's number (join 2 is between shots 2 and 3), its
transition, and the transition's length in seconds (a cut has none). Joins without a row use the
node's transition. A bad row raises ParamError naming the row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ParamError
from engine.schema import EnumParam, IntParam, Param, TimeParam

from .sequence import MAX_TRANSITION_SECONDS, TRANSITIONS

JOIN_COLUMNS: tuple[Param, ...] = (
    IntParam("join", 1, min=1, help="Which join: join 1 is between shots 1 and 2."),
    EnumParam("transition", "dissolve", TRANSITIONS, help="How the two shots join."),
    TimeParam("seconds", 1.0, max=MAX_TRANSITION_SECONDS, help="Length of a dissolve or fade (a cut has none)."),
)


@dataclass(frozen=True)
class JoinOverride:
    """How join `join` (between shot `join` and `join` + 1) is made, and where it was written."""

    row: int  # the table row (a line, in the old text), for messages
    join: int
    kind: str  # one of TRANSITIONS
    seconds: float | None  # None: the node's transition length (only the old text could leave it out)


def overrides_from_rows(rows: list[dict]) -> dict[int, JoinOverride]:
    """Join number -> override, from checked Joins rows; a join given twice names both rows."""
    overrides: dict[int, JoinOverride] = {}
    for number, row in enumerate(rows, start=1):
        join = row["join"]
        if join in overrides:
            raise ParamError(f"joins row {number}, column join: join {join} is already set in row "
                             f"{overrides[join].row}; give each join one row")
        overrides[join] = JoinOverride(number, join, row["transition"], row["seconds"])
    return overrides


def rows_from_overrides(overrides: dict[int, JoinOverride], default_seconds: float) -> list[dict]:
    """Joins rows for these overrides, in the order written; a length left out becomes `default_seconds`."""
    return [{"join": o.join, "transition": o.kind,
             "seconds": float(o.seconds if o.seconds is not None else 0.0 if o.kind == "cut" else default_seconds)}
            for o in sorted(overrides.values(), key=lambda o: o.row)]
