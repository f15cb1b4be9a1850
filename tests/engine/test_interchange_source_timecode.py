"""An EDL counts each clip's source in timecode, often from the media's own start timecode (a camera's
time of day, 01:00:00:00 on a conform): a clip found on disk is trimmed from that file's first frame."""

from __future__ import annotations

import av
import numpy as np

from app.nodes import build_registry
from engine.interchange.import_timeline import import_timeline, movie_start_timecode
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
