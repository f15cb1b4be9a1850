"""Render ▸ Calibrate and `aiprod calibrate`: short timed runs of each way of making a shot on this machine.

Camera resampling and optical-flow in-betweens are timed on a 720p picture of colour bars (the work
does not depend on what the picture shows); each installed video model makes a short take (a second
at its native rate, a few denoising steps) through a real Scene node, so the figure includes what a
render pays: loading, conditioning, the decode. The results replace the defaults in this machine's
calibration table (engine.cost.calibration) and are saved.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from engine.cost.calibration import Calibration
from engine.cost.router import FIRST_LAST, FULL_VIDEO

WIDTH, HEIGHT, FRAMES = 1280, 720, 24
VIDEO_STEPS = 4  # enough to time a step (the first carries the warm-up), few enough to take seconds


def _bars() -> np.ndarray:
    from engine.color import srgb_to_linear

    from .nodes.color_bars import color_bars_encoded

    return srgb_to_linear(color_bars_encoded(WIDTH, HEIGHT).astype(np.float32) / 255.0)


def time_camera(table: Calibration) -> float:
    from engine.media.camera import CameraPath, Pose
    from engine.media.camera_render import camera_clip
    from engine.media.clip import StillClip

    path = CameraPath.move(Pose(), Pose(zoom=1.2, pan_x=0.05))
    clip = camera_clip(StillClip(_bars(), 24, FRAMES), path, WIDTH, HEIGHT)
    clip.frame(0)  # untimed: the first frame pays torch's start-up, which a render pays once
    started = time.perf_counter()
    for _frame in clip.frames():
        pass
    seconds = time.perf_counter() - started
    table.record("camera", seconds, WIDTH * HEIGHT * FRAMES / 1e6, replace=True)
    return seconds


def time_flow(table: Calibration) -> float:
    from engine.media.flow import FlowPair

    first = _bars()
    second = np.roll(first, WIDTH // 40, axis=1)  # a 2.5 % pan: interpolation's everyday job
    FlowPair(first[::8, ::8], second[::8, ::8]).at(0.5)  # untimed: OpenCV's first call sets itself up
    started = time.perf_counter()
    pair = FlowPair(first, second)
    paired = time.perf_counter()
    for k in range(1, FRAMES + 1):
        pair.at(k / (FRAMES + 1))
    done = time.perf_counter()
    table.record("flow_pair", paired - started, 1, replace=True)
    table.record("flow_frame", done - paired, WIDTH * HEIGHT * FRAMES / 1e6, replace=True)
    return done - started


def time_video(table: Calibration, models, method: str, model_name: str) -> float:
    """One short take by `model_name` through a Scene node (no cache): its denoising seconds per step."""
    from engine.commands import AddNode, Connect, UndoStack
    from engine.errors import AiprodError
    from engine.executor import Executor
    from engine.graph import Graph

    from .nodes import build_registry

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("image.color_bars", node_id="bars", params={"resolution": "1280x720"}))
    stack.push(AddNode("shot.scene", node_id="shot", params={
        "method": method, "video_model": model_name, "duration": 1.0, "resolution": "1280x720", "fps": "24",
        "steps": VIDEO_STEPS, "prompt": "a slow pan over colour bars"}))
    for _ in range(2 if method == FIRST_LAST else 1):
        stack.push(Connect("bars", "image", "shot", "keyframes"))
    report = Executor(None, models=models).run(graph, ["shot"])
    result = report.results["shot"]
    if report.status != "finished" or not result.stats.get("denoise_s"):
        raise AiprodError(f"{model_name}: the calibration take failed: {result.message or report.status}")
    megapixel_frames = WIDTH * HEIGHT * 24 / 1e6  # counted at the shot's size, as estimates count
    table.record(f"video:{method}", float(result.stats["denoise_s"]), megapixel_frames * VIDEO_STEPS,
                 vram_gb=result.stats.get("peak_vram_gb"), megapixel_frames=megapixel_frames, replace=True)
    return result.seconds


def calibrate(table: Calibration, models=None, say: Callable[[str], None] = print) -> Calibration:
    """Measure every stage this machine can run, save the table, and say what was measured."""
    from engine.errors import AiprodError

    from .nodes.scene_route import video_model_for

    say(f"camera resampling: {time_camera(table):.2f} s for {FRAMES} frames at {WIDTH}x{HEIGHT}")
    say(f"optical flow: {time_flow(table):.2f} s for a pair and {FRAMES} in-betweens")
    for method in (FIRST_LAST, FULL_VIDEO):
        name = video_model_for(models, method, "") if models is not None else ""
        if not name:
            say(f"{method}: no model installed for it; its estimate stays the shipped default")
            continue
        try:
            say(f"{method} with {name}: {time_video(table, models, method, name):.1f} s for a 1 s take, "
                f"{VIDEO_STEPS} steps")
        except AiprodError as exc:
            say(f"{method}: not measured: {exc}")
    table.save()
    return table
