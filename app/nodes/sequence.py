"""Sequence: shots joined in order with cuts, dissolves and fades into one clip."""

from __future__ import annotations

from fractions import Fraction

from engine.errors import NodeExecutionError
from engine.media.sequence import TRANSITIONS, Join, SequenceClip
from engine.ports import FRAMES
from engine.schema import EnumParam, FloatParam, NodeSchema, NodeType, Port


def seconds_to_frames(seconds: float, fps: Fraction) -> int:
    return round(Fraction(seconds).limit_denominator(1000) * fps)


class Sequence(NodeType):
    schema = NodeSchema(
        type_id="edit.sequence", title="Sequence", category="Edit", cache_outputs=False,
        inputs=(Port("shots", FRAMES, multiple=True, help="Shots in the order they play (the order of the links)."),),
        outputs=(Port("frames", FRAMES),),
        params=(
            EnumParam("transition", "cut", TRANSITIONS, help="How each shot joins the next."),
            FloatParam("transition_seconds", 1.0, min=0.0, max=30.0, help="Length of each dissolve or fade."),
            FloatParam("fade_in", 0.0, min=0.0, max=60.0, help="Seconds of fade up from black at the start."),
            FloatParam("fade_out", 0.0, min=0.0, max=60.0, help="Seconds of fade to black at the end."),
        ),
        help="Joins shots into one clip with cuts, dissolves or fades through black.",
    )

    def execute(self, ctx, inputs, params):
        shots = inputs["shots"]
        fps = shots[0].fps
        length = 0 if params["transition"] == "cut" else seconds_to_frames(params["transition_seconds"], fps)
        joins = [Join(params["transition"], length) for _ in shots[1:]]
        try:
            clip = SequenceClip(shots, joins, seconds_to_frames(params["fade_in"], fps),
                                seconds_to_frames(params["fade_out"], fps))
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"frames": clip}
