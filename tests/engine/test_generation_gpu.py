"""The tiny pipelines of test_generation.py on CUDA, in half precision, with the memory policy's
settings from all-on-GPU to sequential offload: the node's output and stats, and the peak VRAM it
reports. Run wherever a CUDA device is available (skipped elsewhere, see tests/conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.models import denoise
from engine.models.loading import RESIDENT_PIPELINES
from engine.models.memory import MODEL_OFFLOAD, RESIDENT, SEQUENTIAL_OFFLOAD, TILED, Placement
from tests.engine.test_generation import (image_of, keyframe, locator, model_root, render,  # noqa: F401
                                          two_keyframe_shot)

pytestmark = [pytest.mark.gpu, pytest.mark.slow, pytest.mark.usefixtures("no_network")]


def on_gpu(monkeypatch, level: int, dtype: str):
    monkeypatch.setattr(denoise, "placement_for", lambda model: Placement("cuda", dtype, level))


@pytest.mark.parametrize("level", [RESIDENT, TILED, MODEL_OFFLOAD, SEQUENTIAL_OFFLOAD])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("model", ["tiny-sdxl", "tiny-flux1"])
def test_a_keyframe_on_cuda_at_each_memory_setting(locator, monkeypatch, level, dtype, model):  # noqa: F811
    on_gpu(monkeypatch, level, dtype)
    report, _graph = render(locator, lambda s: keyframe(s, model=model))
    image = image_of(report)
    assert image.pixels.shape == (32, 32, 3) and np.isfinite(image.pixels).all()
    stats = report.results["key"].stats
    assert dtype in stats["device"] and stats["peak_vram_gb"] >= 0
    RESIDENT_PIPELINES.unload()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_the_gpu_result_is_close_to_the_cpu_result(locator, monkeypatch, dtype):  # noqa: F811
    # The reference runs on the CPU in fp32 even here: left to itself, the memory policy would put it
    # on this machine's GPU too, and the test would compare two half precisions.
    monkeypatch.setattr(denoise, "placement_for", lambda model: Placement("cpu", "float32"))
    cpu = image_of(render(locator, lambda s: keyframe(s))[0]).pixels
    RESIDENT_PIPELINES.unload()
    on_gpu(monkeypatch, RESIDENT, dtype)
    gpu = image_of(render(locator, lambda s: keyframe(s))[0]).pixels
    # The starting noise is drawn on the CPU generator either way; half precision moves values a
    # little (on a CPU, fp16 and bf16 stay within 0.002 of fp32 on average for this pipeline).
    assert np.abs(cpu - gpu).mean() < 0.05


@pytest.mark.parametrize("method, model", [("first/last-frame video", "tiny-ltx-video"),
                                           ("full video diffusion", "tiny-wan-i2v")])
def test_video_on_cuda_with_model_offload(locator, monkeypatch, method, model):  # noqa: F811
    on_gpu(monkeypatch, MODEL_OFFLOAD, "bfloat16")
    report, _graph = render(locator, two_keyframe_shot(method, model))
    assert not report.failed, [r.message for r in report.results.values() if r.message]
    assert report.outputs["shot"]["frames"].frame_count == 24
    assert report.results["shot"].stats["peak_vram_gb"] >= 0


def test_a_real_out_of_memory_is_retried_once_then_named_with_what_was_free(locator, monkeypatch):  # noqa: F811
    import torch

    on_gpu(monkeypatch, RESIDENT, "bfloat16")
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(100_000 / total)  # 100 kB: no pipeline fits, at any setting
    try:
        report, _graph = render(locator, lambda s: keyframe(s))
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    result = report.results["key"]
    assert result.status == "failed"
    # One retry, at the next setting down (tiled), then one line that says what was free.
    assert "ran out of GPU memory even with on GPU, tiled VAE" in result.message, result.message
    assert "GB is free" in result.message and "\n" not in result.message
    assert RESIDENT_PIPELINES.resident_key() is None  # nothing half-loaded is kept
    # With the memory back, the same node renders.
    assert np.isfinite(image_of(render(locator, lambda s: keyframe(s))[0]).pixels).all()
