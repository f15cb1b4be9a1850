"""The grade's operations (engine.media.grade_math) as an OpenColorIO CPU processor: the fast CPU path.

Each OCIO step costs about as much per pixel as the LUT itself, so runs of per-channel curves are
folded into single 1D LUTs sampled from the exact torch functions (the benchmark grade becomes
matrix, log, 1D, 3D, 1D). OCIO's renderer releases the GIL, so frames run in row bands on all cores.
On CUDA the torch path in grade_math is used instead; tests hold the two within 1e-4.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import PyOpenColorIO as ocio
import torch

from .grade_math import (ACESCCT_BREAK_LIN, ACESCCT_TOE_SLOPE, Curve, LutStep, Matrix, Op, Power, acescct_encode,
                         apply_ops)
from .lut import Lut

# Points per sampled curve: 16384 keeps each table in the core's L2 cache (lookups stay cheap) and
# the CPU path within 1e-4 of torch; 4096 would be 20 % faster but about 8e-4 off near black.
CURVE_SAMPLES = 16384
# ACEScct values of scene-linear -1 .. 65504 (half-float max): the range a sampled log curve covers.
ACESCCT_DOMAIN = (acescct_encode(-1.0), acescct_encode(65504.0))
# Exact steps, but OCIO's SIMD log/exp/pow (relative error ~5e-6, about 25 % faster here). The log
# shaper's error is cancelled where its table is built (see _log_shaped_curve).
CPU_OPTIMIZATION = ocio.OptimizationFlags(int(ocio.OPTIMIZATION_LOSSLESS) | int(ocio.OPTIMIZATION_FAST_LOG_EXP_POW))


def _matrix_transform(matrix: np.ndarray, offset: np.ndarray) -> ocio.MatrixTransform:
    m44 = np.eye(4)
    m44[:3, :3] = matrix
    return ocio.MatrixTransform(m44.ravel().tolist(), [*map(float, offset), 0.0])


def _curve_transform(curve: Curve) -> ocio.Transform:
    # Each transform is written linear -> encoded; decoding is its inverse direction.
    direction = ocio.TRANSFORM_DIR_FORWARD if curve.encode else ocio.TRANSFORM_DIR_INVERSE
    if curve.name == "acescct":
        return ocio.LogCameraTransform(linSideBreak=[ACESCCT_BREAK_LIN] * 3, base=2.0,
                                       logSideSlope=[1 / 17.52] * 3, logSideOffset=[9.72 / 17.52] * 3,
                                       linearSlope=[ACESCCT_TOE_SLOPE] * 3, direction=direction)
    if curve.name == "gamma24":
        # ExponentTransform's forward direction decodes (x^2.4), so encoding is its inverse.
        flipped = ocio.TRANSFORM_DIR_INVERSE if curve.encode else ocio.TRANSFORM_DIR_FORWARD
        return ocio.ExponentTransform([2.4, 2.4, 2.4, 1.0], ocio.NEGATIVE_CLAMP, flipped)
    if curve.name == "srgb":
        flipped = ocio.TRANSFORM_DIR_INVERSE if curve.encode else ocio.TRANSFORM_DIR_FORWARD
        return ocio.ExponentWithLinearTransform([2.4, 2.4, 2.4, 1.0], [0.055, 0.055, 0.055, 0.0],
                                                ocio.NEGATIVE_LINEAR, flipped)
    raise ValueError(f"unknown transfer curve {curve.name!r}")


def _lut_transforms(lut: Lut) -> list[ocio.Transform]:
    low, high = np.asarray(lut.domain_min), np.asarray(lut.domain_max)
    transforms: list[ocio.Transform] = []
    if np.any(low != 0) or np.any(high != 1):  # OCIO's in-memory LUTs span 0..1
        scale = 1.0 / (high - low)
        transforms.append(_matrix_transform(np.diag(scale), -low * scale))
    if lut.is_3d:
        table = ocio.Lut3DTransform(lut.size)
        table.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    else:
        table = ocio.Lut1DTransform(lut.size, False)
        table.setInterpolation(ocio.INTERP_LINEAR)
    table.setData(np.ascontiguousarray(lut.table, dtype=np.float32).ravel())  # [r, g, b] order, blue fastest
    transforms.append(table)
    return transforms


def _is_separable(op: Op) -> bool:
    """Acts on each channel alone (so a run of these is one curve per channel)."""
    if isinstance(op, Matrix):
        return bool(np.all(op.matrix == np.diag(np.diag(op.matrix))))
    return isinstance(op, (Curve, Power))


def _is_increasing(run: list[Op]) -> bool:
    return all(not isinstance(op, Matrix) or np.all(np.diag(op.matrix) > 0) for op in run)


def _run_curve(run: list[Op], x: np.ndarray) -> np.ndarray:
    """The run on N x 3 inputs, computed exactly by the torch back end in float64."""
    return apply_ops(torch.from_numpy(x), run).numpy()


def _clamped_domain(run: list[Op], low: np.ndarray, high: np.ndarray, lut: Lut) -> tuple[np.ndarray, np.ndarray]:
    """Narrow [low, high] to the inputs whose results the next LUT does not clamp (the run must increase).

    Bisection per channel: the last input that gives at most the LUT's domain min, and the first
    that gives at least its max. Fewer wasted samples: finer steps where the curve is used.
    """
    bounds = []
    for target, inclusive in ((np.asarray(lut.domain_min), True), (np.asarray(lut.domain_max), False)):
        a, b = low.copy(), high.copy()
        for _ in range(60):
            middle = (a + b) / 2
            value = _run_curve(run, middle[None])[0]
            below = value <= target if inclusive else value < target
            a, b = np.where(below, middle, a), np.where(below, b, middle)
        bounds.append((a + b) / 2)
    new_low = np.clip(bounds[0], low, high)
    return new_low, np.maximum(np.clip(bounds[1], low, high), new_low + 1e-6)


def _sampled_curve(run: list[Op], low: np.ndarray, high: np.ndarray) -> list[ocio.Transform]:
    """The run as a 1D LUT over [low, high] per channel (a scaling matrix maps that range onto 0..1)."""
    grid = low + np.linspace(0.0, 1.0, CURVE_SAMPLES)[:, None] * (high - low)
    table = ocio.Lut1DTransform(CURVE_SAMPLES, False)
    table.setInterpolation(ocio.INTERP_LINEAR)
    table.setData(np.ascontiguousarray(_run_curve(run, grid), dtype=np.float32).ravel())
    return [_matrix_transform(np.diag(1.0 / (high - low)), -low / (high - low)), table]


def _log_shaped_curve(run: list[Op], low: np.ndarray, high: np.ndarray) -> list[ocio.Transform]:
    """ACEScct encode (scaled so [low, high] spans 0..1) then the run as a 1D LUT over that log scale.

    The log uses OCIO's fast SIMD approximation. Its small error cancels: each table entry holds the
    run at the exact ACEScct of the input that OCIO's own log sends to that grid point (found by
    Newton steps through the very processor that will run), so the pair is as exact as the table.
    """
    scale = 1.0 / (high - low)
    shaper = ocio.LogCameraTransform(linSideBreak=[ACESCCT_BREAK_LIN] * 3, base=2.0,
                                     logSideSlope=(scale / 17.52).tolist(),
                                     logSideOffset=(scale * 9.72 / 17.52 - low * scale).tolist(),
                                     linearSlope=(scale * ACESCCT_TOE_SLOPE).tolist())
    config = ocio.Config.CreateRaw()
    processor = config.getProcessor(shaper).getOptimizedCPUProcessor(CPU_OPTIMIZATION)
    target = np.linspace(0.0, 1.0, CURVE_SAMPLES)[:, None] * np.ones(3)
    x = apply_ops(torch.from_numpy(low + target * (high - low)), [Curve("acescct", False)]).numpy()
    for _ in range(3):
        shaped = np.ascontiguousarray(x, dtype=np.float32)
        processor.apply(ocio.PackedImageDesc(shaped, CURVE_SAMPLES, 1, 3))
        slope = scale * np.where(x <= ACESCCT_BREAK_LIN, ACESCCT_TOE_SLOPE,
                                 1.0 / (17.52 * np.log(2.0) * np.maximum(x, ACESCCT_BREAK_LIN)))
        x = x - (shaped - target) / slope
    table = ocio.Lut1DTransform(CURVE_SAMPLES, False)
    table.setInterpolation(ocio.INTERP_LINEAR)
    encoded = apply_ops(torch.from_numpy(x), [Curve("acescct", True)])
    table.setData(np.ascontiguousarray(apply_ops(encoded, run).numpy(), dtype=np.float32).ravel())
    return [shaper, table]


def compiled_transforms(ops: list[Op]) -> list[ocio.Transform]:
    """OCIO transforms for the operations, with each run of per-channel steps folded into one 1D LUT.

    A CPU processor pays for every transcendental step on every pixel, so chains of curves are
    sampled (CURVE_SAMPLES points, from the exact torch functions) where their input range is known: after
    an ACEScct encode (linear -1 .. 65504), or after a LUT (its output range). A run that feeds a
    LUT is sampled only over the inputs the LUT does not clamp. Elsewhere the steps stay exact.
    """
    transforms: list[ocio.Transform] = []
    index, previous = 0, None
    while index < len(ops):
        end = index
        while end < len(ops) and _is_separable(ops[end]):
            end += 1
        if end == index:  # not separable: a full matrix or a LUT
            transforms.extend(_exact(ops[index]))
            previous, index = ops[index], index + 1
            continue
        run = list(ops[index:end])
        low = high = None
        log_shaped = isinstance(run[0], Curve) and run[0].name == "acescct" and run[0].encode
        if log_shaped:
            encode = run.pop(0)
            if not run or (len(run) == 1 and isinstance(run[0], Matrix)):
                transforms.extend(_exact(encode))  # a lone scaling is folded into the log curve below
                log_shaped = False
            low, high = np.full(3, ACESCCT_DOMAIN[0]), np.full(3, ACESCCT_DOMAIN[1])
        elif isinstance(previous, LutStep):
            low, high = previous.lut.table.reshape(-1, 3).min(0), previous.lut.table.reshape(-1, 3).max(0)
            low, high = low.astype(np.float64), np.maximum(high.astype(np.float64), low + 1e-6)
        elif isinstance(run[0], Curve) and run[0].name == "acescct":  # a decode: its input is ACEScct
            low, high = np.full(3, ACESCCT_DOMAIN[0]), np.full(3, ACESCCT_DOMAIN[1])
        if run and low is not None and (len(run) > 1 or not isinstance(run[0], Matrix)):
            following = ops[end] if end < len(ops) else None
            if isinstance(following, LutStep) and _is_increasing(run):
                low, high = _clamped_domain(run, low, high, following.lut)
            transforms.extend(_log_shaped_curve(run, low, high) if log_shaped else _sampled_curve(run, low, high))
        else:
            for op in run:
                transforms.extend(_exact(op))
        previous, index = ops[end - 1], end
    return _fold_scales(transforms)


def _diagonal(transform: ocio.Transform) -> tuple[np.ndarray, np.ndarray] | None:
    """(scale, offset) of a matrix transform that acts per channel; None for any other transform."""
    if not isinstance(transform, ocio.MatrixTransform):
        return None
    matrix = np.asarray(transform.getMatrix()).reshape(4, 4)[:3, :3]
    if np.any(matrix != np.diag(np.diag(matrix))):
        return None
    return np.diag(matrix).copy(), np.asarray(transform.getOffset())[:3]


def _fold_scales(transforms: list[ocio.Transform]) -> list[ocio.Transform]:
    """Per-channel scalings folded into the LUT or log curve before them: every step costs a pass."""
    folded: list[ocio.Transform] = []
    for transform in transforms:
        scaling = _diagonal(transform)
        before = folded[-1] if folded else None
        if scaling is not None and isinstance(before, (ocio.Lut1DTransform, ocio.Lut3DTransform)):
            scale, offset = scaling
            before.setData((np.asarray(before.getData()).reshape(-1, 3) * scale + offset).astype(np.float32).ravel())
        elif (scaling is not None and isinstance(before, ocio.LogCameraTransform)
              and before.getDirection() == ocio.TRANSFORM_DIR_FORWARD):
            scale, offset = scaling
            before.setLogSideSlopeValue((np.asarray(before.getLogSideSlopeValue()) * scale).tolist())
            before.setLogSideOffsetValue((np.asarray(before.getLogSideOffsetValue()) * scale + offset).tolist())
            before.setLinearSlopeValue((np.asarray(before.getLinearSlopeValue()) * scale).tolist())
        elif isinstance(transform, ocio.MatrixTransform) and isinstance(before, ocio.MatrixTransform):
            first, second = (np.asarray(t.getMatrix()).reshape(4, 4) for t in (before, transform))
            offset = second[:3, :3] @ np.asarray(before.getOffset())[:3] + np.asarray(transform.getOffset())[:3]
            folded[-1] = _matrix_transform((second @ first)[:3, :3], offset)
        else:
            folded.append(transform)
    return folded


def _exact(op: Op) -> list[ocio.Transform]:
    if isinstance(op, Matrix):
        return [_matrix_transform(op.matrix, op.offset)]
    if isinstance(op, Curve):
        return [_curve_transform(op)]
    if isinstance(op, Power):
        return [ocio.ExponentTransform([*map(float, op.exponent), 1.0], ocio.NEGATIVE_PASS_THRU)]
    if isinstance(op, LutStep):
        return _lut_transforms(op.lut)
    raise TypeError(f"no OCIO form for {op!r}")


def group_transform(ops: list[Op], compile_curves: bool = True) -> ocio.GroupTransform:
    group = ocio.GroupTransform()
    for transform in (compiled_transforms(ops) if compile_curves else [t for op in ops for t in _exact(op)]):
        group.appendTransform(transform)
    return group


def cpu_processor(ops: list[Op], compile_curves: bool = True) -> ocio.CPUProcessor:
    """A CPU processor for the operations; it agrees with the torch back end to better than 1e-4."""
    config = ocio.Config.CreateRaw()
    config.setProcessorCacheFlags(ocio.PROCESSOR_CACHE_OFF)  # in-memory LUTs: never reuse a stale one
    processor = config.getProcessor(group_transform(ops, compile_curves))
    return processor.getOptimizedCPUProcessor(CPU_OPTIMIZATION)


SMALL_PICTURE_PIXELS = 1 << 16  # below this a picture goes through the processor in the calling thread


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_band_count(), thread_name_prefix="ocio-grade")


def _band_count() -> int:
    return max(1, min(os.cpu_count() or 1, 16))


def apply_processor(processor: ocio.CPUProcessor, pixels: np.ndarray, mix: float = 1.0) -> np.ndarray:
    """A frame (H x W x 3 or 4, float32) through the processor, in row bands on all cores; alpha passes."""
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    height, width, channels = pixels.shape
    out = np.empty((height, width, channels), np.float32)
    # More bands than threads: a thread that finishes early takes the next band, so one busy core
    # does not leave the frame waiting on its half. A small picture (the export QA's grid of each
    # frame, a thumbnail) is run here at once: handing it to the pool cost ~2 ms of CPU for ~0.1 of work.
    bands = min(_band_count() * 4, height) if height * width >= SMALL_PICTURE_PIXELS else 1
    edges = np.linspace(0, height, bands + 1).astype(int)

    def run(top: int, bottom: int) -> None:
        source, band = pixels[top:bottom], out[top:bottom]
        # Separate source and destination: the frame is read, never written (it may be a shared still).
        processor.apply(ocio.PackedImageDesc(source, width, bottom - top, channels),
                        ocio.PackedImageDesc(band, width, bottom - top, channels))
        if mix < 1.0:  # out = source + mix * (graded - source), alpha untouched
            rgb = band[..., :3]
            rgb -= source[..., :3]
            rgb *= np.float32(mix)
            rgb += source[..., :3]

    if bands == 1:
        run(0, height)
    else:
        for future in [_pool().submit(run, top, bottom) for top, bottom in zip(edges[:-1], edges[1:])]:
            future.result()
    return out
