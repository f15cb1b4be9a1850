"""The prompt check of early abort, on a tiny random-weight CLIP built from a config: the library tells
a CLIP or SigLIP folder from its config.json (never its name), and a Keyframe take whose preview
scores under the threshold stops at the first check step naming its similarity, while one above
it runs to the end unchanged. Nothing reaches the network."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.nodes import build_registry
from engine.commands import UndoStack
from engine.events import EventEmitter, NodeProgress
from engine.executor import Executor
from engine.graph import Graph
from engine.models import ModelLocator, prompt_similarity
from engine.models.families import IMAGE_TEXT_SIMILARITY
from engine.models.loading import RESIDENT_PIPELINES
from tests import tiny_models
from tests.engine.builders import add
from tests.tiny_models.similarity import build_clip, build_siglip_weights
from tests.tiny_models.text_encoders import clip_text_model

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_network")]

SIZE = 16
STEPS = 5  # checks at 20 % and 40 %: after steps 1 and 2


@pytest.fixture(scope="module")
def model_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    tiny_models.build("sdxl", root / "tiny-sdxl")
    build_clip(root / "scorer")  # a CLIP whose name says nothing of it
    return root


@pytest.fixture
def locator(model_root, tmp_path, monkeypatch):
    monkeypatch.delenv(prompt_similarity.CHOICE_VARIABLE, raising=False)
    RESIDENT_PIPELINES.unload()
    return ModelLocator(tmp_path / "data", (model_root,))


def test_a_clip_or_siglip_folder_is_known_by_its_config_not_its_name(model_root, tmp_path):
    root = tmp_path / "models"
    shutil.copytree(model_root / "scorer", root / "scorer")
    build_siglip_weights(root / "sig")
    clip_text_model().save_pretrained(root / "clip", safe_serialization=True)  # a text encoder alone
    impostor = root / "clip-vit-base-patch32"  # CLIP's weights, but its config names another model
    shutil.copytree(model_root / "scorer", impostor)
    (impostor / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    library = ModelLocator(tmp_path / "data", (root,)).library()

    scorers = library.for_task(IMAGE_TEXT_SIMILARITY)
    assert [(m.name, m.family, m.storage) for m in scorers] == [("scorer", "clip", "transformers"),
                                                                 ("sig", "siglip", "transformers")]
    assert scorers[0].describe().startswith("scorer (CLIP 32px/8, transformers folder, fp32, ")
    by_path = {m.path.relative_to(root).as_posix(): m for m in library.models()}
    assert "clip" not in by_path and "clip-vit-base-patch32" not in by_path
    for half_or_other in ("clip", "clip-vit-base-patch32"):  # their weight files are listed as before, as files
        assert IMAGE_TEXT_SIMILARITY not in by_path[f"{half_or_other}/model.safetensors"].tasks
    assert prompt_similarity.similarity_model(library).name == "scorer"  # the first by name


def keyframe(stack, node_id="key", **params):
    values = {"model": "tiny-sdxl", "prompt": "a red fox at dawn", "width": SIZE, "height": SIZE, "steps": STEPS,
              "guidance": 5.0, "seed": 7, "early_abort": "20,40"} | params
    return add(stack, "shot.keyframe", node_id, **values)


def render(locator, **params):
    graph = Graph(build_registry())
    keyframe(UndoStack(graph), **params)
    events, seen = EventEmitter(), []
    events.connect(seen.append)
    return Executor(events=events, models=locator).run(graph, load_outputs=True), seen


def scores(monkeypatch) -> list[float]:
    """Every similarity the check computes, in order."""
    seen = []
    real = prompt_similarity._Scorer.similarity

    def spy(self, picture, prompt):
        seen.append(real(self, picture, prompt))
        return seen[-1]

    monkeypatch.setattr(prompt_similarity._Scorer, "similarity", spy)
    return seen


def test_a_take_under_the_threshold_stops_at_the_first_check_naming_its_similarity(locator, monkeypatch):
    monkeypatch.setattr(prompt_similarity, "CLIP_MIN_SIMILARITY", 1.01)  # above any cosine: every take fails
    seen_scores = scores(monkeypatch)
    report, seen = render(locator, retries=0)
    assert report.failed == ["key"]
    message = report.results["key"].message
    assert "the take failed the early 'prompt similarity' check (seed 7: prompt similarity at step 1/5" in message
    assert f"(prompt similarity {seen_scores[0]:.2f} under 1.01 by 'scorer')" in message
    assert len(seen_scores) == 1 and -1.0 <= seen_scores[0] <= 1.0
    steps = [e.message for e in seen if isinstance(e, NodeProgress) and e.message.startswith("step")]
    assert steps[-1] == "step 1/5"  # 4 of 5 steps never ran


def test_a_take_over_the_threshold_runs_to_the_end_unchanged(locator, monkeypatch):
    monkeypatch.setattr(prompt_similarity, "CLIP_MIN_SIMILARITY", -1.01)  # under any cosine: every take passes
    seen_scores = scores(monkeypatch)
    on, _seen = render(locator, retries=2)
    assert not on.failed, on.results["key"].message
    assert len(seen_scores) == 2  # scored at both check steps, the model loaded once
    assert len(prompt_similarity._scorers) == 1
    assert on.results["key"].stats["seed"] == 7 and "rejected_takes" not in on.results["key"].stats
    off, _seen = render(locator, early_abort="off")
    assert np.array_equal(on.outputs["key"]["image"].pixels, off.outputs["key"]["image"].pixels)


def test_an_empty_prompt_or_the_check_turned_off_scores_nothing(locator, monkeypatch):
    library = locator.library()
    assert prompt_similarity.prompt_check(library, "  ") is None
    assert prompt_similarity.prompt_check(library, "a fox") is not None
    monkeypatch.setenv(prompt_similarity.CHOICE_VARIABLE, "off")
    assert prompt_similarity.prompt_check(library, "a fox") is None
    monkeypatch.setenv(prompt_similarity.CHOICE_VARIABLE, "no-such-model")
    with pytest.raises(Exception, match="AIPROD_SIMILARITY_MODEL names 'no-such-model'.*scorer"):
        prompt_similarity.prompt_check(library, "a fox")


def test_the_scoring_model_is_in_the_cache_key_only_while_the_check_runs(locator):
    library, node = locator.library(), build_registry().get("shot.keyframe")()
    ctx = type("Ctx", (), {"models": locator})()

    def prints(**params):
        return node.fingerprint({"early_abort": "20,40", "prompt": "a fox", "loras": [], "model": "tiny-sdxl"} | params,
                                ctx)

    assert prints()["similarity_model"] == f"scorer:{library.fingerprint(library.find('scorer'))}"
    assert "similarity_model" not in prints(early_abort="off") and "similarity_model" not in prints(prompt="")
