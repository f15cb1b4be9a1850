"""Half floats (float16) to and from float32, fast on every x86-64 CPU.

numpy widens float16 one value at a time unless the CPU has AVX-512 (9 ms a 720p RGB frame on an
AVX2 CPU); torch's copy uses the F16C instructions every such CPU has (under 2 ms), with the same
bits, NaN and infinities included. A cached shot is read back through this for every frame, and
written through it: numpy narrowed a 1080p frame in ~34 ms (with its clamp), this in ~7.
On one thread: torch's second OpenMP thread spins for a while after each copy, taking ~10 ms of
CPU a frame from x264 during an export (engine/media/torch_threads.py).
"""

from __future__ import annotations

import numpy as np

from .value_range import value_range

HALF_MAX = 65504.0  # the largest finite half float


def float32_from_half(half: np.ndarray) -> np.ndarray:
    """A new float32 array with the values of `half` (float16, any shape and strides)."""
    import torch  # here, not above: a command that reads no cached frame never waits for torch to load

    from .torch_threads import torch_threads

    out = np.empty(half.shape, np.float32)
    with torch_threads(1):
        torch.from_numpy(out).copy_(torch.from_numpy(np.ascontiguousarray(half)))
    return out


def half_from_float32(frame: np.ndarray) -> np.ndarray:
    """A new float16 array of `frame` (float32), values beyond the half range clamped to +-HALF_MAX
    (so a bright highlight stays finite, not infinite); NaN stays NaN. The same bits as numpy's
    np.clip(frame, -HALF_MAX, HALF_MAX).astype(np.float16): both round to nearest, ties to even."""
    import torch

    from .torch_threads import torch_threads

    source = torch.from_numpy(np.ascontiguousarray(frame, dtype=np.float32))
    out = np.empty(frame.shape, np.float16)
    with torch_threads(1):
        if not _within_half(frame):  # rare: a clamp pass first (NaN lands here too, and stays NaN)
            source = source.clamp(-HALF_MAX, HALF_MAX)
        torch.from_numpy(out).copy_(source)
    return out


def _within_half(frame: np.ndarray) -> bool:
    """Every value finite and inside the half range (a NaN fails both comparisons)."""
    if frame.size == 0:
        return True
    low, high = value_range(frame)
    return low >= -HALF_MAX and high <= HALF_MAX
