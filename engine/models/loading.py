"""From an installed model to a pipeline in memory, locally only, with one large pipeline resident.

Every load passes a local path and `local_files_only=True` (the offline switches are set before
diffusers is imported, engine/offline.py); a single-file checkpoint is always given the `config=`
of a diffusers folder of its family, because without one diffusers looks up its configuration
on the hub. Pickle weights load only when the user allowed them, and then with torch's
`weights_only` guard.

The resident pool keeps the last pipeline loaded: generating ten keyframes with one model loads
it once. Asking for another model unloads the first (one large pipeline at a time); asking the
same model for another task (LTX image-to-video, then first/last-frame) reuses its components
through `from_pipe` instead of reading the weights again.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from ..errors import NodeExecutionError
from .families import FAMILIES, TASK_LABELS
from .library import InstalledModel, ModelLibrary
from .memory import (Placement, apply_placement, choose_placement, is_out_of_memory, release_cuda_memory,
                     torch_dtype)

log = logging.getLogger("aiprod.models")


class ModelError(NodeExecutionError):
    """A model that cannot be used: missing, refused, of the wrong kind, or not loadable."""


def missing_model_message(name: str, task: str, node: str, locator, library: ModelLibrary) -> str:
    """The error a node gives for a model it names that is not here: the model, the node, the folder."""
    what = TASK_LABELS.get(task, task)
    installed = [m.name for m in library.for_task(task)]
    have = (f"installed for {what}: {', '.join(installed)}" if installed
            else f"no model for {what} is installed")
    return (f"{node}: the model '{name}' is not installed ({have}); "
            f"{locator.where_to_put('its diffusers folder or .safetensors file')}")


def require_model(library: ModelLibrary, name: str, task: str, node: str) -> InstalledModel:
    """The installed model `name` that can do `task`, or a ModelError that says what to do."""
    if not name:
        installed = [m.name for m in library.for_task(task)]
        hint = f"pick one of: {', '.join(installed)}" if installed else library.locator.where_to_put("one")
        raise ModelError(f"{node}: no model is chosen for {TASK_LABELS.get(task, task)}; {hint}")
    model = library.find(name)
    if model is None:
        raise ModelError(missing_model_message(name, task, node, library.locator, library))
    if model.is_pickle and not library.locator.allow_pickle:
        raise ModelError(f"{node}: '{model.name}' is a pickle checkpoint ({model.path.name}), which can run code "
                         "when it is loaded, so it is refused; convert it to .safetensors, or allow pickle "
                         "checkpoints in Preferences if you trust where it came from")
    if task not in model.tasks:
        does = ", ".join(TASK_LABELS.get(t, t) for t in model.tasks) or "nothing this node can use"
        raise ModelError(f"{node}: '{model.name}' is {model.family_label}"
                         f"{' ' + model.part if model.part else ''}, which does {does}, not "
                         f"{TASK_LABELS.get(task, task)}; choose another model")
    return model


def _diffusers():
    from .. import offline

    offline.apply()  # already set by engine/__init__; again in case a host program changed them
    # transformers reads its verbosity when it loads: tips such as "install torchvision" (its image
    # processors fall back to Pillow, which is all we need) must not reach a user's console.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import diffusers
    import transformers

    # Their progress bars and tips would interleave with our own progress on the console.
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    return diffusers


def load_pipeline(model: InstalledModel, pipeline_class: str, placement: Placement, library: ModelLibrary):
    """Read `model` from disk into a `pipeline_class` pipeline placed as `placement` says."""
    diffusers = _diffusers()
    cls = getattr(diffusers, pipeline_class)
    dtype = torch_dtype(placement.dtype)
    common = {"dtype": dtype, "local_files_only": True}
    try:
        if model.storage == "single-file" or (model.storage == "pickle" and model.path.is_file()):
            config = library.config_source(model.family or "")
            if config is None:
                family = FAMILIES[model.family].label if model.family in FAMILIES else "its family"
                raise ModelError(f"'{model.name}' is a single-file checkpoint; loading it needs the configuration "
                                 f"(model_index.json, tokenizers, text encoders) of a {family} diffusers folder, "
                                 f"and none is installed: {library.locator.where_to_put('one')}")
            if model.part == "denoiser":
                pipe = _pipeline_around_denoiser(diffusers, cls, model, config, common)
            else:
                pipe = cls.from_single_file(str(model.path), config=str(config.path), **common)
        else:
            # A diffusers folder may hold .bin weights; they load only when pickles are allowed
            # (use_safetensors=False then lets diffusers pick them, with torch's weights_only load).
            variant = {"variant": model.weights_variant} if model.weights_variant else {}
            pipe = cls.from_pretrained(str(model.path), use_safetensors=not model.is_pickle, **variant, **common)
        pipe.set_progress_bar_config(disable=True)
        # Inside the try: weights missing from a file load as empty "meta" tensors, and only moving
        # them to the device shows it.
        apply_placement(pipe, placement)
    except ModelError:
        raise
    except Exception as exc:  # a damaged file, weights that do not fit their config, a converter's KeyError
        if is_out_of_memory(exc):
            raise  # not the model's fault: run_generation retries at a lower memory setting
        raise ModelError(f"'{model.name}' ({model.path}) cannot be loaded as {pipeline_class}: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    return pipe


def _pipeline_around_denoiser(diffusers, cls, model: InstalledModel, config: InstalledModel, common: dict):
    """A ComfyUI diffusion_models/ file (the UNet or transformer alone) inside its family's folder."""
    import json

    index = json.loads((config.path / "model_index.json").read_text(encoding="utf-8"))
    sub = "transformer" if "transformer" in index else "unet"
    model_cls = getattr(diffusers, index[sub][1])
    denoiser = model_cls.from_single_file(str(model.path), config=str(config.path), subfolder=sub, **common)
    variant = {"variant": config.weights_variant} if config.weights_variant else {}
    return cls.from_pretrained(str(config.path), **{sub: denoiser}, use_safetensors=True, **variant, **common)


@dataclass
class _Resident:
    key: tuple
    pipe: object


class ResidentPipelines:
    """The pipeline in memory: at most one (the least recently used is unloaded first)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._resident: _Resident | None = None

    def get(self, model: InstalledModel, pipeline_class: str, placement: Placement, library: ModelLibrary,
            fingerprint: str):
        """The pipeline for `model` as `pipeline_class`, loaded (or reused) with `placement`."""
        key = (str(model.path), fingerprint, placement)
        with self._lock:
            current = self._resident
            if current is not None and current.key == key:
                if type(current.pipe).__name__ == pipeline_class:
                    return current.pipe
                cls = getattr(_diffusers(), pipeline_class)
                current.pipe = cls.from_pipe(current.pipe)  # same weights, another task
                current.pipe.set_progress_bar_config(disable=True)
                return current.pipe
            self.unload()
            pipe = load_pipeline(model, pipeline_class, placement, library)
            self._resident = _Resident(key, pipe)
            return pipe

    def unload(self) -> None:
        with self._lock:
            if self._resident is not None:
                log.info("unloading %s", self._resident.key[0])
                self._resident = None
                release_cuda_memory()

    def resident_key(self) -> tuple | None:
        with self._lock:
            return self._resident.key if self._resident else None


RESIDENT_PIPELINES = ResidentPipelines()


def placement_for(model: InstalledModel) -> Placement:
    return choose_placement(model.size_bytes, model.precision)
