"""Torch CPU work on one thread for the calling thread only, leaving every other thread's torch alone.

Why: during an export the camera resample shares two cores with x264. On 2 busy cores a 720p
bilinear resample cost ~46 ms of CPU with torch's 2 OpenMP threads (affine_grid's matmul and the
elementwise passes waited on a busy core) against ~13 ms on one thread (benchmarks/camera.py).

Why not torch.set_num_threads(1): besides the calling thread's OpenMP setting it stores a
process-wide count that every thread starting torch work later takes as its own, so a flow or
diffusers thread that began while a frame was being resampled would stay on one thread for good
(checked with torch 2.13: a thread started meanwhile saw get_num_threads() == 1). omp_set_num_threads
alone changes only the calling thread (OpenMP keeps that setting per thread), so that is what we call.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import sys
from collections.abc import Iterator
from pathlib import Path

import torch

_TORCH_CPU_LIBRARY = {"linux": "libtorch_cpu.so", "darwin": "libtorch_cpu.dylib"}


@functools.cache
def _omp_set_num_threads():
    """The omp_set_num_threads of the OpenMP runtime torch was linked with, or None (then nothing changes).

    Looked up through libtorch_cpu itself, so it is torch's runtime even when another library in the
    process (OpenCV, numpy's BLAS) brought a second one.
    """
    if "parallel backend: OpenMP" not in torch.__config__.parallel_info():
        return None
    name = _TORCH_CPU_LIBRARY.get(sys.platform)
    if name is None:  # Windows: GetProcAddress does not search a DLL's dependencies
        return None
    try:
        library = ctypes.CDLL(str(Path(torch.__file__).parent / "lib" / name))
        function = library.omp_set_num_threads
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = [ctypes.c_int], None
    return function


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Torch's CPU operators in this thread use at most `count` threads until the block ends.

    Where the runtime cannot be reached this does nothing: slower, not different. (Elementwise
    operators and grid_sample compute each output value in one thread whatever the count; a full
    reduction such as tensor.sum() may round differently when split another way.)
    """
    set_threads = _omp_set_num_threads()
    # get_num_threads first: it runs torch's once-per-thread setup, which would otherwise overwrite
    # our setting the first time this thread runs a parallel operator.
    previous = torch.get_num_threads()
    if set_threads is None or previous <= count:
        yield
        return
    set_threads(count)
    if torch.get_num_threads() != count:  # not the runtime torch reads: put it back, change nothing
        set_threads(previous)
        yield
        return
    try:
        yield
    finally:
        set_threads(previous)
