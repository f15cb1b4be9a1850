"""The Export node, run through the executor: decode what it wrote and check timing, tags and pixels."""

import json
import os
from fractions import Fraction

import av
import numpy as np
import pytest

from app.nodes.export import Export
from engine.color import import_colour
from engine.commands import AddNode, Connect, UndoStack
from engine.context import CancelToken
from engine.executor import Executor
from engine.graph import Graph
from engine.media.clip import ClipInfo, FunctionClip
from engine.media.colorspaces import to_output
from engine.media.image_io import read_image
from engine.ports import FRAMES
from engine.registry import Registry
from engine.schema import BoolParam, IntParam, NodeSchema, NodeType, Port

FPS = Fraction(24000, 1001)
GREY = (0.18, 0.18, 0.18)
RED = (0.6, 0.05, 0.02)  # a saturated colour: chroma errors show here
CANCEL = CancelToken()  # cancelled by the source when it renders frame `cancel_at`


def patches(index, width, height, alpha):
    """Left half 18 % grey, right half saturated red; a top-left block whose level is the frame index."""
    frame = np.empty((height, width, 4 if alpha else 3), np.float32)
    frame[:, : width // 2, :3] = GREY
    frame[:, width // 2:, :3] = RED
    frame[:8, :16, :3] = 0.05 * index
    if alpha:
        frame[..., 3] = 1.0
        frame[height // 2:, : width // 2, 3] = 0.25
    return frame


class Patches(NodeType):
    schema = NodeSchema("test.patches", "Patches", "Test", outputs=(Port("frames", FRAMES),),
                        params=(IntParam("width", 64), IntParam("height", 36), IntParam("count", 6),
                                BoolParam("alpha", False), IntParam("cancel_at", -1), IntParam("fail_at", -1)))

    def execute(self, ctx, inputs, params):
        def render(index):
            if index == params["cancel_at"]:
                CANCEL.cancel()
            if index == params["fail_at"]:
                raise RuntimeError("source broke")
            return patches(index, params["width"], params["height"], params["alpha"])

        info = ClipInfo(params["width"], params["height"], FPS, params["count"], channels=4 if params["alpha"] else 3)
        return {"frames": FunctionClip(info, render)}


def export(tmp_path, path, cache=None, source=None, metadata=None, **params):
    global CANCEL
    CANCEL = CancelToken()
    graph = Graph(Registry([Patches, Export]))
    stack = UndoStack(graph)
    stack.push(AddNode("test.patches", params=source or {}, node_id="src"))
    stack.push(AddNode("output.export", params={"path": str(path), **params}, node_id="export"))
    stack.push(Connect("src", "frames", "export", "frames"))
    return Executor(cache=cache, run_metadata=metadata).run(graph, cancel=CANCEL)


def decode(path):
    """Every frame as float RGB(A) 0..1 read with the stream's own matrix and range, plus the stream."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        tags = {k.lower(): v for k, v in container.metadata.items()}
        info = (stream.average_rate, stream.codec_context.width, stream.codec_context.height)
    first = frames[0]
    alpha = "a" in first.format.name.split("p")[0] or first.format.name.startswith("yuva")
    colorspace = {1: "ITU709", 9: "BT2020"}[int(first.colorspace)]
    pixels = [f.reformat(format="rgba64le" if alpha else "rgb48le", src_colorspace=colorspace,
                         src_color_range="MPEG").to_ndarray() / 65535 for f in frames]
    return pixels, frames, tags, info


def frame_index(picture, count):
    """Which frame's index block this picture shows (the nearest level)."""
    levels = [expected_signal((0.05 * i,) * 3)[0] for i in range(count)]
    return int(np.argmin(np.abs(np.array(levels) - picture[2:6, 2:12, :3].mean())))


def expected_signal(color, transform="rec709"):
    return to_output(np.array([[color]], np.float32), "lin_rec709", transform)[0, 0]


MOVIES = [  # format, file, tolerance on a flat patch (0..1 signal), pixel format decoded
    ("h264", "out.mp4", 3 / 255, "yuv420p"),
    ("h265_10bit", "out.mkv", 3 / 1023, "yuv420p10le"),
    ("prores_422_hq", "out.mov", 3 / 1023, "yuv422p10le"),
    ("vp9", "out.webm", 6 / 255, "yuv420p"),  # VP9 rings a little more around the index block at this size
    ("av1_svt", "out.mp4", 3 / 1023, "yuv420p10le"),
]


@pytest.mark.parametrize("fmt,name,tolerance,pix_fmt", MOVIES)
def test_movie_round_trip(tmp_path, fmt, name, tolerance, pix_fmt):
    project = json.dumps({"schema_version": 1, "nodes": [{"id": "src"}]})
    report = export(tmp_path, tmp_path / name, format=fmt, metadata={"project": project})
    assert report.status == "finished", report.results["export"].message
    pixels, frames, tags, (rate, width, height) = decode(tmp_path / name)
    assert len(frames) == 6 and rate == FPS and (width, height) == (64, 36)
    assert frames[0].format.name == pix_fmt
    assert (frames[0].color_primaries, frames[0].color_trc, frames[0].colorspace) == (1, 1, 1)
    embedded = json.loads(tags["comment"])
    assert embedded["project"] == json.loads(project)
    assert embedded["aiprod_export"]["params"]["format"] == fmt
    for index, picture in enumerate(pixels):
        assert np.abs(picture[20:32, 8:24] - expected_signal(GREY)).max() < tolerance
        assert np.abs(picture[20:32, 40:56] - expected_signal(RED)).max() < tolerance * 2  # chroma: a little more
        assert frame_index(picture, 6) == index  # in order, none dropped or repeated
    # No temporary left beside it; its QA report is.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, name.rsplit(".", 1)[0] + ".qa.json"])


def color_tags(frame):
    """(primaries, transfer, matrix, range) as ITU-T H.273 code points, the way players read them."""
    return frame.color_primaries, frame.color_trc, frame.colorspace, frame.color_range


REC709_TAGS = (1, 1, 1, 1)  # bt709 primaries, bt709 transfer, bt709 matrix, limited ("TV") range


def test_prores_4444_keeps_alpha(tmp_path):
    report = export(tmp_path, tmp_path / "a.mov", format="prores_4444", source={"alpha": True})
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, (rate, width, height) = decode(tmp_path / "a.mov")
    assert len(frames) == 6 and rate == FPS and (width, height) == (64, 36)
    assert color_tags(frames[0]) == REC709_TAGS
    assert frames[0].format.name.startswith("yuva444p")
    assert np.abs(pixels[0][30, 8, 3] - 0.25) < 2 / 1023 and np.abs(pixels[0][4, 40, 3] - 1) < 2 / 1023


def test_dnxhr_hqx_at_a_legal_size(tmp_path):
    report = export(tmp_path, tmp_path / "d.mov", format="dnxhr_hqx", source={"width": 256, "height": 144,
                                                                              "count": 2})
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, (rate, width, height) = decode(tmp_path / "d.mov")
    assert len(frames) == 2 and frames[0].format.name == "yuv422p10le"
    assert rate == FPS and (width, height) == (256, 144)
    assert color_tags(frames[0]) == REC709_TAGS
    assert np.abs(pixels[1][80:130, 20:100] - expected_signal(GREY)).max() < 3 / 1023


def test_dnxhr_hq_8_bit_at_the_smallest_legal_size(tmp_path):
    report = export(tmp_path, tmp_path / "hq.mov", format="dnxhr_hq", source={"width": 256, "height": 120,
                                                                            "count": 3})
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, (rate, width, height) = decode(tmp_path / "hq.mov")
    assert len(frames) == 3 and rate == FPS and (width, height) == (256, 120)
    assert frames[0].format.name == "yuv422p"
    assert color_tags(frames[0]) == REC709_TAGS
    assert np.abs(pixels[2][40:100, 20:100] - expected_signal(GREY)).max() < 3 / 255
    assert [frame_index(p, 3) for p in pixels] == [0, 1, 2]


def test_hlg_is_tagged_and_encoded_as_colour_science_computes_it(tmp_path):
    colour = import_colour()

    report = export(tmp_path, tmp_path / "hlg.mkv", format="h265_10bit", output_transform="rec2020_hlg",
                    source={"count": 2})
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, (rate, width, height) = decode(tmp_path / "hlg.mkv")
    assert len(frames) == 2 and rate == FPS and (width, height) == (64, 36)
    assert frames[0].format.name == "yuv420p10le"
    assert color_tags(frames[0]) == (9, 18, 9, 1)  # bt2020, arib-std-b67 (HLG), bt2020nc, limited range
    # The reference: linear Rec.709 into Rec.2020 by colour-science's own matrix, diffuse white
    # (1.0) placed at 75 % HLG signal (ITU-R BT.2408), then colour-science's BT.2100 HLG OETF.
    to_2020 = colour.matrix_RGB_to_RGB(colour.RGB_COLOURSPACES["ITU-R BT.709"],
                                       colour.RGB_COLOURSPACES["ITU-R BT.2020"])
    white = colour.models.oetf_inverse_BT2100_HLG(0.75)

    def hlg(linear_709):
        with np.errstate(invalid="ignore"):  # colour-science evaluates the log branch on dark values too
            return colour.models.oetf_BT2100_HLG(np.clip(to_2020 @ np.array(linear_709) * white, 0, 1))

    # A Rec.709 signal wrongly tagged HLG would be 0.11 off here: far outside the tolerance.
    assert np.abs(hlg(GREY) - expected_signal(GREY)).max() > 0.1
    for picture in pixels:
        assert np.abs(picture[20:32, 8:24] - hlg(GREY)).max() < 3 / 1023
        assert np.abs(picture[20:32, 40:56] - hlg(RED)).max() < 6 / 1023  # chroma at half resolution


def test_hdr_pq_is_tagged_and_encoded(tmp_path):
    report = export(tmp_path, tmp_path / "hdr.mkv", format="h265_10bit", output_transform="rec2020_pq")
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, _ = decode(tmp_path / "hdr.mkv")
    assert (frames[0].color_primaries, frames[0].color_trc, frames[0].colorspace) == (9, 16, 9)
    pq_grey = expected_signal(GREY, "rec2020_pq")
    assert np.abs(pixels[0][20:32, 8:24] - pq_grey).max() < 3 / 1023


def test_frame_range_is_honoured(tmp_path):
    report = export(tmp_path, tmp_path / "r.mov", format="prores_422_hq", first_frame=2, last_frame=4)
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, _ = decode(tmp_path / "r.mov")
    assert len(frames) == 3
    assert [frame_index(p, 6) for p in pixels] == [2, 3, 4]


def test_exr_sequence_is_scene_linear_and_near_exact(tmp_path):
    report = export(tmp_path, tmp_path / "exr" / "shot_####.exr", format="exr_sequence",
                    metadata={"project": "{}"}, source={"count": 3}, output_transform="rec2020_pq")
    assert report.status == "finished", report.results["export"].message
    files = sorted(p.name for p in (tmp_path / "exr").iterdir())
    assert files == ["shot.aiprod.json", "shot.qa.json", "shot_0000.exr", "shot_0001.exr", "shot_0002.exr"]
    for index in range(3):
        back = read_image(tmp_path / "exr" / f"shot_{index:04d}.exr")
        assert np.allclose(back, patches(index, 64, 36, False), rtol=1e-3, atol=1e-5)  # half floats, no transform
    assert json.loads((tmp_path / "exr" / "shot.aiprod.json").read_text())["project"] == {}
    assert report.results["export"].status == "ran"


@pytest.mark.parametrize("fmt,suffix,tolerance", [("dpx_sequence", ".dpx", 1 / 1023), ("png_sequence", ".png", 1e-4)])
def test_dpx_and_png_sequences_decode_back(tmp_path, fmt, suffix, tolerance):
    report = export(tmp_path, tmp_path / "frames", format=fmt, source={"count": 2}, first_frame=1)
    assert report.status == "finished", report.results["export"].message
    written = sorted((tmp_path / "frames").glob(f"*{suffix}"))
    assert [p.name for p in written] == [f"frame_000001{suffix}"]  # numbered by clip frame: a range slots in
    back = read_image(written[0])
    assert np.abs(back - to_output(patches(1, 64, 36, False), "lin_rec709", "rec709")).max() < tolerance


@pytest.mark.parametrize("params,message", [
    ({"format": "h264", "path": "x.avi"}, "cannot be written to a '.avi' file; use .mp4 or .mov or .mkv"),
    ({"format": "prores_422_hq", "path": "x.mp4"}, "use .mov"),
    ({"format": "exr_sequence", "path": "x.mp4"}, "writes .exr frames"),
    ({"format": "h264", "path": "x.mp4", "output_transform": "rec2020_hlg"}, "HDR and needs 10 bits"),
    ({"format": "dnxhr_hq", "path": "x.mov", "output_transform": "rec2020_pq"}, "needs 10 bits"),
    ({"format": "h264", "path": "x.mp4", "last_frame": 6}, "frame range 0..6 is impossible"),
    ({"format": "h264", "path": "x.mp4", "first_frame": 4, "last_frame": 2}, "frame range 4..2"),
    ({"format": "dnxhr_hq", "path": "x.mov"}, "at least 256x120"),
    ({"format": "h264", "path": "missing/x.mp4"}, "does not exist"),
])
def test_impossible_exports_are_refused_with_clear_messages(tmp_path, params, message):
    params = {**params, "path": str(tmp_path / params["path"])}
    report = export(tmp_path, **params)
    assert report.status == "failed"
    assert message in report.results["export"].message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt,name", [("h264", "c.mp4"), ("png_sequence", "seq/c_%03d.png")])
def test_cancelled_export_leaves_nothing(tmp_path, fmt, name):
    if "/" in name:
        (tmp_path / "seq").mkdir()
    report = export(tmp_path, tmp_path / name, format=fmt, source={"count": 30, "cancel_at": 4})
    assert report.status == "cancelled"
    leftovers = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.name != "seq"]
    assert leftovers == []


def test_failing_source_leaves_no_partial_file(tmp_path):
    report = export(tmp_path, tmp_path / "f.mov", format="prores_422_hq", source={"count": 10, "fail_at": 5})
    assert report.status == "failed" and "source broke" in report.results["export"].message
    assert list(tmp_path.iterdir()) == []


def test_second_render_is_cached_until_the_file_goes(tmp_path, cache):
    target = tmp_path / "out" / "c.mp4"
    target.parent.mkdir()
    assert export(tmp_path, target, cache=cache).results["export"].status == "ran"
    assert export(tmp_path, target, cache=cache).results["export"].status == "cached"
    target.unlink()
    assert export(tmp_path, target, cache=cache).results["export"].status == "ran"
    assert target.is_file()


def test_sequence_render_is_cached_until_a_frame_goes(tmp_path, cache):
    pattern = tmp_path / "seq" / "s_%02d.png"
    (tmp_path / "seq").mkdir()
    (tmp_path / "seq" / "s_40.png").write_bytes(b"an older render's frame, not this one's")
    params = {"format": "png_sequence", "source": {"count": 3}}
    assert export(tmp_path, pattern, cache=cache, **params).results["export"].status == "ran"
    assert export(tmp_path, pattern, cache=cache, **params).results["export"].status == "cached"
    (tmp_path / "seq" / "s_01.png").unlink()
    assert export(tmp_path, pattern, cache=cache, **params).results["export"].status == "ran"
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == [
        "s.aiprod.json", "s.qa.json", "s_00.png", "s_01.png", "s_02.png", "s_40.png"]


# --- a sequence written over an older one in an existing folder ---

def old_render(folder):
    """An earlier 8-frame render of seq_%02d.png, 48 pixels wide (the new one is 64), with its sidecars."""
    folder.mkdir(exist_ok=True)
    report = export(folder.parent, folder / "seq_%02d.png", format="png_sequence", source={"count": 8, "width": 48})
    assert report.status == "finished", report.results["export"].message
    (folder / "seq.wav").write_bytes(b"the soundtrack of the old render")
    return {p.name: p.read_bytes() for p in folder.glob("seq_*.png")}


def hidden_leftovers(tmp_path):
    return [p.relative_to(tmp_path) for p in tmp_path.rglob(".*")]


def assert_new_frames(folder, count):
    frames = sorted(folder.glob("seq_*.png"))
    assert [p.name for p in frames] == [f"seq_{n:02d}.png" for n in range(count)]
    for number, path in enumerate(frames):
        expected = to_output(patches(number, 64, 36, False), "lin_rec709", "rec709")
        assert np.abs(read_image(path) - expected).max() < 1e-4  # this render's picture, 64 wide


@pytest.mark.parametrize("unrelated", [False, True], ids=["folder of its own", "folder shared with other files"])
def test_sequence_over_a_longer_one_leaves_exactly_the_new_frames(tmp_path, unrelated):
    folder = tmp_path / "renders"
    old_render(folder)
    others = {}
    if unrelated:
        (folder / "notes.txt").write_text("director's notes")
        (folder / "other_00.png").write_bytes(b"another sequence's frame")
        (folder / "plates").mkdir()
        (folder / "plates" / "plate.exr").write_bytes(b"a plate")
        others = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()
                  and not p.name.startswith("seq")}
    inode = folder.stat().st_ino
    report = export(tmp_path, folder / "seq_%02d.png", format="png_sequence", source={"count": 5})
    assert report.status == "finished", report.results["export"].message
    assert (folder.stat().st_ino != inode) == (not unrelated)  # swapped whole, or only its own files replaced
    assert_new_frames(folder, 5)  # frames 5..7 of the old render are gone
    assert not (folder / "seq.wav").exists()  # the old soundtrack does not describe these frames
    assert json.loads((folder / "seq.aiprod.json").read_text())["aiprod_export"]["params"]["path"].endswith("%02d.png")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in others} == others  # untouched, to the nanosecond
    rest = {p.name for p in folder.iterdir()} - {f"seq_{n:02d}.png" for n in range(5)}
    own = {"seq.aiprod.json", "seq.qa.json"}
    assert rest == (own | {"notes.txt", "other_00.png", "plates"} if unrelated else own)
    assert hidden_leftovers(tmp_path) == []  # no staging folder, no old folder set aside


@pytest.mark.parametrize("unrelated", [False, True], ids=["folder of its own", "folder shared with other files"])
def test_failure_mid_write_leaves_the_old_frames_intact(tmp_path, monkeypatch, unrelated):
    folder = tmp_path / "renders"
    old = old_render(folder)
    if unrelated:
        (folder / "notes.txt").write_text("director's notes")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    import app.nodes.export as export_module

    encode, calls = export_module.encode_png16, []

    def breaks_after_two(frame):
        calls.append(1)
        if len(calls) > 2:
            raise OSError(28, "No space left on device")
        return encode(frame)

    monkeypatch.setattr(export_module, "encode_png16", breaks_after_two)
    report = export(tmp_path, folder / "seq_%02d.png", format="png_sequence", source={"count": 5})
    assert report.status == "failed" and "No space left on device" in report.results["export"].message
    assert len(calls) == 3
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # all 8 old frames, sidecars too
    assert len(old) == 8 and all(before[name] == data for name, data in old.items())
    assert hidden_leftovers(tmp_path) == []


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    import engine.media.sequence_folder as sequence_folder

    folder = tmp_path / "renders"
    old_render(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rename = os.rename

    def staging_will_not_move(src, dst):
        if os.fspath(src).endswith(".part"):
            raise OSError(13, "Permission denied")
        rename(src, dst)

    monkeypatch.setattr(sequence_folder.os, "rename", staging_will_not_move)
    report = export(tmp_path, folder / "seq_%02d.png", format="png_sequence", source={"count": 5})
    assert report.status == "failed" and "Permission denied" in report.results["export"].message
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert hidden_leftovers(tmp_path) == []


def test_a_re_rendered_range_slots_into_the_older_frames(tmp_path):
    folder = tmp_path / "renders"
    old = old_render(folder)
    report = export(tmp_path, folder / "seq_%02d.png", format="png_sequence", source={"count": 8}, first_frame=2,
                    last_frame=4)
    assert report.status == "finished", report.results["export"].message
    now = {p.name: p.read_bytes() for p in folder.glob("seq_*.png")}
    assert sorted(now) == sorted(old)
    assert [name for name in sorted(now) if now[name] != old[name]] == ["seq_02.png", "seq_03.png", "seq_04.png"]
    assert read_image(folder / "seq_03.png").shape == (36, 64, 3)
    assert hidden_leftovers(tmp_path) == []


UMASK = os.umask(0)
os.umask(UMASK)


@pytest.mark.skipif(os.name != "posix" or 0o777 & ~UMASK == 0o700, reason="needs POSIX permissions wider than 0o700")
def test_a_new_sequence_folder_gets_ordinary_permissions(tmp_path):
    report = export(tmp_path, tmp_path / "new" / "s_%02d.png", format="png_sequence", source={"count": 1})
    assert report.status == "finished", report.results["export"].message
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o777 & ~UMASK  # not the staging folder's owner-only 0o700
