"""The flow in-between's one-pass kernel (engine/media/flow_kernel.c) against the numpy and OpenCV path.

The kernel does what FlowPair._blend does with four cv2.remap passes and numpy arithmetic: the same
positions, the same weights and sums in the same order; only the bilinear sampling rounds its
products in its own order. So the two must agree to within a float's rounding, on real keyframes and
on motions that run off every edge, and the kernel must never read past the end of a picture.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.media import flow
from engine.media.flow import FlowPair
from engine.media.image_io import read_image

pytestmark = pytest.mark.skipif(flow.KERNEL is None, reason="engine.media._flow_kernel is not built here")

STILLS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "stills"


def keyframes(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The sample's two lake stills at this size: a real pair of keyframes with real motion between them."""
    return tuple(np.ascontiguousarray(cv2.resize(read_image(STILLS / f"{name}.jpg")[..., :3], (width, height),
                                                 interpolation=cv2.INTER_AREA), np.float32)
                 for name in ("lake_a", "lake_b"))


def both_ways(pair: FlowPair, t: float, switch: str = "_kernel_fits") -> tuple[np.ndarray, np.ndarray]:
    """The in-between at t with a kernel pass on, and with it off (numpy and OpenCV instead): `switch`
    names the pass, the blend (_kernel_fits) or the weights (_weights_in_kernel)."""
    assert getattr(pair, switch)
    kernel = pair.at(t)
    setattr(pair, switch, False)
    try:
        numpy_path = pair.at(t)
    finally:
        setattr(pair, switch, True)
    return kernel, numpy_path


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


@pytest.mark.parametrize("size", [(1280, 720), (640, 360)])
def test_real_keyframes_give_the_numpy_path_within_rounding(size):
    """1280 wide: the flow is found 960 wide and its motion and weights scaled up; 640: at its own size."""
    pair = FlowPair(*keyframes(*size))
    for t in (0.1, 0.5, 0.83):
        kernel, numpy_path = both_ways(pair, t)
        assert kernel.shape == numpy_path.shape and kernel.dtype == np.float32
        assert np.abs(kernel - numpy_path).max() <= 1e-6
        assert psnr(kernel, numpy_path) > 140
        assert np.mean(kernel == numpy_path) > 0.9  # most floats are the very same


def sampled(first, second, motions, weights, before, after):
    out = np.empty_like(first)
    flow.KERNEL.inbetween(first, second, motions[0], motions[1], weights, before, after, out)
    return out


def remapped(first, second, motions, weights, before, after):
    """What FlowPair._blend computes from the same arrays (its positions, remaps and sums)."""
    height, width = first.shape[:2]
    grid = np.stack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)), -1)
    total = np.zeros_like(first)
    for k, (picture, motion, factor) in enumerate(((first, motions[0], before), (second, motions[0], after),
                                                   (first, motions[1], before), (second, motions[1], after))):
        where = motion * np.float32(factor) + grid
        warped = cv2.remap(picture, where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        total = total + warped * weights[k][..., None] if k else warped * weights[k][..., None]
    return total / (((weights[0] + weights[1]) + weights[2]) + weights[3])[..., None]


@pytest.mark.parametrize("height, width", [(1, 1), (1, 7), (9, 1), (37, 53)])
def test_motions_off_every_edge_replicate_the_edge_pixels_as_remap_does(height, width):
    rng = np.random.default_rng(height * 100 + width)
    first, second = (rng.random((height, width, 3), dtype=np.float32) for _ in range(2))
    # Motions of up to 3 pictures' size either way: most samples fall outside, on every side.
    reach = 3 * max(height, width)
    motions = [(rng.random((height, width, 2), dtype=np.float32) - 0.5) * 2 * reach for _ in range(2)]
    weights = rng.random((4, height, width), dtype=np.float32) + 0.01
    out = sampled(first, second, motions, weights, -0.4, 0.6)
    assert np.abs(out - remapped(first, second, motions, weights, -0.4, 0.6)).max() <= 2e-6


def test_a_huge_or_not_a_number_position_reads_the_edge_pixel():
    first = np.arange(4 * 5 * 3, dtype=np.float32).reshape(4, 5, 3)
    motions = [np.full((4, 5, 2), value, np.float32) for value in (1e30, -1e30)]
    weights = np.zeros((4, 4, 5), np.float32)
    weights[0] = 1.0  # only the first sample counts: first along motion 0, which runs off the bottom right
    assert np.array_equal(sampled(first, first, motions, weights, 1.0, 1.0), np.broadcast_to(first[-1, -1], first.shape))
    weights[0], weights[2] = 0.0, 1.0  # now first along motion 1: off the top left
    assert np.array_equal(sampled(first, first, motions, weights, 1.0, 1.0), np.broadcast_to(first[0, 0], first.shape))
    motions[1][:] = np.nan
    assert np.array_equal(sampled(first, first, motions, weights, 1.0, 1.0), np.broadcast_to(first[0, 0], first.shape))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="guard pages through libc's mprotect")
def test_the_last_pixel_is_read_without_touching_the_memory_past_the_picture():
    """The kernel loads 4 floats a pixel (RGB and one of slack): at the picture's last pixel that slack
    is past the end of the buffer. Each picture here ends where an unreadable page begins, and every
    sample reads the last pixel: a read past the end would crash the test run."""
    height, width = 5, 7
    page = mmap.PAGESIZE
    nbytes = height * width * 3 * 4
    span = -(-nbytes // page) * page
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    guarded, pictures = [], []
    for seed in (1, 2):
        memory = mmap.mmap(-1, span + page)
        address = ctypes.addressof(ctypes.c_char.from_buffer(memory))
        assert libc.mprotect(address + span, page, 0) == 0, ctypes.get_errno()  # PROT_NONE
        picture = np.frombuffer(memory, np.float32, height * width * 3, span - nbytes).reshape(height, width, 3)
        picture[...] = np.random.default_rng(seed).random((height, width, 3), dtype=np.float32)
        guarded.append((memory, address))
        pictures.append(picture)
    far = np.full((height, width, 2), 1e6, np.float32)  # every position off the bottom right
    weights = np.ones((4, height, width), np.float32)
    out = sampled(pictures[0], pictures[1], (far, far), weights, 1.0, 1.0)
    expected = (pictures[0][-1, -1] + pictures[1][-1, -1] + pictures[0][-1, -1] + pictures[1][-1, -1]) / 4
    assert np.allclose(out, np.broadcast_to(expected, out.shape), rtol=1e-6)
    del out, pictures, picture
    for memory, address in guarded:
        libc.mprotect(address + span, page, 3)  # readable and writable again, so the map can be closed


def test_rgba_keyframes_and_other_dtypes_take_the_numpy_path():
    first, second = keyframes(320, 180)
    alpha = np.ones((180, 320, 1), np.float32)
    assert not FlowPair(np.concatenate([first, alpha], -1), np.concatenate([second, alpha], -1))._kernel_fits
    assert not FlowPair(first.astype(np.float64), second.astype(np.float64))._kernel_fits
    assert not FlowPair(np.asfortranarray(first), np.asfortranarray(second))._kernel_fits
    assert FlowPair(first, second)._kernel_fits


def test_refuses_what_it_cannot_read():
    picture = np.zeros((4, 5, 3), np.float32)
    motion = np.zeros((4, 5, 2), np.float32)
    weights = np.ones((4, 4, 5), np.float32)
    out = np.empty_like(picture)
    with pytest.raises(ValueError, match="motion1"):
        flow.KERNEL.inbetween(picture, picture, motion, np.zeros((4, 4, 2), np.float32), weights, -0.5, 0.5, out)
    with pytest.raises(ValueError, match="weights"):
        flow.KERNEL.inbetween(picture, picture, motion, motion, weights[:3], -0.5, 0.5, out)
    with pytest.raises(ValueError, match="second"):
        flow.KERNEL.inbetween(picture, picture.astype(np.float64), motion, motion, weights, -0.5, 0.5, out)
    with pytest.raises(ValueError, match="first"):
        flow.KERNEL.inbetween(np.zeros((4, 5, 4), np.float32), picture, motion, motion, weights, -0.5, 0.5, out)
    with pytest.raises(ValueError, match="finite"):
        flow.KERNEL.inbetween(picture, picture, motion, motion, weights, float("nan"), 0.5, out)
    with pytest.raises((ValueError, TypeError)):
        flow.KERNEL.inbetween(picture, picture, motion, motion, weights, -0.5, 0.5, out[::-1].copy().T)


# ---- the weights of a guess (flow_kernel.c's weights(), FlowPair._weights) ----

def exact_weights(forward, backward, motion, tolerance, t):
    """FlowPair._weights' formulas in float64, the flows sampled bilinearly at the exact positions (edge
    pixels replicated): what the kernel computes in float32, where cv2.remap snaps to 1/32 pixel."""
    height, width = motion.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    motion = motion.astype(np.float64)

    def sample(field, px, py):
        px, py = np.clip(np.nan_to_num(px, nan=-1.0), -1, width), np.clip(np.nan_to_num(py, nan=-1.0), -1, height)
        kx, ky = np.floor(px), np.floor(py)
        fx, fy = (px - kx)[..., None], (py - ky)[..., None]
        x0, x1 = np.clip(kx, 0, width - 1).astype(int), np.clip(kx + 1, 0, width - 1).astype(int)
        y0, y1 = np.clip(ky, 0, height - 1).astype(int), np.clip(ky + 1, 0, height - 1).astype(int)
        field = field.astype(np.float64)
        top = field[y0, x0] * (1 - fx) + field[y0, x1] * fx
        bottom = field[y1, x0] * (1 - fx) + field[y1, x1] * fx
        return top * (1 - fy) + bottom * fy

    seen_a = sample(forward, xs - t * motion[..., 0], ys - t * motion[..., 1])
    seen_b = -sample(backward, xs + (1 - t) * motion[..., 0], ys + (1 - t) * motion[..., 1])
    valid = [np.exp(-0.5 * (np.hypot(*np.moveaxis(seen - motion, -1, 0)) / tolerance) ** 2) for seen in (seen_a, seen_b)]
    support = np.exp(6.0 * (valid[0] + valid[1]))
    return np.stack([support * (1 - t) * (valid[0] + 1e-3), support * t * (valid[1] + 1e-3)])


def kernel_weights(forward, backward, motion, tolerance, t):
    out = np.empty((2, *motion.shape[:2]), np.float32)
    flow.KERNEL.weights(forward, backward, motion, tolerance, t, out)
    return out


def test_the_weights_are_the_formulas_to_within_float_rounding_on_real_flows():
    pair = FlowPair(*keyframes(640, 360))
    for motion, tolerance in zip(pair._motions, pair._tolerances):
        for t in (0.1, 0.5, 0.83):
            ours = kernel_weights(pair._ab, pair._ba, np.ascontiguousarray(motion), tolerance, t)
            exact = exact_weights(pair._ab, pair._ba, motion, tolerance, t)
            # The positions are float32, as numpy's are; where a flow field is steep or a pixel's agreement
            # sits on the Gaussian's flank (and support's e^12 magnifies it), a position's last bit shows.
            error = np.abs(ours / exact - 1)
            assert np.percentile(error, 99.9) < 1e-4 and error.max() < 1e-3


@pytest.mark.parametrize("height, width", [(1, 1), (1, 7), (9, 1), (37, 53)])
def test_weights_of_flows_off_every_edge_replicate_the_edge(height, width):
    rng = np.random.default_rng(height * 10 + width)
    reach = 3 * max(height, width)  # most positions land outside the field, on every side
    forward, backward, motion = ((rng.random((height, width, 2), dtype=np.float32) - 0.5) * 2 * reach
                                 for _ in range(3))
    tolerance = (1.0 + 0.1 * np.hypot(motion[..., 0], motion[..., 1])).astype(np.float32)
    for t in (0.25, 0.75):
        ours = kernel_weights(forward, backward, motion, tolerance, t)
        assert np.abs(ours / exact_weights(forward, backward, motion, tolerance, t) - 1).max() < 2e-4


def test_weights_of_a_huge_or_not_a_number_motion_are_finite():
    field = np.zeros((4, 5, 2), np.float32)
    tolerance = np.ones((4, 5), np.float32)
    for value in (1e30, -1e30, np.nan):
        out = kernel_weights(field, field, np.full((4, 5, 2), value, np.float32), tolerance, 0.5)
        assert np.isfinite(out).all() and (out > 0).all()


def test_in_betweens_with_the_weights_kernel_match_the_numpy_weights():
    """The numpy path's weights sample the flows through cv2.remap, which snaps positions to 1/32 pixel;
    the kernel samples exactly. The in-betweens differ by that alone: far under what an eye or an 8-bit
    file can tell."""
    pair = FlowPair(*keyframes(1280, 720))
    for t in (0.1, 0.5, 0.83):
        ours, numpy_weights = both_ways(pair, t, "_weights_in_kernel")
        assert psnr(ours, numpy_weights) > 75
        assert np.abs(ours - numpy_weights).max() < 0.1


def test_the_weights_refuse_what_they_cannot_read():
    field = np.zeros((4, 5, 2), np.float32)
    tolerance = np.ones((4, 5), np.float32)
    out = np.empty((2, 4, 5), np.float32)
    for t in (0.0, 1.0, float("nan")):
        with pytest.raises(ValueError, match="t must be"):
            flow.KERNEL.weights(field, field, field, tolerance, t, out)
    with pytest.raises(ValueError, match="tolerance"):
        flow.KERNEL.weights(field, field, field, tolerance[:3], 0.5, out)
    with pytest.raises(ValueError, match="backward"):
        flow.KERNEL.weights(field, field.astype(np.float64), field, tolerance, 0.5, out)
    with pytest.raises(ValueError, match="out"):
        flow.KERNEL.weights(field, field, field, tolerance, 0.5, out[:1])


# ---- the bits a cached shot was made with ----

def arithmetic_inputs(height: int, width: int):
    """Flows and pictures from IEEE arithmetic alone (no sin or exp, whose last bit can vary by maths
    library): the same arrays on every machine. The flows reach ~10 pixels, past every edge."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)

    def field(a, b, c):
        return np.ascontiguousarray(np.stack([a * (xs - width / 2) * (ys - height / 3) / (width * height) * 40,
                                              b * (ys - height / 2) / height * 10 + c], -1), np.float32)

    def picture(k):
        cells = (xs.astype(np.int64) * 7919 * k + ys.astype(np.int64) * 104729) % 1021
        return np.ascontiguousarray(np.stack([cells / 1021.0, (cells * 3 % 1021) / 1021.0, xs / width], -1),
                                    np.float32)

    return field(6, 4, 1.5), field(-5, 3, -1.0), field(9, -7, 2.5), picture(1), picture(2)


def test_the_kernels_give_the_bits_the_scene_revision_caches_hold():
    """A shot cached by Scene revision 3 is served as it is, so the kernels must keep giving its bits to
    the last one: a faster rewrite may reorder loops, not operations. (Changing the bits on purpose means
    a new Scene and Interpolate revision, and new digests here.)"""
    import hashlib

    forward, backward, motion, first, second = arithmetic_inputs(61, 83)
    reverse = np.ascontiguousarray(-backward)
    tolerance = np.ascontiguousarray(1 + 0.1 * np.sqrt(motion[..., 0] ** 2 + motion[..., 1] ** 2), np.float32)
    weights = np.empty((4, 61, 83), np.float32)
    flow.KERNEL.weights(forward, backward, motion, tolerance, 0.3, weights[:2])
    flow.KERNEL.weights(forward, backward, reverse, tolerance, 0.3, weights[2:])
    out = np.empty_like(first)
    flow.KERNEL.inbetween(first, second, motion, reverse, weights, -0.3, 0.7, out)
    assert hashlib.sha256(weights.tobytes()).hexdigest()[:16] == "9d6d2ca2296c0476"
    assert hashlib.sha256(out.tobytes()).hexdigest()[:16] == "0d8a4d789bd68361"
