"""The grade: neutral is identity, each control does what its name says, torch and OCIO agree, nodes run."""

import dataclasses
import math

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from app.nodes.export_lut import ExportLut
from app.nodes.grade import Grade, GradeImage, bake_display_lut
from engine.executor import Executor
from engine.image import Image
from engine.media.clip import ArrayClip
from engine.media.grade_math import (ACESCCT_BLACK, ACESCCT_WHITE, LUT_INPUT_SPACES, acescct_encode, apply_ops,
                                     apply_ops_numpy, build_ops)
from engine.media.grade_ocio import apply_processor, cpu_processor
from engine.media.lut import Lut, identity_lut, write_cube
from engine.paths import PathResolver
from engine.ports import FRAMES, IMAGE
from engine.registry import Registry
from engine.schema import NodeSchema, NodeType, Port
from tests.engine.builders import add, link

CPU = torch.device("cpu")
RNG = np.random.default_rng(3)
NEUTRAL = Grade.schema.default_params()
SHOT = [RNG.random((36, 64, 3)).astype(np.float32) * 1.2 for _ in range(3)]


def grade(**changes):
    return {**NEUTRAL, **changes}


def torch_grade(pixels, params, working="lin_rec709", luts=(), keep_neutral=False):
    return apply_ops_numpy(pixels, build_ops(params, working, list(luts), keep_neutral), params["mix"], on=CPU)


def acescct_decode(y: float) -> float:
    return (y - 0.0729055341958355) / 10.5402377416545 if y <= 0.155251141552511 else 2 ** (y * 17.52 - 9.72)


def test_neutral_grade_is_identity_through_every_step_on_both_back_ends():
    ops = build_ops(NEUTRAL, "acescg", keep_neutral=True)
    assert len(ops) >= 5  # log encode, CDL, power, contrast+saturation, decode all really ran
    pixels = SHOT[0]
    assert np.abs(apply_ops_numpy(pixels, ops, on=CPU) - pixels).max() < 1e-5
    # OCIO's SIMD log/exp (relative error ~1e-5) is the CPU path's only approximation.
    assert np.abs(apply_processor(cpu_processor(ops), pixels) - pixels).max() < 5e-5


def test_exposure_plus_one_doubles_linear_values():
    out = torch_grade(SHOT[0], grade(exposure=1.0))
    assert np.allclose(out, 2 * SHOT[0], rtol=1e-5, atol=1e-7)


def test_known_patch_saturation_and_gain_give_the_hand_computed_value():
    patch = np.array([[[0.5, 0.2, 0.1]]], np.float32)
    out = torch_grade(patch, grade(gain=[2.0, 2.0, 2.0], saturation=0.0))[0, 0]
    # Saturation 0 in linear light gives the luminance (Rec.709 weights from its primaries and D65;
    # the rounded 0.2126/0.7152/0.0722 are only 4-digit); gain 2 then doubles it above black in ACEScct.
    luminance = 0.2126390059 * 0.5 + 0.7151686788 * 0.2 + 0.0721923153 * 0.1
    doubled = ACESCCT_BLACK + 2 * (acescct_encode(luminance) - ACESCCT_BLACK)
    assert doubled > ACESCCT_WHITE and np.allclose(out, [acescct_decode(doubled)] * 3, rtol=1e-5)


def test_contrast_keeps_the_pivot_and_spreads_around_it():
    patch = np.array([[[0.18] * 3, [0.5] * 3, [0.05] * 3]], np.float32)
    out = torch_grade(patch, grade(contrast=1.5))[0, :, 0]
    assert math.isclose(out[0], 0.18, rel_tol=1e-5) and out[1] > 0.5 and out[2] < 0.05


def test_lift_raises_black_and_leaves_white():
    patch = np.array([[[0.0] * 3, [1.0] * 3]], np.float32)
    out = torch_grade(patch, grade(lift=[1.1, 1.1, 1.1]))[0, :, 0]
    assert out[0] > 0.001 and math.isclose(out[1], 1.0, rel_tol=1e-5)


def test_offset_moves_every_level_by_the_same_log_step():
    # Offset 1.05 adds a twentieth of ACEScct's black-to-white range to black, mid grey and white alike;
    # a per-channel offset moves only its channel.
    patch = np.array([[[0.0] * 3, [0.18] * 3, [1.0] * 3]], np.float32)
    out = torch_grade(patch, grade(offset=[1.05, 1.05, 1.05]))[0, :, 0]
    step = 0.05 * (ACESCCT_WHITE - ACESCCT_BLACK)
    for before, after in zip(patch[0, :, 0], out):
        assert math.isclose(acescct_encode(float(after)), acescct_encode(float(before)) + step, abs_tol=1e-5)
    red = torch_grade(np.full((1, 1, 3), 0.18, np.float32), grade(offset=[1.1, 1.0, 1.0]))[0, 0]
    assert red[0] > 0.18 * 1.5 and np.allclose(red[1:], 0.18, rtol=1e-5)
    ops = build_ops(grade(offset=[0.97, 1.0, 1.02], contrast=1.2), "acescg")
    pixels = SHOT[1]
    ours = apply_ops_numpy(pixels, ops, on=CPU)
    assert np.abs(ours - apply_processor(cpu_processor(ops), pixels)).max() < 1e-4


class GradeBeforeOffset(Grade):
    """The Grade as it was before the offset wheel: the same type, without the parameter."""

    schema = dataclasses.replace(Grade.schema, params=tuple(p for p in Grade.schema.params if p.name != "offset"))

    def execute(self, ctx, inputs, params):
        return super().execute(ctx, inputs, {**params, "offset": [1.0, 1.0, 1.0]})


def test_a_grade_saved_before_offset_existed_keeps_its_cache_key(tmp_path):
    """The offset joined the Grade later; at its default it must not re-render anyone's film."""
    from engine.cache import DiskCache
    from engine.commands import UndoStack
    from engine.graph import Graph
    from tests.engine.stub_nodes import ClipMean, ran

    def mean_ran(grade_type, offset=None) -> bool:
        graph = Graph(Registry([Shot, grade_type, ClipMean]))
        stack = UndoStack(graph)
        add(stack, "test.shot", "shot")
        add(stack, "color.grade", "grade", exposure=0.5, **({"offset": offset} if offset else {}))
        add(stack, "test.clip_mean", "mean")
        link(stack, "shot", "grade", "frames", "frames")
        link(stack, "grade", "mean", "frames", "frames")
        before = len(ran("test.clip_mean"))
        report = Executor(DiskCache(tmp_path / "cache"), project_dir=tmp_path).run(graph, ["mean"])
        assert report.status == "finished"
        return len(ran("test.clip_mean")) > before

    assert mean_ran(GradeBeforeOffset)
    assert not mean_ran(Grade)  # from the cache the old Grade filled: the same key
    assert mean_ran(Grade, [1.0, 1.02, 1.0])


def test_warmer_temperature_raises_red_over_blue_and_tint_adds_magenta():
    grey = np.full((1, 1, 3), 0.18, np.float32)
    warm = torch_grade(grey, grade(temperature=9000.0))[0, 0]
    cool = torch_grade(grey, grade(temperature=3200.0))[0, 0]
    assert warm[0] / warm[2] > 1.1 and cool[0] / cool[2] < 0.9
    magenta = torch_grade(grey, grade(tint=0.5))[0, 0]
    assert (magenta[0] + magenta[2]) / 2 > magenta[1] * 1.02


@pytest.mark.parametrize("working", ["lin_rec709", "acescg"])
@pytest.mark.parametrize("input_space", list(LUT_INPUT_SPACES))
def test_torch_and_opencolorio_agree(working, input_space):
    grid = identity_lut(17).table
    lut = Lut(np.clip(grid ** 1.3 * 0.9 + 0.04 + 0.05 * grid[..., [2, 0, 1]], 0, 1.2))
    params = grade(exposure=0.4, temperature=5200.0, tint=0.1, lift=[1.03, 1.0, 0.98], gamma=[1.1, 1.0, 0.9],
                   gain=[1.05, 1.0, 0.95], contrast=1.25, saturation=1.2, mix=0.8)
    pixels = (RNG.random((36, 64, 3)) * 1.6 - 0.05).astype(np.float32)
    pixels[0, :4] = [[0, 0, 0], [1, 1, 1], [0.18, 0.18, 0.18], [3.0, 1.5, 0.7]]
    pixels[1] = np.geomspace(1e-7, 1.0, 64)[:, None]  # deep shadows, where sampled curves are hardest
    ops = build_ops(params, working, [(lut, input_space)])
    ours = apply_ops_numpy(pixels, ops, params["mix"], on=CPU)
    theirs = apply_processor(cpu_processor(ops), pixels, params["mix"])
    scale = np.maximum(1.0, np.abs(theirs).max(-1, keepdims=True))  # relative where the pixel is bright
    assert (np.abs(ours - theirs) / scale).max() < 1e-4


def test_alpha_passes_through_and_mix_blends():
    rgba = np.concatenate([SHOT[0], RNG.random((36, 64, 1)).astype(np.float32)], -1)
    ops = build_ops(grade(exposure=1.0), "lin_rec709")
    half = apply_processor(cpu_processor(ops), rgba, 0.5)
    assert np.array_equal(half[..., 3], rgba[..., 3])
    assert np.allclose(half[..., :3], 1.5 * rgba[..., :3], rtol=1e-5)



def test_a_frame_run_in_row_bands_and_a_small_picture_run_at_once_give_the_same_bits():
    """Big frames go through the processor in row bands on the pool, small pictures (the export QA's
    grid of each frame) in the calling thread: every pixel comes out the same either way, mix and alpha too."""
    from engine.media.grade_ocio import SMALL_PICTURE_PIXELS

    frame = np.random.default_rng(5).random((320, 400, 4), dtype=np.float32) * 2
    assert frame.shape[0] * frame.shape[1] >= SMALL_PICTURE_PIXELS
    corner = np.ascontiguousarray(frame[:40, :60])
    processor = cpu_processor(build_ops(grade(exposure=0.5, saturation=1.3, contrast=1.2), "lin_rec709"))
    assert np.array_equal(apply_processor(processor, frame, 0.7)[:40, :60], apply_processor(processor, corner, 0.7))

# ---- the nodes, in a real graph ---------------------------------------------------------------

class Shot(NodeType):
    schema = NodeSchema("test.shot", "Shot", "Test", outputs=(Port("frames", FRAMES), Port("image", IMAGE)))

    def execute(self, ctx, inputs, params):
        return {"frames": ArrayClip(SHOT, 24), "image": Image(SHOT[0])}


@pytest.fixture
def color_graph():
    from engine.commands import UndoStack
    from engine.graph import Graph

    graph = Graph(Registry([Shot, Grade, GradeImage, ExportLut]))
    return graph, UndoStack(graph)


def run(graph, node, tmp_path):
    report = Executor(None, project_dir=tmp_path).run(graph, [node], load_outputs=True)
    return report


def test_grade_node_in_a_graph_streams_the_graded_shot(color_graph, tmp_path):
    graph, stack = color_graph
    add(stack, "test.shot", "shot")
    add(stack, "color.grade", "grade", exposure=1.0, look="teal_orange")
    link(stack, "shot", "grade", "frames", "frames")
    report = run(graph, "grade", tmp_path)
    assert report.status == "finished", report.results["grade"].message
    assert list(tmp_path.iterdir()) == []  # a grade previewed writes no file (Export LUT does that)
    clip = report.outputs["grade"]["frames"]
    assert clip.frame_count == 3 and clip.info == ArrayClip(SHOT, 24).info
    frames = list(clip.frames())
    assert all(f.dtype == np.float32 and f.shape == (36, 64, 3) for f in frames)
    description = report.outputs["grade"]["grade"]
    assert description["exposure"] == 1.0 and description["look"]["name"] == "teal_orange"
    from app.nodes.grade import looks_folder
    from engine.media.lut import read_cube

    expected = torch_grade(SHOT[2], grade(exposure=1.0), luts=[(read_cube(looks_folder() / "teal_orange.cube"),
                                                                "rec709")])
    assert np.abs(frames[2] - expected).max() < 1e-4


def test_exported_lut_reproduces_the_node_on_display_values(color_graph, tmp_path):
    graph, stack = color_graph
    add(stack, "test.shot", "shot")
    add(stack, "color.grade_image", "grade", exposure=0.3, temperature=5000.0, contrast=1.2, saturation=0.8,
        look="warm_cinematic")
    add(stack, "output.export_lut", "lut", path="export.cube")
    link(stack, "shot", "grade", "image", "image")
    link(stack, "grade", "lut", "grade", "grade")
    report = Executor(None, project_dir=tmp_path).run(graph, ["grade", "lut"], load_outputs=True)
    assert report.status == "finished", report.results["lut"].message
    assert report.outputs["lut"]["file"]["path"] == str(tmp_path / "export.cube")
    text = (tmp_path / "export.cube").read_text()
    assert "LUT_3D_SIZE 33" in text and "Rec.709" in text
    display_in = np.clip(SHOT[0], 0, 1) ** (1 / 2.4)
    resolve = display_in.reshape(-1, 3).copy()
    config = ocio.Config.CreateRaw()
    transform = ocio.FileTransform(str(tmp_path / "export.cube"), interpolation=ocio.INTERP_TETRAHEDRAL)
    config.getProcessor(transform).getDefaultCPUProcessor().apply(ocio.PackedImageDesc(resolve, len(resolve), 1, 3))
    node = np.clip(report.outputs["grade"]["image"].pixels, 0, 1) ** (1 / 2.4)
    # Away from clipping: a 33-point LUT cannot follow the kink where the grade clips at display white.
    in_range = SHOT[0].max(-1) <= 0.6
    error = np.abs(resolve.reshape(node.shape) - node)[in_range]
    assert error.mean() < 2e-3 and error.max() < 2e-2


def test_bad_lut_and_impossible_gamma_fail_with_a_message(color_graph, tmp_path):
    graph, stack = color_graph
    (tmp_path / "broken.cube").write_text("LUT_3D_SIZE 4\n0 0 0\n")
    add(stack, "test.shot", "shot")
    add(stack, "color.grade", "bad_lut", lut_path="broken.cube")
    add(stack, "color.grade", "bad_gamma", gamma=[0.0, 1.0, 1.0])
    link(stack, "shot", "bad_lut", "frames", "frames")
    link(stack, "shot", "bad_gamma", "frames", "frames")
    report = Executor(None, project_dir=tmp_path).run(graph, ["bad_lut", "bad_gamma"])
    assert "needs 64 rows" in report.results["bad_lut"].message
    assert "gamma must be above 0" in report.results["bad_gamma"].message


def test_a_1d_lut_in_the_grade(tmp_path):
    x = np.linspace(0, 1, 256)
    write_cube(tmp_path / "curve.cube", Lut(np.stack([x ** 0.8, x, x ** 1.2], -1)))
    ops = build_ops(grade(), "lin_rec709", [(Lut(np.stack([x ** 0.8, x, x ** 1.2], -1)), "srgb")])
    out = apply_ops(torch.from_numpy(np.full((1, 3), 0.2, np.float32)), ops)[0].numpy()
    assert out[0] > 0.2 and math.isclose(out[1], 0.2, rel_tol=1e-4) and out[2] < 0.2


def test_baked_lut_of_a_neutral_grade_is_identity():
    assert bake_display_lut(build_ops(NEUTRAL, "acescg"), 1.0, "acescg").is_identity(1e-5)


def test_the_look_file_is_part_of_the_fingerprint():
    params = {**NEUTRAL, "look": "teal_orange"}
    assert Grade().fingerprint(params, None)["look"] not in ("", "missing")
    assert "look" not in Grade().fingerprint(NEUTRAL, None)


def test_validation_names_a_missing_lut_file(tmp_path):
    assert Grade().problems({**NEUTRAL, "lut_path": "nowhere.cube"}, PathResolver(tmp_path)) == [
        f"LUT file {tmp_path / 'nowhere.cube'} does not exist; choose a .cube file or clear lut_path"]
    assert Grade().problems({**NEUTRAL, "look": "faded_film"}, PathResolver(tmp_path)) == []
