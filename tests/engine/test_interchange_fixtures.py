"""Timelines written the way other editors write them (tests/fixtures/otio/README.md) made into projects:
shots, gaps, dissolves, markers and sounds where they were, and every file not on this disk listed."""

from __future__ import annotations

from pathlib import Path

from app.nodes import build_registry
from engine.interchange.import_timeline import import_timeline

FIXTURES = Path(__file__).parent.parent / "fixtures" / "otio"


def sequence_params(result):
    return result.project.graph.nodes[result.sequence_id].params


def test_an_avid_style_edl(tmp_path):
    result = import_timeline(FIXTURES / "avid_style.edl", build_registry())
    graph = result.project.graph
    shots = [graph.nodes[link.src_node] for link in graph.links_into(result.sequence_id, "shots")]
    # The clip after the dissolve is gulls.mov (its TO CLIP comment), not the outgoing pier_close.mov.
    assert [Path(n.params["path"]).name for n in shots] == ["beach_wide.mov", "pier_close.mov", "gulls.mov"]
    assert all(n.type_id == "media.import_video" for n in shots)
    assert sequence_params(result)["joins"] == [{"join": 2, "transition": "dissolve", "seconds": 0.5}]
    assert sequence_params(result)["markers"] == [{"seconds": 1.0, "name": "SUNSET", "color": "yellow"}]
    assert len(result.missing) == 3 and result.missing[0] == "media/beach_wide.mov"


def test_a_premiere_style_fcp7_xml(tmp_path):
    result = import_timeline(FIXTURES / "premiere_style.xml", build_registry())
    params = sequence_params(result)
    assert params["trims"] == [{"shot": 1, "head": 0.4, "tail": 1.6, "gap": 0.0},
                               {"shot": 2, "head": 0.0, "tail": 0.8, "gap": 0.4}]
    assert [(m["seconds"], m["name"]) for m in params["markers"]] == [(0.4, "Horn"), (2.4, "Act two")]
    graph = result.project.graph
    place, = [n for n in graph.nodes.values() if n.type_id == "sound.place"]
    assert (place.params["offset"], place.params["trim_start"], place.params["length"]) == (0.0, 1.0, 4.8)
    mix, = [n for n in graph.nodes if graph.nodes[n].type_id == "sound.mix"]
    assert [link.dst_port for link in graph.links_into(mix)] == ["fx"]  # an unnamed track: fx, and said so
    assert any("goes to fx" in w or "go to fx" in w for w in result.warnings)
    assert sorted(result.missing) == ["file://localhost/Volumes/Media/boat_close.mov",
                                      "file://localhost/Volumes/Media/harbour_wide.mov",
                                      "file://localhost/Volumes/Media/score.wav"]


def test_an_edl_naming_only_its_clips_finds_the_files_beside_it_and_lists_the_others(tmp_path):
    """Many EDLs carry no path, only "* FROM CLIP NAME: file.mov": the file of that name beside the EDL is
    the shot's (trimmed by the event's source timecode); one that is not there is listed as missing."""
    import av
    import numpy as np

    with av.open(str(tmp_path / "shot_a.mov"), "w") as container:  # 3 s at 24 fps, no start timecode
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for index in range(72):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), index, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    (tmp_path / "cut.edl").write_text(
        "TITLE: CUT\nFCM: NON-DROP FRAME\n\n"
        "001  A001     V     C        00:00:01:00 00:00:02:00 00:00:00:00 00:00:01:00\n"
        "* FROM CLIP NAME: shot_a.mov\n\n"
        "002  B002     V     C        00:00:00:00 00:00:01:00 00:00:01:00 00:00:02:00\n"
        "* FROM CLIP NAME: shot_b.mov\n")
    result = import_timeline(tmp_path / "cut.edl", build_registry())
    graph = result.project.graph
    shots = [graph.nodes[link.src_node] for link in graph.links_into(result.sequence_id, "shots")]
    assert [n.params["path"] for n in shots] == [str(tmp_path / "shot_a.mov"), str(tmp_path / "shot_b.mov")]
    assert result.missing == ["shot_b.mov"] and not any("names no media file" in w for w in result.warnings)
    assert sequence_params(result)["trims"][0] == {"shot": 1, "head": 1.0, "tail": 1.0, "gap": 0.0}


def test_a_timeline_with_no_clips_is_refused_in_one_line_and_no_project_is_written(tmp_path, capsys):
    """An empty project would look like an import that lost everything."""
    import pytest

    from app.cli import main
    from engine.errors import AiprodError

    empty = tmp_path / "empty.edl"
    empty.write_text("TITLE: nothing yet\nFCM: NON-DROP FRAME\n")
    with pytest.raises(AiprodError, match="empty.edl holds no clips"):
        import_timeline(empty, build_registry())
    assert main(["timeline", "import", str(empty), "-o", str(tmp_path / "film.aiprod")]) == 2
    assert "empty.edl holds no clips" in capsys.readouterr().err
    assert not (tmp_path / "film.aiprod").exists()
