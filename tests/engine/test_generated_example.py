"""resources/examples/generated.aiprod, the film made with local models: it opens where no model is
installed and says which models go where (its backdrop and note, `aiprod validate`, a render), and with
tiny random-weight models installed under the same names it renders, the way a user runs it."""

from __future__ import annotations

import importlib.util
import json

import pytest

from app.cli import main
from app.nodes import build_registry
from engine.models.loading import RESIDENT_PIPELINES
from engine.project import Project, load_project, project_to_data
from tests import tiny_models
from tests.engine.stub_nodes import project_root

pytestmark = pytest.mark.usefixtures("no_network")  # nothing may reach a hub

EXAMPLES = project_root() / "resources" / "examples"
GENERATED = EXAMPLES / "generated.aiprod"
# model name -> (tiny family built under that name, the nodes that name it)
MODELS = {"stable-diffusion-xl-base-1.0": ("sdxl", ("key_first", "key_last")),
          "LTX-Video-0.9.7-distilled": ("ltx-video", ("harbour",)),
          "stable-audio-open-1.0": ("stable-audio", ("score",))}
GENERATING = ("key_first", "key_last", "harbour", "score")


def models_folder(tmp_path):
    """Where the missing-model messages send the user: the data folder's models/ (conftest's AIPROD_DATA_DIR)."""
    return str(tmp_path / "user-data" / "models")


def test_the_file_is_what_its_script_builds_and_loads_without_any_model():
    project = load_project(GENERATED, build_registry())
    assert project.warnings == []
    spec = importlib.util.spec_from_file_location("make_generated", EXAMPLES / "make_generated.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rebuilt = script.build()
    saved = json.loads(GENERATED.read_text())
    again = project_to_data(Project(rebuilt.graph, project.name, project.settings, model=rebuilt), EXAMPLES)
    for key in ("nodes", "links", "backdrops"):
        assert again[key] == saved[key], key

    graph = project.graph
    types = {node_id: node.type_id for node_id, node in graph.nodes.items()}
    assert [n for n, t in types.items() if t == "shot.keyframe"] == ["key_first", "key_last"]
    harbour, sunrise = graph.nodes["harbour"].params, graph.nodes["sunrise"].params
    assert harbour["method"] == "first/last-frame video" and sunrise["method"] == "still + camera"
    assert [link.src_node for link in graph.links_into("harbour", "keyframes")] == ["key_first", "key_last"]
    assert [link.src_node for link in graph.links_into("sunrise", "keyframes")] == ["key_last"]
    assert graph.nodes["score"].params["method"] == "diffusion"
    assert {"title.overlay", "edit.sequence", "sound.mix", "output.export", "value.text"} <= set(types.values())
    for name, (_family, nodes) in MODELS.items():
        for node_id in nodes:
            assert name in graph.nodes[node_id].params.values()


def test_a_backdrop_names_the_models_around_the_nodes_that_need_them_and_a_note_says_how_to_get_them():
    project = load_project(GENERATED, build_registry())
    (backdrop,) = project.model.backdrops.values()
    assert backdrop.title.startswith("Needs models:")
    assert all(name in backdrop.title for name in MODELS)
    x, y, w, h = backdrop.rect
    for node_id in (*GENERATING, "install_note"):
        nx, ny = project.graph.nodes[node_id].position
        assert x < nx and nx + 210 < x + w and y < ny < y + h, node_id  # inside, a node's width included
    for node_id in ("opening", "sunrise", "cut", "export"):  # what needs no model stays outside
        nx, ny = project.graph.nodes[node_id].position
        assert not (x <= nx <= x + w and y <= ny <= y + h), node_id
    note = project.graph.nodes["install_note"].params["text"]
    for name in MODELS:
        assert f"--local-dir MODELS/{name}" in note
    assert "AIPROD_MODEL_DIRS" in note and "Preferences" in note and "models/" in note


def test_validate_names_each_missing_model_with_the_folder_it_goes_in(tmp_path, capsys):
    assert main(["validate", str(GENERATED)]) == 1  # validate's exit code for problems
    problems = [line for line in capsys.readouterr().err.splitlines() if line.startswith("aiprod: problem:")]
    assert problems and all("is not installed" in line for line in problems)  # nothing else is wrong with it
    for name, (_family, nodes) in MODELS.items():
        for node_id in nodes:
            [line] = [p for p in problems if f"({node_id})" in p]
            assert f"'{name}'" in line and models_folder(tmp_path) in line


def test_rendering_without_the_models_fails_with_each_model_and_its_folder_not_a_traceback(tmp_path, capsys):
    film = tmp_path / "film" / "generated.aiprod"
    film.parent.mkdir()
    film.write_bytes(GENERATED.read_bytes())
    assert main(["render", str(film), "--no-cache", "-q"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    for name in MODELS:  # each named with where it goes, the video model too although its Scene never runs
        assert any(f"'{name}'" in line and models_folder(tmp_path) in line for line in err.splitlines()), name
    assert "Keyframe: the model 'stable-diffusion-xl-base-1.0' is not installed" in err
    assert "Music: the model 'stable-audio-open-1.0' is not installed" in err
    assert not (film.parent / "generated.mp4").exists()


# Small enough to render in seconds on a CPU; everything else is the film as saved.
TINY = {"key_first": {"width": 64, "height": 64, "steps": 2},
        "key_last": {"width": 64, "height": 64, "steps": 2},
        "harbour": {"steps": 2, "generate_height": 32, "resolution": "640x360"},
        "sunrise": {"resolution": "640x360"},
        "opening": {"resolution": "640x360"},
        "score": {"steps": 2, "length": 1.0}}  # the tiny Stable Audio makes at most 1.024 s


@pytest.mark.slow
def test_with_tiny_models_installed_under_those_names_the_film_renders(tmp_path_factory, tmp_path, monkeypatch,
                                                                       capsys):
    from app import settings

    models = tmp_path_factory.mktemp("model-folder")
    for name, (family, _nodes) in MODELS.items():
        tiny_models.build(family, models / name)
    monkeypatch.setenv(settings.MODEL_DIRS_ENV, str(models))  # a model folder as a headless render finds one
    data = json.loads(GENERATED.read_text())
    for node in data["nodes"]:
        node["params"].update(TINY.get(node["id"], {}))
    film = tmp_path / "film" / "generated.aiprod"
    film.parent.mkdir()
    film.write_text(json.dumps(data))
    RESIDENT_PIPELINES.unload()
    try:
        assert main(["validate", str(film)]) == 0, capsys.readouterr().err
        capsys.readouterr()
        code = main(["render", str(film), "--no-cache", "-q"])  # the Export needs every generating node
        err = capsys.readouterr().err
        assert code == 0, err
    finally:
        RESIDENT_PIPELINES.unload()
    assert "not installed" not in err
    assert (film.parent / "generated.mp4").stat().st_size > 0
