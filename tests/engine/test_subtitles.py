"""Subtitles: readable cues from word timings, exact SRT/WebVTT files, and burn-in inside the safe area."""

import json
import re

import numpy as np
import pytest

from app.nodes.subtitles import BurnSubtitles, Subtitles
from app.nodes.voice import Voice
from engine.audio.subtitles import CueRules, cues_from_timings, parse_srt, to_srt, to_vtt, wrap
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.media.clip import StillClip
from engine.ports import FRAMES, SUBTITLES
from engine.registry import Registry
from engine.schema import FloatParam, NodeSchema, NodeType, Port, StringParam


class GreyClip(NodeType):
    schema = NodeSchema("test.grey_clip", "Grey Clip", "Test", outputs=(Port("frames", FRAMES),),
                        params=(FloatParam("level", 0.0),))

    def execute(self, ctx, inputs, params):
        return {"frames": StillClip(np.full((360, 640, 3), params["level"], np.float32), 24, 48)}


class JsonCues(NodeType):
    schema = NodeSchema("test.json_cues", "Cues", "Test", outputs=(Port("subtitles", SUBTITLES),),
                        params=(StringParam("json", "{}"),))

    def execute(self, ctx, inputs, params):
        return {"subtitles": json.loads(params["json"])}


def graph_of(*nodes, links=()):
    graph = Graph(Registry((Voice, Subtitles, BurnSubtitles, GreyClip, JsonCues)))
    stack = UndoStack(graph)
    for type_id, node_id, params in nodes:
        stack.push(AddNode(type_id, params=params, node_id=node_id))
    for src, src_port, dst, dst_port in links:
        stack.push(Connect(src, src_port, dst, dst_port))
    return graph


def timed_words(text, start=0.0, per_word=0.3, speaker=""):
    """Timings as a Voice node gives them, with evenly spaced words (no speech needed)."""
    words = [{"text": w, "start": round(start + i * per_word, 3), "end": round(start + (i + 0.8) * per_word, 3)}
             for i, w in enumerate(text.split())]
    return {"speaker": speaker, "text": text, "start": words[0]["start"], "end": words[-1]["end"], "words": words}


def test_wrap_balances_two_lines_within_the_limit():
    assert wrap("a short one".split(), 42) == ["a short one"]
    top, bottom = wrap("this sentence is long enough that it needs two lines".split(), 42)
    assert len(top) <= 42 and len(bottom) <= 42 and abs(len(top) - len(bottom)) <= 8
    assert wrap(("word " * 30).split(), 42) is None
    assert wrap(["Supercalifragilisticexpialidociousnesses-and-more"], 42) == [
        "Supercalifragilisticexpialidociousnesses-and-more"]  # one word cannot be split


def test_cues_follow_the_readability_rules():
    long = ("When the rain finally stopped, the whole village came out to look at the river, which had risen "
            "higher than anyone could remember, and nobody said a word for a long time.")
    # 0.4 s a word is about 15 characters a second, the pace of the built-in voice.
    lines = [timed_words(long, per_word=0.4), timed_words("Yes.", start=20.0),
             timed_words("No!", start=20.5, speaker="BOB")]
    rules = CueRules()
    cues = cues_from_timings({"lines": lines}, rules)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == long + " Yes. No!"  # every word, in order
    for cue in cues:
        rows = cue.text.split("\n")
        assert len(rows) <= 2 and all(len(r) <= 42 for r in rows)
        assert cue.end - cue.start <= 7.0
    for cue, following in zip(cues, cues[1:]):
        assert cue.end <= following.start - 0.079  # never overlapping, a visible change between cues
    body = cues[:-2]
    assert len(body) >= 3 and all(c.end - c.start >= 1.0 for c in body)
    # Where the next cue leaves room, a cue stays up long enough to read at 17 characters a second.
    assert all(len(c.text.replace("\n", "")) / (c.end - c.start) <= 17.0 + 1e-6 for c in body)
    assert any(c.text.rstrip().endswith(",") for c in body)  # long sentences break after a comma
    yes, no = cues[-2:]
    assert yes.text == "Yes." and yes.end == pytest.approx(20.42)  # held until just before the next cue
    assert no.text == "No!" and no.speaker == "BOB" and no.end - no.start == pytest.approx(1.0)


def test_short_sentences_share_a_cue_but_speakers_do_not():
    cues = cues_from_timings({"lines": [timed_words("Wait. Listen to me."), timed_words("Why?", start=5.0)]})
    assert [c.text for c in cues] == ["Wait. Listen to me.", "Why?"]


def test_srt_and_vtt_round_trip_exactly():
    cues = cues_from_timings({"lines": [timed_words("One two three four.", start=3661.2345),
                                        timed_words("Five six.", start=3700.0)]})
    srt = to_srt(cues)
    assert srt.startswith("1\n01:01:01,235 --> ") and "\n\n2\n01:01:40,000 --> " in srt
    parsed = parse_srt(srt)
    assert [c.text for c in parsed] == [c.text for c in cues]
    for back, cue in zip(parsed, cues):
        assert back.start == pytest.approx(cue.start, abs=0.001) and back.end == pytest.approx(cue.end, abs=0.001)
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n")
    stamps = re.findall(r"^(\S+) --> (\S+)$", vtt, re.M)
    assert len(stamps) == 2 and all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", s) for pair in stamps for s in pair)


def test_spoken_dialogue_is_written_as_srt_and_vtt(tmp_path):
    graph = graph_of(("sound.voice", "v", {"lines": [{"speaker": "ALICE", "text": "It is late. We should go home."},
                                                        {"speaker": "BOB", "text": "Not yet."}]}),
                     ("sound.subtitles", "s", {"srt_path": str(tmp_path / "film.srt"),
                                               "vtt_path": str(tmp_path / "film.vtt"), "offset": 10.0}),
                     links=[("v", "timings", "s", "timings")])
    cache_dir = tmp_path / "cache"
    from engine.cache import DiskCache

    report = Executor(cache=DiskCache(cache_dir)).run(graph, ["s", "v"], load_outputs=True)
    assert report.status == "finished", {n: r.message for n, r in report.results.items()}
    timings = report.outputs["v"]["timings"]
    parsed = parse_srt((tmp_path / "film.srt").read_text())
    assert " ".join(c.text.replace("\n", " ") for c in parsed) == "It is late. We should go home. Not yet."
    first_word = timings["lines"][0]["words"][0]["start"]
    assert parsed[0].start == pytest.approx(first_word + 10.0, abs=0.001)
    last = timings["lines"][-1]
    assert parsed[-1].start == pytest.approx(last["words"][0]["start"] + 10.0, abs=0.001)
    assert parsed[-1].end >= last["end"] + 10.0 - 0.001
    assert (tmp_path / "film.vtt").read_text().startswith("WEBVTT")
    # Cached: a second render writes nothing new, unless a file it wrote has gone.
    again = Executor(cache=DiskCache(cache_dir)).run(graph, ["s"])
    assert again.ran == [] and "s" in again.cached
    (tmp_path / "film.vtt").unlink()
    assert Executor(cache=DiskCache(cache_dir)).run(graph, ["s"]).ran == ["s"]  # the voice is not re-spoken
    assert (tmp_path / "film.vtt").is_file()


def test_bad_extension_is_reported():
    assert Subtitles().problems({**Subtitles.schema.default_params(), "srt_path": "out.txt"}, None) == [
        "srt_path should end in .srt, got 'out.txt'"]


def burned(style, level, cues):
    graph = graph_of(("test.grey_clip", "clip", {"level": level}),
                     ("test.json_cues", "cues", {"json": json.dumps({"cues": cues})}),
                     ("sound.burn_subtitles", "b", {"style": style}),
                     links=[("clip", "frames", "b", "frames"), ("cues", "subtitles", "b", "subtitles")])
    report = Executor().run(graph, ["b"], load_outputs=True)
    assert report.status == "finished", report.results["b"].message
    return report.outputs["b"]["frames"]


@pytest.mark.parametrize("style", ["box", "shadow"])
def test_burn_in_draws_only_while_a_cue_is_on_and_inside_the_safe_area(style):
    level = 0.18
    clip = burned(style, level, [{"start": 0.5, "end": 1.5, "text": "Where were you\nlast night?"}])
    assert clip.frame_count == 48
    for index in (0, 11, 36, 47):  # before 0.5 s and from 1.5 s on: the picture as it was
        assert np.all(clip.frame(index) == level)
    frame = clip.frame(24)
    changed = np.any(frame != level, axis=2)
    light = frame[..., 0] > 0.8
    rows, cols = np.nonzero(changed)
    assert light.sum() > 300
    assert rows.min() >= 0.05 * 360 and rows.max() < 0.95 * 360  # inside title-safe
    assert cols.min() >= 0.05 * 640 and cols.max() < 0.95 * 640
    assert np.nonzero(light)[0].mean() > 0.75 * 360  # near the bottom
    assert (frame[changed][:, 0] < level).any()  # a darker box or shadow behind the text


def test_long_cue_is_shrunk_into_the_safe_area():
    text = "An extraordinarily long line of subtitle text"
    frame = burned("box", 0.0, [{"start": 0.0, "end": 2.0, "text": text}]).frame(0)
    cols = np.nonzero((frame[..., 0] > 0.5).any(axis=0))[0]
    assert cols.min() >= 0.05 * 640 and cols.max() < 0.95 * 640
