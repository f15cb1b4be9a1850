"""Sequence: shots joined in order with cuts, dissolves and fades into one clip.

One transition applies to every join unless the Joins table sets some joins apart, one per row
(version 1 wrote them as text; upgrade_params turns it into rows). The shots play in the order of
the links into `shots`, which engine.commands.ReorderInputs changes.
"""

from __future__ import annotations

from engine.errors import NodeExecutionError, ParamError
from engine.media.clip import Clip
from engine.media.sequence import TRANSITIONS, Join, SequenceClip
from engine.media.sequence_joins import JOIN_COLUMNS, overrides_from_rows, rows_from_overrides
from engine.media.sequence_joins_text import parse_join_overrides
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
    joins = []
    for number in range(1, len(shots)):
        override = overrides.get(number)
        kind = override.kind if override else params["transition"]
        seconds = override.seconds if override and override.seconds is not None else params["transition_seconds"]
        joins.append(Join(kind, 0 if kind == "cut" else frames_from_seconds(seconds, fps)))
    return joins


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
        try:  # a join number beyond the shots is found only at run time, when the links are counted
            overrides_from_rows(self.schema.param("joins").coerce(params.get("joins", [])))
        except ParamError as exc:
            return [str(exc)]
        return []

    def execute(self, ctx, inputs, params):
        shots = inputs["shots"]
        fps = shots[0].fps
        joins = joins_for(shots, params)
        try:
            clip = SequenceClip(shots, joins, frames_from_seconds(params["fade_in"], fps),
                                frames_from_seconds(params["fade_out"], fps))
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"frames": clip}
