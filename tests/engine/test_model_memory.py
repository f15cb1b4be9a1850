"""The memory policy, without a GPU: the placement chosen for the free VRAM a card reports, the one
retry at a lower setting after a CUDA out-of-memory error, and the one-pipeline resident pool."""

from __future__ import annotations

import pytest
import torch

from engine.context import CancelToken, RunContext
from engine.events import EventEmitter
from engine.models import denoise, loading, memory
from engine.models.library import InstalledModel
from engine.models.memory import MODEL_OFFLOAD, RESIDENT, SEQUENTIAL_OFFLOAD, TILED, Placement

GB = 10**9


def fake_card(monkeypatch, free_gb: float, total_gb: float = 24.0, bf16: bool = True):
    monkeypatch.setattr(memory, "cuda_available", lambda: True)
    monkeypatch.setattr(memory, "free_vram", lambda: (int(free_gb * GB), int(total_gb * GB)))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)


@pytest.mark.parametrize("free_gb, level", [(20.0, RESIDENT), (8.0, TILED), (6.8, MODEL_OFFLOAD),
                                            (1.0, SEQUENTIAL_OFFLOAD)])
def test_the_placement_is_the_fastest_that_fits_the_free_vram(monkeypatch, free_gb, level):
    fake_card(monkeypatch, free_gb)
    # 7 GB of fp16 weights on disk (SDXL), the largest part 5 GB (its UNet)
    placement = memory.choose_placement(7 * GB, "fp16", largest_part_bytes=5 * GB)
    assert placement == Placement("cuda", "bfloat16", level)


def test_fp16_on_a_card_without_bf16_and_fp32_on_a_cpu(monkeypatch):
    fake_card(monkeypatch, 20.0, bf16=False)
    assert memory.choose_placement(GB, "fp32").dtype == "float16"
    monkeypatch.setattr(memory, "cuda_available", lambda: False)
    assert memory.choose_placement(GB, "bf16") == Placement("cpu", "float32")


def test_fp32_weights_need_half_their_size_in_half_precision():
    assert memory.stored_bytes_at(8 * GB, "fp32", "bfloat16") == 4 * GB
    assert memory.stored_bytes_at(4 * GB, "bf16", "float32") == 8 * GB


def test_each_lower_setting_needs_less_and_the_last_has_none_below():
    placement = Placement("cuda", "float16", RESIDENT)
    levels = []
    while placement is not None:
        levels.append(placement.level)
        placement = placement.lower()
    assert levels == [RESIDENT, TILED, MODEL_OFFLOAD, SEQUENTIAL_OFFLOAD]
    assert Placement("cpu", "float32").lower() is None


class FakePipe:
    """Runs out of memory while `failures` is above zero; records the placement it was loaded with."""

    def __init__(self, placement, failures):
        self.placement = placement
        self.failures = failures

    def __call__(self, prompt="", generator=None):
        if self.failures[0] > 0:
            self.failures[0] -= 1
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "made"


def fake_loading(monkeypatch, failures: int):
    loaded: list[Placement] = []
    left = [failures]

    def load(model, pipeline_class, placement, library):
        loaded.append(placement)
        return FakePipe(placement, left)

    monkeypatch.setattr(loading, "load_pipeline", load)
    monkeypatch.setattr(denoise, "placement_for", lambda model: Placement("cuda", "bfloat16", TILED))
    monkeypatch.setattr(memory, "free_vram", lambda: (3 * GB, 24 * GB))
    monkeypatch.setattr(denoise, "free_vram", lambda: (3 * GB, 24 * GB))
    loading.RESIDENT_PIPELINES.unload()
    return loaded


class FakeLibrary:
    locator = None

    def fingerprint(self, model):
        return "f"


MODEL = InstalledModel("big", __import__("pathlib").Path("/models/big"), "diffusers", "sdxl", None, ("text-to-image",),
                       size_bytes=7 * GB, precision="fp16")


def context():
    return RunContext("key", "run", EventEmitter(), CancelToken())


def test_an_out_of_memory_error_is_retried_once_at_the_next_lower_setting(monkeypatch):
    loaded = fake_loading(monkeypatch, failures=1)
    ctx = context()
    output, _pipe = denoise.run_generation(ctx, FakeLibrary(), denoise.Generation(MODEL, "X", {"prompt": "p"}, 2, 0))
    assert output == "made"
    assert [p.level for p in loaded] == [TILED, MODEL_OFFLOAD]
    assert ctx.stats["device"] == "model CPU offload, bfloat16"


def test_a_second_out_of_memory_error_says_what_was_needed_and_what_was_free(monkeypatch):
    loaded = fake_loading(monkeypatch, failures=2)
    with pytest.raises(loading.ModelError) as caught:
        denoise.run_generation(context(), FakeLibrary(), denoise.Generation(MODEL, "X", {"prompt": "p"}, 2, 0))
    message = str(caught.value)
    assert len(loaded) == 2 and "'big' ran out of GPU memory" in message
    assert "7.0 GB on disk" in message and "3.0 GB of 24.0 GB is free" in message
    assert loading.RESIDENT_PIPELINES.resident_key() is None  # nothing half-loaded is kept


def test_one_pipeline_is_resident_and_another_model_unloads_it(monkeypatch):
    loaded = fake_loading(monkeypatch, failures=0)
    pool = loading.RESIDENT_PIPELINES
    other = InstalledModel("other", __import__("pathlib").Path("/models/other"), "diffusers", "sdxl", None, ())
    placement = Placement("cpu", "float32")
    first = pool.get(MODEL, "FakePipe", placement, FakeLibrary(), "f")
    assert pool.get(MODEL, "FakePipe", placement, FakeLibrary(), "f") is first and len(loaded) == 1  # reused
    pool.get(other, "FakePipe", placement, FakeLibrary(), "f")
    assert pool.resident_key()[0] == "/models/other" and len(loaded) == 2
    pool.get(MODEL, "FakePipe", placement, FakeLibrary(), "changed")  # new weights: loaded again
    assert len(loaded) == 3
    pool.unload()


def test_out_of_memory_while_moving_to_the_gpu_is_retried_not_blamed_on_the_model(monkeypatch):
    moved = []

    class Pipe:
        def set_progress_bar_config(self, **kwargs):
            pass

    class Pipeline:
        @classmethod
        def from_pretrained(cls, *args, **kwargs):
            return Pipe()

    def place(pipe, placement):
        moved.append(placement.level)
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 6.00 GiB")

    monkeypatch.setattr(loading, "_diffusers", lambda: type("D", (), {"Pipeline": Pipeline}))
    monkeypatch.setattr(loading, "apply_placement", place)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        loading.load_pipeline(MODEL, "Pipeline", Placement("cuda", "bfloat16", RESIDENT), FakeLibrary())
    assert moved == [RESIDENT]
