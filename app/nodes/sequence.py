"""Sequence: shots joined in order with cuts, dissolves and fades into one clip.

One transition applies to every join unless the Joins table sets some joins apart, one per row
(version 1 wrote them as text; upgrade_params turns it into rows). The shots play in the order of
the links into `shots`, which engine.commands.ReorderInputs changes. The Trims table cuts frames
off shots and leaves black gaps, and Markers name points in time (engine/media/sequence_trims.py);
the timeline panel edits all three (engine/timeline/).
"""

from __future__ import annotations

import numpy as np

from engine.errors import NodeExecutionError, ParamError
from engine.media.clip import Clip, StillClip, SubClip
from engine.media.sequence import TRANSITIONS, Join, SequenceClip
from engine.media.sequence_joins import JOIN_COLUMNS, overrides_from_rows, rows_from_overrides
from engine.media.sequence_joins_text import parse_join_overrides
from engine.media.sequence_trims import MARKER_COLUMNS, TRIM_COLUMNS, ShotTrim, renumbered_rows, trims_from_rows
from engine.ports import FRAMES
from engine.schema import EnumParam, FloatParam, NodeSchema, NodeType, Port, TableParam
from engine.timebase import frames_from_seconds


def joins_for(shots: list[Clip], params: dict) -> list[Join]:
    """The join between each pair of shots: the node's transition, or the Joins row for it."""
    overrides = overrides_from_rows(params["joins"])
    last_join = len(shots) - 1
    for override in overrides.values():
        if override.join > last_join:
            linked = (f"only {len(shots)} shots are linked (joins 1 to {last_join})" if last_join > 1
                      else "only 2 shots are linked (join 1)" if last_join == 1 else "only one shot is linked")
            raise NodeExecutionError(f"joins row {override.row}: join {override.join} would be between shots "
                                     f"{override.join} and {override.join + 1}, but {linked}")
    fps = shots[0].fps
    gaps = {number for number, trim in trims_from_rows(params["trims"]).items() if trim.gap > 0}
    joins = []
    for number in range(1, len(shots)):
        override = overrides.get(number)
        kind = override.kind if override else params["transition"]
        if number + 1 in gaps:  # black comes between the two shots: nothing to dissolve between
            kind = "cut"
        seconds = override.seconds if override and override.seconds is not None else params["transition_seconds"]
        joins.append(Join(kind, 0 if kind == "cut" else frames_from_seconds(seconds, fps)))
    return joins


def trimmed_shots(shots: list[Clip], joins: list[Join], params: dict) -> tuple[list[Clip], list[Join]]:
    """The shots with their Trims applied, and a black clip (with cuts) for each gap before a shot."""
    trims = trims_from_rows(params["trims"])
    beyond = [t for t in trims.values() if t.shot > len(shots)]
    if beyond:
        raise NodeExecutionError(f"trims row {beyond[0].row}: there is no shot {beyond[0].shot} "
                                 f"(only {len(shots)} linked); delete the row")
    pieces: list[Clip] = []
    piece_joins: list[Join] = []
    for number, shot in enumerate(shots, start=1):
        trim = trims.get(number, ShotTrim(0, number))
        if number > 1:
            piece_joins.append(joins[number - 2])
        if trim.gap > 0:
            gap = frames_from_seconds(trim.gap, shot.fps)
            if gap > 0:
                black = np.zeros((shot.height, shot.width, shot.info.channels), np.float32)
                pieces.append(StillClip(black, shot.fps, gap, shot.color_space))
                piece_joins.append(Join("cut", 0))
        head, tail = frames_from_seconds(trim.head, shot.fps), frames_from_seconds(trim.tail, shot.fps)
        if head + tail >= shot.frame_count:
            raise NodeExecutionError(f"trims row {trim.row}: shot {number} has {shot.frame_count} frames; cutting "
                                     f"{head} from its head and {tail} from its tail leaves none; trim less")
        pieces.append(SubClip(shot, head, shot.frame_count - head - tail) if head or tail else shot)
    return pieces, piece_joins


class Sequence(NodeType):
    schema = NodeSchema(
        type_id="edit.sequence", title="Sequence", category="Edit", version=2, cache_outputs=False,
        inputs=(Port("shots", FRAMES, multiple=True,
                     help="Shots in the order they play (the order of the links; Move up/down in the inspector)."),),
        outputs=(Port("frames", FRAMES),),
        params=(
            EnumParam("transition", "cut", TRANSITIONS, help="How each shot joins the next (unless Joins says)."),
            FloatParam("transition_seconds", 1.0, min=0.0, max=30.0, help="Length of each dissolve or fade."),
            TableParam("joins", JOIN_COLUMNS,
                       help="Joins made differently, one per row: the join (join 2 is between shots 2 and 3), "
                            "its transition (cut, dissolve or fade through black) and its length in seconds."),
            FloatParam("fade_in", 0.0, min=0.0, max=60.0, help="Seconds of fade up from black at the start."),
            FloatParam("fade_out", 0.0, min=0.0, max=60.0, help="Seconds of fade to black at the end."),
            TableParam("trims", TRIM_COLUMNS,
                       help="Shots cut shorter, one per row: the shot (by number), seconds cut from its head and "
                            "tail, and seconds of black before it. The shot is not made again when it changes."),
            TableParam("markers", MARKER_COLUMNS, keyed=False,
                       help="Named points on the timeline (seconds, name, colour); they change no frame."),
        ),
        help="Joins shots into one clip with cuts, dissolves or fades through black, each join its own if need be.",
    )

    @classmethod
    def upgrade_params(cls, params, from_version):
        # Version 1 wrote the joins as text ('2: dissolve 1.0' per line). A length left out meant
        # Transition seconds, which the row now holds. Text that does not read is kept as it is:
        # loading warns and the node fails until the table is set, so nothing typed is lost.
        if from_version < 2 and isinstance(params.get("joins"), str):
            try:
                overrides = parse_join_overrides(params["joins"])
            except ParamError:
                return params
            params["joins"] = rows_from_overrides(overrides, params.get("transition_seconds", 1.0))
        return params

    def problems(self, params, paths):
        try:  # a join or shot number beyond the shots is found only at run time, when the links are counted
            overrides_from_rows(self.schema.param("joins").coerce(params.get("joins", [])))
            trims_from_rows(self.schema.param("trims").coerce(params.get("trims", [])))
        except ParamError as exc:
            return [str(exc)]
        return []

    def params_after_relink(self, port, params, order):
        """Trims follow their shot; a join follows the shot it leads into, and the joins on both sides
        of an unlinked shot become one cut (as an editor closes the hole)."""
        if port != "shots":
            return {}
        try:
            return self._renumbered(params, order)
        except (KeyError, TypeError, AttributeError):
            return {}  # rows that do not read (a hand-edited file): loading already warned; left as they are

    @staticmethod
    def _renumbered(params, order):
        changed = {}
        trims = renumbered_rows(params.get("trims", []), "shot", order)
        if trims != params.get("trims", []):
            changed["trims"] = trims
        # Join n leads into shot n + 1: renumber by that shot, and drop a join whose shots are no longer adjacent.
        joins = []
        for row in params.get("joins", []):
            into = row["join"] + 1
            if into in order and order.index(into) > 0 and order[order.index(into) - 1] == row["join"]:
                joins.append(dict(row, join=order.index(into)))
        joins.sort(key=lambda row: row["join"])
        if joins != params.get("joins", []):
            changed["joins"] = joins
        return changed

    def execute(self, ctx, inputs, params):
        shots = inputs["shots"]
        fps = shots[0].fps
        joins = joins_for(shots, params)
        shots, joins = trimmed_shots(shots, joins, params)
        try:
            clip = SequenceClip(shots, joins, frames_from_seconds(params["fade_in"], fps),
                                frames_from_seconds(params["fade_out"], fps))
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"frames": clip}
