"""The export's one-pass table kernel (engine/media/signal_kernel.c) against OpenColorIO's path.

The kernel stands in for the shaper, OpenColorIO's tetrahedral 3D LUT and its planar output: it must
give the same floats, bit for bit, or an export's frames would depend on whether a compiler was
there when the project was installed.
"""

from __future__ import annotations

import shutil
import sysconfig

import numpy as np
import pytest

from engine.media import signal_lut
from engine.media.signal_lut import SignalTable

from .test_signal_lut import sample_grade, still

needs_kernel = pytest.mark.skipif(signal_lut.KERNEL is None, reason="the C kernel is not built here")


def test_the_kernel_is_built_wherever_a_c_compiler_is():
    """setup.py builds it as optional: a build that broke would otherwise go unseen, every export slower."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) here: the kernel is optional")
    assert signal_lut.KERNEL is not None, "a C compiler is here but engine.media._signal_kernel is not built: pip install -e ."


def tables(top: float, size: int = signal_lut.TABLE_SIZE) -> tuple[SignalTable, SignalTable]:
    """The sample film's grade as an H.264 export bakes it: through the kernel, and through OpenColorIO."""
    grading, _ = sample_grade()
    kernel = SignalTable(grading, "lin_rec709", "rec709", top, size=size, matrix=1)
    ocio = SignalTable(grading, "lin_rec709", "rec709", top, size=size, matrix=1, use_kernel=False)
    assert kernel._nodes is not None and ocio._nodes is None
    return kernel, ocio


def awkward_pixels(top: float, count: int = 5001) -> np.ndarray:
    """Colours all over the table's domain, with what sits on its seams: greys (all fractions tie),
    two channels tied, values on the table's nodes, its top and past it, black, resampling noise below
    black, NaN. An odd count, so that the last of the kernel's batches is a partial one."""
    rng = np.random.default_rng(7)
    pixels = rng.uniform(0.0, top, size=(count, 3)).astype(np.float32)
    pixels[:500] = pixels[:500, :1]  # greys
    pixels[500:1000, 1] = pixels[500:1000, 0]  # red and green tied
    nodes = (np.linspace(0.0, 1.0, signal_lut.TABLE_SIZE) * top ** 0.25) ** 4
    pixels[1000:1000 + len(nodes)] = nodes[:, None]
    pixels[1100:1110] = top
    pixels[1110:1120] = top * 1.5
    pixels[1120:1130] = 0.0
    pixels[1130:1140, 2] = -0.5 / 4096
    pixels[1140:1150, 1] = np.nan
    return np.ascontiguousarray(pixels[:, None, :])


@needs_kernel
@pytest.mark.parametrize("top", [1.0, 4.0])
def test_the_kernel_gives_opencolorios_floats_bit_for_bit(top):
    kernel, ocio = tables(top)
    pixels = awkward_pixels(top)
    ours, theirs = kernel.encode(pixels), ocio.encode(pixels)
    assert ours.shape == theirs.shape == (3, len(pixels), 1) and ours.dtype == np.float32
    assert np.array_equal(ours, theirs)


@needs_kernel
@pytest.mark.parametrize("name", ["dawn.jpg", "night.jpg"])
def test_film_frames_come_out_the_same_through_either_path(name):
    """A sample still, an odd size (its rows are not whole batches), through the finer table too."""
    pixels = still(name, size=(333, 187))
    for size in (signal_lut.TABLE_SIZE, signal_lut.FALLBACK_TABLE_SIZE):
        kernel, ocio = tables(1.0, size)
        assert np.array_equal(kernel.encode(pixels), ocio.encode(pixels))


@needs_kernel
def test_a_strided_or_float64_frame_is_read_as_its_float32_copy():
    kernel, _ = tables(1.0)
    pixels = still("lake_a.jpg")
    expected = kernel.encode(pixels)
    assert np.array_equal(kernel.encode(pixels.astype(np.float64)), expected)
    wide = np.zeros((pixels.shape[0], pixels.shape[1] * 2, 3), np.float32)
    wide[:, ::2] = pixels
    assert np.array_equal(kernel.encode(wide[:, ::2]), expected)


@needs_kernel
def test_the_kernel_refuses_buffers_that_do_not_fit():
    kernel = signal_lut.KERNEL
    rgb, nodes = np.zeros((10, 3), np.float32), np.zeros((8, 4), np.float32)
    planes = [np.zeros(10, np.float32) for _ in range(3)]
    kernel.apply(rgb, 1.0, nodes, 2, *planes)  # fits
    with pytest.raises(ValueError, match="table"):
        kernel.apply(rgb, 1.0, nodes, 3, *planes)
    with pytest.raises(ValueError, match="plane"):
        kernel.apply(rgb, 1.0, nodes, 2, planes[0][:9], *planes[1:])
    with pytest.raises(TypeError, match="float32"):
        kernel.apply(rgb.astype(np.float64), 1.0, nodes, 2, *planes)
    with pytest.raises(ValueError, match="contiguous"):
        kernel.apply(rgb[:, :2], 1.0, nodes, 2, *planes)
