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
    """The middle frame of the first item as raw VAE latents (C x h x w torch tensor), or None."""
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
    first = latents[0].float().cpu()
    return first[:, first.shape[1] // 2] if first.ndim == 4 else first


def preview_latents(pipe, latents) -> np.ndarray | None:
    """An 8-bit sRGB-ish picture (h x w x 3) of `latents`, or None for a family without a preview."""
    raw = _raw_latents(pipe, latents.detach())
    vae = getattr(pipe, "vae", None)
    if raw is None or vae is None:
        return None
    matrix, bias = _fit(vae)
    pixels = np.einsum("chw,cr->hwr", raw.numpy(), matrix) + bias
    return np.round(np.clip((pixels + 1.0) * 127.5, 0, 255)).astype(np.uint8)
