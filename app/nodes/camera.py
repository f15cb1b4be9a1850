"""Camera nodes: a parametric move as a CameraPath, and the same move applied to a shot.

"Camera Path" only describes the move (for a Scene to use); "Camera" also renders it over
incoming frames. They are two types because every output must have a value: a Frames output
with no Frames input would have nothing to show.
"""

from __future__ import annotations

import math

from engine.errors import NodeExecutionError
from engine.media.camera import NAMED_EASINGS, CameraPath, Key, Pose, Shake
from engine.media.camera_render import FITS, SAMPLING, camera_clip
from engine.ports import CAMERA_PATH, FRAMES
from engine.schema import EnumParam, FloatParam, IntParam, NodeSchema, NodeType, Port, SeedParam

from .resolution import RESOLUTION_CHOICES, RESOLUTIONS

MOVES = ("static", "push in", "pull out", "dolly in", "dolly out", "pan left", "pan right", "tilt up", "tilt down",
         "roll", "orbit", "custom")
EASING_CHOICES = (*NAMED_EASINGS, "cubic-bezier")
SAME_AS_INPUT = "same as input"
_PRESET_ASPECT = 16 / 9  # presets that roll zoom in enough to hide the corners of a 16:9 frame


def _pose_params(prefix: str, zoom: float) -> tuple:
    return (
        FloatParam(f"{prefix}_pan_x", 0.0, min=-2.0, max=2.0, step=0.01,
                   help="Where the camera looks, in fractions of the frame width (custom move)."),
        FloatParam(f"{prefix}_pan_y", 0.0, min=-2.0, max=2.0, step=0.01,
                   help="Where the camera looks, in fractions of the frame height; down is positive (custom move)."),
        FloatParam(f"{prefix}_zoom", zoom, min=0.05, max=20.0, step=0.05,
                   help="Magnification about the frame centre; 1 shows the whole picture (custom move)."),
        FloatParam(f"{prefix}_roll", 0.0, min=-360.0, max=360.0, step=0.5,
                   help="Camera roll in degrees, clockwise (custom move)."),
        FloatParam(f"{prefix}_dolly", 0.0, min=-10.0, max=0.95, step=0.05,
                   help="Push toward the picture: 0.5 = half way = 2x about the focus point (custom move)."),
        FloatParam(f"{prefix}_focus_x", 0.5, min=0.0, max=1.0, step=0.01,
                   help="Point a dolly pushes toward, fraction of the frame width (also used by dolly moves)."),
        FloatParam(f"{prefix}_focus_y", 0.5, min=0.0, max=1.0, step=0.01,
                   help="Point a dolly pushes toward, fraction of the frame height."),
    )


MOVE_PARAMS = (
    EnumParam("move", "push in", MOVES, help="A ready-made move scaled by Amount, or 'custom' to use the "
                                             "start and end values."),
    FloatParam("amount", 0.2, min=0.0, max=2.0, step=0.05, help="How strong a ready-made move is."),
    *_pose_params("start", 1.0),
    *_pose_params("end", 1.2),
    EnumParam("easing", "ease-in-out", EASING_CHOICES, help="How the move speeds up and slows down."),
    FloatParam("bezier_x1", 0.25, min=0.0, max=1.0, step=0.01, help="cubic-bezier easing control point 1 x."),
    FloatParam("bezier_y1", 0.1, min=-2.0, max=3.0, step=0.01, help="cubic-bezier easing control point 1 y."),
    FloatParam("bezier_x2", 0.25, min=0.0, max=1.0, step=0.01, help="cubic-bezier easing control point 2 x."),
    FloatParam("bezier_y2", 1.0, min=-2.0, max=3.0, step=0.01, help="cubic-bezier easing control point 2 y."),
    FloatParam("shake", 0.0, min=0.0, max=0.1, step=0.002,
               help="Handheld wobble, as the largest offset in fractions of the frame (0 = locked off)."),
    FloatParam("shake_frequency", 1.5, min=0.1, max=20.0, step=0.1, help="How fast the wobble is, in Hz."),
    SeedParam(help="Which wobble; the same seed gives the same shake."),
    FloatParam("shutter_angle", 0.0, min=0.0, max=360.0, step=15.0,
               help="Motion blur: the part of each frame the shutter is open, in degrees (180 looks like film; "
                    "0 = none)."),
    IntParam("blur_samples", 8, min=1, max=64, help="Sub-frame samples averaged for motion blur (more = smoother)."),
)


def _poses_for(move: str, amount: float, params: dict) -> tuple[Pose, Pose]:
    def pose(prefix: str) -> Pose:
        return Pose(*(params[f"{prefix}_{name}"] for name in ("pan_x", "pan_y", "zoom", "roll", "dolly",
                                                               "focus_x", "focus_y")))

    if move == "custom":
        return pose("start"), pose("end")
    zoom = 1.0 + amount
    room = 0.5 * (1.0 - 1.0 / zoom)  # how far the view can travel at this zoom and stay inside the picture
    focus = {"focus_x": params["start_focus_x"], "focus_y": params["start_focus_y"]}
    angle = 20.0 * amount
    half = math.radians(angle / 2)
    cover = math.cos(half) + _PRESET_ASPECT * math.sin(half)  # zoom hiding the corners at this roll
    presets = {
        "static": (Pose(), Pose()),
        "push in": (Pose(), Pose(zoom=zoom)),
        "pull out": (Pose(zoom=zoom), Pose()),
        "dolly in": (Pose(**focus), Pose(dolly=amount / zoom, **focus)),
        "dolly out": (Pose(dolly=amount / zoom, **focus), Pose(**focus)),
        "pan left": (Pose(pan_x=room, zoom=zoom), Pose(pan_x=-room, zoom=zoom)),
        "pan right": (Pose(pan_x=-room, zoom=zoom), Pose(pan_x=room, zoom=zoom)),
        "tilt up": (Pose(pan_y=room, zoom=zoom), Pose(pan_y=-room, zoom=zoom)),
        "tilt down": (Pose(pan_y=-room, zoom=zoom), Pose(pan_y=room, zoom=zoom)),
        "roll": (Pose(roll=-angle / 2, zoom=cover), Pose(roll=angle / 2, zoom=cover)),
        # An orbit-like sweep: travel sideways while rolling against it and pushing in a little.
        "orbit": (Pose(pan_x=-room, roll=angle / 2, zoom=zoom * cover),
                  Pose(pan_x=room, roll=-angle / 2, zoom=zoom * cover * (1 + amount / 2))),
    }
    return presets[move]


def path_from_params(params: dict) -> CameraPath:
    """The CameraPath a Camera node's parameters describe."""
    start, end = _poses_for(params["move"], params["amount"], params)
    easing = params["easing"]
    if easing == "cubic-bezier":
        easing = (params["bezier_x1"], params["bezier_y1"], params["bezier_x2"], params["bezier_y2"])
    shake = Shake(params["shake"], params["shake_frequency"], params["seed"])
    keys = (Key(0.0, start, easing), Key(1.0, end))
    path = CameraPath(keys, shake, params["shutter_angle"], params["blur_samples"])
    return CameraPath.from_dict(path.to_dict())  # the same checks as a path arriving on a link


class CameraPathNode(NodeType):
    schema = NodeSchema(
        type_id="shot.camera_path", title="Camera Path", category="Shot",
        outputs=(Port("path", CAMERA_PATH, help="The move, for a Scene or a Camera node."),),
        params=MOVE_PARAMS,
        help="Describes a camera move (push in, pan, roll, dolly, handheld shake, motion blur) without "
             "rendering it; link it to a Scene's camera input.",
    )

    def execute(self, ctx, inputs, params):
        try:
            return {"path": path_from_params(params).to_dict()}
        except ValueError as exc:
            raise NodeExecutionError(f"camera move: {exc}") from exc


class CameraNode(NodeType):
    # Not cached: a move costs about 50 ms per 1080p frame on a CPU, while caching it would write
    # 12 MB of half floats per 1080p frame (1.5 GB for five seconds) of something cheap to redo;
    # the expensive shot it moves (a Scene, an Interpolate) keeps its own cache entry.
    schema = NodeSchema(
        type_id="shot.camera", title="Camera", category="Shot", cache_outputs=False,
        inputs=(Port("frames", FRAMES, help="The shot to move over (a held still or moving frames)."),
                Port("path", CAMERA_PATH, optional=True, help="A move from elsewhere; replaces this node's own.")),
        outputs=(Port("frames", FRAMES, help="The shot seen through the moving camera."),
                 Port("path", CAMERA_PATH, help="The move used.")),
        params=(*MOVE_PARAMS,
                EnumParam("resolution", SAME_AS_INPUT, (SAME_AS_INPUT, *RESOLUTION_CHOICES),
                          help="Output frame size; the move samples the input at its full resolution."),
                EnumParam("fit", "cover", FITS, help="When the aspect ratios differ: cover crops, contain letterboxes."),
                EnumParam("sampling", "bilinear", SAMPLING, help="Bicubic is sharper and may ring slightly.")),
        help="Moves a virtual camera over a shot: pans, zooms, rolls, dolly pushes, handheld shake and "
             "motion blur, resampled once from the full-resolution input.",
    )

    def execute(self, ctx, inputs, params):
        source = inputs["frames"]
        try:
            path = CameraPath.from_dict(inputs["path"]) if inputs["path"] is not None else path_from_params(params)
        except ValueError as exc:
            raise NodeExecutionError(f"camera move: {exc}") from exc
        if source.frame_count == 0:
            raise NodeExecutionError("the incoming shot has no frames; give the Camera a shot at least one frame long")
        if params["resolution"] == SAME_AS_INPUT:
            width, height = source.width, source.height
        else:
            width, height = RESOLUTIONS[params["resolution"]]
        frames = camera_clip(source, path, width, height, params["fit"], params["sampling"])
        return {"frames": frames, "path": path.to_dict()}
