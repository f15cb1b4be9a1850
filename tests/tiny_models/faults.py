"""Failing takes on demand, for the early-abort tests and benchmark: NaN latents from a chosen step, or
a black or frozen preview, for the takes of chosen seeds. Real pipelines run; only the scheduler's
output (NaN) or the checked preview (black, frozen) of the named seeds is replaced.

The seed of the take under way is read where run_generation makes its noise (seeded_generator), so a
retry with the next seed runs clean unless that seed is named too.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

SCHEDULERS = ("EulerDiscreteScheduler", "FlowMatchEulerDiscreteScheduler", "UniPCMultistepScheduler")


@contextmanager
def failing_takes(nan: tuple[int, ...] = (), nan_from_step: int = 1, black: tuple[int, ...] = (),
                  frozen: tuple[int, ...] = ()):
    """While inside: takes with a seed in `nan` get NaN latents from step `nan_from_step` (1 = the first)
    on; those in `black` / `frozen` show the early checks a black / motionless preview. Yields a dict
    that counts the scheduler steps each seed's takes ran ({seed: steps})."""
    import diffusers

    from engine.models import denoise

    state = {"seed": None, "step": 0}  # the take under way: its seed, and the steps it has run
    steps_run: dict[int, int] = {}
    real_generator, real_preview = denoise.seeded_generator, denoise.preview_frames
    patched = {}

    def generator(seed):
        state["seed"], state["step"] = int(seed), 0
        steps_run.setdefault(int(seed), 0)
        return real_generator(seed)

    def stepping(real_step):
        def step(self, *args, **kwargs):
            out = real_step(self, *args, **kwargs)
            seed = state["seed"]
            state["step"] += 1
            steps_run[seed] = steps_run.get(seed, 0) + 1
            if seed in nan and state["step"] >= nan_from_step:
                (out[0] if isinstance(out, tuple) else out.prev_sample).fill_(float("nan"))
            return out

        return step

    def preview(pipe, latents):
        frames = real_preview(pipe, latents)
        if frames is None or state["seed"] not in (*black, *frozen):
            return frames
        if state["seed"] in black:
            return np.zeros_like(frames)
        return np.repeat(frames[:1], max(len(frames), 4), axis=0)  # the first frame, held

    try:
        denoise.seeded_generator, denoise.preview_frames = generator, preview
        for name in SCHEDULERS:
            cls = getattr(diffusers, name)
            patched[cls] = cls.step
            cls.step = stepping(cls.step)
        yield steps_run
    finally:
        denoise.seeded_generator, denoise.preview_frames = real_generator, real_preview
        for cls, real_step in patched.items():
            cls.step = real_step
