"""Early abort through the real nodes, on tiny random-weight pipelines: a take with NaN latents or a
black or frozen preview stops at the first check step and says how many steps it saved; the next
seed is tried and logged, and its picture is bit for bit that seed's; with no retries left the node
fails naming the check; a healthy take is untouched; and the new parameters at their defaults leave
the cache key of a saved project as it was."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.nodes import build_registry
from engine.commands import UndoStack
from engine.context import CancelToken
from engine.events import EventEmitter, NodeProgress, NodeWarning
from engine.executor import Executor, _Run
from engine.graph import Graph
from engine.models import ModelLocator, denoise
from engine.models.loading import RESIDENT_PIPELINES
from tests import tiny_models
from tests.engine.builders import add, link
from tests.tiny_models.faults import failing_takes

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_network")]

SIZE = 16
STEPS = 5  # checks at 20 % and 40 %: after steps 1 and 2


@pytest.fixture(scope="module")
def model_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    tiny_models.build("sdxl", root / "tiny-sdxl")
    tiny_models.build("ltx-video", root / "tiny-ltx-video")
    return root


@pytest.fixture
def locator(model_root, tmp_path):
    RESIDENT_PIPELINES.unload()
    return ModelLocator(tmp_path / "data", (model_root,))


def keyframe(stack, node_id="key", **params):
    values = {"model": "tiny-sdxl", "prompt": "a red fox at dawn", "width": SIZE, "height": SIZE, "steps": STEPS,
              "guidance": 5.0, "seed": 7, "early_abort": "20,40"} | params
    return add(stack, "shot.keyframe", node_id, **values)


def render(locator, build):
    """(report, events seen) of a graph built by `build(stack)`."""
    graph = Graph(build_registry())
    build(UndoStack(graph))
    events = EventEmitter()
    seen = []
    events.connect(seen.append)
    return Executor(events=events, models=locator).run(graph, load_outputs=True), seen


def warnings(seen) -> list[str]:
    return [e.message for e in seen if isinstance(e, NodeWarning)]


def test_a_nan_take_stops_at_the_first_check_and_names_it_when_no_retry_is_left(locator):
    with failing_takes(nan=(7,)) as steps_run:
        report, seen = render(locator, lambda s: keyframe(s, retries=0))
    assert report.failed == ["key"]
    message = report.results["key"].message
    assert "'tiny-sdxl': the take failed the early 'NaN' check (seed 7: NaN at step 1/5" in message
    assert "Retries" in message and "\n" not in message and "Traceback" not in message
    assert steps_run == {7: 1}  # stopped after the first check step: 4 of 5 steps never ran
    steps = [e.message for e in seen if isinstance(e, NodeProgress) and e.message.startswith("step")]
    assert steps[-1] == "step 1/5"
    (warning,) = warnings(seen)
    assert warning.startswith("take with seed 7: NaN at step 1/5 (") and warning.endswith(
        " latent values are NaN or infinite): stopped early, 4 steps saved")


def test_a_rejected_take_is_retried_with_the_next_seed_which_gives_that_seeds_own_picture(locator):
    with failing_takes(nan=(7,), nan_from_step=2) as steps_run:  # NaN from step 2: caught at the 40 % check
        report, seen = render(locator, lambda s: keyframe(s, retries=2))
    assert not report.failed, report.results["key"].message
    assert steps_run == {7: 2, 8: STEPS}
    stats = report.results["key"].stats
    assert stats["seed"] == 8 and stats["steps_saved"] == 3
    assert [(r["seed"], r["check"], r["step"], r["steps_saved"]) for r in stats["rejected_takes"]] == [(7, "NaN", 2, 3)]
    from app.cli import describe_stats

    assert describe_stats(stats).endswith("seed 8 after 1 rejected take(s), 3 steps saved")  # the render summary
    (warning,) = warnings(seen)
    assert warning.startswith("take with seed 7: NaN at step 2/5 (") and warning.endswith(
        "stopped early, 3 steps saved; trying seed 8")
    # The kept take is what seed 8 makes without any check: a render can be made again from its stats.
    plain, _seen = render(locator, lambda s: keyframe(s, seed=8, early_abort="off"))
    assert np.array_equal(report.outputs["key"]["image"].pixels, plain.outputs["key"]["image"].pixels)


def test_a_black_preview_aborts_and_when_every_take_fails_each_is_named(locator):
    with failing_takes(black=(7, 8)) as steps_run:
        report, seen = render(locator, lambda s: keyframe(s, retries=1))
    message = report.results["key"].message
    assert "all 2 takes failed their early checks (seed 7: black at step 1/5" in message
    assert "seed 8: black at step 1/5" in message
    assert steps_run == {7: 1, 8: 1} and len(warnings(seen)) == 2


def test_checks_on_a_healthy_take_change_nothing(locator, monkeypatch):
    checked = []
    real = denoise.failed_check

    def spy(latents, frames):
        checked.append(None if frames is None else frames.shape)
        return real(latents, frames)

    monkeypatch.setattr(denoise, "failed_check", spy)
    on, _seen = render(locator, lambda s: keyframe(s, retries=3))
    off, _seen = render(locator, lambda s: keyframe(s, early_abort="off"))
    assert len(checked) == 2 and all(shape[0] == 1 and shape[3] == 3 for shape in checked)  # on real previews
    assert np.array_equal(on.outputs["key"]["image"].pixels, off.outputs["key"]["image"].pixels)
    assert on.results["key"].stats["seed"] == 7 and "rejected_takes" not in on.results["key"].stats


def scene_shot(**params):
    def build(stack):
        keyframe(stack, "first", seed=1, steps=2, early_abort="off")
        add(stack, "shot.scene", "shot", **({"method": "full video diffusion", "video_model": "tiny-ltx-video",
                                             "duration": 1.0, "fps": "24", "resolution": "640x360", "steps": STEPS,
                                             "guidance": 3.0, "generate_height": SIZE, "prompt": "the fox runs",
                                             "seed": 3, "early_abort": "20,40"} | params))
        link(stack, "first", "shot", "keyframes", "image")

    return build


def test_a_video_take_that_does_not_move_fails_the_frozen_check_and_a_moving_one_passes(locator, monkeypatch):
    with failing_takes(frozen=(3,)):
        report, _seen = render(locator, scene_shot(retries=0))
    assert "the take failed the early 'frozen' check (seed 3: frozen at step 1/5" in report.results["shot"].message
    checked = []
    real = denoise.failed_check
    monkeypatch.setattr(denoise, "failed_check",
                        lambda latents, frames: checked.append(frames.shape) or real(latents, frames))
    report, _seen = render(locator, scene_shot(retries=0))
    assert not report.failed, report.results["shot"].message
    assert len(checked) == 2 and all(shape[0] > 1 for shape in checked)  # every latent frame was looked at


def test_the_new_parameters_at_their_defaults_leave_a_saved_projects_cache_keys_as_they_were(locator, monkeypatch):
    def keys(registry, **extra):
        graph = Graph(registry)
        stack = UndoStack(graph)
        add(stack, "shot.keyframe", "key", model="tiny-sdxl", prompt="a fox", seed=7, **extra)
        add(stack, "shot.scene", "shot", method="full video diffusion", video_model="tiny-ltx-video", seed=3, **extra)
        run = _Run(Executor(models=locator), graph, ["key", "shot"], CancelToken(), False)
        for node_id in ("key", "shot"):
            run.prepare(node_id)
        return run.keys

    registry = build_registry()
    now = keys(registry)
    assert keys(registry, early_abort="off", retries=0) == now
    for changed in (keys(registry, early_abort="20,40"), keys(registry, retries=2)):
        assert changed["key"] != now["key"] and changed["shot"] != now["shot"]
    # The same nodes as they were before the parameters existed: the same keys.
    before = build_registry()
    for type_id in ("shot.keyframe", "shot.scene"):
        node_type = before.get(type_id)
        old_params = tuple(p for p in node_type.schema.params if p.name not in ("early_abort", "retries"))
        monkeypatch.setattr(node_type, "schema", dataclasses.replace(node_type.schema, params=old_params))
    assert keys(before) == now
