"""Scene shots have exact frame counts and rates, sample stills once from full resolution, cache, and refuse fakes."""

from fractions import Fraction

import numpy as np
import pytest

import app.nodes.scene as scene_module
from app.nodes.camera import CameraNode
from app.nodes.scene import Scene, fps_of, frame_count_for
from engine.cache import DiskCache
from engine.commands import UndoStack
from engine.context import CancelToken, RunContext
from engine.errors import NodeExecutionError
from engine.events import EventEmitter
from engine.executor import Executor
from engine.graph import Graph
from engine.image import Image
from engine.media.camera import CameraPath, Pose
from engine.media.camera_render import CameraRenderer
from engine.media.clip import StillClip
from engine.models import ModelLocator
from engine.ports import IMAGE
from engine.registry import Registry
from engine.schema import IntParam, NodeSchema, NodeType, Port
from tests.engine.builders import add, link

PROXY = "640x360"
RUNS: list[str] = []


def picture(width, height, seed=0):
    """A picture with detail at every scale: smooth shapes plus fine grain."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width] / max(width, height)
    base = 0.5 + 0.4 * np.sin(9 * xs + seed) * np.cos(7 * ys)
    grain = rng.random((height, width)) * 0.2
    return np.repeat((base + grain)[..., None], 3, axis=2).astype(np.float32)


class TestPicture(NodeType):
    """Test-only: a deterministic picture of a given size."""

    schema = NodeSchema("test.picture", "Test Picture", "Test", outputs=(Port("image", IMAGE),),
                        params=(IntParam("width", 64, min=8, max=4096), IntParam("height", 36, min=8, max=4096)))

    def execute(self, ctx, inputs, params):
        RUNS.append(ctx.node_id)
        return {"image": Image(picture(params["width"], params["height"]))}


def run_scene(keyframes, camera=None, ctx=None, **overrides):
    params = Scene.schema.default_params() | {"resolution": PROXY} | overrides
    return Scene().execute(ctx, {"keyframes": keyframes, "camera": camera}, params)["frames"]


def test_frame_count_and_rate_are_exact_at_23_976():
    assert fps_of("23.976") == Fraction(24000, 1001) and fps_of("59.94") == Fraction(60000, 1001)
    assert fps_of("25") == 25
    shot = run_scene([Image(picture(64, 36))], fps="23.976", duration=5.0)
    assert shot.fps == Fraction(24000, 1001) and shot.frame_count == 120  # 119.88 rounds to 120
    assert shot.duration == Fraction(120 * 1001, 24000)
    assert frame_count_for(0.1, Fraction(30)) == 3  # 0.1 as typed, not 0.1000000000000000055...
    with pytest.raises(ValueError, match="shorter than one frame"):
        frame_count_for(0.01, Fraction(24))


def test_still_and_camera_equals_the_camera_node_on_a_held_still():
    still = Image(picture(800, 450))
    path = CameraPath.move(Pose(), Pose(zoom=1.4, roll=4.0, pan_x=0.05), "ease-in-out").to_dict()
    shot = run_scene([still], path, duration=0.5, fps="24")
    params = CameraNode.schema.default_params() | {"resolution": PROXY}
    held = StillClip(still.pixels, 24, shot.frame_count)
    moved = CameraNode().execute(None, {"frames": held, "path": path}, params)["frames"]
    assert moved.frame_count == shot.frame_count == 12
    for index in (0, 5, 11):
        np.testing.assert_allclose(shot.frame(index), moved.frame(index), atol=1e-5)


def test_a_big_still_is_read_once_and_resampled_once_from_full_resolution(monkeypatch):
    reads = []

    class CountingStill(StillClip):
        def frame(self, index):
            reads.append(index)
            return super().frame(index)

    monkeypatch.setattr(scene_module, "StillClip", CountingStill)
    big = Image(picture(2560, 1440))  # 4x the proxy frame: "a 4K still into a 1080p shot", smaller
    end = Pose(zoom=2.0)
    shot = run_scene([big], CameraPath.move(Pose(), end).to_dict(), duration=0.25, fps="24")
    frames = list(shot.frames())
    assert len(reads) == 1 and frames[-1].shape == (360, 640, 3)
    direct = CameraRenderer(CameraPath.still(end), 640, 360, 1, 24).sample(big.pixels, [end])
    np.testing.assert_allclose(frames[-1], direct, atol=1e-6)
    # Downscaling first and zooming after would lose the grain that one resample keeps.
    small = CameraRenderer(CameraPath.still(), 640, 360, 1, 24).sample(big.pixels, [Pose()])
    twice = CameraRenderer(CameraPath.still(end), 640, 360, 1, 24).sample(small, [end])
    detail = lambda f: np.abs(np.diff(f[..., 0], axis=1)).mean()  # noqa: E731
    assert detail(frames[-1]) > 1.5 * detail(twice)


@pytest.mark.parametrize("method", ["first/last-frame video", "full video diffusion"])
def test_video_methods_without_a_model_say_where_one_goes(method, tmp_path):
    ctx = RunContext("shot", "run", EventEmitter(), CancelToken(), models=ModelLocator(tmp_path / "data"))
    with pytest.raises(NodeExecutionError) as caught:
        run_scene([Image(picture(64, 36))], ctx=ctx, method=method)
    message = str(caught.value)
    assert "no model is chosen" in message and method in message and str(tmp_path / "data" / "models") in message
    with pytest.raises(NodeExecutionError) as caught:
        run_scene([Image(picture(64, 36))], ctx=ctx, method=method, video_model="ltx-video-2b")
    assert "'ltx-video-2b' is not installed" in str(caught.value)


def test_keyframes_and_interpolation_start_and_end_on_the_keyframes():
    wide = picture(720, 360, seed=3)
    first, second = Image(wide[:, :640].copy()), Image(wide[:, 16:656].copy())
    shot = run_scene([first, second], method="keyframes + interpolation", duration=0.25, fps="24")
    assert shot.frame_count == 6 and (shot.width, shot.height) == (640, 360)
    frames = list(shot.frames())
    np.testing.assert_allclose(frames[0], first.pixels, atol=1e-5)
    np.testing.assert_allclose(frames[-1], second.pixels, atol=1e-5)
    middle_error = np.abs(frames[2] - wide[:, 6:646])[:, 20:-20].mean()  # 2/5 of the way: shifted ~6.4 px
    crossfade_error = np.abs(0.6 * first.pixels + 0.4 * second.pixels - wide[:, 6:646])[:, 20:-20].mean()
    assert middle_error < 0.5 * crossfade_error


def test_bad_inputs_are_refused_with_the_fix():
    one = [Image(picture(64, 36))]
    with pytest.raises(NodeExecutionError, match="at least 2 keyframes"):
        run_scene(one, method="keyframes + interpolation")
    with pytest.raises(NodeExecutionError, match="zoom must be above 0"):
        run_scene(one, {"keys": [{"t": 0, "pose": {"zoom": 0}}]})
    with pytest.raises(NodeExecutionError, match="cannot show 3 keyframes"):
        run_scene(one * 3, method="keyframes + interpolation", duration=0.05, fps="24")


def test_second_render_of_a_scene_is_served_from_the_cache(tmp_path):
    RUNS.clear()
    graph = Graph(Registry((TestPicture, Scene)))
    stack = UndoStack(graph)
    add(stack, "test.picture", "still", width=800, height=450)
    add(stack, "test.picture", "other", width=800, height=452)
    add(stack, "shot.scene", "shot", duration=0.25, resolution=PROXY, method="keyframes + interpolation")
    link(stack, "still", "shot", "keyframes", "image")
    link(stack, "other", "shot", "keyframes", "image")
    cache = DiskCache(tmp_path / "cache")
    first = Executor(cache).run(graph, ["shot"], load_outputs=True)
    assert first.status == "finished" and sorted(first.ran) == ["other", "shot", "still"]
    frames = list(first.outputs["shot"]["frames"].frames())
    second = Executor(cache).run(graph, ["shot"], load_outputs=True)
    assert second.ran == [] and second.results["shot"].status == "cached" and sorted(RUNS) == ["other", "still"]
    again = list(second.outputs["shot"]["frames"].frames())
    assert len(again) == len(frames) == 6
    np.testing.assert_allclose(again[3], frames[3], rtol=2e-3)  # stored as half floats


def test_a_still_and_camera_shot_is_recomputed_rather_than_stored(tmp_path):
    RUNS.clear()
    graph = Graph(Registry((TestPicture, Scene)))
    stack = UndoStack(graph)
    add(stack, "test.picture", "still", width=640, height=360)
    add(stack, "shot.scene", "shot", duration=0.25, resolution=PROXY)
    link(stack, "still", "shot", "keyframes", "image")
    cache = DiskCache(tmp_path / "cache")
    Executor(cache).run(graph, ["shot"])
    report = Executor(cache).run(graph, ["shot"], load_outputs=True)
    assert report.ran == ["shot"] and RUNS == ["still"]  # the still came from the cache, the frames did not
    assert len(list(report.outputs["shot"]["frames"].frames())) == 6


def test_the_shot_nodes_register_with_valid_defaults():
    from app.nodes.camera import CameraPathNode
    from app.nodes.interpolate import Interpolate

    registry = Registry((CameraPathNode, CameraNode, Interpolate, Scene))
    for type_id in ("shot.camera_path", "shot.camera", "shot.interpolate", "shot.scene"):
        schema = registry.get(type_id).schema
        assert schema.category == "Shot" and schema.default_params()
    assert not CameraNode.schema.cache_outputs and Scene.schema.cache_outputs


def test_a_camera_after_a_cached_scene_reruns_cheaply_on_the_cached_frames(tmp_path):
    RUNS.clear()
    graph = Graph(Registry((TestPicture, Scene, CameraNode)))
    stack = UndoStack(graph)
    add(stack, "test.picture", "still", width=640, height=360)
    add(stack, "test.picture", "other", width=640, height=362)
    add(stack, "shot.scene", "shot", duration=0.25, resolution=PROXY, method="keyframes + interpolation")
    add(stack, "shot.camera", "move", move="push in")
    link(stack, "still", "shot", "keyframes", "image")
    link(stack, "other", "shot", "keyframes", "image")
    link(stack, "shot", "move", "frames", "frames")
    cache = DiskCache(tmp_path / "cache")
    Executor(cache).run(graph, ["move"])
    report = Executor(cache).run(graph, ["move"], load_outputs=True)
    assert report.ran == ["move"] and report.results["shot"].status == "cached" and sorted(RUNS) == ["other", "still"]
    frames = list(report.outputs["move"]["frames"].frames())
    assert len(frames) == 6 and frames[0].shape == (360, 640, 3) and not np.allclose(frames[0], frames[-1])


def test_a_voice_line_times_the_shot_with_handles():
    from engine.ports import FLOAT

    class LineLength(NodeType):
        schema = NodeSchema("test.line_length", "Line length", "Test", outputs=(Port("seconds", FLOAT),))

        def execute(self, ctx, inputs, params):
            return {"seconds": 2.5}

    graph = Graph(Registry((TestPicture, Scene, LineLength)))
    stack = UndoStack(graph)
    add(stack, "test.picture", "still", width=64, height=36)
    add(stack, "test.line_length", "line")
    add(stack, "shot.scene", "shot", duration=9.0, resolution=PROXY, head_handle=0.5, tail_handle=1.0)
    link(stack, "still", "shot", "keyframes", "image")
    link(stack, "line", "shot", "duration", "seconds")
    shot = Executor().run(graph, ["shot"], load_outputs=True).outputs["shot"]["frames"]
    assert shot.frame_count == 96  # (0.5 + 2.5 + 1.0) s at 24 fps, not the 9 s parameter
