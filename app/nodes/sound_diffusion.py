"""Music and Ambience's "diffusion" method: a cue or a bed generated from a prompt by an installed
text-to-audio model (Stable Audio Open or 3, AudioLDM 2, ACE-Step), resampled to the engine's 48 kHz
stereo and cut to the exact length asked for.

A model makes at most its own window (Stable Audio Open: 47 s); a longer length loops the take
with a crossfade at each seam (audio_file.fit_length), as a music file is fitted.
"""

from __future__ import annotations

import numpy as np

from engine.audio.audio_file import fit_length
from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.audio.dsp import db_to_gain, resample, to_stereo
from engine.models.denoise import Generation, run_generation
from engine.models.families import FAMILIES, TEXT_TO_AUDIO
from engine.models.loading import require_model
from engine.schema import EnumParam, FloatParam, IntParam, StringParam

from . import generation as gen

BUILT_IN = "built-in"
DIFFUSION = "diffusion"
MAX_WINDOW_SECONDS = {"stable-audio": 47.0, "audioldm2": 30.0, "ace-step": 240.0}


def diffusion_params(built_in_help: str) -> tuple:
    """The parameters the diffusion method adds to a sound node."""
    return (
        EnumParam("method", BUILT_IN, ((BUILT_IN, "built-in"), (DIFFUSION, "diffusion model")),
                  help=f"Built-in: {built_in_help} Diffusion model: generated from the prompt by an installed "
                       "text-to-audio model (Stable Audio Open or 3, AudioLDM 2, ACE-Step)."),
        StringParam("prompt", "", multiline=True, help="What it sounds like (the diffusion method)."),
        StringParam("audio_model", "", label="Audio model",
                    help="The installed text-to-audio model the diffusion method uses (Help ▸ Models)."),
        IntParam("steps", 100, min=1, max=500, help="Denoising steps of the diffusion method."),
        FloatParam("guidance", 7.0, min=0.0, max=20.0, step=0.5,
                   help="How closely the diffusion method follows the prompt."),
    )


class SoundDiffusion:
    """Mixed into Music and Ambience: suggestions, missing models and fingerprints of the audio model."""

    def suggestions(self, param_name, models):
        return gen.installed_names(models, TEXT_TO_AUDIO) if param_name == "audio_model" else []

    def missing_models(self, params, models):
        if params.get("method") != DIFFUSION:
            return []
        return gen.missing(models, "audio_model", params.get("audio_model", ""), TEXT_TO_AUDIO)

    def fingerprint(self, params, ctx):
        if params["method"] != DIFFUSION:
            return {}
        return {"audio_model": gen.model_fingerprint(ctx, params["audio_model"])}


def _sample_rate(pipe) -> int:
    """The rate of the pipeline's output: its vocoder's (AudioLDM 2) or its audio VAE's."""
    for part in (getattr(pipe, "vocoder", None), getattr(pipe, "vae", None)):
        config = getattr(part, "config", None)
        rate = getattr(config, "sampling_rate", None) or getattr(part, "sampling_rate", None)
        if rate:
            return int(rate)
    raise ValueError(f"{type(pipe).__name__} does not say its sample rate")


def diffusion_audio(ctx, params, seconds: float, node: str) -> Audio:
    """`seconds` of stereo 48 kHz sound generated from the node's prompt, seed and model."""
    library = ctx.models.library()
    model = require_model(library, params["audio_model"], TEXT_TO_AUDIO, node)
    family = FAMILIES[model.family]
    window = min(seconds, MAX_WINDOW_SECONDS.get(model.family, seconds))
    # Each family names the length its own way: Stable Audio Open audio_end_in_s, Stable Audio 3
    # duration, AudioLDM 2 audio_length_in_s, ACE-Step audio_duration (accepted() keeps the one the
    # pipeline takes).
    wanted = {"prompt": params["prompt"], "audio_end_in_s": window, "audio_length_in_s": window, "duration": window,
              "audio_duration": window,
              "num_inference_steps": params["steps"], "guidance_scale": params["guidance"], "output_type": "np"}
    output, pipe = run_generation(ctx, library, Generation(model, family.pipelines[TEXT_TO_AUDIO], wanted,
                                                           params["steps"], params["seed"]))
    rate = _sample_rate(pipe)
    samples = np.asarray(output.audios[0], dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[None]
    stereo = to_stereo(samples)
    if rate != SAMPLE_RATE:
        stereo = resample(stereo, rate, SAMPLE_RATE)
    gain = db_to_gain(params.get("gain_db", 0.0))
    peak = float(np.max(np.abs(stereo))) if stereo.size else 0.0
    if peak > 0.99:  # a model's take can clip; level it below full scale before the gain
        stereo = stereo * (0.99 / peak)
    audio = Audio(np.ascontiguousarray(stereo * gain, dtype=np.float32), SAMPLE_RATE)
    ctx.stats["generated"] = f"{samples.shape[-1] / rate:.2f} s at {rate} Hz"
    return fit_length(audio, seconds, loop=True)
