"""Match Shot moves a shot's colour statistics onto a reference's, once measured, then frame by frame."""


import numpy as np
import pytest
import torch

from app.nodes.match import Match, rgb_to_oklab, oklab_to_rgb, sample_indices, statistics
from engine.color import import_colour
from engine.executor import Executor
from engine.image import Image
from engine.media.clip import ArrayClip
from engine.ports import FRAMES, IMAGE
from engine.registry import Registry
from engine.schema import NodeSchema, NodeType, Port
from tests.engine.builders import add, link

colour = import_colour()  # engine.color: imported without leaving stand-in modules behind

RNG = np.random.default_rng(11)
# A neutral reference: greys and gentle colours around mid grey.
NEUTRAL = (0.18 * np.exp(RNG.normal(0, 0.6, (36, 64, 1))) * (1 + 0.15 * RNG.normal(0, 1, (36, 64, 3)))).astype(
    np.float32).clip(0.001, None)
# The shot: the same kind of picture, under a strong orange cast and brighter.
CAST = np.array([1.6, 1.0, 0.45], np.float32)
SHOT = [(np.roll(NEUTRAL, k * 5, axis=1) * CAST * 1.5) for k in range(4)]


class Sources(NodeType):
    schema = NodeSchema("test.sources", "Sources", "Test",
                        outputs=(Port("shot", FRAMES), Port("reference", IMAGE), Port("reference_shot", FRAMES)))

    def execute(self, ctx, inputs, params):
        return {"shot": ArrayClip(SHOT, 24), "reference": Image(NEUTRAL),
                "reference_shot": ArrayClip([NEUTRAL, NEUTRAL[:, ::-1].copy()], 24)}


@pytest.fixture
def graph_stack():
    from engine.commands import UndoStack
    from engine.graph import Graph

    graph = Graph(Registry([Sources, Match]))
    stack = UndoStack(graph)
    add(stack, "test.sources", "src")
    return graph, stack


def matched(graph, stack, reference_port="reference", **params):
    add(stack, "color.match", "match", **params)
    link(stack, "src", "match", "frames", "shot")
    if reference_port:
        link(stack, "src", "match", reference_port, reference_port)
    report = Executor(None).run(graph, ["match"], load_outputs=True)
    return report


def test_oklab_conversion_agrees_with_colour_science():
    rgb = RNG.random((500, 3))
    xyz = colour.RGB_to_XYZ(rgb, colour.RGB_COLOURSPACES["ITU-R BT.709"], apply_cctf_decoding=False)
    ours = rgb_to_oklab(torch.from_numpy(rgb), "lin_rec709").numpy()
    assert np.abs(ours - colour.XYZ_to_Oklab(xyz)).max() < 1e-6
    assert np.abs(oklab_to_rgb(torch.from_numpy(ours), "lin_rec709").numpy() - rgb).max() < 1e-9


def test_a_cast_shot_matched_to_a_neutral_reference_ends_with_the_reference_means(graph_stack):
    report = matched(*graph_stack)
    assert report.status == "finished", report.results["match"].message
    frames = list(report.outputs["match"]["frames"].frames())
    assert len(frames) == 4 and all(f.dtype == np.float32 and f.shape == (36, 64, 3) for f in frames)
    target_mean, target_std = statistics([NEUTRAL], "lin_rec709")
    before_mean, _ = statistics(SHOT, "lin_rec709")
    after_mean, after_std = statistics(frames, "lin_rec709")
    assert np.abs(before_mean - target_mean).max() > 0.05  # the cast was real
    assert np.abs(after_mean - target_mean).max() < 0.01
    assert np.allclose(after_std, target_std, rtol=0.1)
    # In RGB the orange cast is gone: channel means in the reference's proportions.
    ratio = np.mean(frames, axis=(0, 1, 2)) / NEUTRAL.mean(axis=(0, 1))
    assert ratio.max() / ratio.min() < 1.1
    grade = report.outputs["match"]["grade"]
    assert grade["kind"] == "match" and len(grade["gain"]) == 3


def test_strength_zero_leaves_the_shot_unchanged(graph_stack):
    report = matched(*graph_stack, strength=0.0)
    assert np.abs(report.outputs["match"]["frames"].frame(1) - SHOT[1]).max() < 1e-5


def test_a_reference_shot_works_like_a_still(graph_stack):
    report = matched(*graph_stack, reference_port="reference_shot", samples=2)
    target_mean, _ = statistics([NEUTRAL], "lin_rec709")
    after_mean, _ = statistics(list(report.outputs["match"]["frames"].frames()), "lin_rec709")
    assert np.abs(after_mean - target_mean).max() < 0.01


def test_no_reference_is_a_clear_failure(graph_stack):
    report = matched(*graph_stack, reference_port=None)
    assert "needs a reference" in report.results["match"].message


def test_sampled_frames_are_evenly_spread_and_include_both_ends():
    assert sample_indices(100, 8) == [0, 14, 28, 42, 57, 71, 85, 99]
    assert sample_indices(3, 8) == [0, 1, 2]
