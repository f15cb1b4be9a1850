"""Half floats (float16) widened to float32, fast on every x86-64 CPU.

numpy widens float16 one value at a time unless the CPU has AVX-512 (9 ms a 720p RGB frame on an
AVX2 CPU); torch's copy uses the F16C instructions every such CPU has (under 2 ms), with the same
bits, NaN and infinities included. A cached shot is read back through this for every frame.
On one thread: torch's second OpenMP thread spins for a while after each copy, taking ~10 ms of
CPU a frame from x264 during an export (engine/media/torch_threads.py).
"""

from __future__ import annotations

import numpy as np


def float32_from_half(half: np.ndarray) -> np.ndarray:
    """A new float32 array with the values of `half` (float16, any shape and strides)."""
    import torch  # here, not above: a command that reads no cached frame never waits for torch to load

    from .torch_threads import torch_threads

    out = np.empty(half.shape, np.float32)
    with torch_threads(1):
        torch.from_numpy(out).copy_(torch.from_numpy(np.ascontiguousarray(half)))
    return out
