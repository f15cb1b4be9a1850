"""Camera nodes: a parametric move as a CameraPath, and the same move applied to a shot.

"Camera Path" only describes the move (for a Scene to use); "Camera" also renders it over
incoming frames. They are two types because every output must have a value: a Frames output
with no Frames input would have nothing to show.

A move is a ready-made preset, a custom start and end pose, or ("keyframes") any number of poses,
one per row of the Keys table (engine/media/camera_keys.py); version 1 wrote them as text, which
upgrade_params turns into rows.
"""

from __future__ import annotations

import math

from engine.errors import NodeExecutionError, ParamError
from engine.media.camera import NAMED_EASINGS, SPATIAL, CameraPath, Key, Pose, Shake
from engine.media.camera_keys import EASING_HELP, FIELD_RANGES, KEY_COLUMNS, keys_from_rows, rows_from_keys
from engine.media.camera_keys_text import parse_keys
from engine.media.camera_render import FITS, SAMPLING, camera_clip
from engine.ports import CAMERA_PATH, FRAMES
from engine.schema import (BoolParam, EnumParam, FloatParam, IntParam, NodeSchema, NodeType, Param, Port,
                           SeedParam, TableParam)

from .resolution import RESOLUTION_CHOICES, RESOLUTION_RENAMED, RESOLUTIONS

MOVES = ("static", "push in", "pull out", "dolly in", "dolly out", "pan left", "pan right", "tilt up", "tilt down",
         "roll", "orbit", "custom", "keyframes")
EASING_CHOICES = (*NAMED_EASINGS, "cubic-bezier")
SAME_AS_INPUT = "same_as_input"
_PRESET_ASPECT = 16 / 9  # presets that roll zoom in enough to hide the corners of a 16:9 frame


# A gentle three-key move that stays inside the picture, so choosing "keyframes" shows the table working.
DEFAULT_KEYS = (
    {"time": 0.0, "pan_x": -0.08, "pan_y": 0.0, "zoom": 1.2, "roll": 0.0, "dolly": 0.0, "focus_x": 0.5,
     "focus_y": 0.5, "easing": ""},
    {"time": 0.5, "pan_x": 0.05, "pan_y": -0.04, "zoom": 1.35, "roll": 0.0, "dolly": 0.0, "focus_x": 0.5,
     "focus_y": 0.5, "easing": ""},
    {"time": 1.0, "pan_x": 0.1, "pan_y": 0.0, "zoom": 1.5, "roll": 0.0, "dolly": 0.0, "focus_x": 0.5,
     "focus_y": 0.5, "easing": ""},
)
KEYS_HELP = ("One camera pose per row (move 'keyframes'): its time, then pan_x, pan_y, zoom, roll, dolly, focus_x, "
             "focus_y (as for the start/end sliders) and the easing of the move to the next key: "
             f"{EASING_HELP}, or empty to keep the key before's (the first key: the Easing parameter). The time "
             "is a fraction of the shot (0 = first frame, 1 = last), or seconds from the first frame when Key "
             "times in seconds is on; rows in increasing time.")


def _pose_params(prefix: str, zoom: float) -> tuple:
    def ranged(name: str, default: float, step: float, help: str) -> Param:
        low, high = FIELD_RANGES[name]
        return FloatParam(f"{prefix}_{name}", default, min=low, max=high, step=step, help=help)

    return (
        ranged("pan_x", 0.0, 0.01, "Where the camera looks, in fractions of the frame width (custom move)."),
        ranged("pan_y", 0.0, 0.01,
               "Where the camera looks, in fractions of the frame height; down is positive (custom move)."),
        ranged("zoom", zoom, 0.05, "Magnification about the frame centre; 1 shows the whole picture (custom move)."),
        ranged("roll", 0.0, 0.5, "Camera roll in degrees, clockwise (custom move)."),
        ranged("dolly", 0.0, 0.05,
               "Push toward the picture: 0.5 = half way = 2x about the focus point (custom move)."),
        ranged("focus_x", 0.5, 0.01,
               "Point a dolly pushes toward, fraction of the frame width (also used by dolly moves)."),
        ranged("focus_y", 0.5, 0.01, "Point a dolly pushes toward, fraction of the frame height."),
    )


MOVE_PARAMS = (
    EnumParam("move", "push in", MOVES, help="A ready-made move scaled by Amount, 'custom' to use the start and "
                                             "end values, or 'keyframes' for any number of poses listed in Keys."),
    FloatParam("amount", 0.2, min=0.0, max=2.0, step=0.05, help="How strong a ready-made move is."),
    TableParam("keys", KEY_COLUMNS, DEFAULT_KEYS, help=KEYS_HELP),
    BoolParam("keys_in_seconds", False, label="Key times in seconds",
              help="Key times count seconds from the shot's first frame instead of fractions of the shot."),
    EnumParam("path_shape", "linear", SPATIAL,
              help="How the camera travels between keyframes (move 'keyframes'): straight from key to key, or "
                   "along a smooth Bezier curve through them (the pan curves; zoom, roll and dolly still ease)."),
    *_pose_params("start", 1.0),
    *_pose_params("end", 1.2),
    EnumParam("easing", "ease-in-out", EASING_CHOICES,
              help="How the move speeds up and slows down (with keyframes: until a key names its own easing)."),
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
    """The CameraPath a Camera node's parameters describe; a bad key list raises ParamError naming its line."""
    easing = params["easing"]
    if easing == "cubic-bezier":
        easing = (params["bezier_x1"], params["bezier_y1"], params["bezier_x2"], params["bezier_y2"])
    if params["move"] == "keyframes":
        keys, time_unit = keys_from_rows(params["keys"], params["keys_in_seconds"], easing, params["path_shape"])
    else:
        start, end = _poses_for(params["move"], params["amount"], params)
        keys, time_unit = (Key(0.0, start, easing), Key(1.0, end)), "shot"
    shake = Shake(params["shake"], params["shake_frequency"], params["seed"])
    path = CameraPath(keys, shake, params["shutter_angle"], params["blur_samples"], time_unit)
    return CameraPath.from_dict(path.to_dict())  # the same checks as a path arriving on a link


def upgrade_keys_text(params: dict) -> dict:
    """Version 1 wrote the keys as text ('0.5 zoom=1.3 pan_x=0.1' per line): the same keys as rows.

    Text that does not read as keys is kept as it is: loading warns about it and the node fails
    until the table is set, so nothing typed is lost. Text with no keys at all becomes an empty table.
    """
    text = params.get("keys")
    if not isinstance(text, str):
        return params
    try:
        keys, unit = parse_keys(text, None)
    except ParamError:
        if any(line.split("#", 1)[0].strip() for line in text.splitlines()):
            return params
        keys, unit = (), "shot"
    params["keys"] = rows_from_keys(keys)
    params["keys_in_seconds"] = unit == "seconds"
    return params


class _MoveNode(NodeType):
    """What both camera nodes share: `aiprod validate` reads their move without running them; version 2
    holds the keyframes as a table (version 1 as text)."""

    @classmethod
    def upgrade_params(cls, params, from_version):
        if from_version < 2:
            params = upgrade_keys_text(params)
        return params

    def problems(self, params, paths):
        try:
            checked = {p.name: p.coerce(params.get(p.name, p.default)) for p in self.schema.params}
        except ParamError:
            return []  # validate already reports a parameter outside its type or range
        try:
            path_from_params(checked)
        except ParamError as exc:
            return [str(exc)]
        except ValueError as exc:
            return [f"camera move: {exc}"]
        return []


class CameraPathNode(_MoveNode):
    schema = NodeSchema(
        type_id="shot.camera_path", title="Camera Path", category="Shot", version=2,
        outputs=(Port("path", CAMERA_PATH, help="The move, for a Scene or a Camera node."),),
        params=MOVE_PARAMS,
        help="Describes a camera move (push in, pan, roll, dolly, handheld shake, motion blur, or any number "
             "of keyframed poses on straight or Bezier paths) without rendering it; link it to a Scene's camera "
             "input.",
    )

    def execute(self, ctx, inputs, params):
        try:
            return {"path": path_from_params(params).to_dict()}
        except ValueError as exc:
            raise NodeExecutionError(f"camera move: {exc}") from exc


class CameraNode(_MoveNode):
    # Not cached: a move costs about 30-40 ms of one CPU core per 1080p frame, while caching it would write
    # 12 MB of half floats per 1080p frame (1.5 GB for five seconds) of something cheap to redo;
    # the expensive shot it moves (a Scene, an Interpolate) keeps its own cache entry.
    schema = NodeSchema(
        type_id="shot.camera", title="Camera", category="Shot", version=2, cache_outputs=False,
        # 2: resampled by OpenCV or the C warp kernel (within 109 dB of torch's grid_sample). Its frames
        # are not cached, but its key is in the keys of what it feeds, which may be.
        revision=2,
        inputs=(Port("frames", FRAMES, help="The shot to move over (a held still or moving frames)."),
                Port("path", CAMERA_PATH, optional=True, help="A move from elsewhere; replaces this node's own.")),
        outputs=(Port("frames", FRAMES, help="The shot seen through the moving camera."),
                 Port("path", CAMERA_PATH, help="The move used.")),
        params=(*MOVE_PARAMS,
                EnumParam("resolution", SAME_AS_INPUT, ((SAME_AS_INPUT, "same as input"), *RESOLUTION_CHOICES),
                          renamed={**RESOLUTION_RENAMED, "same as input": SAME_AS_INPUT},
                          help="Output frame size; the move samples the input at its full resolution."),
                EnumParam("fit", "cover", FITS, help="When the aspect ratios differ: cover crops, contain letterboxes."),
                EnumParam("sampling", "bilinear", SAMPLING, help="Bicubic is sharper and may ring slightly.")),
        help="Moves a virtual camera over a shot: pans, zooms, rolls, dolly pushes, keyframed poses on straight "
             "or Bezier paths, handheld shake and motion blur, resampled once from the full-resolution input.",
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
