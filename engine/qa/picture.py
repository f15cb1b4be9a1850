"""Picture checks: a meter fed one frame at a time, then the stretches its figures reveal.

The meter reads each frame on a coarse grid (limits.MEASURE_WIDTH pixels across) as display luma:
Rec.709 weights on the linear values, then a 2.4 gamma, which is near enough to any SDR output
transform for "is it black, burnt out, frozen or flickering". Five figures per frame are kept
(a few bytes each), so a film of any length costs its frames' reading and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import limits
from .report import Report, ShotSpan

_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


class FrameMeter:
    """Figures of each frame, measured as the frames go past (the export's stream or a QA pass)."""

    def __init__(self) -> None:
        self.mean: list[float] = []  # mean display luma
        self.visible: list[float] = []  # fraction of pixels brighter than black
        self.clipped: list[float] = []  # fraction of pixels at white
        self.change: list[float] = []  # the largest luma change of any pixel from the frame before (0 for the first)
        # A NaN or an infinity anywhere in the frame; a callable saying so where the whole frame is read
        # later than it is measured (an export's conversion finds its range), asked by figures().
        self.bad: list[bool | Callable[[], bool]] = []
        self._previous: np.ndarray | None = None

    def measure(self, pixels: np.ndarray, finite: bool | Callable[[], bool] | None = None) -> None:
        """The figures of one frame. `pixels` may already be its grid (measured_grid), with `finite` then
        saying whether the whole frame was free of NaN and infinity, or a callable that will say it
        (asked when the figures are read, after the frame's conversion). The callable is kept until then,
        one for every frame of the film: it must hold nothing frame-sized."""
        grid = measured_grid(pixels)
        if finite is None:
            # The whole frame, not the grid, is searched for NaN: one bad pixel is a broken decode. The maximum
            # is the cheapest full read (0.5 ms at 720p) and NaN and +inf carry through it; -inf, which the
            # output clamps to black, is left to the black check.
            finite = bool(np.isfinite(np.max(pixels)))
        linear = np.nan_to_num(grid @ _LUMA, nan=0.0, posinf=1.0, neginf=0.0)
        luma = np.clip(linear, 0.0, 1.0) ** np.float32(1 / 2.4)
        count = luma.size
        self.mean.append(float(luma.mean()))
        self.visible.append(float(np.count_nonzero(luma > limits.BLACK_PIXEL)) / count)
        self.clipped.append(float(np.count_nonzero(luma >= limits.CLIPPED_PIXEL)) / count)
        previous = self._previous
        # The largest change, not the mean: a small boat crossing a still lake is motion.
        self.change.append(float(np.abs(luma - previous).max()) if previous is not None and
                           previous.shape == luma.shape else 0.0)
        self.bad.append((lambda: not finite()) if callable(finite) else not finite)
        self._previous = luma

    @property
    def frames(self) -> int:
        return len(self.mean)

    def figures(self) -> dict[str, np.ndarray]:
        return {"mean": np.array(self.mean), "visible": np.array(self.visible), "clipped": np.array(self.clipped),
                "change": np.array(self.change),
                "bad": np.array([bad() if callable(bad) else bad for bad in self.bad], bool)}


def measured_grid(pixels: np.ndarray) -> np.ndarray:
    """The pixels the meter reads (RGB, on a grid at most MEASURE_WIDTH across); a grid is its own grid."""
    step = max(1, -(-pixels.shape[1] // limits.MEASURE_WIDTH))
    return pixels[step // 2::step, step // 2::step, :3]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in `mask`, end excluded."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def shot_at(shots: list[ShotSpan], frame: int) -> ShotSpan | None:
    """The shot showing at `frame` (the later one where two overlap, as in a dissolve's second half)."""
    found = None
    for shot in shots:
        if shot.start <= frame < shot.end:
            found = shot
    return found


def _split_by_shot(start: int, end: int, shots: list[ShotSpan]) -> list[tuple[int, int, ShotSpan | None]]:
    """A stretch cut where shots change, so each finding names one shot."""
    pieces, begin = [], start
    current = shot_at(shots, start)
    for frame in range(start + 1, end):
        here = shot_at(shots, frame)
        if here is not current:
            pieces.append((begin, frame, current))
            begin, current = frame, here
    pieces.append((begin, end, current))
    return pieces


def picture_findings(report: Report, meter: FrameMeter, shots: list[ShotSpan],
                     planned_black: np.ndarray | None = None) -> None:
    """Add the picture's findings to `report`. `planned_black`: frames the edit makes dark on purpose
    (fades, gaps), where black is not a fault."""
    figures = meter.figures()
    n = meter.frames
    fps = float(report.fps)
    if n == 0:
        return
    planned = planned_black if planned_black is not None else np.zeros(n, bool)

    for start, end in runs(figures["bad"]):
        for a, b, shot in _split_by_shot(start, end, shots):
            report.add("nan", shot, a, b, b - a, 0, "frames", "frames hold NaN or infinite values (a broken "
                       "generation or decode): make the shot again")

    black = (figures["visible"] < limits.BLACK_VISIBLE) & ~planned & ~figures["bad"]
    for start, end in runs(black):
        if (end - start) / fps >= limits.BLACK_MIN_SECONDS:
            for a, b, shot in _split_by_shot(start, end, shots):
                report.add("black", shot, a, b, (b - a) / fps, limits.BLACK_MIN_SECONDS, "s",
                           "the picture is black where the edit plans none")

    moving = np.zeros(n, bool)
    for shot in shots:
        if shot.moves:
            moving[max(0, shot.start + 1):min(n, shot.end)] = True  # a shot's first frame follows a cut
    still = (figures["change"] < limits.FROZEN_DIFF) & moving & ~black & ~planned
    for start, end in runs(still):
        # The run counts frames that repeat the one before: the picture stands still from start - 1.
        if (end - start + 1) / fps >= limits.FROZEN_MIN_SECONDS:
            for a, b, shot in _split_by_shot(start - 1, end, shots):
                report.add("frozen", shot, a, b, (b - a) / fps, limits.FROZEN_MIN_SECONDS, "s",
                           "the picture stands still in a moving shot")

    _flicker(report, figures["mean"], shots)

    over = figures["clipped"] >= limits.OVEREXPOSED_FRACTION
    for start, end in runs(over):
        if (end - start) / fps >= limits.EXPOSURE_MIN_SECONDS:
            for a, b, shot in _split_by_shot(start, end, shots):
                report.add("overexposed", shot, a, b, float(figures["clipped"][a:b].max()) * 100,
                           limits.OVEREXPOSED_FRACTION * 100, "% white", "a large part of the picture is burnt to white")

    for shot in shots:
        a, b = max(0, shot.start), min(n, shot.end)
        lit = ~(black | planned)[a:b]
        if b > a and lit.any():
            level = float(figures["mean"][a:b][lit].mean())
            if level < limits.UNDEREXPOSED_MEAN:
                report.add("underexposed", shot, a, b, level, limits.UNDEREXPOSED_MEAN, "mean luma",
                           "the shot is too dark to be seen on an ordinary screen")


def _flicker(report: Report, mean: np.ndarray, shots: list[ShotSpan]) -> None:
    """Stretches where the mean level jumps up and down, frame after frame."""
    step = np.diff(mean)
    big = np.abs(step) >= limits.FLICKER_STEP
    # A reversal at frame i + 1: the step into it and the step out of it are both big, of opposite sign.
    reversals = np.flatnonzero(big[:-1] & big[1:] & (np.sign(step[:-1]) != np.sign(step[1:]))) + 1
    if reversals.size == 0:
        return
    groups, current = [], [int(reversals[0])]
    for frame in reversals[1:].tolist():
        if frame - current[-1] <= limits.FLICKER_GAP_FRAMES:
            current.append(frame)
        else:
            groups.append(current)
            current = [frame]
    groups.append(current)
    for group in groups:
        if len(group) >= limits.FLICKER_MIN_REVERSALS:
            start, end = group[0] - 1, group[-1] + 2
            swing = float(np.abs(step[start:end - 1]).max())
            shot = shot_at(shots, group[0])
            report.add("flicker", shot, start, end, swing, limits.FLICKER_STEP, "luma step",
                       f"the brightness jumps up and down {len(group)} times")
