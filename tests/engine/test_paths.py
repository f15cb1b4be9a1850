"""Path parameters (issue 13): one PathResolver; the model holds what the user chose, only the file converts."""

import json
import os
import shutil
from pathlib import Path

from PIL import Image as PILImage

from app.cli import main
from engine.cache import DiskCache
from engine.commands import Connect, SetParam, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.paths import PathResolver, from_file, to_file
from engine.project import Project, load_project, save_project
from tests.engine.builders import add


def _folders(tmp_path, *names):
    for name in names:
        (tmp_path / name).mkdir()
    return [tmp_path / name for name in names]


def _read(graph, node_id, paths):
    report = Executor(paths=paths).run(graph, [node_id], load_outputs=True)
    return report.outputs[node_id]["text"]


def test_undo_after_save_as_into_a_sibling_folder_still_names_the_original_file(registry, tmp_path):
    """The issue's reproduction: set a path, set it again, Save As into a sibling folder, undo."""
    first, sibling = _folders(tmp_path, "first", "sibling")
    (first / "take1.txt").write_text("one")
    (first / "take2.txt").write_text("two")
    start = Project(Graph(registry))
    add(UndoStack(start.graph), "test.read_text", "r", path=str(first / "take1.txt"))
    save_project(start, first / "film.aiprod")
    project = load_project(first / "film.aiprod", registry)  # the file holds "take1.txt"
    stack = UndoStack(project.graph)
    stack.push(SetParam("r", "path", str(first / "take2.txt")))  # chosen in a file dialog: absolute
    save_project(project, sibling / "film.aiprod")
    assert project.graph.nodes["r"].params["path"] == str(first / "take2.txt")  # as chosen, not rebased
    stack.undo()
    assert project.paths.file(project.graph.nodes["r"].params["path"]) == first / "take1.txt"
    assert _read(project.graph, "r", project.paths) == "one"


def test_save_as_leaves_every_model_value_unchanged(registry, graph, stack, tmp_path):
    first, second = _folders(tmp_path, "first", "second")
    values = {"inside": str(first / "media" / "a.txt"), "outside": str(tmp_path / "elsewhere.txt"),
              "typed": "media/b.txt", "typed_up": "../shared/c.txt", "home": "~/d.txt", "empty": ""}
    for node_id, value in values.items():
        add(stack, "test.read_text", node_id, path=value)
    project = Project(graph, path=first / "film.aiprod")
    save_project(project, first / "film.aiprod")
    before = {n: dict(node.params) for n, node in graph.nodes.items()}
    save_project(project, second / "film.aiprod")
    assert {n: dict(node.params) for n, node in graph.nodes.items()} == before
    saved = {n["id"]: n["params"]["path"] for n in json.loads((second / "film.aiprod").read_text())["nodes"]}
    # Files are written as chosen; typed-relative paths follow the project ("relative to the project").
    assert saved == values


def test_a_project_moved_with_its_media_still_finds_it_and_keeps_its_cache(registry, graph, stack, tmp_path):
    (film,) = _folders(tmp_path, "film")
    (film / "shots").mkdir()
    (film / "shots" / "intro.txt").write_text("hi")
    add(stack, "test.read_text", "r", path=str(film / "shots" / "intro.txt"))  # chosen: absolute
    save_project(Project(graph), film / "film.aiprod")
    assert json.loads((film / "film.aiprod").read_text())["nodes"][0]["params"]["path"] == "shots/intro.txt"
    cache = DiskCache(tmp_path / "cache")
    loaded = load_project(film / "film.aiprod", registry)
    assert Executor(cache, paths=loaded.paths).run(loaded.graph, ["r"]).results["r"].status == "ran"

    moved = tmp_path / "moved"
    shutil.move(film, moved)
    loaded = load_project(moved / "film.aiprod", registry)
    assert loaded.graph.nodes["r"].params["path"] == str(moved / "shots" / "intro.txt")  # absolute, in the model
    assert _read(loaded.graph, "r", loaded.paths) == "hi"
    # The cache key holds the file's form of a path, so the moved project's render is served from the cache.
    assert Executor(cache, paths=loaded.paths).run(loaded.graph, ["r"]).results["r"].status == "cached"


def test_the_file_form_of_a_path():
    folder = Path("/projects/film")
    assert to_file("/projects/film/shots/a.png", folder) == "shots/a.png"
    assert to_file("/projects/film/../other/a.png", folder) == "/projects/film/../other/a.png"  # outside: as chosen
    assert to_file("/elsewhere/a.png", folder) == "/elsewhere/a.png"
    assert to_file("shots/a.png", folder) == "shots/a.png"  # typed relative: already relative to the project
    assert to_file("~/a.png", folder) == "~/a.png"
    assert to_file("", folder) == ""
    assert from_file("shots/a.png", folder) == os.path.normpath("/projects/film/shots/a.png")
    assert from_file("../other/a.png", folder) == os.path.normpath("/projects/other/a.png")
    assert from_file("/elsewhere/a.png", folder) == "/elsewhere/a.png"
    assert from_file("~/a.png", folder) == "~/a.png"  # the home folder of whoever opens it


def test_a_path_inside_a_linked_project_folder_is_stored_relative(tmp_path):
    real = tmp_path / "real"
    (real / "shots").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    assert to_file(str(real / "shots" / "a.png"), tmp_path / "link") == "shots/a.png"


def test_the_resolver_expands_home_and_takes_relative_paths_from_the_project(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    paths = PathResolver(tmp_path / "film")
    assert paths.file("~/a.png") == tmp_path / "home" / "a.png"
    assert paths.file("shots/a.png") == tmp_path / "film" / "shots" / "a.png"
    assert paths.file("/elsewhere/a.png") == Path("/elsewhere/a.png")
    assert PathResolver().file("shots/a.png") == Path("shots/a.png")  # no project: as it is


def test_validate_and_render_resolve_a_home_path_alike(tmp_path, monkeypatch, capsys):
    from app.nodes import build_registry

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    PILImage.new("RGB", (4, 4), (200, 10, 10)).save(home / "plate.png")
    graph = Graph(build_registry())
    add(UndoStack(graph), "media.import_image", "plate", path="~/plate.png")
    (film,) = _folders(tmp_path, "film")
    project_file = save_project(Project(graph), film / "film.aiprod")
    assert main(["validate", str(project_file)]) == 0
    assert main(["render", str(project_file), "--node", "plate", "-q"]) == 0
    capsys.readouterr()

    (home / "plate.png").rename(home / "elsewhere.png")
    assert main(["validate", str(project_file)]) == 1
    assert f"path file {home / 'plate.png'} is missing" in capsys.readouterr().err
    assert main(["render", str(project_file), "--node", "plate", "-q"]) == 1


def test_save_as_into_another_folder_keeps_every_cache_key(registry, graph, stack, tmp_path):
    """A project saved elsewhere (its media left where they are) renders entirely from the cache."""
    first, second = _folders(tmp_path, "first", "second")
    (first / "shots").mkdir()
    (first / "shots" / "intro.txt").write_text("hi")
    add(stack, "test.read_text", "r", path=str(first / "shots" / "intro.txt"))
    add(stack, "test.number", "n", value=3)
    add(stack, "test.write_text", "w", path="out.txt")  # typed: relative to the project
    stack.push(Connect("n", "value", "w", "value"))
    save_project(Project(graph), first / "film.aiprod")
    cache = DiskCache(tmp_path / "cache")
    loaded = load_project(first / "film.aiprod", registry)
    report = Executor(cache, paths=loaded.paths).run(loaded.graph, ["r", "w"])
    assert set(report.ran) == {"r", "n", "w"}

    save_project(loaded, second / "film.aiprod")
    moved = load_project(second / "film.aiprod", registry)
    report = Executor(cache, paths=moved.paths).run(moved.graph, ["r", "w"])
    assert {n: r.status for n, r in report.results.items()} == {"r": "cached", "n": "cached", "w": "cached"}


def test_two_files_of_the_same_name_never_share_a_cache_key(registry, graph, stack, tmp_path):
    a, b = _folders(tmp_path, "a", "b")
    (a / "intro.txt").write_text("one")
    (b / "intro.txt").write_text("two")
    add(stack, "test.read_text", "r", path=str(a / "intro.txt"))
    cache = DiskCache(tmp_path / "cache")
    assert Executor(cache).run(graph, ["r"]).results["r"].status == "ran"
    stack.push(SetParam("r", "path", str(b / "intro.txt")))
    report = Executor(cache).run(graph, ["r"], load_outputs=True)
    assert report.results["r"].status == "ran" and report.outputs["r"]["text"] == "two"
