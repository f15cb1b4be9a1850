"""Running a pipeline inside a node: step progress, cancel at the next step, previews, run stats,
LoRAs, the seed, one retry at a lower memory setting after a CUDA out-of-memory error, and the
early abort of a failing take (checked part-way, retried with the next seed).

Cancel raises out of diffusers' step-end callback rather than setting `_interrupt`: an interrupted
pipeline still decodes its half-denoised latents (seconds of VAE work for a video) and returns
them as if they were a result; raising stops at once and the executor stores nothing. An early
abort raises too (TakeRejected), for the same reason: a rejected take is not worth decoding.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from ..errors import RenderCancelled
from .latent_preview import preview_frames
from .library import InstalledModel, ModelLibrary
from .loading import RESIDENT_PIPELINES, ModelError, placement_for
from .memory import LEVEL_NAMES, PeakMemory, free_vram, is_out_of_memory
from .prompt_similarity import prompt_check
from .take_checks import failed_check

log = logging.getLogger("aiprod.models")

PREVIEW_EVERY = 4  # steps between previews: often enough to watch, rare enough to cost nothing


@dataclass(frozen=True)
class EarlyAbort:
    """When to check a take part-way through denoising, and how many more seeds to try after one fails."""

    at: tuple[float, ...]  # fractions of the denoising schedule, e.g. (0.2, 0.4)
    retries: int = 0  # further takes, each with the next seed (seed + 1, seed + 2, ...)
    # pipe, latents -> frames x h x w x 3 in 0..1, or None: the picture the checks look at (None:
    # latent_preview.preview_frames; a tiny VAE decoder could stand here when one is installed)
    previewer: Callable[[Any, Any], Any] | None = None
    # frames -> (check name, why) or None: how far the preview is from the prompt, when a CLIP or
    # SigLIP model is installed (prompt_similarity.prompt_check; run_generation sets it)
    prompt_check: Callable[[Any], tuple[str, str] | None] | None = None

    def check_steps(self, total: int) -> set[int]:
        """The step numbers (1..total) the checks run after, for a schedule of `total` steps.
        Never the last step: a take that has run all its steps is decoded, not judged."""
        return {min(max(1, math.ceil(fraction * total - 1e-9)), total) for fraction in self.at} - {total}


class TakeRejected(Exception):
    """Raised from the step callback when a take fails a check; run_generation catches it."""

    def __init__(self, seed: int, check: str, why: str, step: int, total: int):
        super().__init__(f"seed {seed}: {check} at step {step}/{total} ({why})")
        self.seed, self.check, self.why, self.step, self.total = seed, check, why, step, total

    @property
    def steps_saved(self) -> int:
        return self.total - self.step

    def record(self) -> dict:
        return {"seed": self.seed, "check": self.check, "why": self.why, "step": self.step,
                "steps": self.total, "steps_saved": self.steps_saved}


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
    early_abort: EarlyAbort | None = None  # None: every take runs all its steps


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


def _check_take(pipe, latents, early_abort: EarlyAbort, seed: int, step: int, total: int) -> None:
    """Raise TakeRejected when the take fails a check at this step (one of early_abort's steps)."""
    values = latents.detach().float().cpu().numpy()
    try:
        frames = (early_abort.previewer or preview_frames)(pipe, latents)
    except Exception as exc:  # no picture: the latents alone are checked, never a reason to fail
        log.debug("no preview to check at step %d: %s", step, exc)
        frames = None
    failed = failed_check(values, frames)
    if failed is None and frames is not None and early_abort.prompt_check is not None:
        failed = early_abort.prompt_check(frames)  # last: a NaN or black take is named for what it is
    if failed is not None:
        raise TakeRejected(seed, *failed, step, total)


def _step_callbacks(pipe, ctx, steps: int, previewer, early_abort: EarlyAbort | None = None, seed: int = 0) -> dict:
    """The keyword arguments that make the pipeline report each step (and stop when cancelled, or
    when the take fails an early check)."""

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
        if early_abort is not None and latents is not None:
            # The steps this call really runs: fewer than asked for when a strength skips some (image to image).
            total = getattr(pipe, "_num_timesteps", None) or steps
            if index + 1 in early_abort.check_steps(total):
                _check_take(pipe, latents, early_abort, seed, index + 1, total)

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


def _run_take(ctx, library: ModelLibrary, generation: Generation, seed: int, placement, fingerprint: str,
              previewer):
    """One take with `seed`: (output, pipe, placement, seconds loading, seconds denoising, peak bytes).
    Out of GPU memory, it is tried once more at the next lower memory setting."""
    model = generation.model
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
                              generator=seeded_generator(seed),
                              **_step_callbacks(pipe, ctx, generation.steps, previewer, generation.early_abort, seed))
            return output, pipe, placement, loaded - started, time.perf_counter() - loaded, peak.peak_bytes
        except (RenderCancelled, ModelError, TakeRejected):
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


def _all_takes_failed_message(model: InstalledModel, rejected: list[TakeRejected]) -> str:
    takes = "; ".join(str(r) for r in rejected)
    if len(rejected) == 1:
        return (f"'{model.name}': the take failed the early '{rejected[0].check}' check ({takes}); raise Retries "
                "to try the next seeds, change the seed or the prompt, or turn Early abort off")
    return (f"'{model.name}': all {len(rejected)} takes failed their early checks ({takes}); change the prompt, "
            "the guidance or the model, or turn Early abort off")


def run_generation(ctx, library: ModelLibrary, generation: Generation, previewer=None):
    """Run `generation` for the node of `ctx`: (the pipeline's output, the pipeline). Fills ctx.stats.

    With early abort, a take that fails a check stops at that step and the next seed is tried, up to
    `retries` more times; the seed that made the output is in the stats, so the render can be made again."""
    model = generation.model
    if not getattr(ctx, "wants_previews", True):
        previewer = None
    ctx.progress(0.0, f"loading {model.name}")
    fingerprint = library.fingerprint(model)
    placement = placement_for(model)
    retries = generation.early_abort.retries if generation.early_abort is not None else 0
    if generation.early_abort is not None and generation.early_abort.prompt_check is None:
        check = prompt_check(library, generation.call.get("prompt"))
        if check is not None:
            generation = dataclasses.replace(
                generation, early_abort=dataclasses.replace(generation.early_abort, prompt_check=check))
    rejected: list[TakeRejected] = []
    rejected_started = time.perf_counter()
    for seed in range(generation.seed, generation.seed + retries + 1):
        try:
            output, pipe, placement, load_s, denoise_s, peak_bytes = _run_take(
                ctx, library, generation, seed, placement, fingerprint, previewer)
            break
        except TakeRejected as rejection:
            rejected.append(rejection)
            more = f"; trying seed {seed + 1}" if seed < generation.seed + retries else ""
            ctx.warn(f"take with {rejection}: stopped early, {rejection.steps_saved} steps saved{more}")
            log.info("%s: take rejected: %s", model.name, rejection)
    else:
        raise ModelError(_all_takes_failed_message(model, rejected))
    ctx.stats.update({"model": model.name, "device": placement.describe(), "steps": generation.steps,
                      "load_s": round(load_s, 3), "denoise_s": round(denoise_s, 3),
                      "peak_vram_gb": round(peak_bytes / 1e9, 2), "seed": seed})
    if rejected:
        ctx.stats.update({"rejected_takes": [r.record() for r in rejected],
                          "steps_saved": sum(r.steps_saved for r in rejected),
                          "rejected_s": round(time.perf_counter() - rejected_started - load_s - denoise_s, 3)})
    return output, pipe
