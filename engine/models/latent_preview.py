"""A cheap picture of a denoising step's latents: a linear latent-to-RGB map, no VAE decode.

The map is fitted, not copied: the first time a model previews, a small colour chart is encoded
with the model's own VAE and the least-squares map from its latent channels back to the chart's
colours is kept (per VAE, in memory). Each preview is then one small matrix product. The latents a
pipeline holds are normalised (scaled, shifted, per-channel standardised, packed into tokens) in
a way each family defines; `_raw_latents` undoes that for the families listed, and a family not
listed simply shows no preview.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

_fits: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_fits_lock = threading.Lock()
CHART_SIZE = 64


def _chart() -> np.ndarray:
    """A 64x64 chart of smooth colour fields and flat patches, -1..1 as VAEs take it (fixed seed)."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:CHART_SIZE, 0:CHART_SIZE] / (CHART_SIZE - 1)
    fields = [np.sin(np.pi * (a * x + b * y) + c) for a, b, c in rng.uniform(0.3, 2.0, (3, 3))]
    chart = np.stack(fields, axis=0) * 0.8
    for i in range(4):  # flat patches so the fit also sees pure colours
        chart[:, i * 16:(i + 1) * 16, :16] = rng.uniform(-0.9, 0.9, (3, 1, 1))
    return chart.astype(np.float32)


def _encode(vae, chart: np.ndarray):
    import torch

    param = next(vae.parameters())
    pixels = torch.from_numpy(chart)[None].to(param.device, param.dtype)
    with torch.no_grad():
        try:
            encoded = vae.encode(pixels)
        except (RuntimeError, ValueError, TypeError):  # a video VAE takes B x C x F x H x W
            encoded = vae.encode(pixels[:, :, None])
    dist = getattr(encoded, "latent_dist", None)
    latents = dist.mode() if dist is not None else getattr(encoded, "latents", encoded[0])
    latents = latents.float().cpu().numpy()[0]
    return latents[:, latents.shape[1] // 2] if latents.ndim == 4 else latents  # C x h x w


def _fit(vae) -> tuple[np.ndarray, np.ndarray]:
    """(matrix C x 3, bias 3) mapping the VAE's raw latents to -1..1 RGB."""
    with _fits_lock:
        known = _fits.get(vae)
    if known is not None:
        return known
    chart = _chart()
    latents = _encode(vae, chart)  # C x h x w
    channels, h, w = latents.shape
    # The chart averaged over each latent cell: what that latent stands for.
    cell = chart.reshape(3, h, CHART_SIZE // h, w, CHART_SIZE // w).mean(axis=(2, 4))
    design = np.concatenate([latents.reshape(channels, -1).T, np.ones((h * w, 1), np.float32)], axis=1)
    solution, *_ = np.linalg.lstsq(design, cell.reshape(3, -1).T, rcond=None)
    fit = (solution[:-1].astype(np.float32), solution[-1].astype(np.float32))
    with _fits_lock:
        _fits[vae] = fit
    return fit


def _raw_latents(pipe, latents):
    """The first item as raw VAE latents (C x h x w, or C x F x h x w for a video; a CPU float
    torch tensor), or None."""
    config = pipe.vae.config
    name = type(pipe).__name__
    call = getattr(pipe, "_aiprod_call", {})
    if name.startswith("LTX") and latents.ndim == 3:
        ratio_s, ratio_t = pipe.vae_spatial_compression_ratio, pipe.vae_temporal_compression_ratio
        frames = (call.get("num_frames", 1) - 1) // ratio_t + 1
        latents = pipe._unpack_latents(latents, frames, call["height"] // ratio_s, call["width"] // ratio_s,
                                       pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size)
        latents = pipe._denormalize_latents(latents, pipe.vae.latents_mean, pipe.vae.latents_std, config.scaling_factor)
    elif name.startswith("Wan") and latents.ndim == 5:
        import torch

        mean = torch.tensor(config.latents_mean, dtype=torch.float32).view(1, -1, 1, 1, 1)
        std = torch.tensor(config.latents_std, dtype=torch.float32).view(1, -1, 1, 1, 1)
        latents = latents.float().cpu() * std + mean
    elif name.startswith("Flux") and latents.ndim == 3 and hasattr(pipe, "_unpack_latents"):
        latents = pipe._unpack_latents(latents, call["height"], call["width"], pipe.vae_scale_factor)
        latents = latents / config.scaling_factor + (getattr(config, "shift_factor", None) or 0.0)
    elif latents.ndim == 4 and getattr(config, "scaling_factor", None):  # SDXL, SD3, Z-Image, Sana
        latents = latents / config.scaling_factor + (getattr(config, "shift_factor", None) or 0.0)
    else:
        return None
    return latents[0].float().cpu()


def _frames_rgb(pipe, latents, middle_only: bool) -> np.ndarray | None:
    """The latents' frames (F x h x w x 3, -1..1 RGB; F = 1 for an image) or None without a preview."""
    vae = getattr(pipe, "vae", None)
    raw = _raw_latents(pipe, latents.detach()) if vae is not None else None
    if raw is None:
        return None
    frames = raw.numpy()
    if frames.ndim == 3:
        frames = frames[:, None]
    elif middle_only:
        frames = frames[:, frames.shape[1] // 2:frames.shape[1] // 2 + 1]
    matrix, bias = _fit(vae)
    return np.einsum("cfhw,cr->fhwr", frames, matrix) + bias


def preview_frames(pipe, latents) -> np.ndarray | None:
    """Every latent frame of `latents` as a float picture in 0..1 (F x h x w x 3), or None for a
    family without a preview: what the early take checks look at (take_checks.py). NaN latents
    give NaN pixels here, which the checks name rather than hide."""
    pixels = _frames_rgb(pipe, latents, middle_only=False)
    return None if pixels is None else np.clip((pixels + 1.0) * 0.5, 0.0, 1.0).astype(np.float32)


def preview_latents(pipe, latents) -> np.ndarray | None:
    """An 8-bit sRGB-ish picture (h x w x 3) of the middle frame of `latents`, or None for a family
    without a preview."""
    pixels = _frames_rgb(pipe, latents, middle_only=True)
    if pixels is None or not np.isfinite(pixels).all():  # NaN latents: nothing to show (the checks name them)
        return None
    return np.round(np.clip((pixels[0] + 1.0) * 127.5, 0, 255)).astype(np.uint8)
