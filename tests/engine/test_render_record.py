"""The render record an export carries, and `aiprod render --reproduce FILE`.

Each test renders a small film (a still picture made into a half-second shot at 640x360, exported)
through the real CLI, then renders it again from the record alone and reads the verdict per node:
identical when nothing changed, a changed source picture named, output bits that moved found, and
damaged or hostile records refused in one line.
"""

import json
import os
import subprocess
import sys

import av
import numpy as np
import pytest
from PIL import Image

from app.cli import main
from engine.render_record import POINTER_KEY, RECORD_KEY, record_sidecar
from tests.engine.stub_nodes import project_root


def still(path, shade):
    """A 64x36 PNG: a gradient whose level is `shade` (another shade is another picture)."""
    ramp = np.linspace(0, 255, 64, dtype=np.float32)[None, :, None] * np.ones((36, 1, 3), np.float32)
    Image.fromarray(np.clip(ramp * shade, 0, 255).astype(np.uint8)).save(path)


def save_project(folder, export_path, fmt="h264", label=""):
    """Bars and a still picture, each made a shot, joined by a dissolve and exported."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project as save

    still(folder / "still.png", 0.8)
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    shot = {"duration": 0.5, "head_handle": 0.0, "tail_handle": 0.0, "resolution": "640x360"}
    stack.push(AddNode("image.color_bars", (0, 0), {"resolution": "640x360"}, node_id="bars"))
    stack.push(AddNode("media.import_image", (0, 200), {"path": "still.png"}, node_id="picture"))
    stack.push(AddNode("shot.scene", (300, 0), dict(shot), node_id="bars_shot"))
    stack.push(AddNode("shot.scene", (300, 200), dict(shot), label="Picture Shot", node_id="picture_shot"))
    stack.push(AddNode("edit.sequence", (600, 0), {}, node_id="cut"))
    stack.push(AddNode("output.export", (900, 0), {"path": export_path, "format": fmt}, node_id="export"))
    if label:  # a project whose file is big (a long label), so its provenance outgrows a MOV comment
        stack.push(AddNode("value.text", (0, 400), {"text": label}, node_id="notes"))
    stack.push(Connect("bars", "image", "bars_shot", "keyframes"))
    stack.push(Connect("picture", "image", "picture_shot", "keyframes"))
    stack.push(Connect("bars_shot", "frames", "cut", "shots"))
    stack.push(Connect("picture_shot", "frames", "cut", "shots"))
    stack.push(Connect("cut", "frames", "export", "frames"))
    return save(Project(graph, "Record"), folder / "film.aiprod")


def render(tmp_path, export_path="film.mp4", **kwargs):
    project = save_project(tmp_path, export_path, **kwargs)
    assert main(["render", "-q", "--cache-dir", str(tmp_path / "cache"), str(project)]) == 0
    return tmp_path / export_path


def reproduce(capsys, file, *extra):
    capsys.readouterr()
    code = main(["render", "--reproduce", str(file), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def verdicts(out):
    """node title -> its table row, as printed."""
    rows, last = {}, None
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) != 6:
            continue
        if cells[1]:
            last = cells[1]
            rows[last] = cells[3:5]
        elif last is not None:  # a long reason wrapped onto the next line
            rows[last] = [" ".join(filter(None, pair)) for pair in zip(rows[last], cells[3:5])]
    return rows


def comment_of(movie):
    with av.open(str(movie)) as container:
        return json.loads(container.metadata["comment"])


def test_an_export_carries_its_record_and_renders_again_bit_identically(tmp_path, capsys):
    film = render(tmp_path)
    record = comment_of(film)[RECORD_KEY]
    nodes = {n["id"]: n for n in record["nodes"]}
    assert record["export"] == "export" and list(nodes)[-1] == "export"
    assert set(nodes) == {"bars", "picture", "bars_shot", "picture_shot", "cut", "export"}
    assert nodes["picture"]["params"]["path"] == str(tmp_path / "still.png")  # absolute: no project file needed
    assert nodes["picture"]["fingerprints"]["path"] not in ("", "missing")
    assert nodes["bars"]["output"] is not None  # the bars are cached: their content digest is kept
    assert {"aiprod", "torch", "diffusers", "av", "opencolorio"} <= set(record["versions"])
    assert len(record["links"]) == 5

    code, out, err = reproduce(capsys, film)
    assert code == 0, out + err
    rows = verdicts(out)
    assert rows["Colour Bars (bars)"][0] == "identical"
    assert rows["Export (export)"] == ["identical", "picture and sound bit-identical"]
    assert all(verdict in ("identical", "not compared") for verdict, _ in rows.values())
    assert "reproduced bit-identically" in out
    # nothing written beside the original but what its first render wrote (the film and its QA report)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "film.aiprod", "film.mp4", "film.qa.json",
                                                          "still.png"]


def test_the_record_holds_no_time_two_renders_write_the_same_file(tmp_path):
    first = render(tmp_path).read_bytes()
    (tmp_path / "film.mp4").unlink()
    assert main(["render", "-q", "--cache-dir", str(tmp_path / "other-cache"), str(tmp_path / "film.aiprod")]) == 0
    assert (tmp_path / "film.mp4").read_bytes() == first


def test_a_changed_source_picture_is_named_and_the_film_differs(tmp_path, capsys):
    film = render(tmp_path)
    still(tmp_path / "still.png", 0.3)  # the picture the film was made from is another picture now
    code, out, err = reproduce(capsys, film)
    assert code == 1
    rows = verdicts(out)
    verdict, why = rows["Import Image (picture)"]
    assert verdict == "not reproducible" and "still.png" in why and "changed since the render" in why
    assert rows["Picture Shot (picture_shot)"][0] == "not reproducible"
    assert "its input Import Image (picture) changed" in rows["Picture Shot (picture_shot)"][1]
    assert rows["Colour Bars (bars)"][0] == "identical"  # what does not read the picture is as it was
    assert rows["Sequence (cut)"][0] == "not reproducible"
    assert rows["Export (export)"][0] == "differs"
    assert "NOT reproduced" in out


def test_output_bits_that_moved_under_the_same_key_are_found(tmp_path, capsys, monkeypatch):
    """Same parameters, files and inputs, other bits (a library that changed its maths, say)."""
    from app.nodes import color_bars

    film = render(tmp_path)
    monkeypatch.setattr(color_bars, "color_bars_encoded", _brighter(color_bars.color_bars_encoded))
    code, out, err = reproduce(capsys, film)
    assert code == 1
    rows = verdicts(out)
    assert rows["Colour Bars (bars)"] == ["differs", "same parameters, files and inputs, other output bits"]
    assert rows["Export (export)"][0] == "differs"


def test_a_node_type_revised_since_the_render_is_named_as_the_reason(tmp_path, capsys, monkeypatch):
    """A release that computes a Scene's frames otherwise (a revision) neither serves the old shots nor
    calls the difference unexplained."""
    import dataclasses

    from app.nodes.scene import Scene

    film = render(tmp_path)
    recorded = {n["id"]: n for n in comment_of(film)[RECORD_KEY]["nodes"]}
    assert recorded["picture_shot"]["revision"] == Scene.schema.revision
    monkeypatch.setattr(Scene, "schema", dataclasses.replace(Scene.schema, revision=Scene.schema.revision + 1))
    code, out, err = reproduce(capsys, film)
    rows = verdicts(out)
    for shot in ("Picture Shot (picture_shot)", "Scene (bars_shot)"):
        verdict, why = rows[shot]
        assert verdict == "not reproducible" and "computes its output differently in this release" in why
    assert rows["Colour Bars (bars)"][0] == "identical"


def _brighter(make):
    def brighter(*args):
        return np.clip(make(*args).astype(np.int16) + 3, 0, 255).astype(np.uint8)
    return brighter


def test_an_image_sequence_keeps_its_record_beside_it(tmp_path, capsys):
    (tmp_path / "frames").mkdir()
    render(tmp_path, "frames/shot_%04d.png", fmt="png_sequence")
    sidecar = tmp_path / "frames" / "shot.aiprod.json"
    assert json.loads(sidecar.read_text())[RECORD_KEY]["export"] == "export"
    code, out, err = reproduce(capsys, tmp_path / "frames" / "shot_0003.png")  # any frame leads to the record
    assert code == 0, out + err
    assert verdicts(out)["Export (export)"][0] == "identical"
    # a frame of the picture's shot replaced by one of the bars' (a still shot's frames are all alike)
    (tmp_path / "frames" / "shot_0020.png").write_bytes((tmp_path / "frames" / "shot_0001.png").read_bytes())
    code, out, err = reproduce(capsys, sidecar)
    assert code == 1 and verdicts(out)["Export (export)"][0] == "differs"


def test_a_mov_whose_provenance_outgrows_its_comment_keeps_the_record_beside_it(tmp_path, capsys):
    film = render(tmp_path, "film.mov", fmt="prores_422_hq", label="a long note " * 7000)
    comment = comment_of(film)  # whole JSON: MOV would have cut a comment over 64 KiB
    assert RECORD_KEY not in comment and comment[POINTER_KEY]["name"] == "film.mov.record.json"
    assert json.loads(record_sidecar(film).read_text())["project"]["name"] == "Record"
    code, out, err = reproduce(capsys, film)
    assert code == 0, out + err
    record_sidecar(film).write_text(record_sidecar(film).read_text().replace('"seed"', '"seeds"'))
    code, out, err = reproduce(capsys, film)
    assert code == 2 and "is not the record of film.mov: it changed since the render" in err


def one_line_refusal(capsys, file, expected):
    code, out, err = reproduce(capsys, file)
    assert code == 2, out + err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("aiprod: error: ") and expected in err, err


def tampered(sidecar, original, change):
    provenance = json.loads(original)
    change(provenance[RECORD_KEY])
    sidecar.write_text(json.dumps(provenance))


HOSTILE = [  # what is done to the record, and what the one line says
    (lambda r: r.update(format=99), "written by a newer AIPROD Studio"),
    (lambda r: r.update(format="1"), "has format '1'"),
    (lambda r: r.update(nodes="everything"), "it lists no nodes"),
    (lambda r: r.update(export="nowhere"), "its export node 'nowhere' is not listed"),
    (lambda r: r["nodes"][0].update(key=["not", "a", "key"]), "has no cache key"),
    (lambda r: r["nodes"][0].update(fingerprints={"path": 7}), "malformed fingerprints"),
    (lambda r: r["nodes"][0].update(revision="2"), "has revision '2'"),
    (lambda r: r["nodes"][0].update(revision=0), "has revision 0"),
    (lambda r: r["nodes"][1].update(id=r["nodes"][0]["id"]), "has no id of its own"),
    (lambda r: r["links"].append({"from": {"node": "ghost", "port": "frames"},
                                  "to": {"node": "export", "port": "frames"}}), "'ghost' that is not in the file"),
    (lambda r: r["links"].append({"from": {"node": "export", "port": "file"},
                                  "to": {"node": "bars", "port": "image"}}), "invalid"),
]


@pytest.fixture(scope="module")
def sequence_sidecar(tmp_path_factory):
    """The .aiprod.json of one rendered PNG sequence, for the tests that damage it (rendered once)."""
    folder = tmp_path_factory.mktemp("sequence")
    with pytest.MonkeyPatch.context() as patch:  # private user folders, as every test has
        for name in ("CACHE", "DATA", "LOG", "CONFIG"):
            patch.setenv(f"AIPROD_{name}_DIR", str(folder / f"user-{name.lower()}"))
        patch.delenv("AIPROD_MODEL_DIRS", raising=False)
        (folder / "frames").mkdir()
        render(folder, "frames/shot_%04d.png", fmt="png_sequence")
    return (folder / "frames" / "shot.aiprod.json").read_text()


@pytest.mark.parametrize("change,expected", HOSTILE)
def test_a_damaged_or_hostile_record_is_one_clear_line(tmp_path, capsys, sequence_sidecar, change, expected):
    sidecar = tmp_path / "shot.aiprod.json"
    tampered(sidecar, sequence_sidecar, change)
    one_line_refusal(capsys, sidecar, expected)


def test_a_record_from_before_revisions_reads_as_revision_1(tmp_path, capsys, monkeypatch):
    """A release before revisions: every type at what is now revision 1, no revision in the record."""
    import dataclasses

    from app.nodes.scene import Scene

    with monkeypatch.context() as before:
        before.setattr(Scene, "schema", dataclasses.replace(Scene.schema, revision=1))
        (tmp_path / "frames").mkdir()
        render(tmp_path, "frames/shot_%04d.png", fmt="png_sequence")
    sidecar = tmp_path / "frames" / "shot.aiprod.json"
    tampered(sidecar, sidecar.read_text(), lambda r: [node.pop("revision") for node in r["nodes"]])
    code, out, err = reproduce(capsys, sidecar)
    assert "Traceback" not in err and "has revision" not in err, err
    rows = verdicts(out)
    assert rows, out + err
    assert rows["Colour Bars (bars)"][0] == "identical"  # revision 1 then and now: nothing to explain
    assert f"revision 1, now {Scene.schema.revision}" in rows["Scene (bars_shot)"][1]  # revised since


@pytest.mark.parametrize("depth", [200, 5000])
def test_a_record_nested_past_reason_is_one_clear_line(tmp_path, capsys, sequence_sidecar, depth):
    sidecar = tmp_path / "shot.aiprod.json"
    provenance = json.loads(sequence_sidecar)
    provenance[RECORD_KEY]["nodes"][0]["params"]["deep"] = "@deep@"
    sidecar.write_text(json.dumps(provenance).replace('"@deep@"', "[" * depth + "]" * depth))
    one_line_refusal(capsys, sidecar, "nests lists or objects")


def test_files_without_a_record_are_one_clear_line(tmp_path, capsys):
    one_line_refusal(capsys, tmp_path / "gone.mp4", "does not exist")
    (tmp_path / "notes.txt").write_text("hello")
    one_line_refusal(capsys, tmp_path / "notes.txt", "is not a file AIPROD Studio delivers with a render record")
    (tmp_path / "broken.aiprod.json").write_text("{not json")
    one_line_refusal(capsys, tmp_path / "broken.aiprod.json", "is not valid JSON")
    (tmp_path / "fake.mp4").write_bytes(b"\x00" * 100)
    one_line_refusal(capsys, tmp_path / "fake.mp4", "cannot be read as a movie")
    foreign = tmp_path / "foreign.mp4"
    with av.open(str(foreign), "w") as container:  # a movie some other program wrote
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for packet in stream.encode(av.VideoFrame.from_ndarray(np.zeros((36, 64, 3), np.uint8), format="rgb24")):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    one_line_refusal(capsys, foreign, "carries no render record")


def test_library_versions_are_read_without_importing_them():
    code = ("import sys; from engine.render_record import versions; v = versions(); "
            "print(sorted(m for m in ('torch', 'diffusers', 'av', 'PyOpenColorIO') if m in sys.modules), v['av'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=project_root(), capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(project_root())}, check=True)
    assert done.stdout.split()[0] == "[]" and done.stdout.split()[1] == av.__version__


def test_files_the_graph_writes_on_the_way_go_to_the_temporary_folder_too(tmp_path, capsys):
    """A Subtitles node writes an SRT beside the project; rendering again must not touch it."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project as save

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("image.color_bars", (0, 0), {"resolution": "640x360"}, node_id="bars"))
    stack.push(AddNode("shot.scene", (300, 0), {"duration": 0.5, "head_handle": 0.0, "tail_handle": 0.0,
                                                 "resolution": "640x360"}, node_id="shot"))
    stack.push(AddNode("value.text", (0, 200), {"text": "Hello."}, node_id="line"))
    stack.push(AddNode("sound.voice", (300, 200), {}, node_id="voice"))
    stack.push(AddNode("sound.subtitles", (600, 200), {"srt_path": "film.srt"}, node_id="subs"))
    stack.push(AddNode("sound.burn_subtitles", (600, 0), {}, node_id="burn"))
    stack.push(AddNode("output.export", (900, 0), {"path": "film.mp4"}, node_id="export"))
    stack.push(Connect("bars", "image", "shot", "keyframes"))
    stack.push(Connect("line", "text", "voice", "text"))
    stack.push(Connect("voice", "timings", "subs", "timings"))
    stack.push(Connect("shot", "frames", "burn", "frames"))
    stack.push(Connect("subs", "subtitles", "burn", "subtitles"))
    stack.push(Connect("burn", "frames", "export", "frames"))
    project = save(Project(graph, "Subtitled"), tmp_path / "film.aiprod")
    assert main(["render", "-q", "--cache-dir", str(tmp_path / "cache"), str(project)]) == 0
    srt = tmp_path / "film.srt"
    written = srt.read_bytes()
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nmine now\n")  # the user edited the file since
    code, out, err = reproduce(capsys, tmp_path / "film.mp4")
    assert code == 0, out + err
    rows = verdicts(out)
    assert rows["Voice (voice)"][0] == "identical" and rows["Export (export)"][0] == "identical"
    assert rows["Subtitles (subs)"][0] == "not compared"  # its output names where it wrote: elsewhere now
    assert srt.read_text() == "1\n00:00:00,000 --> 00:00:01,000\nmine now\n" and written


def test_an_mxf_keeps_its_record_beside_it(tmp_path, capsys):
    from tests.film_project import save_film_project

    project = save_film_project(tmp_path, "film.mxf", seconds=0.25, fmt="dnxhr_hq")
    record_sidecar(tmp_path / "film.mxf").write_text("the user's own notes")
    assert main(["render", "-q", "--cache-dir", str(tmp_path / "cache"), str(project)]) == 1
    assert "film.mxf.record.json already exists and was not written by AIPROD" in capsys.readouterr().err
    assert record_sidecar(tmp_path / "film.mxf").read_text() == "the user's own notes"
    record_sidecar(tmp_path / "film.mxf").unlink()
    assert main(["render", "-q", "--cache-dir", str(tmp_path / "cache"), str(project)]) == 0
    assert json.loads(record_sidecar(tmp_path / "film.mxf").read_text())[RECORD_KEY]["export"] == "export"
    code, out, err = reproduce(capsys, tmp_path / "film.mxf")
    assert code == 0, out + err
    assert verdicts(out)["Export (export)"][0] == "identical"


def test_render_needs_a_project_or_an_export_to_reproduce_not_both(tmp_path, capsys):
    assert main(["render"]) == 2
    assert "give the .aiprod project to render" in capsys.readouterr().err
    assert main(["render", "film.aiprod", "--reproduce", "film.mp4"]) == 2
    assert "--reproduce FILE takes no project" in capsys.readouterr().err


def save_deliverables_project(folder):
    """A still graded and saved as a picture, its grade baked to a LUT, and a wind bed written as a WAV."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project as save

    still(folder / "still.png", 0.8)
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("media.import_image", (0, 0), {"path": "still.png"}, node_id="picture"))
    stack.push(AddNode("color.grade_image", (300, 0), {"exposure": 0.5}, node_id="grade"))
    stack.push(AddNode("output.save_image", (600, 0), {"path": "graded.png"}, node_id="save"))
    stack.push(AddNode("output.export_lut", (600, 200), {"path": "look.cube"}, node_id="lut"))
    stack.push(AddNode("sound.ambience", (0, 400), {"bed": "wind", "length": 1.0, "seed": 7}, node_id="wind"))
    stack.push(AddNode("output.export_audio", (600, 400), {"path": "wind.wav"}, node_id="stem"))
    stack.push(Connect("picture", "image", "grade", "image"))
    stack.push(Connect("grade", "image", "save", "image"))
    stack.push(Connect("grade", "grade", "lut", "grade"))
    stack.push(Connect("wind", "audio", "stem", "audio"))
    project = save(Project(graph, "Deliverables"), folder / "deliverables.aiprod")
    assert main(["render", "-q", "--cache-dir", str(folder / "cache"), str(project)]) == 0
    return project


@pytest.mark.parametrize("delivered, own, carried_in", [
    ("graded.png", "Save Image (save)", "graded.png.record.json"),
    ("look.cube", "Export LUT (lut)", "look.cube.record.json"),
    ("wind.wav", "Export Audio (stem)", None),  # in the WAV's own comment, as a movie's
])
def test_a_picture_a_lut_and_a_sound_file_carry_their_record_and_render_again_identically(
        tmp_path, capsys, delivered, own, carried_in):
    save_deliverables_project(tmp_path)
    beside = sorted(p.name for p in tmp_path.glob("*.record.json"))
    assert beside == ["graded.png.record.json", "look.cube.record.json"]
    if carried_in is None:
        assert RECORD_KEY in comment_of(tmp_path / delivered)
    else:
        assert json.loads((tmp_path / carried_in).read_text())[RECORD_KEY]["export"] == own.split("(")[1][:-1]
    code, out, err = reproduce(capsys, tmp_path / delivered)
    assert code == 0, out + err
    rows = verdicts(out)
    assert rows[own][0] == "identical"
    assert "reproduced bit-identically" in out
    if carried_in is not None:  # the sidecar given instead of the file finds the same record
        code, out, _ = reproduce(capsys, tmp_path / carried_in)
        assert code == 0 and verdicts(out)[own][0] == "identical"


def test_a_saved_picture_whose_source_changed_is_named(tmp_path, capsys):
    save_deliverables_project(tmp_path)
    from PIL import PngImagePlugin

    picture = tmp_path / "graded.png"
    notes = PngImagePlugin.PngInfo()
    notes.add_text("Comment", "approved by the director")  # other bytes, the same pixels: still identical
    Image.open(picture).save(picture, pnginfo=notes)
    code, out, err = reproduce(capsys, picture)
    assert code == 0 and verdicts(out)["Save Image (save)"][0] == "identical", out + err
    still(tmp_path / "still.png", 0.3)
    code, out, err = reproduce(capsys, tmp_path / "graded.png")
    assert code == 1
    rows = verdicts(out)
    assert rows["Import Image (picture)"][0] == "not reproducible" and "still.png" in rows["Import Image (picture)"][1]
    assert rows["Save Image (save)"][0] == "differs"  # other pixels


def test_a_picture_without_its_record_beside_it_is_one_clear_line(tmp_path, capsys):
    save_deliverables_project(tmp_path)
    (tmp_path / "graded.png.record.json").unlink()
    code, out, err = reproduce(capsys, tmp_path / "graded.png")  # a PNG then reads as a sequence's frame
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "other.tif")
    code, out, err = reproduce(capsys, tmp_path / "other.tif")
    assert code == 2 and "has no other.tif.record.json beside it" in err and len(err.strip().splitlines()) == 1
