"""An EDL counts each clip's source in timecode, often from the media's own start timecode (a camera's
time of day, 01:00:00:00 on a conform): a clip found on disk is trimmed from that file's first frame."""

from __future__ import annotations

import av
import numpy as np

from app.nodes import build_registry
from engine.interchange.conform import movie_start_timecode
from engine.interchange.import_timeline import import_timeline
from engine.timeline.model import build_timeline, sequences


def movie(path, start_timecode=None, frames=48):
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        if start_timecode:
            stream.metadata["timecode"] = start_timecode  # the mov muxer writes it as a tmcd track
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 5, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def edl(path, media, source_in, source_out):
    path.write_text("TITLE: conform\nFCM: NON-DROP FRAME\n\n"
                    f"001  AX       V     C        {source_in} {source_out} 00:00:00:00 00:00:01:00\n"
                    f"* FROM CLIP NAME:  plate\n* FROM CLIP: {media}\n")
    return path


def test_source_timecode_counts_from_the_file_start_timecode(tmp_path):
    clip = movie(tmp_path / "plate.mov", "01:00:00:00")
    assert movie_start_timecode(clip) == "01:00:00:00"
    result = import_timeline(edl(tmp_path / "cut.edl", clip, "01:00:00:10", "01:00:01:10"), build_registry())
    graph = result.project.graph
    shot, = build_timeline(graph, sequences(graph)[0]).shots
    assert shot.head == 10  # frames 10..33 of the 48-frame file, not 86,410 frames in
    trim, = graph.nodes[sequences(graph)[0]].params["trims"]
    assert round(trim["tail"] * 24) == 14
    assert result.missing == []


def test_a_file_without_timecode_is_counted_from_zero_and_a_source_past_its_end_is_named(tmp_path):
    clip = movie(tmp_path / "plate.mov")
    result = import_timeline(edl(tmp_path / "cut.edl", clip, "00:00:00:05", "00:00:01:05"), build_registry())
    graph = result.project.graph
    assert build_timeline(graph, sequences(graph)[0]).shots[0].head == 5
    late = import_timeline(edl(tmp_path / "late.edl", clip, "01:00:00:00", "01:00:01:00"), build_registry())
    assert any("past the end of plate.mov" in warning for warning in late.warnings)


def _apply(graph, sequence_id, rows):
    graph.nodes[sequence_id].params["trims"] = rows


def test_a_shot_whose_file_was_missing_is_cut_to_the_timeline_frames_once_the_file_is_found(tmp_path):
    """Imported while its file was elsewhere, a shot can only be trimmed by its source timecode (an hour in)
    and to no tail; the project keeps its source range, and the file found re-cuts it to the same frames
    an import with the file on disk gives."""
    from engine.interchange.conform import conformed_trims, source_ranges
    from engine.project import load_project, save_project

    elsewhere = tmp_path / "offline" / "plate.mov"
    result = import_timeline(edl(tmp_path / "cut.edl", elsewhere, "01:00:00:10", "01:00:01:10"), build_registry())
    assert result.missing == [str(elsewhere)]
    path = save_project(result.project, tmp_path / "cut.aiprod")
    project = load_project(path, build_registry())  # the ranges travel in the project file
    graph, sequence_id = project.graph, sequences(project.graph)[0]
    (node_id, kept), = source_ranges(project.settings).items()
    assert (kept.sequence, kept.start, kept.frames, kept.timecode) == (sequence_id, 86410, 24, True)

    found = movie(tmp_path / "plate.mov", "01:00:00:00")
    rows, said = conformed_trims(graph, project.settings, node_id, found)
    assert "re-cut" in said
    graph.nodes[node_id].params["path"] = str(found)
    _apply(graph, sequence_id, rows)
    shot, = build_timeline(graph, sequence_id).shots
    assert (shot.head, round(rows[0]["tail"] * 24)) == (10, 14)  # frames 10..33 of 48, as on disk at import

    short = movie(tmp_path / "short.mov", "01:00:00:00", frames=20)  # ends before the frames the cut used
    rows, said = conformed_trims(graph, project.settings, node_id, short)
    assert rows is None and "does not hold the frames" in said
    assert conformed_trims(graph, project.settings, sequence_id, found) == (None, None)  # nothing kept for it


def test_a_file_found_on_disk_at_import_keeps_no_source_range_and_hostile_ranges_are_ignored(tmp_path):
    from engine.interchange.conform import CONFORM_KEY, source_ranges

    clip = movie(tmp_path / "plate.mov", "01:00:00:00")
    result = import_timeline(edl(tmp_path / "cut.edl", clip, "01:00:00:10", "01:00:01:10"), build_registry())
    assert CONFORM_KEY not in result.project.settings
    good = {"sequence": "s", "start": 5, "frames": 2, "fps": "24", "timecode": True}
    hostile = {CONFORM_KEY: {"a": {**good, "start": -1}, "b": "x", "c": {**good, "fps": "0"}, "d": {**good, "frames": True},
                             "e": {**good, "fps": "1e400"}, "f": {**good, "sequence": None}, "g": good}}
    assert list(source_ranges(hostile)) == ["g"]
    assert source_ranges({CONFORM_KEY: ["g"]}) == {} and source_ranges("settings") == {}
