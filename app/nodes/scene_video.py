"""The Scene's two video methods: an installed image-to-video model makes the shot from its first
keyframe ("full video diffusion"), or between its first and last keyframes ("first/last-frame video").

The model works at its own frame count, rate and size (what it was trained for); the result is
then retimed to the shot's exact frame count and rate with the optical-flow retimer, and fitted
to the shot's size through the camera path, which still applies (no model here takes a camera).
A model that makes sound with the picture (LTX-2) also gives the shot's sound, and can be given a
dialogue to make the picture for (scene_sound.py).
"""

from __future__ import annotations

import math
from fractions import Fraction

from engine.audio.buffer import Audio
from engine.media.camera import CameraPath
from engine.media.camera_render import camera_clip
from engine.media.clip import ArrayClip, Clip
from engine.media.flow import retime_clip
from engine.models.denoise import Generation, run_generation
from engine.models.families import FAMILIES, FIRST_LAST_VIDEO, IMAGE_TO_VIDEO, Family
from engine.models.latent_preview import preview_latents
from engine.models.loading import ModelError, require_model
from engine.models.ltx2_audio import sound_condition

from . import generation as gen
from .scene_sound import generated_on_shot, makes_sound, shot_samples

METHOD_TASKS = {"first/last-frame video": FIRST_LAST_VIDEO, "full video diffusion": IMAGE_TO_VIDEO}


def native_frame_count(family: Family, seconds: float) -> int:
    """Frames the model makes for `seconds` at its own rate: frame_step * k + 1, at most max_frames."""
    wanted = max(2, round(seconds * family.native_fps) + 1)
    steps = max(1, round((wanted - 1) / family.frame_step))
    return min(family.max_frames, steps * family.frame_step + 1)


def generation_size(family: Family, width: int, height: int, generate_height: int) -> tuple[int, int]:
    """The size to generate at: the shot's aspect, at `generate_height` (0: the model's native area),
    rounded to the multiple the model needs."""
    aspect = width / height
    if generate_height <= 0:
        native_w, native_h = family.native_size
        generate_height = math.sqrt(native_w * native_h / aspect)
    multiple = family.size_multiple
    h = max(multiple, round(generate_height / multiple) * multiple)
    w = max(multiple, round(generate_height * aspect / multiple) * multiple)
    return w, h


def _first_last_arguments(family_id: str, first, last, frames: int) -> dict:
    """How a family is told the last frame: LTX by frame conditions, Wan by a last image."""
    if family_id == "ltx-video":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        return {"conditions": [LTXVideoCondition(image=first, frame_index=0),
                               LTXVideoCondition(image=last, frame_index=frames - 1)]}
    if family_id == "ltx2":  # LTX-2 places a condition by latent frame: -1 is the last
        from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

        return {"conditions": [LTX2VideoCondition(frames=first, index=0), LTX2VideoCondition(frames=last, index=-1)]}
    if family_id == "wan":
        return {"image": first, "last_image": last}
    raise ModelError(f"{FAMILIES[family_id].label} cannot be given a last frame; use 'full video diffusion', "
                     "or install an LTX or Wan image-to-video model")


def video_shot(ctx, method: str, keyframes, params, fps: Fraction, count: int, width: int, height: int,
               path: CameraPath, dialogue: Audio | None = None) -> tuple[Clip, Audio | None]:
    """The shot made by a video model: `count` frames at `fps`, `width` x `height`, and its sound
    (None from a model that makes none). `dialogue`, already fitted to the shot, is what the
    picture is made for; it is then the shot's sound."""
    task = METHOD_TASKS[method]
    library = ctx.models.library()
    model = require_model(library, params["video_model"], task, "Scene")
    family = FAMILIES[model.family]
    if task == FIRST_LAST_VIDEO and len(keyframes) < 2:
        raise ModelError("first/last-frame video needs 2 keyframes (the first and the last); link another, or "
                         "use 'full video diffusion' from one")
    if dialogue is not None and not makes_sound(model):
        raise ModelError(f"the dialogue input is for a model that makes sound with the picture (LTX-2); "
                         f"'{model.name}' is {model.family_label}, which cannot take it: unlink the dialogue, "
                         "or choose an LTX-2 model")
    frames = native_frame_count(family, count / fps)
    made_seconds = (frames - 1) / family.native_fps
    if made_seconds < float(count / fps) * 0.9:
        ctx.warn(f"{model.name} makes at most {family.max_frames} frames ({made_seconds:.1f} s at "
                 f"{family.native_fps:g} fps); this {float(count / fps):.1f} s shot shows them slowed down to fill it. "
                 "For real motion over the whole shot, split it into shorter shots.")
    gen_w, gen_h = generation_size(family, width, height, params["generate_height"])
    first = gen.srgb_picture(keyframes[0]).resize((gen_w, gen_h))
    wanted = {"prompt": params["prompt"], "negative_prompt": params.get("negative_prompt") or None,
              "width": gen_w, "height": gen_h, "num_frames": frames, "num_inference_steps": params["steps"],
              "guidance_scale": params["guidance"], "frame_rate": family.native_fps, "fps": round(family.native_fps),
              "output_type": "np", "image": first}
    if task == FIRST_LAST_VIDEO:
        last = gen.srgb_picture(keyframes[-1]).resize((gen_w, gen_h))
        wanted.pop("image")
        wanted.update(_first_last_arguments(model.family, first, last, frames))
    span = frames / family.native_fps  # the model's seconds, which the shot's seconds are mapped onto
    around = sound_condition(dialogue.samples, span) if dialogue is not None else None
    generation = Generation(model, family.pipelines[task], wanted, params["steps"], params["seed"], around=around,
                            early_abort=gen.early_abort_of(params))
    output, pipe = run_generation(ctx, library, generation, previewer=preview_latents)
    pictures = output.frames[0]
    space = keyframes[0].color_space
    made = [image.pixels for image in gen.images_from_srgb(pictures, space)]
    ctx.stats["generated"] = f"{len(made)} frames at {gen_w}x{gen_h}, {family.native_fps:g} fps"
    native = ArrayClip(made, fps, space)
    # Spread the generated frames over the shot: the model's seconds become the shot's seconds.
    gaps = Fraction(len(made) - 1, max(count - 1, 1))
    shot = retime_clip(native, native.info.with_(frame_count=count), lambda j: j * gaps)
    sound = None
    if dialogue is not None:
        sound = dialogue  # the real voice, not the model's rendering of it
        ctx.stats["sound"] = f"dialogue held as the condition over {span:.2f} s"
    elif makes_sound(model):
        sound = generated_on_shot(output, shot_samples(count, fps))
        ctx.stats["sound"] = f"generated {span:.2f} s at {pipe.vocoder.config.output_sampling_rate} Hz"
    return camera_clip(shot, path, width, height, params["fit"]), sound
