"""Keyframed camera moves: a table of poses checked row by row, the old key text read strictly and upgraded
to the same rows, and moves rendered through the poses they name."""

import json

import numpy as np
import pytest

from app.nodes.camera import CameraNode, CameraPathNode, path_from_params, upgrade_keys_text
from engine.errors import ParamError
from engine.media.camera import CameraPath, Key, Pose, Shake, ease
from engine.media.camera_keys import keys_from_rows
from engine.media.camera_keys_text import format_keys, parse_keys
from engine.media.camera_render import CameraRenderer
from engine.media.clip import StillClip

W, H = 160, 90
ZOOM = 1.5  # room to pan 1/6 of the frame either way without showing past the picture
THREE_KEYS = "0 zoom=1.5 pan_x=0\n0.5 pan_x=0.1\n1 pan_x=-0.05"


def edge_position(row: np.ndarray) -> float:
    """Where a 0 -> 1 step sits in a row, sub-pixel: the area above the step is what is missing."""
    return len(row) - float(row.sum())


def edge_at(pan_x: float) -> float:
    """Where the source's centre edge lands on screen: panning right by p slides it left p * W * zoom."""
    return W / 2 - pan_x * W * ZOOM


def key_rows(text: str) -> dict:
    """The Keys table (and its time unit) that a version 1 node's key text upgrades to."""
    return upgrade_keys_text({"keys": text})


def edges(keys: str, frames: int = 9, fps: int = 4, **params) -> list[float]:
    """The edge's measured position in each frame of a Camera node keyed by `keys` (old text, upgraded to
    rows as a version 1 project is) over a held still."""
    picture = np.zeros((H, W, 3), np.float32)
    picture[:, W // 2:] = 1.0
    settings = CameraNode.schema.default_params() | {"move": "keyframes", "easing": "linear"} | key_rows(keys) | params
    out = CameraNode().execute(None, {"frames": StillClip(picture, fps, frames), "path": None}, settings)
    return [edge_position(frame[H // 2, :, 0]) for frame in out["frames"].frames()]


# ---- the Keys table ------------------------------------------------------------------------

def row(time, easing="", **pose):
    return {"time": time, "easing": easing, **pose}


def test_key_rows_make_keys_carrying_easing_on_and_are_checked_cell_by_cell():
    table = CameraPathNode.schema.param("keys")
    rows = table.coerce([row(0, zoom=1.2), row(0.5, "ease-out", pan_x=0.1), row(1, zoom=1.5)])
    assert rows[1] == {**table.new_row(), "time": 0.5, "pan_x": 0.1, "easing": "ease-out"}  # a left-out cell: default
    keys, unit = keys_from_rows(rows, False, "ease-in", "bezier")
    assert unit == "shot" and [k.ease for k in keys] == ["ease-in", "ease-out", "ease-out"]
    assert keys[2].pose == Pose(zoom=1.5) and all(k.spatial == "bezier" for k in keys)
    assert keys_from_rows(table.coerce([row(0), row(2.5)]), True)[1] == "seconds"


@pytest.mark.parametrize("rows, message", [
    ([row(0), row(0.5, zoom=0)], "keys row 2, column zoom: zoom must be at least 0.05, got 0"),
    ([row(0), {"time": 1, "zom": 2}], "keys row 2: there is no column 'zom'; the columns are time, pan_x"),
    ([row(0, pan_x="left")], "keys row 1, column pan_x: pan_x must be a number, got 'left'"),
    ([row(-0.5)], "keys row 1, column time: time must be at least 0.0"),
    ([row(0), "1 zoom=2"], "keys row 2 must be an object of {column: value}"),
    ("0 zoom=1", "keys must be a table \\(a list of rows\\), got '0 zoom=1'"),
])
def test_a_bad_cell_names_its_row_and_column(rows, message):
    with pytest.raises(ParamError, match=message):
        CameraPathNode.schema.param("keys").coerce(rows)


@pytest.mark.parametrize("rows, in_seconds, message", [
    ([row(0.5), row(0.2)], False, "keys row 2, column time: 0.2 must come after row 1's 0.5"),
    ([row(0), row(1.5)], False, "keys row 2, column time: 1.5 is not within 0..1 of the shot; .*in seconds"),
    ([row(0, "bounce")], False, "keys row 1, column easing: easing must be linear, ease-in, .*cubic-bezier"),
    ([row(0, "cubic-bezier(1.5,0,1,1)")], False, "keys row 1, column easing: easing cubic-bezier x1 and x2"),
    ([], False, "keys: the table has no keys"),
])
def test_a_bad_key_table_names_the_row(rows, in_seconds, message):
    checked = CameraPathNode.schema.param("keys").coerce(rows)
    with pytest.raises(ParamError, match=message):
        keys_from_rows(checked, in_seconds)


def test_a_version_1_project_with_key_text_opens_as_the_same_keys_in_rows(tmp_path):
    from app.nodes import build_registry
    from engine.project import load_project, save_project

    text = "# swing\n0.5s zoom=1.2 pan_x=-0.1 easing=ease-in\n1.5s pan_x=0.1\n3s zoom=1.5 easing=cubic-bezier(0.3,0,0.2,1)"
    old = {"schema_version": 1, "kind": "aiprod.project", "name": "old", "settings": {}, "links": [],
           "nodes": [{"object": "Node.1", "id": "move", "type": "shot.camera_path", "type_version": 1,
                      "position": [0, 0], "params": {"move": "keyframes", "keys": text, "easing": "ease-out",
                                                     "path_shape": "bezier"}}]}
    (tmp_path / "old.aiprod").write_text(json.dumps(old))
    project = load_project(tmp_path / "old.aiprod", build_registry())
    assert project.warnings == []
    node = project.graph.nodes["move"]
    assert node.type_version == 2 and node.params["keys_in_seconds"] is True
    assert [r["time"] for r in node.params["keys"]] == [0.5, 1.5, 3.0]
    assert [r["easing"] for r in node.params["keys"]] == ["ease-in", "", "cubic-bezier(0.3,0,0.2,1)"]
    assert node.params["keys"][1]["zoom"] == 1.2  # the carried-on field is written into the row
    keys, unit = parse_keys(text, "ease-out", "bezier")  # what version 1 rendered
    assert path_from_params(node.params).keys == keys and path_from_params(node.params).time_unit == unit == "seconds"
    saved = json.loads(save_project(project, tmp_path / "new.aiprod").read_text())
    assert saved["nodes"][0]["type_version"] == 2 and saved["nodes"][0]["params"]["keys"] == node.params["keys"]


def test_key_text_that_does_not_read_is_kept_and_reported_not_lost(tmp_path):
    assert upgrade_keys_text({"keys": "0 zoom=1\n1 zoom=-2"}) == {"keys": "0 zoom=1\n1 zoom=-2"}
    assert upgrade_keys_text({"keys": "# nothing yet\n"}) == {"keys": [], "keys_in_seconds": False}
    assert upgrade_keys_text({"move": "push in"}) == {"move": "push in"}  # saved before keyframes existed


# ---- the old text format (read by the version 1 upgrade) -----------------------------------

def test_key_text_round_trips_and_carries_omitted_fields_forward():
    text = """# a push with a swing
    0     zoom=1.2 pan_x=-0.08 roll=-2 easing=ease-in-out
    0.25  pan_x = 0.05  easing=cubic-bezier(0.3, 0.1, 0.2, 1)

    0.6   dolly=0.4 focus_x=0.3 focus_y=0.7   # push toward the door
    1     zoom=1.5 pan_y=-0.04 easing=linear
    """
    keys, unit = parse_keys(text, "ease-out", "bezier")
    assert unit == "shot" and [k.t for k in keys] == [0.0, 0.25, 0.6, 1.0]
    assert keys[2].pose == Pose(pan_x=0.05, zoom=1.2, roll=-2.0, dolly=0.4, focus_x=0.3, focus_y=0.7)
    assert keys[2].ease == (0.3, 0.1, 0.2, 1.0) and all(k.spatial == "bezier" for k in keys)
    assert parse_keys(format_keys(keys), "ease-out", "bezier") == (keys, unit)
    seconds = tuple(Key(t, Pose(pan_x=t / 10, zoom=1.0 + t), "ease-in") for t in (0.5, 1.25, 3.0))
    written = format_keys(seconds, "seconds")
    assert written.splitlines()[0] == "0.5s pan_x=0.05 zoom=1.5 easing=ease-in"
    assert parse_keys(written) == (seconds, "seconds")


def test_the_first_key_starts_from_the_neutral_pose_and_the_node_easing():
    keys, _ = parse_keys("0.1 pan_y=0.2\n0.9", (0.1, 0.2, 0.3, 0.4))
    assert keys[0].pose == keys[1].pose == Pose(pan_y=0.2)
    assert keys[0].ease == keys[1].ease == (0.1, 0.2, 0.3, 0.4)


@pytest.mark.parametrize("text, message", [
    ("0 zoom=1\n\n0.5 zom=2", "keys line 3: unknown field 'zom'; a key has pan_x, .*easing"),
    ("0 zoom=0", "keys line 1: zoom must be from 0.05 to 20, got 0"),
    ("0 zoom=1\n1 zoom=big", "keys line 2: zoom must be a number from 0.05 to 20, got 'big'"),
    ("0 pan_x=nan", "keys line 1: pan_x must be a number"),
    ("0 pan_x=1_0", "keys line 1: pan_x must be a number"),
    ("0 pan_x=__import__('os').getcwd()", "keys line 1: "),
    ("0 dolly=0.99", "keys line 1: dolly must be from -10 to 0.95"),
    ("0 zoom=1 zoom=2", "keys line 1: zoom is given twice"),
    ("0 zoom 1.2", "keys line 1: expected a field as name=value .*got 'zoom'"),
    ("0.5 zoom=1\n# note\n0.2 zoom=2", "keys line 3: time '0.2' must come after '0.5' on line 1"),
    ("0 zoom=1\n2s zoom=2", "keys line 2: time '2s' is in seconds but line 1 is in fractions of the shot"),
    ("1.5 zoom=1", "keys line 1: time '1.5' is not within 0..1 .*like 1.5s"),
    ("pan_x=0.1", "keys line 1: a key starts with its time"),
    ("0 easing=bounce", "keys line 1: easing must be linear, ease-in, ease-out, ease-in-out or cubic-bezier"),
    ("0 easing=cubic-bezier(1.5,0,1,1)", "keys line 1: easing cubic-bezier x1 and x2 must be within 0..1"),
    ("# nothing yet\n\n", "keys: the list has no keys"),
])
def test_a_bad_key_list_names_the_line_the_field_and_what_fits(text, message):
    with pytest.raises(ParamError, match=message):
        parse_keys(text)


def test_validate_finds_a_bad_key_list_without_running_and_ignores_it_when_unused(tmp_path, capsys):
    from app.cli import main
    from app.nodes import build_registry
    from engine.commands import AddNode, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    broken = CameraPathNode.schema.default_params() | {
        "move": "keyframes", "keys": CameraPathNode.schema.param("keys").coerce([row(0.5), row(0.25)])}
    assert CameraPathNode().problems(broken, None) == [
        "keys row 2, column time: 0.25 must come after row 1's 0.5; list the keys in the order they happen"]
    assert CameraNode().problems(broken | {"move": "push in"}, None) == []  # the keys are not used
    assert CameraPathNode().problems(CameraPathNode.schema.default_params() | {"move": "keyframes"}, None) == []
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("shot.camera_path", (0, 0), broken, node_id="move"))
    saved = save_project(Project(graph, "Broken move"), tmp_path / "move.aiprod")
    assert main(["validate", str(saved)]) == 1
    assert "keys row 2, column time: 0.25 must come after" in capsys.readouterr().err
    with pytest.raises(ParamError, match="keys row 2"):
        CameraPathNode().execute(None, {}, broken)


def test_projects_saved_before_keyframes_load_the_same_two_key_move(tmp_path):
    from app.nodes import build_registry
    from engine.project import load_project

    # A Camera Path as projects saved it before keyframes existed: no keys, no path_shape.
    old = {"schema_version": 1, "kind": "aiprod.project", "name": "old", "settings": {}, "links": [],
           "nodes": [{"object": "Node.1", "id": "push_in", "type": "shot.camera_path", "type_version": 1,
                      "label": "Slow push in", "position": [0, 0],
                      "params": {"move": "push in", "amount": 0.15, "easing": "ease-in-out"}}]}
    (tmp_path / "old.aiprod").write_text(json.dumps(old))
    project = load_project(tmp_path / "old.aiprod", build_registry())
    params = project.graph.nodes["push_in"].params
    assert "keys" not in old["nodes"][0]["params"]
    assert params.get("path_shape", "linear") == "linear"  # what a missing value means: the old behaviour
    defaults = {p.name: p.default for p in CameraPathNode.schema.params}
    data = CameraPathNode().execute(None, {}, {**defaults, **params})["path"]
    assert "time_unit" not in data and [k["t"] for k in data["keys"]] == [0.0, 1.0]
    assert CameraPath.from_dict(data) == CameraPath.move(Pose(), Pose(zoom=1.15), "ease-in-out",
                                                                 shake=Shake(0.0, 1.5, 0), blur_samples=8)


def test_a_path_keyed_in_seconds_round_trips_and_refuses_an_unknown_unit():
    path = CameraPath((Key(0.0, Pose()), Key(2.5, Pose(zoom=2.0))), time_unit="seconds")
    data = json.loads(json.dumps(path.to_dict()))
    assert data["time_unit"] == "seconds" and CameraPath.from_dict(data) == path
    with pytest.raises(ValueError, match="time_unit must be one of shot, seconds"):
        CameraPath.from_dict(data | {"time_unit": "frames"})
    with pytest.raises(ValueError, match="within 0..1"):
        CameraPath.from_dict(data | {"time_unit": "shot"})  # 2.5 is no fraction of a shot


# ---- rendered through the Camera node -----------------------------------------------------

def test_a_three_key_move_passes_through_the_middle_key_at_its_time():
    measured = edges(THREE_KEYS)
    assert measured[0] == pytest.approx(edge_at(0.0), abs=0.1)
    assert measured[4] == pytest.approx(edge_at(0.1), abs=0.1)  # frame 4 of 9 is half way
    assert measured[8] == pytest.approx(edge_at(-0.05), abs=0.1)
    assert measured[2] == pytest.approx(edge_at(0.05), abs=0.1)  # linear between keys
    assert all(b < a for a, b in zip(measured[:5], measured[1:5])) and all(b > a for a, b in
                                                                           zip(measured[4:], measured[5:]))


def test_keys_in_seconds_keep_their_time_whatever_the_shot_length():
    seconds = "0s zoom=1.5 pan_x=0\n1s pan_x=0.1\n2s pan_x=-0.05"
    assert edges(seconds) == pytest.approx(edges(THREE_KEYS), abs=1e-4)  # 9 frames at 4 fps last 2 s
    longer = edges(seconds, frames=17)  # 4 s: the move ends half way and holds
    assert longer[4] == pytest.approx(edge_at(0.1), abs=0.1)
    assert longer[8:] == pytest.approx([edge_at(-0.05)] * 9, abs=0.1)


def test_a_bezier_path_agrees_with_the_straight_one_at_the_keys_and_curves_between():
    straight, curved = edges(THREE_KEYS), edges(THREE_KEYS, path_shape="bezier")
    for key_frame in (0, 4, 8):
        assert curved[key_frame] == pytest.approx(straight[key_frame], abs=0.05)
    # The curve rounds the turn at the middle key: on both sides it stays nearer that key's pan (0.1,
    # further left on screen) than the straight lines do.
    assert curved[2] < straight[2] - 1.5 and curved[6] < straight[6] - 1.0


@pytest.mark.parametrize("keys, node_easing, first, second", [
    ("0 zoom=1.5 pan_x=0 easing=ease-in\n0.5 pan_x=0.1 easing=linear\n1 pan_x=-0.05", "ease-out", "ease-in",
     "linear"),
    ("0 zoom=1.5 pan_x=0 easing=ease-in\n0.5 pan_x=0.1\n1 pan_x=-0.05", "linear", "ease-in", "ease-in"),
    ("0 zoom=1.5 pan_x=0\n0.5 pan_x=0.1 easing=ease-out\n1 pan_x=-0.05", "ease-in", "ease-in", "ease-out"),
])
def test_each_key_eases_the_segment_it_starts(keys, node_easing, first, second):
    measured = edges(keys, easing=node_easing)
    assert measured[2] == pytest.approx(edge_at(0.1 * ease(first, 0.5)), abs=0.1)
    assert measured[6] == pytest.approx(edge_at(0.1 - 0.15 * ease(second, 0.5)), abs=0.1)
    assert measured[4] == pytest.approx(edge_at(0.1), abs=0.1)


@pytest.mark.parametrize("shape", ["linear", "bezier"])
def test_the_default_keys_move_without_showing_past_the_picture(shape):
    params = CameraPathNode.schema.default_params() | {"move": "keyframes", "path_shape": shape}
    path = path_from_params(params)
    assert len(path.keys) == 3 and not path.is_static
    renderer, white = CameraRenderer(path, W, H, 9, 24), np.ones((H, W, 3), np.float32)
    assert min(renderer.render(white, index, "white").min() for index in range(9)) > 0.99
