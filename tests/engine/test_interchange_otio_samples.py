"""Timelines written by other tools: OpenTimelineIO's own sample EDLs and FCP 7 XML files (from the
otio-cmx3600-adapter and otio-fcp-adapter source packages, Apache-2.0; see
tests/fixtures/otio/opentimelineio/LICENSE) import as projects with the clips, joins, gaps, markers
and sounds those files hold, and list the media that are not on this disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.nodes import build_registry
from engine.interchange.import_timeline import import_timeline
from engine.timeline.model import build_timeline, sequences

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "otio" / "opentimelineio"


def imported(name: str):
    result = import_timeline(SAMPLES / name, build_registry())
    graph = result.project.graph
    sequence, = sequences(graph)
    return result, build_timeline(graph, sequence)


@pytest.mark.parametrize("name, clips", [
    ("premiere_example.edl", ["ZZ100_501.take_1.0001.exr", "ZZ100_502A.take_2.0101.exr"]),
    ("avid_example.edl", ["take_1", "take_2"]),
    ("25fps.edl", ["sq001_s001", "sq001_s002", "sq001_s003", "sq001_s004"]),
])
def test_edls_from_other_tools_import_clip_by_clip(name, clips):
    _, timeline = imported(name)
    assert [s.name for s in timeline.shots] == clips


def test_a_25_fps_edl_is_read_at_25(name="25fps.edl"):
    from engine.interchange.read_file import read_otio

    otio_timeline, _ = read_otio(SAMPLES / name)  # its timecodes reach frame 24, which 24 fps has not got
    first = next(iter(otio_timeline.video_tracks()[0]))
    assert first.source_range.duration.rate == 25


def test_an_edl_dissolve_becomes_a_join_of_the_same_length():
    _, timeline = imported("dissolve_test.edl")
    assert [(s.join.kind, s.join.frames) for s in timeline.shots] == [("cut", 0), ("dissolve", 10), ("cut", 0)]


def test_gaps_in_an_edl_become_black_between_cuts():
    _, timeline = imported("gap_test.edl")
    assert [s.gap for s in timeline.shots] == [0, 16, 38]


def test_a_premiere_xml_brings_its_markers_sounds_and_lists_missing_media():
    result, timeline = imported("premiere_example.xml")
    assert [m.name for m in timeline.markers] == ["My MArker 1", "", "dsf"]
    assert sum(len(sounds) for sounds in timeline.sounds.values()) == 6
    assert len(result.missing) == 4 and all(isinstance(path, (str, Path)) or path for path in result.missing)


def test_a_hiero_xml_export_imports_its_clips_with_the_gaps_between_them():
    result, timeline = imported("hiero_xml_export.xml")
    assert [s.gap for s in timeline.shots] == [14, 16]
    assert timeline.shots[0].name == "A160C005_171213_R0MN"
