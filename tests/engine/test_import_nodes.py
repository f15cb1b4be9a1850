"""Import Image / Image Sequence / Video nodes: files in, scene-linear pixels out, clear errors for bad files."""

from fractions import Fraction

import numpy as np
import pytest
from PIL import Image as PILImage

from app.nodes.export import Export
from app.nodes.import_media import ImportImage, ImportSequence, ImportVideo
from engine.commands import AddNode, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.media.colorspaces import gamut_matrix, to_working
from engine.media.image_io import write_exr, write_png16
from engine.paths import PathResolver
from engine.registry import Registry


def run(node_type, cache=None, **params):
    graph = Graph(Registry([ImportImage, ImportSequence, ImportVideo, Export]))
    UndoStack(graph).push(AddNode(node_type, params=params, node_id="in"))
    report = Executor(cache=cache).run(graph, ["in"], load_outputs=True)
    return report, report.outputs.get("in")


def srgb_png(path, value=(128, 64, 200)):
    PILImage.new("RGB", (32, 16), value).save(path)
    return path


def test_png_is_decoded_from_srgb_by_default(tmp_path):
    report, out = run("media.import_image", path=str(srgb_png(tmp_path / "a.png")))
    assert report.status == "finished"
    image = out["image"]
    assert image.pixels.shape == (16, 32, 3) and image.color_space == "lin_rec709"
    expected = to_working(np.array([[[128, 64, 200]]], np.float32) / 255, "srgb")[0, 0]
    assert np.allclose(image.pixels[3, 5], expected, atol=1e-6)
    assert image.pixels[3, 5, 0] == pytest.approx(0.2158605, abs=1e-5)  # sRGB 128 is 21.6 % linear


def test_exr_is_linear_by_default_and_can_go_to_acescg(tmp_path):
    linear = np.zeros((8, 8, 3), np.float32) + np.float32([0.18, 2.5, 0.01])
    write_exr(tmp_path / "a.exr", linear, half=False)
    _, out = run("media.import_image", path=str(tmp_path / "a.exr"))
    assert np.array_equal(out["image"].pixels, linear)
    _, out = run("media.import_image", path=str(tmp_path / "a.exr"), working_space="acescg")
    assert out["image"].color_space == "acescg"
    assert np.allclose(out["image"].pixels[0, 0], gamut_matrix("ITU-R BT.709", "ACEScg") @ linear[0, 0], atol=1e-6)


def test_explicit_colour_space_overrides_auto(tmp_path):
    _, out = run("media.import_image", path=str(srgb_png(tmp_path / "a.png")), color_space="lin_rec709")
    assert out["image"].pixels[0, 0, 0] == pytest.approx(128 / 255)


@pytest.mark.parametrize("name,damage", [("gone.png", None), ("cut.png", "truncate"), ("fake.jpg", "garbage")])
def test_bad_image_files_fail_with_the_file_named(tmp_path, name, damage):
    path = tmp_path / name
    if damage == "truncate":
        write_png16(path, np.random.default_rng(1).integers(0, 65535, (36, 64, 3), dtype=np.uint16))
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"this is not a picture at all")
    report, _ = run("media.import_image", path=str(path))
    assert report.status == "failed"
    message = report.results["in"].message
    assert name in message and ("does not exist" in message or "damaged, truncated" in message)


def test_sequence_from_a_pattern_with_an_ntsc_rate(tmp_path):
    for number in range(1, 5):
        write_png16(tmp_path / f"plate.{number:04d}.png", np.full((18, 32, 3), number * 10000, np.uint16))
    report, out = run("media.import_sequence", path=str(tmp_path / "plate.####.png"), fps="23.976",
                      color_space="lin_rec709")
    assert report.status == "finished", report.results["in"].message
    clip = out["frames"]
    assert (clip.frame_count, clip.fps, clip.width, clip.height) == (4, Fraction(24000, 1001), 32, 18)
    assert [round(float(f[0, 0, 0]) * 65535) for f in clip.frames()] == [10000, 20000, 30000, 40000]
    assert np.array_equal(clip.frame(2), list(clip.frames(2, 3))[0])


def test_sequence_fingerprint_follows_its_frames(tmp_path, cache):
    for number in range(3):
        write_png16(tmp_path / f"f_{number}.png", np.zeros((4, 4, 3), np.uint16))
    node = ImportSequence()
    from engine.context import CancelToken, RunContext
    from engine.events import EventEmitter

    ctx = RunContext("in", "run", EventEmitter(), CancelToken())
    params = {"path": str(tmp_path), "fps": "24", "color_space": "srgb", "working_space": "lin_rec709"}
    before = node.fingerprint(params, ctx)
    write_png16(tmp_path / "f_3.png", np.zeros((4, 4, 3), np.uint16))
    assert node.fingerprint(params, ctx) != before


def _copied_with_new_times(source, target):
    """The frames copied as a file manager or a plain `cp` does: same bytes, new modification times."""
    import os
    import shutil

    target.mkdir()
    for frame in sorted(source.iterdir()):
        shutil.copyfile(frame, target / frame.name)
        os.utime(target / frame.name, ns=(1_000_000_000, 1_000_000_000))
    return target


def test_a_copied_plate_keeps_the_cache_of_what_it_feeds_and_a_changed_frame_does_not(tmp_path, cache):
    """A plate folder copied elsewhere (new file times) and relinked: what its frames feed comes from the
    cache; a frame rewritten with other pixels of the same size re-runs it."""
    plates = tmp_path / "plates"
    plates.mkdir()
    for number in range(1, 4):
        write_png16(plates / f"plate.{number:04d}.png", np.full((16, 32, 3), number * 9000, np.uint16))
    graph = Graph(Registry([ImportSequence, Export]))
    stack = UndoStack(graph)
    from engine.commands import Connect, SetParam

    stack.push(AddNode("media.import_sequence", params={"path": str(plates / "plate.####.png")}, node_id="in"))
    stack.push(AddNode("output.export", params={"path": str(tmp_path / "film.mov"), "format": "prores_422_hq"},
                       node_id="film"))
    stack.push(Connect("in", "frames", "film", "frames"))
    assert Executor(cache=cache).run(graph, ["film"]).results["film"].status == "ran"
    copy = _copied_with_new_times(plates, tmp_path / "ingest")
    stack.push(SetParam("in", "path", str(copy / "plate.####.png")))
    assert Executor(cache=cache).run(graph, ["film"]).results["film"].status == "cached"
    size = (copy / "plate.0002.png").stat().st_size
    write_png16(copy / "plate.0002.png", np.full((16, 32, 3), 9001, np.uint16))
    assert (copy / "plate.0002.png").stat().st_size == size  # same size: only the content tells
    assert Executor(cache=cache).run(graph, ["film"]).results["film"].status == "ran"


def test_an_unchanged_frame_is_read_once_across_runs_through_the_cache_index(tmp_path, cache, monkeypatch):
    import engine.fingerprint as fingerprint
    from engine.cache import DiskCache
    from engine.media.image_sequence import sequence_fingerprint

    files = []
    for number in range(3):
        files.append(tmp_path / f"f_{number}.png")
        write_png16(files[-1], np.full((4, 4, 3), number, np.uint16))
    first = sequence_fingerprint(files)
    reads = []
    real = fingerprint._content_digest
    monkeypatch.setattr(fingerprint, "_content_digest", lambda path, size: reads.append(path) or real(path, size))
    monkeypatch.setattr(fingerprint, "_identity_memo", {})  # as a new process starts: only the index knows
    reopened = DiskCache(cache.root)
    assert sequence_fingerprint(files) == first and reads == []
    write_png16(files[1], np.full((4, 4, 3), 7, np.uint16))
    assert sequence_fingerprint(files) != first and reads == [files[1]]
    reopened.close()


@pytest.mark.parametrize("params,message", [
    ({"path": "nowhere/shot_%04d.png"}, "does not exist"),
    ({"path": "empty"}, "holds no image files"),
    ({"path": "frames", "fps": "fast"}, "fps 'fast' is not a frame rate"),
])
def test_bad_sequences_fail_clearly(tmp_path, params, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "frames").mkdir()
    write_png16(tmp_path / "frames" / "a_1.png", np.zeros((4, 4, 3), np.uint16))
    params = {**params, "path": str(tmp_path / params["path"])}
    report, _ = run("media.import_sequence", **params)
    assert report.status == "failed" and message in report.results["in"].message


def test_video_round_trip_through_export_and_import(tmp_path):
    """Linear 18 % grey exported as Rec.709 ProRes comes back as linear 18 % grey, at 24000/1001 fps."""
    from engine.media.clip import ArrayClip

    grey = np.full((36, 64, 3), 0.18, np.float32)
    frames = [grey * (1 + 0.5 * i) for i in range(4)]
    target = tmp_path / "grey.mov"
    params = {**Export.schema.default_params(), "path": str(target), "format": "prores_422_hq"}
    Export().execute(_Ctx(), {"frames": ArrayClip(frames, Fraction(24000, 1001))}, params)
    report, out = run("media.import_video", path=str(target))
    assert report.status == "finished", report.results["in"].message
    clip = out["frames"]
    assert (clip.frame_count, clip.fps, clip.width, clip.height) == (4, Fraction(24000, 1001), 64, 36)
    for frame, original in zip(clip.frames(), frames):
        assert np.allclose(frame[10:20, 10:40], original[0, 0], rtol=0.01)


def test_damaged_video_fails_with_its_name(tmp_path):
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)
    report, _ = run("media.import_video", path=str(path))
    assert report.status == "failed"
    assert "broken.mp4" in report.results["in"].message


class _Ctx:
    """The least of a RunContext that Export needs when called directly."""

    node_id = "export"
    run_metadata: dict = {}
    project_dir = None
    paths = PathResolver()

    def progress(self, fraction, message=""):
        pass

    def resolve_path(self, path):
        return self.paths.file(path)

    def lineage(self):
        return None  # called outside a render: no record of how the frames were made
