"""Sequence: shots joined in order with cuts, dissolves and fades into one clip.

One transition applies to every join unless the Joins text sets some joins apart, one per line.
"""

from __future__ import annotations

from engine.errors import NodeExecutionError, ParamError
from engine.media.clip import Clip
from engine.media.sequence import JOINS_EXAMPLE, TRANSITIONS, Join, SequenceClip, parse_join_overrides
from engine.ports import FRAMES
from engine.timebase import frames_from_seconds
from engine.schema import EnumParam, FloatParam, NodeSchema, NodeType, Port, StringParam


def joins_for(shots: list[Clip], params: dict) -> list[Join]:
    """The join between each pair of shots: the node's transition, or the Joins line for it."""
    overrides = parse_join_overrides(params["joins"])
    last_join = len(shots) - 1
    for override in overrides.values():
        if override.join > last_join:
            linked = (f"only {len(shots)} shots are linked (joins 1 to {last_join})" if last_join > 1
                      else "only 2 shots are linked (join 1)" if last_join == 1 else "only one shot is linked")
            raise NodeExecutionError(f"joins line {override.line}: join {override.join} would be between shots "
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
        type_id="edit.sequence", title="Sequence", category="Edit", cache_outputs=False,
        inputs=(Port("shots", FRAMES, multiple=True, help="Shots in the order they play (the order of the links)."),),
        outputs=(Port("frames", FRAMES),),
        params=(
            EnumParam("transition", "cut", TRANSITIONS, help="How each shot joins the next (unless Joins says)."),
            FloatParam("transition_seconds", 1.0, min=0.0, max=30.0, help="Length of each dissolve or fade."),
            StringParam("joins", "", multiline=True,
                        help=f"Joins made differently, one per line, e.g. {JOINS_EXAMPLE}. Join 2 is between "
                             "shots 2 and 3; the transition is cut, dissolve or fade (through black); the "
                             "length is in seconds, and left out it is Transition seconds. # starts a comment."),
            FloatParam("fade_in", 0.0, min=0.0, max=60.0, help="Seconds of fade up from black at the start."),
            FloatParam("fade_out", 0.0, min=0.0, max=60.0, help="Seconds of fade to black at the end."),
        ),
        help="Joins shots into one clip with cuts, dissolves or fades through black, each join its own if need be.",
    )

    def problems(self, params, project_dir):
        try:  # a join number beyond the shots is found only at run time, when the links are counted
            parse_join_overrides(params.get("joins") or "")
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
