"""What every generating node shares: a model named by the project and looked up in the library,
its fingerprint in the cache key, the suggestions the inspector lists, the missing-model notice
on open, the keyword arguments a family's pipeline accepts, and the early-abort parameters.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.image import Image
from engine.media.colorspaces import to_working
from engine.models.denoise import EarlyAbort
from engine.models.families import FAMILIES, TASK_LABELS
from engine.models.loading import ModelError
from engine.models.prompt_similarity import similarity_model
from engine.schema import EnumParam, IntParam, MissingModel, Param

# A file dialog cannot pick a folder among files: a diffusers folder is picked by its model_index.json.
MODEL_FILES = "Models: a .safetensors file, or a diffusers folder's model_index.json (*.safetensors model_index.json)"
LORA_FILES = "LoRA files (*.safetensors)"


def installed_names(models, *tasks: str) -> list[str]:
    """Names of the installed models that do any of `tasks`, for the inspector's list."""
    names: list[str] = []
    for task in tasks:
        names += [m.name for m in models.library().for_task(task) if m.name not in names]
    return names


def missing(models, param: str, name: str, task: str) -> list[MissingModel]:
    """A MissingModel when the model `name` (for `task`) is not installed; nothing for an empty name."""
    if not name or models.library().find(name) is not None:
        return []
    if task == "lora":  # a LoRA is one file, not a model for a task
        return [MissingModel(param, name, LORA_FILES, "a LoRA: " + models.where_to_put(f"'{name}.safetensors'"))]
    what = TASK_LABELS.get(task, task)
    return [MissingModel(param, name, MODEL_FILES,
                         f"a model for {what}: " + models.where_to_put(f"the '{name}' diffusers folder or .safetensors file"))]


def model_fingerprint(ctx, name: str) -> str:
    """The weights' content hash, so that a changed model re-renders and an unchanged one never does."""
    library = ctx.models.library()
    model = library.find(name) if name else None
    return library.fingerprint(model) if model is not None else "not installed"


def prompt_check_fingerprint(ctx, params) -> dict:
    """The CLIP or SigLIP model early abort scores the prompt with, for the cache key: which takes pass
    depends on it. Nothing when no such check runs, so installing none changes no key."""
    if params.get("early_abort", "off") == "off" or not str(params.get("prompt") or "").strip():
        return {}
    library = ctx.models.library()
    try:
        model = similarity_model(library)
    except ModelError:  # a choice naming no installed model: the render says so when it runs
        return {"similarity_model": "not installed"}
    return {"similarity_model": f"{model.name}:{library.fingerprint(model)}"} if model is not None else {}


def generation_size(width: int, height: int, family_id: str) -> tuple[int, int]:
    """The size a `width` x `height` picture is made at: each side rounded up to what the family's
    model takes (FLUX makes a 1920x1080 picture at 1920x1088), so any size can be asked for."""
    multiple = FAMILIES[family_id].size_multiple
    return -(-width // multiple) * multiple, -(-height // multiple) * multiple


def centre_crop(pictures: np.ndarray, width: int, height: int) -> np.ndarray:
    """N x H x W x C pictures cut to `height` x `width` about their centre (a no-op at that size)."""
    top = (pictures.shape[1] - height) // 2
    left = (pictures.shape[2] - width) // 2
    return pictures[:, top:top + height, left:left + width]


def images_from_srgb(pictures: np.ndarray, working_space: str) -> list[Image]:
    """A pipeline's pictures (N x H x W x 3, display sRGB in 0..1) as working-space Images."""
    pictures = np.clip(np.asarray(pictures, dtype=np.float32), 0.0, 1.0)
    return [Image(to_working(p, "srgb", working_space), working_space) for p in pictures]


def srgb_picture(image: Image):
    """An Image as the 8-bit sRGB PIL picture pipelines take as a reference or a keyframe."""
    from PIL import Image as PILImage

    from engine.media.colorspaces import to_display

    encoded = to_display(image.pixels, image.color_space)
    return PILImage.fromarray(np.round(np.clip(encoded, 0.0, 1.0) * 255.0).astype(np.uint8), "RGB")


# Early abort: (id saved in the project, label shown, fractions of the schedule checked at).
EARLY_ABORT_CHOICES = (("off", "Off", ()),
                       ("20,40", "At 20% and 40% of the steps", (0.2, 0.4)),
                       ("10,25", "At 10% and 25% of the steps", (0.1, 0.25)),
                       ("20", "At 20% of the steps", (0.2,)),
                       ("40", "At 40% of the steps", (0.4,)))
EARLY_ABORT_AT = {choice: at for choice, _label, at in EARLY_ABORT_CHOICES}
MAX_RETRIES = 10


def early_abort_params() -> tuple[Param, Param]:
    """The Early abort and Retries parameters of a generating node. Both were added after projects
    with these nodes existed: at their defaults (off, 0) they stay out of the cache key and the node
    does what it always did, so a saved project keeps its rendered takes."""
    checks = EnumParam(
        "early_abort", "off", [(choice, label) for choice, label, _at in EARLY_ABORT_CHOICES],
        help="Checks a cheap preview of the take part-way through denoising and stops a failing take there, "
             "before the rest of its steps are paid for: NaN or infinite values, a black or blown-out picture, "
             "a video whose frames do not move, brightness flickering between frames, and, when a CLIP or SigLIP "
             "model is installed, a preview far from the prompt. It cannot judge the composition or the "
             "details. A failing take is an error "
             "naming the check, unless Retries tries further seeds.")
    retries = IntParam(
        "retries", 0, min=0, max=MAX_RETRIES,
        help="With Early abort on: how many more takes to try after one fails its checks, each with the next "
             "seed (seed + 1, seed + 2, ...). The seed used is in the node's stats; the render is the same "
             "each time.")
    return (dataclasses.replace(checks, keyed_at_default=False), dataclasses.replace(retries, keyed_at_default=False))


def early_abort_of(params) -> EarlyAbort | None:
    """The node's early-abort plan, or None when it is off."""
    at = EARLY_ABORT_AT[params.get("early_abort", "off")]
    return EarlyAbort(at, int(params.get("retries", 0))) if at else None
