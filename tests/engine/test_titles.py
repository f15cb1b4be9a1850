"""Titles draw real text, fade in and out on time, and leave the rest of the picture alone."""

import numpy as np

from app.nodes import build_registry
from engine.commands import AddNode, UndoStack
from engine.executor import Executor
from engine.graph import Graph


def render_title(**params):
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("title.overlay", params=params, node_id="t"))
    report = Executor().run(graph, ["t"], load_outputs=True)
    assert report.status == "finished", report.results["t"].message
    return report.outputs["t"]["frames"]


def test_card_has_exact_length_and_text_where_placed():
    clip = render_title(text="HELLO", duration=2.0, fps="25", resolution="640x360 (proxy)", fade_in=0.0,
                        fade_out=0.0, shadow=False)
    assert clip.frame_count == 50 and (clip.width, clip.height) == (640, 360)
    frame = clip.frame(10)
    inked = frame[..., 0] > 0.5
    rows = np.nonzero(inked.any(axis=1))[0]
    assert inked.sum() > 500 and 140 < rows.mean() < 220  # centred vertically
    assert frame[:60].max() == 0.0  # nothing drawn far from the text


def test_fades_follow_the_envelope():
    clip = render_title(text="FADE", duration=2.0, fps="24", resolution="640x360 (proxy)", start=0.5, end=1.5,
                        fade_in=0.25, fade_out=0.25, shadow=False)
    peak = [float(clip.frame(i).max()) for i in range(48)]
    assert max(peak[:12]) == 0.0  # before the start
    assert 0.2 < peak[15] < 0.9  # fading in (0.625 s: half way)
    assert peak[24] == 1.0  # fully on
    assert max(peak[36:]) == 0.0  # gone at the end time


def test_missing_font_is_a_clear_failure():
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("title.overlay", params={"font": "/nope/font.ttf"}, node_id="t"))
    report = Executor().run(graph, ["t"])
    assert "cannot load the font /nope/font.ttf" in report.results["t"].message
