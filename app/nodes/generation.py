"""What every generating node shares: a model named by the project and looked up in the library,
its fingerprint in the cache key, the suggestions the inspector lists, the missing-model notice
on open, and the keyword arguments a family's pipeline accepts.
"""

from __future__ import annotations

import numpy as np

from engine.image import Image
from engine.media.colorspaces import to_working
from engine.models.families import FAMILIES, TASK_LABELS
from engine.models.loading import ModelError
from engine.schema import MissingModel

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


def check_size(width: int, height: int, family_id: str, model_name: str) -> None:
    multiple = FAMILIES[family_id].size_multiple
    for side, value in (("width", width), ("height", height)):
        if value % multiple:
            lower = value - value % multiple
            raise ModelError(f"{model_name} ({FAMILIES[family_id].label}) needs a {side} that is a multiple of "
                             f"{multiple}; {value} is not: use {max(lower, multiple)} or {lower + multiple}")


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
