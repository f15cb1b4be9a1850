"""Running a pipeline inside a node: step progress, cancel at the next step, previews, run stats,
LoRAs, the seed, and one retry at a lower memory setting after a CUDA out-of-memory error.

Cancel raises out of diffusers' step-end callback rather than setting `_interrupt`: an interrupted
pipeline still decodes its half-denoised latents (seconds of VAE work for a video) and returns
them as if they were a result; raising stops at once and the executor stores nothing.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from ..errors import RenderCancelled
from .library import InstalledModel, ModelLibrary
from .loading import RESIDENT_PIPELINES, ModelError, placement_for
from .memory import LEVEL_NAMES, PeakMemory, free_vram, is_out_of_memory

log = logging.getLogger("aiprod.models")

PREVIEW_EVERY = 4  # steps between previews: often enough to watch, rare enough to cost nothing


@dataclass
class Generation:
    """One call of a pipeline: which model, as which pipeline class, with what arguments."""

    model: InstalledModel
    pipeline_class: str
    call: dict  # the arguments asked for, without the callbacks and the generator (see accepted())
    steps: int
    seed: int
    loras: list[tuple[InstalledModel, float]] = field(default_factory=list)
    # pipe -> a context the call runs in, yielding more call arguments: for what needs the loaded
    # pipeline's own parts first (an LTX-2 dialogue, encoded by its audio VAE and held through the call).
    around: Callable[[Any], AbstractContextManager[dict]] | None = None


def seeded_generator(seed: int):
    """The noise source for a node's seed. A CPU generator: diffusers draws the starting noise on
    it and moves it to the GPU, so one seed starts from the same noise on every machine."""
    import torch

    return torch.Generator("cpu").manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)


def accepted(pipe, wanted: dict) -> dict:
    """The arguments of `wanted` that this pipeline's __call__ takes, leaving out those set to None.

    Families name the same idea alike (prompt, height, num_inference_steps) but not all take
    everything (FLUX.1 has no negative prompt without true CFG, an image-to-image pipeline takes
    no size): what a pipeline does not take is dropped here, once, not in a branch per family."""
    parameters = inspect.signature(pipe.__call__).parameters
    return {k: v for k, v in wanted.items() if k in parameters and v is not None}


def _step_callbacks(pipe, ctx, steps: int, previewer) -> dict:
    """The keyword arguments that make the pipeline report each step (and stop when cancelled)."""

    def step_done(index: int, latents) -> None:
        ctx.progress(0.05 + 0.9 * (index + 1) / max(steps, 1), f"step {index + 1}/{steps}")
        if previewer is not None and latents is not None and ((index + 1) % PREVIEW_EVERY == 0 or index == 0):
            try:
                picture = previewer(pipe, latents)
            except Exception as exc:  # a preview is a nicety: never the reason a take fails
                log.debug("no preview at step %d: %s", index + 1, exc)
                picture = None
            if picture is not None:
                ctx.preview(picture, index + 1, steps)

    parameters = inspect.signature(pipe.__call__).parameters
    if "callback_on_step_end" in parameters:
        def on_step_end(_pipe, index, _timestep, tensors):
            step_done(index, tensors.get("latents"))
            return tensors

        names = ["latents"] if "latents" in getattr(pipe, "_callback_tensor_inputs", ["latents"]) else []
        return {"callback_on_step_end": on_step_end, "callback_on_step_end_tensor_inputs": names}
    if "callback" in parameters:  # older pipelines (Stable Audio, AudioLDM 2)
        return {"callback": lambda index, _timestep, latents: step_done(index, latents), "callback_steps": 1}
    return {}


def _apply_loras(pipe, loras: list[tuple[InstalledModel, float]]) -> None:
    """Load the asked-for LoRAs with their weights, replacing those of the last call."""
    wanted = tuple((str(m.path), float(w)) for m, w in loras)
    if getattr(pipe, "_aiprod_loras", ()) == wanted:
        return
    if getattr(pipe, "_aiprod_loras", ()):
        pipe.unload_lora_weights()
    pipe._aiprod_loras = ()
    if not loras:
        return
    names = []
    for number, (model, _weight) in enumerate(loras):
        name = f"lora{number}"
        try:
            pipe.load_lora_weights(str(model.path), adapter_name=name)
        except (ValueError, KeyError, RuntimeError) as exc:
            raise ModelError(f"the LoRA '{model.name}' does not fit {type(pipe).__name__} "
                             f"({str(exc).splitlines()[0][:200]}); is it made for this model family?") from exc
        names.append(name)
    pipe.set_adapters(names, adapter_weights=[w for _m, w in loras])
    pipe._aiprod_loras = wanted


def _out_of_memory_message(model: InstalledModel, placement, exc: BaseException) -> str:
    try:
        free, total = free_vram()
        room = f"{free / 1e9:.1f} GB of {total / 1e9:.1f} GB is free"
    except Exception:
        room = "the free memory could not be read"
    need = model.size_bytes / 1e9
    return (f"'{model.name}' ran out of GPU memory even with {LEVEL_NAMES[placement.level]} (its weights alone "
            f"are {need:.1f} GB on disk; {room}): close other programs using the GPU, or lower the "
            "resolution, the frame count or the step count")


def run_generation(ctx, library: ModelLibrary, generation: Generation, previewer=None):
    """Run `generation` for the node of `ctx`: (the pipeline's output, the pipeline). Fills ctx.stats."""
    model = generation.model
    ctx.progress(0.0, f"loading {model.name}")
    fingerprint = library.fingerprint(model)
    placement = placement_for(model)
    started = time.perf_counter()
    retried = False
    while True:
        try:
            pipe = RESIDENT_PIPELINES.get(model, generation.pipeline_class, placement, library, fingerprint)
            _apply_loras(pipe, generation.loras)
            pipe._aiprod_call = generation.call  # sizes and frame count, for latent previews
            ctx.progress(0.05, f"step 0/{generation.steps}")
            loaded = time.perf_counter()
            around = generation.around(pipe) if generation.around is not None else nullcontext({})
            with PeakMemory() as peak, around as extra:
                output = pipe(**accepted(pipe, {**generation.call, **extra}),
                              generator=seeded_generator(generation.seed),
                              **_step_callbacks(pipe, ctx, generation.steps, previewer))
            break
        except (RenderCancelled, ModelError):
            raise
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            RESIDENT_PIPELINES.unload()
            lower = placement.lower()
            if lower is None or retried:
                raise ModelError(_out_of_memory_message(model, placement, exc)) from exc
            log.warning("%s: out of GPU memory with %s; trying %s", model.name, LEVEL_NAMES[placement.level],
                        LEVEL_NAMES[lower.level])
            placement, retried = lower, True
    finished = time.perf_counter()
    ctx.stats.update({"model": model.name, "device": placement.describe(), "steps": generation.steps,
                      "load_s": round(loaded - started, 3), "denoise_s": round(finished - loaded, 3),
                      "peak_vram_gb": round(peak.peak_bytes / 1e9, 2)})
    return output, pipe
