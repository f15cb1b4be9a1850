"""A render never replaces a file AIPROD Studio did not write, unless the user allows it.

An Export pointed at someone's file (`../victim.mp4`) leaves it byte for byte and fails with one
line; `--overwrite` replaces it; a file AIPROD wrote (by this project or another) is replaced by a
re-render without asking; `validate` lists every file a render would write. Every writer marks
its files, and the check reads the mark back from each format.
"""

import json

import av
import pytest

from app.cli import main
from engine.media.authorship import sidecar_path, written_by_aiprod
from engine.output_target import refusal_message, refused_path
from tests.engine.test_export import export
from tests.engine.test_export_audio import audio_file
from tests.film_project import save_film_project

REFUSAL = "already exists and was not written by AIPROD Studio; choose another path or pass --overwrite"
PRECIOUS = b"\x00\x00\x00\x18ftypisom my own film, not a render" * 100


def frame_count(path):
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.fixture
def victim(tmp_path):
    """Someone's file beside the project folder, and a project whose Export points at it."""
    path = tmp_path / "home" / "victim.mp4"
    path.parent.mkdir()
    path.write_bytes(PRECIOUS)
    return path, save_film_project(path.parent / "project", "../victim.mp4", seconds=0.5)


def test_an_unrelated_file_is_left_byte_identical_and_the_render_fails_in_one_line(victim, capsys):
    path, project = victim
    assert main(["render", "-q", str(project)]) == 1
    assert path.read_bytes() == PRECIOUS
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if REFUSAL in line]
    assert lines == [f"aiprod: Export (export) failed: {path} {REFUSAL} (editor: confirm)"], err
    assert "Traceback" not in err
    assert sorted(p.name for p in path.parent.iterdir()) == ["project", "victim.mp4"]  # no temporary either


def test_overwrite_replaces_it(victim, capsys):
    path, project = victim
    assert main(["render", "-q", "--overwrite", str(project)]) == 0
    assert frame_count(path) == 12 and written_by_aiprod(path)


def test_a_file_aiprod_wrote_is_replaced_by_a_re_render_of_any_project(tmp_path, capsys):
    out = tmp_path / "film.mp4"
    first = save_film_project(tmp_path / "one", str(out), seconds=0.5)
    assert main(["render", "-q", "--no-cache", str(first)]) == 0
    assert frame_count(out) == 12
    other = save_film_project(tmp_path / "two", str(out), seconds=1.0)
    assert main(["render", "-q", "--no-cache", str(other)]) == 0, capsys.readouterr().err
    assert frame_count(out) == 24


def test_validate_lists_every_output_and_marks_those_outside_the_folder_or_refused(victim, tmp_path, capsys):
    path, project = victim
    data = json.loads(project.read_text())
    data["nodes"].append({**data["nodes"][-1], "id": "inside", "params": {"path": "renders/film.mov",
                                                                           "format": "prores_422_hq"}})
    data["links"].append({**data["links"][-1], "id": "inside-link", "to": {"node": "inside", "port": "frames"}})
    project.write_text(json.dumps(data))
    (project.parent / "renders").mkdir()  # a missing folder is a problem of its own (test_output_folder.py)
    assert main(["validate", str(project)]) == 1
    captured = capsys.readouterr()
    assert (f"writes {path} (outside the project folder; would refuse to replace it: it was not written by "
            "AIPROD Studio)") in captured.out
    assert f"writes {project.parent / 'renders' / 'film.mov'}\n" in captured.out
    assert f"would refuse to replace {path}" in captured.err and "--overwrite" in captured.err
    path.unlink()
    assert main(["validate", str(project)]) == 0
    assert f"writes {path} (outside the project folder)\n" in capsys.readouterr().out


@pytest.mark.parametrize("name,fmt", [("a.mp4", "h264"), ("a.mov", "prores_422_hq"),
                                      ("a.mkv", "h264"), ("a.webm", "vp9"),
                                      ("a.mxf", "dnxhr_hq")])
def test_every_movie_container_carries_the_mark(tmp_path, name, fmt):
    source = {"count": 2, "width": 64, "height": 36}
    if fmt.startswith("dnxhr"):
        source = {"count": 2, "width": 256, "height": 120}
    report = export(tmp_path, tmp_path / name, format=fmt, source=source)
    assert report.status == "finished", report.results["export"].message
    assert written_by_aiprod(tmp_path / name)
    assert export(tmp_path, tmp_path / name, format=fmt, source=source).status == "finished"  # replaced


def test_audio_files_carry_the_mark_and_an_unrelated_one_is_refused(tmp_path):
    for name, fmt in (("mix.wav", "wav24"), ("mix.flac", "flac24")):
        assert audio_file(tmp_path / name, format=fmt).status == "finished"
        assert written_by_aiprod(tmp_path / name)
    (tmp_path / "theirs.wav").write_bytes(b"RIFF their recording")
    report = audio_file(tmp_path / "theirs.wav")
    assert report.results["out"].message == refusal_message(tmp_path / "theirs.wav")
    assert (tmp_path / "theirs.wav").read_bytes() == b"RIFF their recording"


def test_a_sequence_replaces_its_own_frames_but_not_someone_elses(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_000000.png").write_bytes(b"their picture")
    report = export(tmp_path, folder, format="png_sequence", source={"count": 2})
    assert refused_path(report.results["export"].message) == str(folder / "frame_%06d.png")
    assert sorted(p.name for p in folder.iterdir()) == ["frame_000000.png"]
    assert (folder / "frame_000000.png").read_bytes() == b"their picture"
    assert not list(tmp_path.glob(".frames.*"))  # nothing staged
    (folder / "frame_000000.png").unlink()
    assert export(tmp_path, folder, format="png_sequence", source={"count": 2}).status == "finished"
    assert export(tmp_path, folder, format="png_sequence", source={"count": 3}).status == "finished"
    assert len(list(folder.glob("frame_*.png"))) == 3


def test_a_file_beside_an_older_render_is_not_the_renders_to_replace(tmp_path):
    """Frames of the pattern the render would not touch do not stop it (an older range stays)."""
    folder = tmp_path / "seq"
    folder.mkdir()
    (folder / "s_40.png").write_bytes(b"kept: outside what this render writes")
    assert export(tmp_path, folder / "s_%02d.png", format="png_sequence", source={"count": 3}).status == "finished"
    assert (folder / "s_40.png").read_bytes() == b"kept: outside what this render writes"


def test_pictures_luts_and_subtitles_carry_the_mark(tmp_path):
    from PIL import Image

    from engine.media.authorship import TEXT_MARK, picture_exif, write_sidecar

    for name in ("a.png", "a.tif", "a.jpg"):
        Image.new("RGB", (4, 4)).save(tmp_path / name, exif=picture_exif())
        assert written_by_aiprod(tmp_path / name)
        Image.new("RGB", (4, 4)).save(tmp_path / f"plain{name[1:]}")
        assert not written_by_aiprod(tmp_path / f"plain{name[1:]}")
    (tmp_path / "look.cube").write_text(f"# {TEXT_MARK}\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n")
    (tmp_path / "film.vtt").write_text(f"WEBVTT\n\nNOTE {TEXT_MARK}\n\n")
    assert written_by_aiprod(tmp_path / "look.cube") and written_by_aiprod(tmp_path / "film.vtt")
    srt = tmp_path / "film.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n\n")
    assert not written_by_aiprod(srt)
    write_sidecar(srt)
    assert sidecar_path(srt).name == ".film.srt.aiprod.json" and written_by_aiprod(srt)
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nSomeone else's\n\n")  # the sidecar vouches for its hash only
    assert not written_by_aiprod(srt)


def test_a_link_at_the_target_is_never_taken_for_aiprods(tmp_path):
    assert export(tmp_path, tmp_path / "real.mp4", source={"count": 2}).status == "finished"
    (tmp_path / "link.mp4").symlink_to(tmp_path / "real.mp4")
    assert not written_by_aiprod(tmp_path / "link.mp4")
