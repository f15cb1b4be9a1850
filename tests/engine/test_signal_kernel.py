"""The export's one-pass table kernel (engine/media/signal_kernel.c) against OpenColorIO's path.

The kernel stands in for the shaper, OpenColorIO's tetrahedral 3D LUT and its planar output: it must
give the same floats, bit for bit, or an export's frames would depend on whether a compiler was
there when the project was installed.
"""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from engine.media import camera_render, flow, signal_lut
from engine.media.signal_lut import SignalTable

from .test_signal_lut import sample_grade, still

needs_kernel = pytest.mark.skipif(signal_lut.KERNEL is None, reason="the C kernel is not built here")


@pytest.mark.parametrize("name", ["signal_kernel", "warp_kernel", "flow_kernel"])
def test_the_kernels_are_built_wherever_a_c_compiler_is(name):
    """setup.py builds them as optional: a build that broke would otherwise go unseen, every export
    slower (the table kernel: signal_lut.KERNEL; the camera's: camera_render.WARP; the flow in-betweens':
    flow.KERNEL)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) here: the kernels are optional")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        pytest.skip("no Python headers here (python3-dev): the kernels are optional")
    built = {"signal_kernel": signal_lut.KERNEL, "warp_kernel": camera_render.WARP, "flow_kernel": flow.KERNEL}[name]
    assert built is not None, (
        f"a C compiler and the Python headers are here but engine.media._{name} is not built: "
        "run .venv/bin/python -m pip install --no-deps -e . and read what the build says")


def tables(top: float, size: int = signal_lut.TABLE_SIZE) -> tuple[SignalTable, SignalTable]:
    """The sample film's grade as an H.264 export bakes it: through the kernel, and through OpenColorIO."""
    grading, _ = sample_grade()
    kernel = SignalTable(grading, "lin_rec709", "rec709", top, size=size, matrix=1)
    ocio = SignalTable(grading, "lin_rec709", "rec709", top, size=size, matrix=1, use_kernel=False)
    assert kernel.uses_kernel and not ocio.uses_kernel
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


@pytest.fixture(params=["8 at a time", "4 at a time"])
def corners_path(request):
    """The kernel weighs a pixel's table corners 8 pixels at a time on AVX2 CPUs, 4 elsewhere: both must
    give OpenColorIO's floats (on a CPU without AVX2 only the second runs)."""
    kernel = signal_lut.KERNEL
    if kernel is None:
        pytest.skip("the C kernel is not built here")
    before = kernel.avx2()
    wide = request.param == "8 at a time"
    if wide and not before:
        pytest.skip("this CPU has no AVX2")
    kernel.avx2(wide)
    assert kernel.avx2() is wide
    yield request.param
    kernel.avx2(before)


@needs_kernel
@pytest.mark.parametrize("top", [1.0, 4.0])
def test_the_kernel_gives_opencolorios_floats_bit_for_bit(top, corners_path):
    kernel, ocio = tables(top)
    pixels = awkward_pixels(top)
    ours, theirs = kernel.encode(pixels), ocio.encode(pixels)
    assert ours.shape == theirs.shape == (3, len(pixels), 1) and ours.dtype == np.float32
    assert np.array_equal(ours, theirs)


@needs_kernel
@pytest.mark.parametrize("name", ["dawn.jpg", "night.jpg"])
def test_film_frames_come_out_the_same_through_either_path(name, corners_path):
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


@needs_kernel
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p", "yuv444p"])
@pytest.mark.parametrize("size", [(720, 1280), (6, 38), (2, 2), (4, 70)])
def test_the_kernels_8_bit_planes_are_numpys_code_for_code(pix_fmt, size):
    """Luma rounded, chroma filtered and rounded: the same codes from the kernel and from ycbcr.py's
    numpy, on widths that are not whole vector batches, with values on the half codes (ties go to even)
    and outside the codes' range (clamped)."""
    from engine.media import ycbcr

    step_x, step_y = ycbcr._SUBSAMPLING[pix_fmt]
    height, width = size
    if height % step_y or width % step_x:
        pytest.skip("not a size this format can hold")
    rng = np.random.default_rng(3)
    planes = rng.uniform(-3000.0, 70000.0, size=(3, height, width)).astype(np.float32)
    planes.reshape(3, -1)[:, ::5] = (rng.integers(0, 255, size=planes.reshape(3, -1)[:, ::5].shape) + 0.5) * 257.0
    planes[0, 0, :2] = (-3000.0, 70000.0)  # under code 0 and over 255
    ours = [np.zeros((height // (step_y if c else 1), width // (step_x if c else 1)), np.uint8) for c in range(3)]
    theirs = [plane.copy() for plane in ours]
    ycbcr._kernel_planes(planes, step_x, step_y, *ours)
    ycbcr.eight_bit_planes(planes, step_x, step_y, theirs)
    for kernel, reference in zip(ours, theirs):
        assert np.array_equal(kernel, reference)
    assert {0, 255} <= set(np.unique(ours[0]).tolist())  # clamped both ways


@needs_kernel
def test_an_exported_frame_has_the_same_codes_with_or_without_the_kernel(monkeypatch):
    """The whole 8-bit path of a sample still: table, then planes, each through the kernel or not."""
    from engine.media import ycbcr

    kernel, ocio = tables(1.0)
    pixels = still("dawn.jpg", size=(322, 182))  # rows of 161 chroma samples: not whole batches

    def codes(frame):
        return [np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width].copy() for p in frame.planes]

    in_two_passes = codes(ycbcr.planar_frame(kernel.encode(pixels), "yuv420p"))
    in_one_pass = codes(kernel.encode_frame(pixels, "yuv420p"))  # the table's floats never written out
    monkeypatch.setattr(ycbcr, "_kernel_planes", None)
    theirs = codes(ycbcr.planar_frame(ocio.encode(pixels), "yuv420p"))
    without_kernel = codes(ocio.encode_frame(pixels, "yuv420p"))
    assert [plane.shape for plane in in_one_pass] == [(182, 322), (91, 161), (91, 161)]
    for ours in (in_two_passes, in_one_pass, without_kernel):
        for kernel_plane, reference in zip(ours, theirs):
            assert np.array_equal(kernel_plane, reference)


@needs_kernel
@pytest.mark.parametrize("pix_fmt, size", [(pix_fmt, size) for pix_fmt in ("yuv420p", "yuv422p", "yuv444p")
                                           for size in ((1280, 720), (34, 2), (2, 2), (100, 7))
                                           if pix_fmt != "yuv420p" or size[1] % 2 == 0])  # 4:2:0: even heights
def test_the_one_pass_frame_has_the_codes_of_the_two_passes(pix_fmt, size):
    """Rows go through the table as the chroma rows need them (a ring of four): the same codes as the
    planes made from the whole frame's floats, on the first and last rows too, and on frames one or two
    rows high."""
    from engine.media import ycbcr

    kernel, _ = tables(2.0)
    pixels = still("night.jpg", size=size) * np.float32(1.7)
    whole = ycbcr.planar_frame(kernel.encode(pixels), pix_fmt)
    rows = kernel.encode_frame(pixels, pix_fmt)
    for a, b in zip(whole.planes, rows.planes):
        assert np.array_equal(ycbcr._plane_view(a), ycbcr._plane_view(b))
    again = ycbcr.copy_frame(rows)
    assert again is not rows and all(np.array_equal(ycbcr._plane_view(a), ycbcr._plane_view(b))
                                     for a, b in zip(again.planes, rows.planes))


@needs_kernel
def test_the_planes_call_refuses_planes_of_the_wrong_size():
    from engine.media import ycbcr

    planes = np.zeros((3, 4, 6), np.float32)
    good = [np.zeros((4, 6), np.uint8), np.zeros((2, 3), np.uint8), np.zeros((2, 3), np.uint8)]
    ycbcr._kernel_planes(planes, 2, 2, *good)
    with pytest.raises(ValueError, match="2 x 3 uint8"):
        ycbcr._kernel_planes(planes, 2, 2, good[0], np.zeros((2, 2), np.uint8), good[2])
    with pytest.raises(ValueError, match="multiples of the steps"):
        ycbcr._kernel_planes(np.zeros((3, 5, 6), np.float32), 2, 2, *good)


@needs_kernel
def test_the_frame_call_refuses_frames_and_tables_that_do_not_fit():
    kernel = signal_lut.KERNEL
    nodes = np.zeros((8, 4), np.float32)
    planes = [np.zeros((4, 6), np.uint8), np.zeros((2, 3), np.uint8), np.zeros((2, 3), np.uint8)]
    kernel.frame(np.zeros((4, 6, 3), np.float32), 1.0, nodes, 2, 2, 2, *planes)  # fits
    with pytest.raises(ValueError, match="H x W x 3"):
        kernel.frame(np.zeros((4, 6, 2), np.float32), 1.0, nodes, 2, 2, 2, *planes)
    with pytest.raises(ValueError, match="multiples of the steps"):
        kernel.frame(np.zeros((5, 6, 3), np.float32), 1.0, nodes, 2, 2, 2, *planes)
    with pytest.raises(ValueError, match="table"):
        kernel.frame(np.zeros((4, 6, 3), np.float32), 1.0, nodes[:7], 2, 2, 2, *planes)
    with pytest.raises(ValueError, match="2 x 3 uint8"):
        kernel.frame(np.zeros((4, 6, 3), np.float32), 1.0, nodes, 2, 2, 2, planes[0], planes[1], planes[0])


@needs_kernel
@pytest.mark.parametrize("odd", ["plain", "nan early", "nan in a second run", "nan in the last run of 4",
                                 "lowest in a second run", "nan in a row's tail", "+inf", "-inf", "highlight last",
                                 "flat", "negative zero"])
def test_the_frame_call_measures_the_frames_range_as_value_range_does(odd):
    """frame() returns what engine.media.value_range gives (the export picks the table and the QA's NaN
    check by it): a row of 10 pixels is 30 floats, 3 pairs of runs of 4 (each pair's second run kept
    apart), a last run of 4 and a tail of 2 read one by one."""
    from engine.media.value_range import value_range
    from engine.media.ycbcr import empty_frame

    rgb = (np.random.default_rng(11).random((6, 10, 3), dtype=np.float32) * 3 - 0.5).astype(np.float32)
    if odd == "nan early":
        rgb[0, 0, 1] = np.nan
    elif odd == "nan in a second run":
        rgb[1, 1, 2] = np.nan  # float 5 of its row
    elif odd == "nan in the last run of 4":
        rgb[2, 8, 0] = np.nan  # float 24
    elif odd == "lowest in a second run":
        rgb[4, 2, 0] = -0.9  # float 6
    elif odd == "nan in a row's tail":
        rgb[5, 9, 2] = np.nan
    elif odd == "+inf":
        rgb[2, 3, 0] = np.inf
    elif odd == "-inf":
        rgb[3, 7, 1] = -np.inf
    elif odd == "highlight last":
        rgb[5, 9, 2] = 9.5
    elif odd == "flat":
        rgb[:] = 0.25
    elif odd == "negative zero":
        rgb[:] = np.abs(rgb)
        rgb[1, 1, 1] = -0.0
    frame, targets, steps = empty_frame(10, 6, "yuv420p")
    got = signal_lut.KERNEL.frame(rgb, 1.0, np.zeros((8, 4), np.float32), 2, *steps, *targets)
    want = value_range(rgb)
    assert np.array_equal(np.array(got), np.array(want), equal_nan=True), (got, want)
