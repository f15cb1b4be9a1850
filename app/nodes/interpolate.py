"""Interpolate node: optical-flow in-betweens for keyframes, or a shot retimed to another frame rate."""

from __future__ import annotations

from engine.errors import NodeExecutionError
from engine.media.flow import QUALITIES, inbetween_clip, resample_fps_clip
from engine.ports import FRAMES
from engine.schema import EnumParam, IntParam, NodeSchema, NodeType, Port

from .scene import FPS_CHOICES, fps_of

MODES = ("in-betweens per gap", "target fps")


class Interpolate(NodeType):
    # Cached (the default): flow costs a few hundred ms per keyframe pair and tens of ms per
    # in-between on a CPU, far more than reading the frames back.
    schema = NodeSchema(
        type_id="shot.interpolate", title="Interpolate", category="Shot",
        # 2: in-betweens summed by the C flow kernel, within 2.4e-7 of older releases' bits. 3: their
        # weights made by the kernel too, the flows sampled exactly (cv2.remap snapped to 1/32 px): over 75 dB.
        revision=3,
        inputs=(Port("frames", FRAMES, help="Keyframes (2 or more frames) or a shot to retime."),),
        outputs=(Port("frames", FRAMES, help="The frames with in-betweens."),),
        params=(
            EnumParam("mode", MODES[0], MODES,
                      help="In-betweens per gap: N new frames between each pair, at N+1 times the frame rate so "
                           "the keyframes keep their times. Target fps: the same duration at another rate."),
            IntParam("count", 3, min=1, max=119, help="In-betweens between each pair of frames."),
            EnumParam("fps", "24", FPS_CHOICES, help="Frame rate to retime to (target fps mode)."),
            EnumParam("quality", "normal", tuple(QUALITIES),
                      help="Flow detail: draft (fast, 480 px), normal (960 px), high (full size, slower)."),
        ),
        help="Creates in-between frames by bidirectional optical flow, taking uncovered background from "
             "the keyframe where it is visible. Good for moderate motion; not a generative model.",
    )

    def execute(self, ctx, inputs, params):
        source = inputs["frames"]
        if source.frame_count < 2:
            raise NodeExecutionError(f"Interpolate needs at least 2 frames to put in-betweens between; the "
                                     f"input has {source.frame_count}. Link keyframes or a longer shot.")
        if params["mode"] == "target fps":
            return {"frames": resample_fps_clip(source, fps_of(params["fps"]), params["quality"])}
        return {"frames": inbetween_clip(source, params["count"], params["quality"])}
