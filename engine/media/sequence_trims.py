"""What a Sequence cuts from its shots, the black gaps it leaves, and its markers: the tables' columns
and what their rows mean.

A trim takes frames off the head or tail of the shot as it was made (the shot itself is not made
again: only the Sequence and what follows it re-run), as an editor's source in/out points do. A
gap is black before a shot, left by a trim or a delete that did not ripple; the cuts on both sides
of a gap are plain cuts. Rows name shots by number in link order, like the Joins table; moving or
unlinking shots renumbers them (Sequence.params_after_relink).

Markers are named points on the sequence's timeline. They do not change a frame, so they are left
out of the cache key (Param.keyed): adding one re-renders nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ParamError
from engine.schema import EnumParam, IntParam, Param, StringParam, TimeParam

TRIM_COLUMNS: tuple[Param, ...] = (
    IntParam("shot", 1, min=1, help="Which shot, by its number in link order (the first shot is 1)."),
    TimeParam("head", 0.0, help="Seconds cut from the start of the shot."),
    TimeParam("tail", 0.0, help="Seconds cut from the end of the shot."),
    TimeParam("gap", 0.0, help="Seconds of black before the shot (the joins on both sides are cuts)."),
)

MARKER_COLORS = ("blue", "green", "yellow", "red", "purple", "cyan")
MARKER_COLUMNS: tuple[Param, ...] = (
    TimeParam("seconds", 0.0, help="Where the marker is, in seconds from the start of the sequence."),
    StringParam("name", "", help="What the marker says."),
    EnumParam("color", "blue", MARKER_COLORS, help="Its colour on the timeline (kept in an exported timeline)."),
)


@dataclass(frozen=True)
class ShotTrim:
    """How shot `shot` is cut, in seconds, and the table row it was written in (for messages)."""

    row: int
    shot: int
    head: float = 0.0
    tail: float = 0.0
    gap: float = 0.0

    @property
    def is_plain(self) -> bool:
        return not (self.head or self.tail or self.gap)


def trims_from_rows(rows: list[dict]) -> dict[int, ShotTrim]:
    """Shot number -> trim, from checked Trims rows; a shot given twice names both rows."""
    trims: dict[int, ShotTrim] = {}
    for number, row in enumerate(rows, start=1):
        shot = row["shot"]
        if shot in trims:
            raise ParamError(f"trims row {number}, column shot: shot {shot} is already trimmed in row "
                             f"{trims[shot].row}; give each shot one row")
        trims[shot] = ShotTrim(number, shot, row["head"], row["tail"], row["gap"])
    return trims


def rows_from_trims(trims: dict[int, ShotTrim]) -> list[dict]:
    """Trims rows in shot order, leaving out shots that are neither trimmed nor after a gap."""
    return [{"shot": t.shot, "head": float(t.head), "tail": float(t.tail), "gap": float(t.gap)}
            for _, t in sorted(trims.items()) if not t.is_plain]


def renumbered_rows(rows: list[dict], key: str, order: list[int | None]) -> list[dict]:
    """Rows that name a shot (or join) by number in `key`, after the shots were reordered or unlinked:
    `order[i]` is the old number of what is now number i + 1; rows of a number no longer there go."""
    new_number = {old: new for new, old in enumerate(order, start=1) if old is not None}
    moved = [dict(row, **{key: new_number[row[key]]}) for row in rows if row.get(key) in new_number]
    return sorted(moved, key=lambda row: row[key])
