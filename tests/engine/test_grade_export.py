"""A graded shot, exported and decoded, carries the grade's colours: checked against the textbook formulas.

The expectation below is written out by hand in numpy (exposure and saturation in linear light,
then the pure 2.4 display encoding) and never calls the grade or colour code under test, so a
grade done in the wrong space, or with the wrong luminance weights, fails here.
"""

from fractions import Fraction

import numpy as np

from app.nodes.export import Export
from app.nodes.grade import Grade
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.media.clip import StillClip
from engine.ports import FRAMES
from engine.registry import Registry
from engine.schema import NodeSchema, NodeType, Port
from tests.engine.test_export import decode

FPS = Fraction(24000, 1001)
WARM = (0.30, 0.12, 0.05)  # scene-linear Rec.709, left half: a skin-like orange
COOL = (0.04, 0.08, 0.20)  # right half: a sky-like blue
EXPOSURE = 1.0  # stops
SATURATION = 1.3
# Rec.709 luminance: the Y row of its RGB-to-XYZ matrix (primaries and D65), as ITU-R BT.709 gives them.
REC709_Y = np.array([0.2126, 0.7152, 0.0722])
# ProRes 4444 is 4:4:4 10-bit in the file (12-bit when decoded): a flat patch comes back within a
# few code values, far closer than any of the wrong grades below (all off by 0.04 or more).
TOLERANCE = 4 / 1023


class TwoPatches(NodeType):
    schema = NodeSchema("test.two_patches", "Two Patches", "Test", outputs=(Port("frames", FRAMES),))

    def execute(self, ctx, inputs, params):
        picture = np.empty((32, 64, 3), np.float32)
        picture[:, :32], picture[:, 32:] = WARM, COOL
        return {"frames": StillClip(picture, FPS, 2)}


def saturate(linear, amount):
    """Mix each colour with its luminance: 0 gives grey of the same brightness, 1 leaves it."""
    luminance = linear @ REC709_Y
    return luminance[..., None] + amount * (linear - luminance[..., None])


def display_encode(linear):
    """The "rec709" output: linear light clipped to 0..1, to the power 1/2.4."""
    return np.clip(linear, 0, 1) ** (1 / 2.4)


def graded_export(tmp_path):
    graph = Graph(Registry([TwoPatches, Grade, Export]))
    stack = UndoStack(graph)
    stack.push(AddNode("test.two_patches", node_id="src"))
    stack.push(AddNode("color.grade", params={"exposure": EXPOSURE, "saturation": SATURATION}, node_id="grade"))
    stack.push(AddNode("output.export", node_id="export", params={
        "path": str(tmp_path / "graded.mov"), "format": "prores_4444",
        "output_transform": "rec709"}))
    stack.push(Connect("src", "frames", "grade", "frames"))
    stack.push(Connect("grade", "frames", "export", "frames"))
    report = Executor().run(graph)
    assert report.status == "finished", report.results["export"].message
    return decode(tmp_path / "graded.mov")


def test_exposure_and_saturation_survive_export_as_the_linear_light_formula_predicts(tmp_path):
    pixels, frames, _, (rate, width, height) = graded_export(tmp_path)
    assert len(frames) == 2 and rate == FPS and (width, height) == (64, 32)
    patches = np.array([WARM, COOL])
    expected = display_encode(saturate(patches * 2 ** EXPOSURE, SATURATION))
    for picture in pixels:
        # Inside each half, clear of the edge between them where 4:4:4 still rings a little.
        measured = np.array([picture[4:28, 4:26, :3].mean((0, 1)), picture[4:28, 38:60, :3].mean((0, 1))])
        spread = max(np.ptp(picture[4:28, 4:26, :3], (0, 1)).max(), np.ptp(picture[4:28, 38:60, :3], (0, 1)).max())
        assert spread < TOLERANCE  # flat patches stay flat
        assert np.abs(measured - expected).max() < TOLERANCE, (measured, expected)
        # The grades a mistake would give are each well outside the tolerance, so the check can tell.
        mistakes = {
            "exposure on display signal": 2 ** EXPOSURE * display_encode(saturate(patches, SATURATION)),
            "saturation on display signal": saturate(display_encode(patches * 2 ** EXPOSURE), SATURATION),
            "no saturation": display_encode(patches * 2 ** EXPOSURE),
        }
        for name, wrong in mistakes.items():
            assert np.abs(measured - np.clip(wrong, 0, 1)).max() > 10 * TOLERANCE, name
