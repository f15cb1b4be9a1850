"""A damaged cached shot under a real film: found while the Export reads it, made again, and the
film comes out equal to the clean render (picture decoded back)."""

import hashlib
import json
import shutil
from pathlib import Path

import av
import pytest

from app.cli import main
from tests.engine.stub_nodes import project_root


def interpolated_shot_project(folder: Path) -> Path:
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    stills = project_root() / "resources" / "examples" / "stills"
    for name in ("lake_a.jpg", "lake_b.jpg"):
        shutil.copy(stills / name, folder / name)
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("media.import_image", (0, 0), {"path": "lake_a.jpg"}, node_id="a"))
    stack.push(AddNode("media.import_image", (0, 200), {"path": "lake_b.jpg"}, node_id="b"))
    stack.push(AddNode("shot.scene", (300, 0), {"method": "keyframes + interpolation", "duration": 1.0,
                                                 "resolution": "640x360"}, node_id="lake"))
    stack.push(AddNode("output.export", (600, 0), {"path": "film.mp4"}, node_id="export"))
    stack.push(Connect("a", "image", "lake", "keyframes"))
    stack.push(Connect("b", "image", "lake", "keyframes"))
    stack.push(Connect("lake", "frames", "export", "frames"))
    return save_project(Project(graph, "Lake"), folder / "lake.aiprod")


def picture_digests(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        return [hashlib.md5(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in container.decode(video=0)]


def shot_frames(cache: Path) -> list[Path]:
    manifest = next(cache.glob("entries/*/*/manifest.json"))
    names = json.loads(manifest.read_text())["outputs"]["frames"]["frames"]
    return [manifest.parent / n for n in names]


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_damaged_cached_shot_is_made_again_and_the_film_equals_the_clean_one(tmp_path, capsys, damage):
    project = interpolated_shot_project(tmp_path)
    cache = tmp_path / "cache"
    assert main(["render", str(project), "--cache-dir", str(cache), "-q"]) == 0
    clean = picture_digests(tmp_path / "film.mp4")
    frame = shot_frames(cache)[len(clean) // 2]
    data = bytearray(frame.read_bytes())
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0x10
        frame.write_bytes(bytes(data))
    else:
        frame.write_bytes(bytes(data[: len(data) // 3]))
    capsys.readouterr()
    # -o changes the Export's key, so it runs again and reads the shot's frames from the cache.
    assert main(["render", str(project), "--cache-dir", str(cache), "-o", str(tmp_path / "again.mp4")]) == 0
    err = capsys.readouterr().err
    assert "warning: Scene" in err or "warning: lake" in err.lower(), err
    assert "damaged" in err and "made again" in err
    assert picture_digests(tmp_path / "again.mp4") == clean
