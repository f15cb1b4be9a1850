"""A Sequence's timeline written in each format and read back into a new project: clip names, material
ranges, record positions, joins, markers and sounds come back, except what WHAT_EACH_FORMAT_DROPS says
each format loses, at every frame rate a Scene offers (drop-frame timecode in the EDL at 29.97)."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest

from app.nodes import build_registry
from engine.interchange.export_timeline import timeline_to_otio, write_timeline
from engine.interchange.formats import WHAT_EACH_FORMAT_DROPS, InterchangeError, format_for
from engine.interchange.graph_media import MediaFile
from engine.interchange.import_timeline import import_timeline
from engine.paths import PathResolver
from engine.interchange.graph_media import sound_files
from engine.timeline.model import Material, build_timeline
from tests.timeline_project import build_timeline_graph

SHOT_FRAMES = {"Shot A": 1.0, "Shot B": 2.0, "Shot C": 1.5}  # seconds, as tests/timeline_project.py makes them


def edited_film(folder, fps="24"):
    """The timeline film with a head trim, a gap, a dissolve, a fade through black and two markers."""
    graph, _ = build_timeline_graph(folder, fps=fps)
    params = graph.nodes["cut"].params
    params["trims"] = [{"shot": 1, "head": 0.25, "tail": 0.0, "gap": 0.0},
                       {"shot": 2, "head": 0.0, "tail": 0.25, "gap": 0.5}]
    params["joins"] = [{"join": 2, "transition": "dissolve", "seconds": 0.5}]
    params["markers"] = [{"seconds": 0.5, "name": "Beat", "color": "green"},
                         {"seconds": 2.0, "name": "Door", "color": "red"}]
    return graph


def with_fade(graph):
    graph.nodes["cut"].params["joins"] = [{"join": 2, "transition": "fade through black", "seconds": 0.5}]
    return graph


def measured(graph, sequence="cut"):
    """The timeline with each shot's length as its Scene makes it (and the sounds' known lengths)."""
    def material(node, port):
        node = graph.nodes[node]
        return Material(round(SHOT_FRAMES[node.label] * float(rate)), rate) if node.label in SHOT_FRAMES else None

    def sound_length(node, port):
        return Fraction(1) if graph.nodes[node].label == "Line" else Fraction(3)

    rate = build_timeline(graph, sequence).fps
    return build_timeline(graph, sequence, material, sound_length)


def exported(graph, folder, extension):
    timeline = measured(graph)
    media = {shot.number: MediaFile(folder / f"{shot.name}.mov") for shot in timeline.shots}
    otio_timeline = timeline_to_otio(timeline, media, sound_files(graph, timeline, PathResolver(folder)))
    return timeline, write_timeline(otio_timeline, folder / f"film{extension}")


def reimported(path, rate=Fraction(24), fps=None):
    """The project made from `path`, and its timeline with the (missing) movies as long as the shots were."""
    result = import_timeline(path, build_registry(), fps=fps)
    graph = result.project.graph

    def material(node, port):
        return Material(round(SHOT_FRAMES[graph.nodes[node].label] * float(rate)), rate)

    return result, build_timeline(graph, result.sequence_id, material, lambda n, p: None)


def shots(timeline):
    return [(s.name, s.head, s.tail, s.gap, s.start, s.end, s.join.kind, s.join.frames) for s in timeline.shots]


def sounds(timeline):
    return sorted((s.name, s.offset, s.trim_start, s.length) for bus in timeline.sounds.values() for s in bus)


@pytest.mark.parametrize("extension", [".otio", ".edl", ".xml", ".fcpxml"])
def test_every_format_gives_back_the_cut(tmp_path, extension):
    graph = edited_film(tmp_path)
    before, path = exported(graph, tmp_path, extension)
    result, after = reimported(path)
    assert before.fps == after.fps == 24
    if extension == ".fcpxml":  # the dissolve is dropped: a cut in its middle, the film as long
        assert shots(after)[:1] == shots(before)[:1]
        dissolve = before.shot(3).join.frames
        assert after.shot(2).tail == before.shot(2).tail + dissolve - dissolve // 2
        assert after.shot(3).head == dissolve // 2 and after.shot(3).join.kind == "cut"
        assert after.frame_count == before.frame_count
    elif extension == ".edl":  # an EDL does not say how long a file is: with the file missing, no tail trim
        assert [s[:2] + s[3:4] + s[6:] for s in shots(after)] == [s[:2] + s[3:4] + s[6:] for s in shots(before)]
        assert [s.tail for s in after.shots] == [0, 0, 0] != [s.tail for s in before.shots]
    else:
        assert shots(after) == shots(before)
    kept_markers = extension in (".otio", ".xml")
    assert [(m.frame, m.name) for m in after.markers] == ([(m.frame, m.name) for m in before.markers]
                                                          if kept_markers else [])
    if extension == ".otio":
        assert [m.color for m in after.markers] == ["green", "red"]
        assert sounds(after) == sounds(before)
        assert [s.name for s in after.sounds["dialogue"]] == ["Line at 0.5 s"]
    elif extension == ".edl":
        assert sounds(after) == []
    else:  # the track names that say the bus are dropped: every sound on fx, at its place
        assert sounds(after) == sounds(before) and len(after.sounds["fx"]) == 2
    assert sorted(result.missing) == sorted((tmp_path / f"{n}.mov").as_uri() if extension != ".edl" else
                                            (tmp_path / f"{n}.mov").as_uri() for n in SHOT_FRAMES)


@pytest.mark.parametrize("extension,kind", [(".otio", "fade through black"), (".xml", "fade through black"),
                                            (".edl", "cut")])
def test_a_fade_through_black_is_kept_where_the_format_can(tmp_path, extension, kind):
    graph = with_fade(edited_film(tmp_path))
    before, path = exported(graph, tmp_path, extension)
    _, after = reimported(path)
    assert before.shot(3).join.kind == "fade through black"
    assert (after.shot(3).join.kind, after.shot(3).join.frames) == ((kind, 12) if kind != "cut" else ("cut", 0))
    if kind != "cut":
        assert shots(after) == shots(before)
    else:  # the EDL writer cannot take a transition that needs frames beyond the clips: a cut, same places
        # (shot 2's tail trim is not in an EDL and its file is missing here, so shot 3 comes that much later)
        assert after.shot(3).start == before.shot(3).start + before.shot(2).tail


@pytest.mark.parametrize("fps,rate", [("23.976", Fraction(24000, 1001)), ("25", Fraction(25)),
                                      ("29.97", Fraction(30000, 1001)), ("59.94", Fraction(60000, 1001))])
@pytest.mark.parametrize("extension", [".otio", ".edl", ".xml"])
def test_exact_rates_survive(tmp_path, fps, rate, extension):
    graph = edited_film(tmp_path, fps)
    before, path = exported(graph, tmp_path, extension)
    if extension == ".edl":
        assert (";" in path.read_text().split("\n")[2]) == (fps in ("29.97", "59.94"))  # drop-frame
    # An EDL has no rate: drop-frame timecode reads as 29.97, any other rate is given.
    _, after = reimported(path, rate, fps=rate if extension == ".edl" and fps != "29.97" else None)
    assert after.fps == before.fps == rate
    if extension == ".edl":
        assert [s[:2] + s[3:4] + s[6:] for s in shots(after)] == [s[:2] + s[3:4] + s[6:] for s in shots(before)]
    else:
        assert shots(after) == shots(before)
        assert [m.frame for m in after.markers] == [m.frame for m in before.markers]


def test_what_each_format_drops_names_every_format():
    assert set(WHAT_EACH_FORMAT_DROPS) == {".otio", ".otioz", ".edl", ".xml", ".fcpxml"}
    assert "transitions" in WHAT_EACH_FORMAT_DROPS[".fcpxml"] and "audio" in WHAT_EACH_FORMAT_DROPS[".edl"]
    with pytest.raises(InterchangeError, match=r"\.aaf is not a timeline format"):
        format_for("film.aaf")


def test_the_fcpxml_writer_drops_transitions(tmp_path):
    """Checked on the adapter itself, so the table is corrected when a new adapter writes them."""
    graph = edited_film(tmp_path)
    _, path = exported(graph, tmp_path, ".fcpxml")
    back = otio.adapters.read_from_file(str(path))
    assert not [i for t in back.tracks for i in t if isinstance(i, otio.schema.Transition)]
    assert "transition" not in path.read_text().lower()
