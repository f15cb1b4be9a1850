"""Scene node: one shot of exact length and frame rate, made from keyframes by the cheapest method asked for.

Methods, cheapest first: a held still seen through a camera move; keyframes spread over the shot
with optical-flow in-betweens (then the camera move); first/last-frame video diffusion; full
video diffusion. The last two run an installed video model (scene_video.py); with LTX-2 they
also give the shot's sound, or make the picture for a linked dialogue (scene_sound.py).
What each method costs on this machine, and which the router picks for "auto", is engine.cost.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from engine.errors import NodeExecutionError
from engine.image import Image
from engine.media.camera import CameraPath, Pose
from engine.media.camera_render import FITS, CameraRenderer, camera_clip
from engine.media.clip import ArrayClip, Clip, StillClip, as_fps
from engine.media.flow import retime_clip
from engine.models.families import FIRST_LAST_VIDEO, IMAGE_TO_VIDEO
from engine.ports import AUDIO, CAMERA_PATH, FLOAT, FRAMES, IMAGE
from engine.schema import EnumParam, FloatParam, IntParam, NodeSchema, NodeType, Port, SeedParam, StringParam
from engine.timebase import frames_from_seconds

from . import generation as gen
from .resolution import RESOLUTION_CHOICES, RESOLUTION_RENAMED, RESOLUTIONS
from .scene_sound import DIALOGUE_HELP, SOUND_GUARANTEES, SOUND_HELP, dialogue_on_shot, shot_samples
from .scene_route import AUTO, cost_stats, route, shot_work, video_model_for
from .scene_video import METHOD_TASKS, video_shot

FPS_CHOICES = ("23.976", "24", "25", "29.97", "30", "48", "50", "59.94", "60")
METHODS = ("still + camera", "keyframes + interpolation", "first/last-frame video", "full video diffusion", AUTO)
VIDEO_METHODS = ("first/last-frame video", "full video diffusion")
MAX_WORKING_SCALE = 2.0  # keyframes for interpolation are kept at most 2x the output size (memory, flow time)


def fps_of(choice: str) -> Fraction:
    """A frame-rate choice as an exact fraction: "23.976" -> 24000/1001 (the string itself is 2997/125)."""
    return as_fps(float(choice))


def frame_count_for(duration: float, fps: Fraction) -> int:
    """Frames in a shot of `duration` seconds, by the time model's one rule (engine/timebase.py)."""
    count = frames_from_seconds(duration, fps)
    if count < 1:
        raise ValueError(f"a {duration} s shot at {float(fps):g} fps is shorter than one frame; make it at least "
                         f"{float(1 / fps):.3f} s long")
    return count


def _fit(image: Image, width: int, height: int, fit: str, channels: int) -> np.ndarray:
    """A keyframe resampled to width x height (area-filtered when smaller), with `channels` channels."""
    pixels = image.pixels
    if pixels.shape[2] < channels:  # mixed keyframes: an opaque alpha for those without one
        pixels = np.concatenate([pixels, np.ones(pixels.shape[:2] + (1,), np.float32)], axis=2)
    return CameraRenderer(CameraPath.still(), width, height, 1, 1, fit).sample(pixels, [Pose()])


def interpolated_shot(keyframes: list[Image], fps: Fraction, count: int, width: int, height: int, fit: str,
                      path: CameraPath) -> Clip:
    """Keyframes spread evenly over `count` frames, flow in-betweens, then the camera path."""
    sources = [min(k.width / width, k.height / height) for k in keyframes]
    # Interpolate at up to the size the camera will magnify to, so a push-in keeps the keyframes' detail.
    scale = min(MAX_WORKING_SCALE, max(1.0, path.max_magnification()), max(1.0, max(sources)))
    work_w, work_h = round(width * scale), round(height * scale)
    channels = max(k.pixels.shape[2] for k in keyframes)
    fitted = ArrayClip([_fit(k, work_w, work_h, fit, channels) for k in keyframes], fps, keyframes[0].color_space)
    gaps = Fraction(len(keyframes) - 1, max(count - 1, 1))  # keyframe positions per output frame
    shot = retime_clip(fitted, fitted.info.with_(frame_count=count), lambda j: j * gaps)
    if path.is_static and path.keys[0].pose == Pose() and (work_w, work_h) == (width, height):
        return shot
    return camera_clip(shot, path, width, height, "cover")


class Scene(NodeType):
    # Cached (the default): the shot's frames are the expensive part of a film, worth their disk space.
    schema = NodeSchema(
        type_id="shot.scene", title="Scene", category="Shot",
        # 2: flow in-betweens summed by the C kernel (within 2.4e-7 of before) and camera moves
        # resampled by OpenCV or the C warp kernel (within 109 dB of torch's grid_sample). 3: the
        # in-betweens' weights made by the C kernel, the flows sampled exactly (over 75 dB of before).
        # Shots cached by older releases are made again.
        revision=3,
        inputs=(Port("keyframes", IMAGE, multiple=True, help="Keyframes in link order; the first starts the shot."),
                Port("camera", CAMERA_PATH, optional=True, help="A camera move over the shot; none = locked off."),
                Port("duration", FLOAT, optional=True, overrides="duration",
                     help="Length from elsewhere, e.g. a Voice line's duration: dialogue drives the cut. "
                          "The handles are added around it."),
                Port("dialogue", AUDIO, optional=True, help=DIALOGUE_HELP)),
        outputs=(Port("frames", FRAMES, help="The shot."),
                 Port("audio", AUDIO, optional=True, help=SOUND_HELP)),
        params=(
            FloatParam("duration", 5.0, min=0.001, max=3600.0, step=0.5, help="Length of the shot in seconds."),
            FloatParam("head_handle", 0.5, min=0.0, max=60.0, step=0.25,
                       help="Seconds before the linked duration starts (only when the duration input is linked)."),
            FloatParam("tail_handle", 0.5, min=0.0, max=60.0, step=0.25,
                       help="Seconds after the linked duration ends (only when the duration input is linked)."),
            EnumParam("fps", "24", FPS_CHOICES, help="Frame rate (23.976 is exactly 24000/1001)."),
            EnumParam("resolution", "1920x1080", RESOLUTION_CHOICES, renamed=RESOLUTION_RENAMED, help="Frame size of the shot."),
            EnumParam("fit", "cover", FITS, help="Keyframes of another aspect: cover crops, contain letterboxes."),
            EnumParam("method", METHODS[0], METHODS,
                      help="How the shot is made, cheapest first. Still + camera: the first keyframe held, seen "
                           "through the camera move. Keyframes + interpolation: all keyframes spread over the "
                           "shot with optical-flow in-betweens. First/last-frame video: an installed video model "
                           "(LTX, Wan) moves from the first keyframe to the last. Full video diffusion: the "
                           "model makes the shot from the first keyframe (LTX, Wan, CogVideoX, Stable Video "
                           "Diffusion, HunyuanVideo). Auto: the cheapest of these that can give the shot — from "
                           "its keyframes, how far things move between them, the prompt and the models "
                           "installed — timed on this machine (Render ▸ Calibrate); the status says which and why."),
            StringParam("prompt", "", multiline=True, help="What happens in the shot (the video methods)."),
            StringParam("video_model", "", label="Video model",
                        help="The installed video model the video methods use: its diffusers folder or "
                             ".safetensors file name in a model folder (Help ▸ Models lists them)."),
            IntParam("steps", 30, min=1, max=200, help="Denoising steps of the video methods."),
            FloatParam("guidance", 3.0, min=0.0, max=20.0, step=0.5,
                       help="How closely a video method follows the prompt; 1 or less turns guidance off."),
            IntParam("generate_height", 0, min=0, max=2160, step=16,
                     help="Height the video model works at (0: its native size at the shot's aspect); the "
                          "result is fitted to the shot's resolution and retimed to its frame count."),
            SeedParam(help="Seed for the video methods (not used by still + camera or interpolation)."),
            *gen.early_abort_params(),  # the video methods only
        ),
        help="A shot of exact length and frame rate from keyframes, rendered by the cheapest method that fits. "
             + SOUND_GUARANTEES,
    )

    def caches_outputs(self, params):
        # A still through a camera move costs one resample per frame, less than writing and reading
        # back ~5 MB of half floats per 720p frame; interpolated and generated shots are worth keeping.
        return params["method"] != "still + camera"  # auto too: it may well interpolate or generate

    def suggestions(self, param_name, models):
        return gen.installed_names(models, IMAGE_TO_VIDEO, FIRST_LAST_VIDEO) if param_name == "video_model" else []

    def unavailable_choices(self, param_name, models):
        if param_name != "method":
            return {}
        return {method: "no video model is installed: put one in a model folder (Help ▸ Models)"
                for method, task in METHOD_TASKS.items() if not gen.installed_names(models, task)}

    def missing_models(self, params, models):
        method = params.get("method")
        if method == AUTO:  # auto can do without a video model; one it names must be installed
            return gen.missing(models, "video_model", params.get("video_model", ""), METHOD_TASKS[VIDEO_METHODS[1]])
        if method not in VIDEO_METHODS:
            return []
        return gen.missing(models, "video_model", params.get("video_model", ""), METHOD_TASKS[params["method"]])

    def fingerprint(self, params, ctx):
        if params["method"] == AUTO:  # the models it may choose: installing one re-decides the shot
            return {f"video_model:{m}": gen.model_fingerprint(ctx, video_model_for(ctx.models, m, params["video_model"]))
                    for m in VIDEO_METHODS} | gen.prompt_check_fingerprint(ctx, params)
        if params["method"] not in VIDEO_METHODS:
            return {}
        return {"video_model": gen.model_fingerprint(ctx, params["video_model"])} | gen.prompt_check_fingerprint(ctx, params)

    def planned_frames(self, params, linked):
        # A linked duration (a voice line's) is known only once it has run: the parameter stands in.
        duration = params["duration"] + (params["head_handle"] + params["tail_handle"] if "duration" in linked else 0)
        fps = fps_of(params["fps"])
        return max(1, frames_from_seconds(duration, fps)), fps

    def execute(self, ctx, inputs, params):
        method = params["method"]
        keyframes: list[Image] = inputs["keyframes"]
        spaces = sorted({k.color_space for k in keyframes})
        if len(spaces) > 1:
            raise NodeExecutionError(f"the keyframes are in different working spaces ({', '.join(spaces)}); "
                                     "convert them to one first")
        fps = fps_of(params["fps"])
        width, height = RESOLUTIONS[params["resolution"]]
        duration = params["duration"]  # a linked duration (a voice line's) has replaced the parameter
        if inputs.get("duration") is not None:  # dialogue drives the cut: the handles go around the line
            duration += params["head_handle"] + params["tail_handle"]
        try:
            count = frame_count_for(duration, fps)
            path = CameraPath.from_dict(inputs["camera"]) if inputs["camera"] is not None else CameraPath.still()
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        work = shot_work(width, height, count, keyframes if method == AUTO else len(keyframes), params)
        stats, models = (ctx.stats, ctx.models) if ctx is not None else ({}, None)  # None: a test's bare call
        if method == AUTO:
            chosen = route(models, params, work)
            method = chosen.method
            stats["route"] = chosen.reason
            if ctx is not None:
                ctx.progress(0.0, chosen.reason)
            if method in VIDEO_METHODS:
                params = {**params, "video_model": video_model_for(models, method, params["video_model"])}
        stats.update(cost_stats(method, work))
        dialogue = inputs.get("dialogue")
        if method in VIDEO_METHODS:
            if dialogue is not None:  # the line starts where the linked duration does: after the head handle
                start = params["head_handle"] if inputs.get("duration") is not None else 0.0
                dialogue = dialogue_on_shot(dialogue, shot_samples(count, fps), start)
            frames, sound = video_shot(ctx, method, keyframes, params, fps, count, width, height, path, dialogue)
            return {"frames": frames, "audio": sound}
        if dialogue is not None:
            raise NodeExecutionError(f"the dialogue input is for the video methods with an LTX-2 model, which make "
                                     f"the picture for it; '{method}' cannot use it: unlink it, or choose 'full "
                                     "video diffusion'")
        # No model makes sound here: the audio output has no value (not silence; see scene_sound.py).
        if method == "still + camera":
            first = keyframes[0]
            held = StillClip(first.pixels, fps, count, first.color_space)
            return {"frames": camera_clip(held, path, width, height, params["fit"]), "audio": None}
        if len(keyframes) < 2:
            raise NodeExecutionError("keyframes + interpolation needs at least 2 keyframes; link another, or use "
                                     "'still + camera' for one picture")
        if count < len(keyframes):
            raise NodeExecutionError(f"a {count}-frame shot cannot show {len(keyframes)} keyframes; make it longer")
        return {"frames": interpolated_shot(keyframes, fps, count, width, height, params["fit"], path), "audio": None}
