"""Tiny text-to-audio pipeline: Stable Audio Open (a DiT over Oobleck VAE latents, T5 text).

diffusers' dummy VAE runs at 4 Hz with a hop of 2 (8 samples in all); here the Oobleck VAE has a hop
of 64 at 8 kHz and the DiT 128 latent steps, so the pipeline makes up to ~1 s of real-rate stereo,
which is what a Music / Ambience test wants to resample and mix, at the same CPU cost."""

from __future__ import annotations

from pathlib import Path

from . import text_encoders as te
from .common import save, seeded

AUDIO_SAMPLE_RATE = 8000
AUDIO_HOP = 2 * 4 * 8  # the product of the VAE's downsampling_ratios
AUDIO_LATENT_LENGTH = 128  # the DiT's sample_size: at most 128 * 64 / 8000 = 1.024 s


def build_stable_audio(folder: Path) -> Path:
    from diffusers import (AutoencoderOobleck, CosineDPMSolverMultistepScheduler, StableAudioDiTModel,
                           StableAudioPipeline, StableAudioProjectionModel)

    transformer = seeded(lambda: StableAudioDiTModel(
        sample_size=AUDIO_LATENT_LENGTH, in_channels=3, num_layers=2, attention_head_dim=4,
        num_key_value_attention_heads=2, out_channels=3, cross_attention_dim=4, time_proj_dim=8,
        global_states_input_dim=8, cross_attention_input_dim=4,
    ))
    vae = seeded(lambda: AutoencoderOobleck(
        encoder_hidden_size=6, downsampling_ratios=[2, 4, 8], decoder_channels=3, decoder_input_channels=3,
        audio_channels=2, channel_multiples=[2, 4, 4], sampling_rate=AUDIO_SAMPLE_RATE,
    ))
    text_encoder = te.t5_encoder()
    projection = seeded(lambda: StableAudioProjectionModel(
        text_encoder_dim=text_encoder.config.d_model, conditioning_dim=4, min_value=0, max_value=32,
    ))
    pipe = StableAudioPipeline(
        transformer=transformer,
        vae=vae,
        text_encoder=text_encoder,
        projection_model=projection,
        tokenizer=te.t5_tokenizer(),
        scheduler=CosineDPMSolverMultistepScheduler(
            solver_order=2, prediction_type="v_prediction", sigma_data=1.0, sigma_schedule="exponential",
        ),
    )
    return save(pipe, folder)
