"""Project files: round trips, golden files, upgrades, bad files, unknown types, atomic saves."""

import json
import os
import shutil
from pathlib import Path

import pytest

from engine import __version__
from engine.commands import Connect, SetParam
from engine.errors import FutureVersionError, ProjectFileError
from engine.project import Project, ProjectFormat, load_project, project_from_data, save_project
from tests.engine.builders import add, diamond, link

GOLDEN = Path(__file__).parent / "golden"


def graph_state(graph):
    return ({n.id: (n.type_id, n.params, n.position, n.label, n.type_version) for n in graph.nodes.values()},
            [(l.id, l.src_node, l.src_port, l.dst_node, l.dst_port) for l in graph.links.values()])


@pytest.fixture
def project(graph, stack):
    diamond(stack)
    add(stack, "test.options", "opts", count=5, gain=2.5, enabled=False, name="Ünïcode ✓", mode="best")
    add(stack, "test.concat", "cat")
    for node_id in ("right", "left", "src"):
        link(stack, node_id, "cat", "items")
    return Project(graph, "Round trip", {"fps": "24000/1001"})


def test_round_trip_is_equal(project, registry, tmp_path):
    path = save_project(project, tmp_path / "film.aiprod")
    loaded = load_project(path, registry)
    assert graph_state(loaded.graph) == graph_state(project.graph)
    assert (loaded.name, loaded.settings, loaded.warnings) == ("Round trip", {"fps": "24000/1001"}, [])
    save_project(loaded, tmp_path / "again.aiprod")
    assert (tmp_path / "again.aiprod").read_text() == path.read_text()


def test_file_is_labelled_json(project, tmp_path):
    data = json.loads(save_project(project, tmp_path / "film.aiprod").read_text())
    assert data["schema_version"] == 2 and data["kind"] == "aiprod.project"
    assert {n["object"] for n in data["nodes"]} == {"Node.1"}
    assert {l["object"] for l in data["links"]} == {"Link.1"}
    assert data["links"][0]["from"] == {"node": "src", "port": "value"}


def test_suffix_is_added(project, tmp_path):
    assert save_project(project, tmp_path / "film").name == "film.aiprod"


def test_golden_v1_loads(registry):
    project = load_project(GOLDEN / "project_v1.aiprod", registry)
    graph = project.graph
    assert project.name == "Golden v1" and project.settings == {"fps": "24/1"}
    assert graph.nodes["n1"].params == {"value": 4} and graph.nodes["n1"].label == "Base"
    assert graph.nodes["n2"].params == {"offset": 3}
    # test.old_options v1 is now test.options v2: renamed type, and "quality" became "mode".
    options = graph.nodes["n3"]
    assert options.type_id == "test.options" and options.type_version == 2
    assert options.params == {"count": 2, "gain": 0.5, "enabled": False, "name": "take", "mode": "best"}
    assert graph.nodes["n4"].is_unknown and any("vendor.hologram" in w for w in project.warnings)
    assert [l.id for l in graph.links.values()] == ["l1", "l2"]


def test_golden_v1_keeps_what_it_does_not_know(registry, tmp_path):
    copy = tmp_path / "golden.aiprod"
    shutil.copy(GOLDEN / "project_v1.aiprod", copy)
    save_project(load_project(copy, registry), copy)
    saved = json.loads(copy.read_text())
    original = json.loads((GOLDEN / "project_v1.aiprod").read_text())
    assert saved["reviewed_by"] == original["reviewed_by"]
    by_id = {n["id"]: n for n in saved["nodes"]}
    assert by_id["n4"] == original["nodes"][3]  # the plugin node, byte for byte
    assert by_id["n2"]["color_tag"] == "red"
    assert saved["links"] == original["links"]
    assert (tmp_path / "golden.aiprod.bak").read_text() == (GOLDEN / "project_v1.aiprod").read_text()


def test_golden_v1_saves_in_the_current_format(registry, tmp_path):
    """Saving the v1 golden file writes exactly project_v1_saved.aiprod.

    The two differ on purpose: test.old_options v1 is saved upgraded (test.options v2, "quality"
    became "mode"), positions are written as floats, keys this version does not know go last,
    and the file is indented. After an intended change to the saved format, regenerate with
        AIPROD_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/engine/test_project.py -k golden_v1_saves
    and review the diff of project_v1_saved.aiprod before committing it.
    """
    copy = tmp_path / "golden.aiprod"  # saved in place, so its relative file path stays relative
    shutil.copy(GOLDEN / "project_v1.aiprod", copy)
    save_project(load_project(copy, registry), copy)
    saved_text = copy.read_text(encoding="utf-8")
    expected_path = GOLDEN / "project_v1_saved.aiprod"
    if os.environ.get("AIPROD_REGENERATE_GOLDEN"):
        expected_path.write_text(saved_text, encoding="utf-8")
    # The app line names the version that saved the file; only that line may differ from the golden one.
    saved_app = f'"app": "AIPROD Studio {__version__}"'
    assert saved_app in saved_text
    expected_text = expected_path.read_text(encoding="utf-8")
    golden_app = f'"app": "{json.loads(expected_text)["app"]}"'
    expected_text = expected_text.replace(golden_app, saved_app, 1)
    assert json.loads(saved_text) == json.loads(expected_text)  # a readable diff when the content differs
    assert saved_text == expected_text  # and key order and layout, which version control diffs see


def test_unknown_node_survives_edits_around_it(registry, tmp_path, graph):
    project = load_project(GOLDEN / "project_v1.aiprod", registry)
    from engine.commands import UndoStack

    stack = UndoStack(project.graph)
    stack.push(SetParam("n1", "value", 9))
    with pytest.raises(Exception, match="not installed"):
        stack.push(Connect("n1", "value", "n4", "input"))
    path = save_project(project, tmp_path / "edited.aiprod")
    again = load_project(path, registry)
    assert again.graph.nodes["n4"].unknown_data["vendor_blob"] == {"x": 1}
    assert again.graph.nodes["n1"].params["value"] == 9


def test_paths_are_stored_relative_to_the_project(registry, graph, stack, tmp_path):
    media = tmp_path / "shots" / "intro.txt"
    media.parent.mkdir()
    media.write_text("hi")
    add(stack, "test.read_text", "r", path=str(media))
    add(stack, "test.read_text", "outside", path="/elsewhere/outside.txt")
    path = save_project(Project(graph), tmp_path / "film.aiprod")
    saved = {n["id"]: n for n in json.loads(path.read_text())["nodes"]}
    assert saved["r"]["params"]["path"] == "shots/intro.txt"
    assert saved["r"]["files"]["path"] not in ("", "missing")
    assert saved["outside"]["params"]["path"] == "/elsewhere/outside.txt"
    # Moving the whole project folder keeps the media found.
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    shutil.copytree(tmp_path, moved)
    from engine.executor import Executor

    loaded = load_project(moved / "film.aiprod", registry)
    report = Executor(project_dir=loaded.folder).run(loaded.graph, ["r"], load_outputs=True)
    assert report.outputs["r"]["text"] == "hi"


def test_save_as_elsewhere_keeps_chosen_files_and_typed_relative_paths_follow(registry, graph, stack, tmp_path):
    """Save As writes a chosen (absolute) file as it is, and a typed-relative path as relative to
    the new project (issue 13: it means "relative to the project"; it used to be rebased)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "line.txt").write_text("x")
    add(stack, "test.read_text", "typed", path="line.txt")
    add(stack, "test.read_text", "chosen", path=str(tmp_path / "a" / "line.txt"))
    project = Project(graph)
    project.path = tmp_path / "a" / "film.aiprod"
    save_project(project, tmp_path / "b" / "film.aiprod")
    saved = {n["id"]: n for n in json.loads((tmp_path / "b" / "film.aiprod").read_text())["nodes"]}
    assert saved["chosen"]["params"]["path"] == str(tmp_path / "a" / "line.txt")
    assert saved["typed"]["params"]["path"] == "line.txt"


@pytest.mark.parametrize("content, message", [
    ("{ nope", "broken JSON at line 1"),
    ("[1, 2]", "does not hold a JSON object"),
    ('{"nodes": []}', "no schema_version"),
    ('{"schema_version": "one"}', "whole number"),
    ('{"schema_version": 1, "nodes": [{"id": "a"}]}', "not a labelled Node object"),
    ('{"schema_version": 1, "nodes": [], "links": [{"object": "Link.1", "id": "l1", '
     '"from": {"node": "x", "port": "value"}, "to": {"node": "y", "port": "a"}}]}', "refers to a node 'x'"),
])
def test_malformed_file_is_a_clear_error_and_changes_nothing(registry, tmp_path, content, message):
    path = tmp_path / "bad.aiprod"
    path.write_text(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ProjectFileError, match=message) as err:
        load_project(path, registry)
    assert str(path) in str(err.value)
    assert path.read_text() == content and sorted(p.name for p in tmp_path.iterdir()) == before


def test_incompatible_link_in_file_is_refused(registry, tmp_path):
    data = {"schema_version": 1, "nodes": [
        {"object": "Node.1", "id": "g", "type": "test.gradient", "params": {}},
        {"object": "Node.1", "id": "a", "type": "test.add", "params": {}}],
        "links": [{"object": "Link.1", "id": "l1", "from": {"node": "g", "port": "image"},
                   "to": {"node": "a", "port": "a"}}]}
    with pytest.raises(ProjectFileError, match="Image.*Int"):
        project_from_data(data, registry)


def test_loop_or_doubled_input_in_file_is_refused(registry):
    nodes = [{"object": "Node.1", "id": i, "type": "test.add", "params": {}} for i in ("a", "b")]
    loop = [{"object": "Link.1", "id": "l1", "from": {"node": "a", "port": "value"}, "to": {"node": "b", "port": "a"}},
            {"object": "Link.1", "id": "l2", "from": {"node": "b", "port": "value"}, "to": {"node": "a", "port": "a"}}]
    with pytest.raises(ProjectFileError, match="loop"):
        project_from_data({"schema_version": 1, "nodes": nodes, "links": loop}, registry)
    nodes.append({"object": "Node.1", "id": "c", "type": "test.number", "params": {}})
    doubled = [loop[0], {"object": "Link.1", "id": "l3", "from": {"node": "c", "port": "value"},
                         "to": {"node": "b", "port": "a"}}]
    with pytest.raises(ProjectFileError, match="takes one link"):
        project_from_data({"schema_version": 1, "nodes": nodes, "links": doubled}, registry)


def test_loop_in_file_is_reported_at_a_node_on_the_loop(registry, tmp_path):
    # Node c comes first in the file and only hangs below the a <-> b loop; naming it would send the
    # user to the wrong place.
    nodes = [{"object": "Node.1", "id": i, "type": "test.add", "params": {}} for i in ("c", "a", "b")]
    links = [{"object": "Link.1", "id": lid, "from": {"node": src, "port": "value"}, "to": {"node": dst, "port": "a"}}
             for lid, src, dst in (("l1", "a", "b"), ("l2", "b", "a"), ("l3", "a", "c"))]
    path = tmp_path / "loop.aiprod"
    path.write_text(json.dumps({"schema_version": 1, "nodes": nodes, "links": links}), encoding="utf-8")
    with pytest.raises(ProjectFileError) as err:
        load_project(path, registry)
    message = str(err.value)
    assert "loop" in message and "Add (a) → Add (b) → Add (a)" in message
    assert "(c)" not in message


def test_future_version_is_refused_with_its_own_error(registry, tmp_path):
    path = tmp_path / "future.aiprod"
    path.write_text(json.dumps({"schema_version": 99, "nodes": [], "links": []}))
    with pytest.raises(FutureVersionError, match="newer AIPROD Studio") as err:
        load_project(path, registry)
    assert (err.value.found, err.value.supported) == (99, 2)


def test_upgrade_functions_run_in_sequence(registry):
    def v1_to_v2(data):
        data["name"] = data["name"] + " (v2)"
        return data

    def v2_to_v3(data):
        data["settings"]["upgraded"] = True
        return data

    fmt = ProjectFormat(current_version=3, upgrades={1: v1_to_v2, 2: v2_to_v3})
    project = project_from_data(json.loads((GOLDEN / "project_v1.aiprod").read_text()), registry, fmt=fmt)
    assert project.name == "Golden v1 (v2)" and project.settings["upgraded"] is True
    with pytest.raises(ProjectFileError, match="too old"):
        project_from_data({"schema_version": 0, "nodes": [], "links": []}, registry, fmt=fmt)


def test_newer_node_type_version_is_kept_not_run(registry):
    data = {"schema_version": 1, "nodes": [
        {"object": "Node.1", "id": "o", "type": "test.options", "type_version": 3, "params": {"future": 1}}]}
    project = project_from_data(data, registry)
    assert project.graph.nodes["o"].is_unknown and "newer" in project.warnings[0]


def test_out_of_range_value_loads_with_a_warning(registry):
    data = {"schema_version": 1, "nodes": [
        {"object": "Node.1", "id": "a", "type": "test.number", "params": {"value": 99999}}]}
    project = project_from_data(data, registry)
    assert project.graph.nodes["a"].params["value"] == 99999  # kept, not silently changed
    assert "at most 1000" in project.warnings[0]


def test_save_keeps_a_backup_and_is_atomic(project, tmp_path, monkeypatch):
    path = save_project(project, tmp_path / "film.aiprod")
    first = path.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # a normal file, not a private temporary
    project.graph.nodes["src"].params["value"] = 8
    save_project(project, path)
    assert (tmp_path / "film.aiprod.bak").read_text() == first
    second = path.read_text()

    import engine.atomic

    def failing_write(target, text, keep_backup=False):
        def write(tmp):
            tmp.write_text(text[:10])
            raise OSError(28, "No space left on device")
        return engine.atomic.atomic_write(target, write, keep_backup)

    monkeypatch.setattr("engine.project.atomic_write_text", failing_write)
    project.graph.nodes["src"].params["value"] = 9
    with pytest.raises(ProjectFileError, match="No space left.*Nothing was changed"):
        save_project(project, path)
    assert path.read_text() == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.aiprod", "film.aiprod.bak"]


def test_save_into_missing_folder_is_a_clear_error(project, tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        save_project(project, tmp_path / "nowhere" / "film.aiprod")


def test_loading_never_runs_code(registry, tmp_path):
    marker = tmp_path / "pwned"
    data = {"schema_version": 1, "name": f"__import__('os').system('touch {marker}')", "nodes": [
        {"object": "Node.1", "id": "a", "type": "test.options",
         "params": {"name": "!!python/object/apply:os.system ['touch x']"}}]}
    project = project_from_data(data, registry)
    assert not marker.exists() and project.graph.nodes["a"].params["name"].startswith("!!python")
