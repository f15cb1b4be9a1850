"""The Scene's "auto" method in a render and before one: the route it takes and why, the estimate
`aiprod render --estimate` prints without running anything, the GPU budget, and what a render teaches
this machine's calibration."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.nodes import build_registry
from engine.commands import AddNode, Connect, UndoStack
from engine.cost.calibration import Calibration
from engine.executor import Executor
from engine.graph import Graph
from engine.models import ModelLocator
from engine.project import Project, save_project


def texture(seed: int, width: int = 640, height: int = 360) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.random((height // 8, width // 8, 3)).astype(np.float32)
    return cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def save_png(path: Path, pixels: np.ndarray) -> str:
    cv2.imwrite(str(path), np.round(pixels[..., ::-1] * 255).astype(np.uint8))
    return str(path)


def keyframe_files(folder: Path, far: bool) -> tuple[str, str]:
    first = texture(1)
    second = texture(2) if far else np.roll(first, 13, axis=1)  # elsewhere, or a 2 % pan
    return save_png(folder / "a.png", first), save_png(folder / "b.png", second)


def auto_graph(folder: Path, far: bool = False, export: bool = False, **scene) -> Graph:
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    first, second = keyframe_files(folder, far)
    stack.push(AddNode("media.import_image", (0, 0), {"path": first}, node_id="a"))
    stack.push(AddNode("media.import_image", (0, 200), {"path": second}, node_id="b"))
    stack.push(AddNode("shot.scene", (300, 0), {"method": "auto", "duration": 1.0, "resolution": "640x360",
                                                 "steps": 2, "generate_height": 32, "prompt": "a quiet lake"}
                       | scene, node_id="shot"))
    stack.push(Connect("a", "image", "shot", "keyframes"))
    stack.push(Connect("b", "image", "shot", "keyframes"))
    if export:
        stack.push(AddNode("output.export", (600, 0), {"path": str(folder / "film.mp4")}, node_id="export"))
        stack.push(Connect("shot", "frames", "export", "frames"))
    return graph


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("AIPROD_DATA_DIR", str(folder))
    return folder


def test_auto_interpolates_close_keyframes_says_why_and_teaches_the_calibration(tmp_path, data_dir):
    from app.nodes.scene_route import learn_from_render

    from engine.cache import DiskCache

    graph = auto_graph(tmp_path)
    # With a cache the shot is made in full while it runs (stored), so its seconds are the work's.
    executor = Executor(DiskCache(tmp_path / "cache"), models=ModelLocator(data_dir, ()))
    report = executor.run(graph, ["shot"], load_outputs=True)
    assert report.status == "finished", report.results["shot"].message
    stats = report.results["shot"].stats
    assert stats["route"].startswith("auto → keyframes + interpolation: 2 keyframes, median motion 2 % of width")
    clip = report.outputs["shot"]["frames"]
    assert (clip.frame_count, clip.fps, clip.width) == (24, Fraction(24), 640)
    table = Calibration.load(data_dir)
    assert not table.is_measured("flow_frame")
    assert learn_from_render(table, report.results) == 1 and table.is_measured("flow_frame")


def test_auto_with_far_apart_keyframes_and_no_video_model_interpolates_and_says_what_is_missing(tmp_path, data_dir):
    graph = auto_graph(tmp_path, far=True)
    report = Executor(None, models=ModelLocator(data_dir, ())).run(graph, ["shot"])
    assert report.status == "finished"
    route = report.results["shot"].stats["route"]
    assert route.startswith("auto → keyframes + interpolation") and "no video model for it is installed" in route


@pytest.mark.slow
@pytest.mark.usefixtures("no_network")
def test_auto_with_far_apart_keyframes_generates_with_the_installed_video_model(tmp_path, data_dir):
    from engine.models.loading import RESIDENT_PIPELINES
    from tests import tiny_models

    tiny_models.build("ltx-video", tmp_path / "models" / "tiny-ltx-video")
    RESIDENT_PIPELINES.unload()
    graph = auto_graph(tmp_path, far=True)
    report = Executor(None, models=ModelLocator(data_dir, (tmp_path / "models",))).run(
        graph, ["shot"], load_outputs=True)
    assert report.status == "finished", report.results["shot"].message
    stats = report.results["shot"].stats
    assert stats["route"].startswith("auto → first/last-frame video") and stats["model"] == "tiny-ltx-video"
    assert report.outputs["shot"]["frames"].frame_count == 24


def test_estimate_prints_the_shots_and_runs_nothing(tmp_path, data_dir, capsys):
    from app.cli import main

    graph = auto_graph(tmp_path, export=True)
    project = save_project(Project(graph, "Lake"), tmp_path / "lake.aiprod")
    cache = tmp_path / "cache"
    assert main(["render", str(project), "--estimate", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "auto → keyframes + interpolation" in out and "full video diffusion of every shot" in out
    assert "Total: 0.0 GPU s" in out
    assert not (tmp_path / "film.mp4").exists() and not cache.exists()


def test_a_render_over_the_projects_gpu_budget_fails_before_starting(tmp_path, data_dir, capsys):
    from app.cli import main

    graph = auto_graph(tmp_path, export=True, method="full video diffusion", video_model="some-video-model",
                       steps=30)
    project = save_project(Project(graph, "Lake", settings={"gpu_budget_s": 5}), tmp_path / "lake.aiprod")
    assert main(["render", str(project), "--no-cache", "-q"]) == 2
    err = capsys.readouterr().err
    assert "over the project's budget of 5 s" in err and not (tmp_path / "film.mp4").exists()
    # --budget overrides the project's; within it, the render goes on (and fails for the missing model).
    assert main(["render", str(project), "--no-cache", "-q", "--budget", "1000000"]) == 1
    assert "some-video-model" in capsys.readouterr().err


@pytest.mark.parametrize("budget", ["-5", "nan", "inf", "ten minutes"])
def test_a_budget_that_is_not_gpu_seconds_is_refused_in_one_line(tmp_path, data_dir, capsys, budget):
    from app.cli import main

    project = save_project(Project(auto_graph(tmp_path, export=True), "Lake"), tmp_path / "lake.aiprod")
    with pytest.raises(SystemExit) as exit_:
        main(["render", str(project), "--estimate", "--budget", budget])
    assert exit_.value.code == 2
    assert f"argument --budget: {budget!r} is not a number of GPU seconds" in capsys.readouterr().err


@pytest.mark.parametrize("setting", ["600s", -5, True])
def test_a_project_budget_that_is_not_one_is_a_validate_problem_and_a_render_warning(tmp_path, data_dir, capsys,
                                                                                      setting):
    """Hand-edited to "600s", the budget would silently be none and let the GPU time run unchecked."""
    from app.cli import main

    project = save_project(Project(auto_graph(tmp_path, export=True), "Lake", settings={"gpu_budget_s": setting}),
                           tmp_path / "lake.aiprod")
    said = f"settings.gpu_budget_s is {setting!r}, not a number of GPU seconds (0 or more); it is ignored"
    assert main(["validate", str(project)]) == 1
    assert f"aiprod: problem: {said}" in capsys.readouterr().err
    assert main(["render", str(project), "--estimate"]) == 0
    assert f"aiprod: warning: {said}" in capsys.readouterr().err


def test_a_shot_with_a_bad_parameter_is_named_by_the_estimate_not_left_out_of_it(tmp_path, data_dir, capsys):
    """Left out silently, the shot would make the total look complete (or "no shots" look true)."""
    from app.cli import main

    graph = auto_graph(tmp_path, export=True)
    graph.nodes["shot"].params["duration"] = 1e12  # as a hand edit leaves it
    project = save_project(Project(graph, "Lake"), tmp_path / "lake.aiprod")
    assert main(["render", str(project), "--estimate"]) == 0
    out = capsys.readouterr().out
    assert "No shots" not in out
    assert "Not estimated, and its render will fail: Scene (shot): duration must be at most" in out
