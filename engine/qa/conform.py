"""Shot conformance: each shot made with the length and frame rate its Scene asks for.

A video model may return a fixed number of frames (8k+1) or its own rate; an imported clip may
be shorter than the Scene's duration. Either changes the edit without an error anywhere else.
"""

from __future__ import annotations

from . import limits
from .report import Report, ShotSpan


def conform_findings(report: Report, shots: list[ShotSpan]) -> None:
    for shot in shots:
        end = max(shot.start, min(shot.end, report.frames))
        if shot.expected_fps is not None and shot.made_fps is not None and shot.made_fps != shot.expected_fps:
            report.add("fps", shot, shot.start, end, float(shot.made_fps), float(shot.expected_fps), "fps",
                       f"the shot runs at {float(shot.made_fps):g} fps; its Scene asks for "
                       f"{float(shot.expected_fps):g}: conform it with Interpolate")
        if shot.expected_frames is not None and shot.made_frames is not None:
            if abs(shot.made_frames - shot.expected_frames) > limits.DURATION_TOLERANCE_FRAMES:
                fps = float(shot.made_fps or report.fps)
                report.add("duration", shot, shot.start, end, shot.made_frames / fps, shot.expected_frames / fps, "s",
                           f"the shot has {shot.made_frames} frames; its Scene asks for {shot.expected_frames}")
