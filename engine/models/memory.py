"""Where a pipeline runs and how much of it sits on the GPU.

bf16 (fp16 where the card has no bf16) on CUDA, fp32 on a CPU. On CUDA a pipeline gets the
cheapest memory setting whose estimated need fits the free VRAM, from "all on the GPU" down to
sequential CPU offload; a CUDA out-of-memory error moves it one setting down once, then becomes
a message that says how much memory was needed and how much was free.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Memory settings, most GPU memory (fastest) first.
RESIDENT = 0  # every component on the GPU
TILED = 1  # also: VAE tiling and slicing, attention slicing (peaks of decode and attention cut down)
MODEL_OFFLOAD = 2  # also: each component moved to the GPU only while it runs (accelerate)
SEQUENTIAL_OFFLOAD = 3  # also: weights streamed layer by layer (slow, fits nearly anything)
LEVEL_NAMES = {RESIDENT: "on GPU", TILED: "on GPU, tiled VAE", MODEL_OFFLOAD: "model CPU offload",
               SEQUENTIAL_OFFLOAD: "sequential CPU offload"}
# Activations, the VAE decode and CUDA's own context on top of the weights. An estimate, not a
# measured figure (diffusers documents none per model): to be replaced by the calibration table
# the render router records on the user's own GPU. An underestimate costs one out-of-memory retry.
WORKING_MARGIN = 1.35


@dataclass(frozen=True)
class Placement:
    device: str  # "cuda" or "cpu"
    dtype: str  # "bfloat16", "float16" or "float32"
    level: int = RESIDENT

    def describe(self) -> str:
        where = LEVEL_NAMES[self.level] if self.device == "cuda" else "CPU"
        return f"{where}, {self.dtype}"

    def lower(self) -> "Placement | None":
        """The next setting that needs less GPU memory, or None when there is none."""
        if self.device != "cuda" or self.level >= SEQUENTIAL_OFFLOAD:
            return None
        return Placement(self.device, self.dtype, self.level + 1)


def torch_dtype(name: str):
    import torch

    return getattr(torch, name)


def cuda_available() -> bool:
    import torch

    # AIPROD_DEVICE=cpu runs generation on the CPU on a machine with a GPU (tests, a busy card).
    return os.environ.get("AIPROD_DEVICE", "").lower() != "cpu" and torch.cuda.is_available()


def free_vram() -> tuple[int, int]:
    """(free, total) bytes on the current CUDA device."""
    import torch

    return torch.cuda.mem_get_info()


def stored_bytes_at(size_bytes: int, stored_precision: str, dtype: str) -> int:
    """Weights at `dtype`, from their size on disk at `stored_precision` (fp32 files load at half size in fp16)."""
    width = {"fp32": 4, "float32": 4, "fp16": 2, "float16": 2, "bf16": 2, "bfloat16": 2, "fp8": 1}
    stored = width.get(stored_precision, 2)
    return int(size_bytes * width.get(dtype, 2) / stored)


def choose_placement(size_bytes: int, stored_precision: str, largest_part_bytes: int | None = None) -> Placement:
    """Device, precision and the memory setting for a model of `size_bytes` on disk."""
    if not cuda_available():
        return Placement("cpu", "float32")
    import torch

    dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    need = stored_bytes_at(size_bytes, stored_precision, dtype)
    free, _total = free_vram()
    if need * WORKING_MARGIN <= free:
        return Placement("cuda", dtype, RESIDENT)
    if need <= free:
        return Placement("cuda", dtype, TILED)
    largest = stored_bytes_at(largest_part_bytes or size_bytes // 2, stored_precision, dtype)
    if largest * WORKING_MARGIN <= free:
        return Placement("cuda", dtype, MODEL_OFFLOAD)
    return Placement("cuda", dtype, SEQUENTIAL_OFFLOAD)


def apply_placement(pipe, placement: Placement) -> None:
    """Move a freshly loaded pipeline to its device with its memory setting switched on."""
    if placement.device == "cpu":
        pipe.to("cpu")
        return
    if placement.level >= TILED:
        vae = getattr(pipe, "vae", None)
        for switch in ("enable_tiling", "enable_slicing"):
            if vae is not None and hasattr(vae, switch):
                try:
                    getattr(vae, switch)()
                except NotImplementedError:  # some video VAEs have no tiled decode
                    pass
        if hasattr(pipe, "enable_attention_slicing"):
            pipe.enable_attention_slicing()
    if placement.level == SEQUENTIAL_OFFLOAD:
        pipe.enable_sequential_cpu_offload()
    elif placement.level == MODEL_OFFLOAD:
        pipe.enable_model_cpu_offload()
    else:
        pipe.to("cuda")


def is_out_of_memory(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.cuda.OutOfMemoryError) or "CUDA out of memory" in str(exc)


def release_cuda_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class PeakMemory:
    """Peak GPU memory over a block (0 on a CPU), for the node's run stats."""

    def __enter__(self) -> "PeakMemory":
        import torch

        self.peak_bytes = 0
        self._cuda = torch.cuda.is_available()
        if self._cuda:
            torch.cuda.reset_peak_memory_stats()
        return self

    def __exit__(self, *exc) -> None:
        import torch

        if self._cuda:
            self.peak_bytes = int(torch.cuda.max_memory_allocated())
