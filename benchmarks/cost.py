"""The cost lever, measured: what the render router spends against full video diffusion of every shot,
how close its estimates come once this machine is calibrated, and what early abort saves.

    .venv/bin/python benchmarks/cost.py [--quick]

1. Router vs full video: the sample film with every Scene set to "auto", and a 6-shot film (two
   stills with camera moves, three pairs of close keyframes, one pair far apart) with a tiny video
   model installed, estimated by the router: `router_gpu_s` against `full_video_gpu_s` (every shot by
   full video diffusion), `ratio` (target <= 0.1). The ratio is about the films: a film of far-apart
   keyframes needs video wherever it goes.
2. Estimate error after calibration: this machine is calibrated (camera and flow), then a 720p
   interpolated shot and a 720p still-with-camera shot other than the calibration's are made and
   timed: `estimate_error` is the mean |estimate - measured| / measured (target <= 0.25).
3. Early abort: benchmarks/abort.measure_abort() on a tiny SDXL with injected failures:
   `abort_saved_fraction` (target >= 0.7).

The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from app.cost_estimate import estimate_film  # noqa: E402
from app.nodes import build_registry  # noqa: E402
from engine.commands import AddNode, Connect, SetParam, UndoStack  # noqa: E402
from engine.cost.calibration import Calibration  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.models import ModelLocator  # noqa: E402
from engine.paths import PathResolver  # noqa: E402
from engine.project import load_project  # noqa: E402
from tests.engine.test_scene_auto import save_png, texture  # noqa: E402

TARGET_RATIO, TARGET_ERROR = 0.1, 0.25


def sample_film_route(table: Calibration, models) -> dict:
    project = load_project(REPO_ROOT / "resources" / "examples" / "sample.aiprod", build_registry())
    stack = UndoStack(project.model)
    for node_id, node in project.graph.nodes.items():
        if node.type_id == "shot.scene":
            stack.push(SetParam(node_id, "method", "auto"))
    film = estimate_film(project.graph, models, table, project.paths)
    return {"router_gpu_s": film.gpu_s, "full_video_gpu_s": film.full_video_gpu_s,
            "methods": {s.title: s.method for s in film.shots}}


def six_shot_film(folder: Path) -> Graph:
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    pictures = {}

    def picture(name: str, pixels: np.ndarray) -> str:
        stack.push(AddNode("media.import_image", params={"path": save_png(folder / f"{name}.png", pixels)},
                           node_id=name))
        pictures[name] = pixels
        return name

    shots = []
    for i in range(6):
        base = texture(10 + i, 1280, 720)
        if i < 2:
            keys = [picture(f"k{i}", base)]
            camera = f"cam{i}"
            stack.push(AddNode("shot.camera_path", node_id=camera))
        elif i < 5:
            keys = [picture(f"k{i}a", base), picture(f"k{i}b", np.roll(base, 20, axis=1))]
            camera = None
        else:
            keys = [picture(f"k{i}a", base), picture(f"k{i}b", texture(99, 1280, 720))]
            camera = None
        shot = f"shot{i}"
        stack.push(AddNode("shot.scene", params={"method": "auto", "duration": 4.0, "resolution": "1280x720",
                                                 "prompt": "a quiet morning"}, node_id=shot))
        for key in keys:
            stack.push(Connect(key, "image", shot, "keyframes"))
        if camera:
            stack.push(Connect(camera, "path", shot, "camera"))
        shots.append(shot)
    stack.push(AddNode("edit.sequence", node_id="cut"))
    for shot in shots:
        stack.push(Connect(shot, "frames", "cut", "shots"))
    stack.push(AddNode("output.export", params={"path": str(folder / "six.mp4")}, node_id="export"))
    stack.push(Connect("cut", "frames", "export", "frames"))
    return graph


def estimate_error(table: Calibration, folder: Path) -> dict:
    """Calibrate, then time shots the calibration never saw against their estimates."""
    from app.calibrate import calibrate
    from engine.cache import DiskCache
    from engine.cost.router import INTERPOLATION, STILL, ShotWork, method_cost
    from engine.executor import Executor

    calibrate(table, None, say=lambda _line: None)
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    first = texture(42, 1280, 720)
    stack.push(AddNode("media.import_image", params={"path": save_png(folder / "e1.png", first)}, node_id="a"))
    stack.push(AddNode("media.import_image", params={"path": save_png(folder / "e2.png", np.roll(first, 25, axis=1))},
                       node_id="b"))
    stack.push(AddNode("shot.camera_path", node_id="cam"))
    for shot, method, keys in (("interp", INTERPOLATION, ("a", "b")), ("still", STILL, ("a",))):
        stack.push(AddNode("shot.scene", params={"method": method, "duration": 3.0, "resolution": "1280x720"},
                           node_id=shot))
        for key in keys:
            stack.push(Connect(key, "image", shot, "keyframes"))
    stack.push(Connect("cam", "path", "still", "camera"))
    executor = Executor(DiskCache(folder / "cache"))
    executor.run(graph, ["a", "b", "cam"])  # the keyframes read first: not the shots' work
    report = executor.run(graph, ["interp"])  # cached: the node's seconds are the whole shot's
    measured = {"interp": report.results["interp"].seconds}
    clip = executor.run(graph, ["still"], load_outputs=True).outputs["still"]["frames"]
    started = time.perf_counter()
    for _frame in clip.frames():  # a still through a camera streams: timed as it is read
        pass
    measured["still"] = time.perf_counter() - started
    estimates = {"interp": method_cost(INTERPOLATION, ShotWork(1280, 720, 72, 2), table).seconds,
                 "still": method_cost(STILL, ShotWork(1280, 720, 72, 1), table).seconds}
    errors = {k: abs(estimates[k] - measured[k]) / measured[k] for k in measured}
    return {"estimate_error": sum(errors.values()) / len(errors), "estimated_s": estimates, "measured_s": measured}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller abort batch")
    args = parser.parse_args(argv)
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="aiprod-cost-") as tmp:
        folder = Path(tmp)
        from tests import tiny_models

        tiny_models.build("ltx-video", folder / "models" / "tiny-ltx-video")
        models = ModelLocator(folder / "data", (folder / "models",))
        table = Calibration.defaults()
        sample = sample_film_route(table, models)
        six = estimate_film(six_shot_film(folder), models, table, PathResolver(folder))
        router = sample["router_gpu_s"] + six.gpu_s
        full = sample["full_video_gpu_s"] + six.full_video_gpu_s
        result.update({"router_gpu_s": round(router, 1), "full_video_gpu_s": round(full, 1),
                       "ratio": round(router / full, 4), "ratio_target": TARGET_RATIO,
                       "sample_methods": sample["methods"],
                       "six_shot_methods": {s.node_id: s.method for s in six.shots},
                       "six_shot_ratio": round(six.gpu_s / six.full_video_gpu_s, 4)})
        error = estimate_error(Calibration.defaults(), folder)
        result.update({"estimate_error": round(error["estimate_error"], 3), "estimate_error_target": TARGET_ERROR,
                       "estimated_s": {k: round(v, 2) for k, v in error["estimated_s"].items()},
                       "measured_s": {k: round(v, 2) for k, v in error["measured_s"].items()}})
    from benchmarks.abort import measure_abort

    abort = measure_abort(takes=4) if args.quick else measure_abort()
    result["abort_saved_fraction"] = abort["abort_saved_fraction"]
    result["abort"] = {k: v for k, v in abort.items() if k != "abort_saved_fraction"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
