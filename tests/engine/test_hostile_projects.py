"""`aiprod validate` and `aiprod render` on damaged and hostile project files, as a tester made them:
one clear line naming the thing at fault and the fix, the right exit code, never a traceback."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.engine.project_mutations import edit_project, node_entry
from tests.small_project import save_bars_project


@pytest.fixture
def bars(tmp_path):
    return save_bars_project(tmp_path)


def _refused(command: str, path, capsys) -> str:
    """The one error line of a command that refuses the file (exit code 2)."""
    code = main([command, str(path), *(["-q", "--no-cache"] if command == "render" else [])])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and "Traceback" not in err and len(lines) == 1, err[-2000:]
    assert lines[0].startswith("aiprod: error: ") and len(lines[0]) < 400, lines[0][:1000]
    return lines[0]


def _both_refuse(path, capsys, *words: str) -> None:
    for command in ("validate", "render"):
        line = _refused(command, path, capsys)
        for word in words:
            assert word in line, f"{command}: {word!r} not in {line!r}"


def _problem(path, capsys) -> str:
    """The one problem `aiprod validate` reports (exit code 1)."""
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 1 and "Traceback" not in err and len(lines) == 1, err[-2000:]
    assert lines[0].startswith("aiprod: problem: ")
    return lines[0]


def _render_fails(path, capsys) -> str:
    """`aiprod render` runs what it can and names the node that cannot run (exit code 1)."""
    code = main(["render", str(path), "-q", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err, err[-2000:]
    return err


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_seed_that_is_not_a_number(bars, capsys, literal):
    edit_project(bars, lambda d: d["nodes"].append({"object": "Node.1", "id": "move", "type": "shot.camera_path",
                                             "params": {"seed": "SEED"}}))
    bars.write_text(bars.read_text().replace('"SEED"', literal))
    _both_refuse(bars, capsys, "nodes[4].params.seed", "write a finite number")


def test_json_nested_100000_deep(bars, capsys):
    bars.write_text('{"schema_version": 1, "nodes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _both_refuse(bars, capsys, "more than 200 levels deep")


def test_a_number_of_5000_digits(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "bars").update(position=["BIG", 0]))
    bars.write_text(bars.read_text().replace('"BIG"', "9" * 5000))
    _both_refuse(bars, capsys, "number too long", "write a shorter number")


@pytest.mark.parametrize("value", [None, False, 3])
def test_a_node_object_label_that_is_not_text(bars, capsys, value):
    edit_project(bars, lambda d: node_entry(d, "save").update(object=value))
    _both_refuse(bars, capsys, "nodes[3]", "'save'", '"object" must be "Node.1"', f"got {value!r}")


def test_a_type_version_given_as_text(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "save").update(type_version="2"))
    _both_refuse(bars, capsys, "node 'save'", "type_version must be a whole number", "'2'")


@pytest.mark.parametrize("end, key", [("from", "node"), ("to", "port")])
def test_a_link_end_given_as_a_list(bars, capsys, end, key):
    edit_project(bars, lambda d: d["links"][0][end].update({key: ["bars"]}))
    _both_refuse(bars, capsys, f"{end}.{key} must be the text of a", "got ['bars']")


@pytest.mark.parametrize("field, value, words", [
    ("label", 7, "label must be text"),
    ("position", [1, "x"], "position must be two numbers"),
    ("params", [], "params must be an object"),
    ("id", "", "has no id"),
    ("type", None, "has no type"),
])
def test_other_node_fields_of_the_wrong_type(bars, capsys, field, value, words):
    edit_project(bars, lambda d: node_entry(d, "title").update({field: value}))
    _both_refuse(bars, capsys, words)


def test_a_name_that_is_not_text(bars, capsys):
    edit_project(bars, lambda d: d.update(name=["Bars"]))
    _both_refuse(bars, capsys, "name must be text")


def test_a_lone_surrogate_escape(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "save").update(label="\ud800"))
    _both_refuse(bars, capsys, "nodes[3].label", "lone surrogate")


def test_a_parameter_given_as_a_list(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "save")["params"].update(path=["a.png", "b.png"]))
    assert "Save Image (save): path must be text, got ['a.png', 'b.png']" in _problem(bars, capsys)
    assert "Save Image (save) failed: parameter path must be text" in _render_fails(bars, capsys)


def test_a_nul_character_in_a_path(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "save")["params"].update(path="out\u0000.png"))
    assert "path must not contain a NUL character" in _problem(bars, capsys)
    err = _render_fails(bars, capsys)
    assert "Save Image (save) failed: parameter path must not contain a NUL character" in err
    assert "choose the file again" in err


def test_a_node_saved_by_a_newer_version_says_to_update(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "save").update(type_version=3))
    message = "saved by a newer version of AIPROD (node type v3, this version knows v1); update AIPROD Studio"
    line = _problem(bars, capsys)
    assert message in line and "not installed" not in line
    err = _render_fails(bars, capsys)
    assert message in err and "not installed" not in err


def test_a_100000_character_value_is_cut_in_messages(bars, capsys):
    edit_project(bars, lambda d: node_entry(d, "bars")["params"].update(resolution="x" * 100_000))
    line = _problem(bars, capsys)
    assert "resolution must be one of" in line and "…" in line and len(line) < 500
    edit_project(bars, lambda d: node_entry(d, "bars").update(object="y" * 100_000))
    line = _refused("validate", bars, capsys)
    assert "…" in line and len(line) < 400


def test_a_path_too_long_for_the_file_system(bars, capsys):
    edit_project(bars, lambda d: d["nodes"].append({"object": "Node.1", "id": "still", "type": "media.import_image",
                                             "params": {"path": "x" * 100_000}}))
    line = _problem(bars, capsys)
    assert "Import Image (still): path file" in line and "cannot be read (File name too long); relink it" in line
    assert len(line) < 400


def test_a_node_that_raises_on_a_hostile_path_is_one_cut_line_its_traceback_in_the_log(bars, capsys, tmp_path):
    edit_project(bars, lambda d: node_entry(d, "save")["params"].update(path="x" * 100_000 + ".png"))
    err = _render_fails(bars, capsys)
    failed = [line for line in err.splitlines() if line.startswith("aiprod: Save Image (save) failed: ")]
    assert len(failed) == 1 and "File name too long" in failed[0] and len(failed[0]) < 700
    assert max(len(line) for line in err.splitlines()) < 700
    assert "Traceback" in (tmp_path / "user-logs" / "aiprod.log").read_text()


def test_a_byte_order_mark_is_accepted(bars, capsys):
    bars.write_bytes(b"\xef\xbb\xbf" + bars.read_bytes())
    assert main(["validate", str(bars)]) == 0
    assert "OK (4 nodes, 3 links)" in capsys.readouterr().out


def test_broken_json_names_the_backup_only_when_there_is_one(bars, capsys):
    bars.write_text('{"schema_version": 1, "nodes": [')
    line = _refused("validate", bars, capsys)
    assert "broken JSON at line 1" in line and ".bak" not in line
    bars.with_name(bars.name + ".bak").write_text("{}")
    assert "The previous save is kept as sample.aiprod.bak" in _refused("render", bars, capsys)


def test_a_file_far_too_large_to_be_a_project(bars, capsys, monkeypatch):
    from engine import project_checks

    monkeypatch.setattr(project_checks, "MAX_BYTES", 1000)
    bars.write_text(json.dumps({"schema_version": 1, "nodes": [], "links": [], "pad": "x" * 2000}))
    _both_refuse(bars, capsys, "larger than 0 MiB")


def test_an_empty_path_that_render_would_refuse_is_a_validate_problem(bars, capsys):
    edit_project(bars, lambda d: d["nodes"].append({"object": "Node.1", "id": "still", "type": "media.import_image",
                                             "params": {"path": ""}}))
    assert "Import Image (still): no file chosen for path" in _problem(bars, capsys)


def test_the_last_resort_handler_logs_the_traceback_and_says_where(bars, capsys, monkeypatch, tmp_path):
    import app.cli

    def broken(project, models=None):
        raise RuntimeError("a bug in validate")

    monkeypatch.setattr(app.cli, "validate_project", broken)
    assert main(["validate", str(bars)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    log = tmp_path / "user-logs" / "aiprod.log"
    assert lines == [f"aiprod: internal error: RuntimeError: a bug in validate (details in {log})"]
    assert "Traceback" in log.read_text() and "a bug in validate" in log.read_text()


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_device_or_pipe_named_as_media_is_refused_never_read(bars, capsys, tmp_path, special):
    """Reading /dev/zero never ends and opening a pipe waits for a writer: saving, checking and rendering
    the project only look at what the path is."""
    import os

    from engine.project import load_project, save_project
    from app.nodes import build_registry

    if special == "fifo":
        special = str(tmp_path / "plate.png")
        os.mkfifo(special)
    def add_plate(data):
        data["nodes"] += [{"object": "Node.1", "id": "plate", "type": "media.import_image",
                           "params": {"path": special}},
                          {"object": "Node.1", "id": "copy", "type": "output.save_image",
                           "params": {"path": "copy.png"}}]
        data["links"].append({"object": "Link.1", "id": "plate_link", "from": {"node": "plate", "port": "image"},
                              "to": {"node": "copy", "port": "image"}})

    edit_project(bars, add_plate)
    save_project(load_project(bars, build_registry()), bars)  # the save fingerprints the path: returns
    line = _problem(bars, capsys)
    assert f"Import Image (plate): path file {special} is a device, pipe or socket, not a file; relink it" in line
    err = _render_fails(bars, capsys)
    assert f"Import Image (plate) failed: could not read its files: Path: {special} is a device, pipe or socket" in err


def test_a_folder_too_large_to_be_a_model_is_not_walked_whole(tmp_path, monkeypatch):
    from engine import fingerprint

    for index in range(12):
        (tmp_path / f"{index}.bin").write_bytes(b"x")
    before = fingerprint.file_fingerprint(tmp_path)
    monkeypatch.setattr(fingerprint, "MAX_FOLDER_FILES", 10)
    assert fingerprint.file_fingerprint(tmp_path) == fingerprint.TOO_MANY_FILES != before
