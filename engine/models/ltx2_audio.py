"""LTX-2's sound: the audio it generates with the picture, and a given sound (a dialogue line) held
as the condition the picture is made for.

LTX-2 denoises picture and sound together, each attending to the other. To make a picture for a
given sound (audio-to-video), the sound is encoded by the model's own audio VAE from a log-mel
spectrogram computed as LTX-2 was trained (1024-point Hann STFT, magnitude, the VAE's hop and mel
bins, Slaney mel scale and norm, natural log floored at 1e-5), and held clean through the whole
denoise: at every step the transformer sees those latents at noise level 0 and their update is
zero. That is ltx-core's audio-to-video contract (clean latents, timestep 0, no denoising).
diffusers' LTX-2 pipelines take `audio_latents` only as a starting point (the image-to-video one
denoises them from noise level 1 like noise; the condition one replaces them with noise), so the
hold is done here, around the transformer, for the length of one call.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..audio.dsp import resample_to_length
from .loading import ModelError

N_FFT = 1024  # the spectra LTX-2's audio VAE was trained on (ltx-core's encoder); diffusers' config omits it
LOG_FLOOR = 1e-5


def generated_sound(output) -> np.ndarray:
    """The sound of a pipeline call, float32 channels x samples at its vocoder's output_sampling_rate."""
    samples = output.audio[0].detach().float().cpu().numpy()
    return np.ascontiguousarray(samples[None] if samples.ndim == 1 else samples, dtype=np.float32)


def log_mel(samples: np.ndarray, rate: int, hop: int, mel_bins: int):
    """The log-mel spectrogram of float32 channels x samples: a tensor (1, channels, frames, mel_bins)."""
    import torch
    from transformers.audio_utils import mel_filter_bank

    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    spectrum = torch.stft(waveform, N_FFT, hop_length=hop, win_length=N_FFT, window=torch.hann_window(N_FFT),
                          center=True, pad_mode="reflect", return_complex=True).abs()
    bank = mel_filter_bank(num_frequency_bins=N_FFT // 2 + 1, num_mel_filters=mel_bins, min_frequency=0.0,
                           max_frequency=rate / 2, sampling_rate=rate, norm="slaney", mel_scale="slaney")
    bank = torch.from_numpy(bank.astype(np.float32))
    mel = torch.einsum("cft,fm->ctm", spectrum, bank)
    return torch.log(torch.clamp(mel, min=LOG_FLOOR))[None]


def latent_frames(pipe, seconds: float) -> int:
    """How many audio latent frames the pipeline makes for a video of `seconds` (its own rule)."""
    per_second = pipe.audio_sampling_rate / pipe.audio_hop_length / float(pipe.audio_vae_temporal_compression_ratio)
    return round(seconds * per_second)


def encode_sound(pipe, samples: np.ndarray, seconds: float):
    """`samples` (float32 channels x samples, mapped onto `seconds`: the video's whole span, as its
    frames are) as the pipeline's audio VAE encodes them: unnormalised latents (1, channels, latent
    frames, latent mel bins), the form and length the pipelines' `audio_latents` takes."""
    import torch

    vae = pipe.audio_vae
    config = vae.config
    rate, hop = int(config.sample_rate), int(config.mel_hop_length)
    channels = int(config.in_channels)
    if samples.shape[0] != channels:
        if samples.shape[0] != 1:
            raise ModelError(f"the audio VAE takes {channels} channel(s); give it mono or {channels} channels")
        samples = np.repeat(samples, channels, axis=0)  # the same voice in each channel, at full level
    at_rate = resample_to_length(samples, round(seconds * rate))
    # The causal encoder makes one latent frame per `ratio` mel frames; silence after the end gives
    # the last latent frames their full context, and the latents are then cut to the video's span.
    ratio = pipe.audio_vae_temporal_compression_ratio
    frames = latent_frames(pipe, seconds)
    room = max(0, (frames * ratio + 1) * hop - at_rate.shape[1])
    at_rate = np.pad(at_rate, ((0, 0), (0, room)))
    mel = log_mel(at_rate, rate, hop, int(config.mel_bins))
    with torch.no_grad():
        encoded = vae.encode(mel.to(pipe._execution_device, vae.dtype)).latent_dist.mode()
    if encoded.shape[2] < frames:
        raise ModelError(f"the audio VAE gave {encoded.shape[2]} latent frames for a {frames}-frame span")
    return encoded[:, :, :frames]


@contextmanager
def held_sound(pipe, latents):
    """Within it, every transformer call of `pipe` sees `latents` (unnormalised, as encode_sound gives
    them) as clean audio at noise level 0 and returns no audio update, so the audio stays the given
    sound from the first step to the last while the picture is denoised towards it."""
    import torch

    vae = pipe.audio_vae
    clean = pipe._normalize_audio_latents(pipe._pack_audio_latents(latents), vae.latents_mean, vae.latents_std)
    transformer = pipe.transformer
    own = transformer.__dict__.get("forward")  # an offload hook may have set one; it is put back as found
    inner = transformer.forward

    def forward(*args, **kwargs):
        audio = kwargs.get("audio_hidden_states")
        if audio is None or "timestep" not in kwargs or kwargs.get("return_dict", True):
            raise ModelError(f"{type(pipe).__name__} calls its transformer in a way this version of the "
                             "studio does not know; the dialogue cannot be held as the condition")
        kwargs["audio_hidden_states"] = clean.to(audio.device, audio.dtype).expand_as(audio)
        timestep = kwargs.get("audio_timestep")
        kwargs["audio_timestep"] = torch.zeros_like(timestep if timestep is not None else kwargs["timestep"])
        if kwargs.get("sigma") is not None:  # LTX-2.3 modulates cross-attention by each stream's sigma
            kwargs["audio_sigma"] = torch.zeros_like(kwargs["sigma"])
        video, audio_update, *rest = inner(*args, **kwargs)
        return (video, torch.zeros_like(audio_update), *rest)

    transformer.forward = forward
    try:
        yield {"audio_latents": latents}
    finally:
        if own is None:
            del transformer.forward
        else:
            transformer.forward = own


def sound_condition(samples: np.ndarray, seconds: float):
    """A Generation's `around` for a picture made for `samples` (mapped onto the video's `seconds`):
    encoded by the loaded pipeline's audio VAE and held through its call."""
    return lambda pipe: held_sound(pipe, encode_sound(pipe, samples, seconds))
