"""Camera moves land pixels where the geometry says, ease smoothly, shake reproducibly, and never alias."""

import json
from fractions import Fraction

import numpy as np
import pytest

from engine.media.camera import NAMED_EASINGS, CameraPath, Key, Pose, Shake, cubic_bezier, ease
from engine.media.camera_render import CameraRenderer, camera_clip
from engine.media.clip import ArrayClip, StillClip

W, H = 160, 90


def edge_picture(width=200, height=H, at=100):
    """Black left of column `at`, white from it on: a sharp vertical edge."""
    pixels = np.zeros((height, width, 3), np.float32)
    pixels[:, at:] = 1.0
    return pixels


def edge_position(row: np.ndarray) -> float:
    """Where a 0 -> 1 step sits in a row, sub-pixel: the area above the step is what is missing."""
    return len(row) - float(row.sum())


def render(pixels, pose, width=W, height=H, **kw):
    return CameraRenderer(CameraPath.still(pose), width, height, 1, 24, **kw).render(pixels, 0)


def centroid(frame):
    weight = frame[..., 0]
    ys, xs = np.indices(weight.shape)
    return (xs * weight).sum() / weight.sum() + 0.5, (ys * weight).sum() / weight.sum() + 0.5


def test_pan_moves_an_edge_by_a_fractional_number_of_pixels():
    picture = edge_picture()  # 200 wide into 160: the frame shows columns 20..180, edge at x = 80
    assert edge_position(render(picture, Pose())[45, :, 0]) == pytest.approx(80.0, abs=0.01)
    panned = render(picture, Pose(pan_x=7.5 / W))
    assert edge_position(panned[45, :, 0]) == pytest.approx(80.0 - 7.5, abs=0.1)


def test_zoom_two_about_the_centre_doubles_distances_from_the_centre():
    picture = np.zeros((H, W, 3), np.float32)
    picture[53:57, 98:102] = 1.0  # a dot centred 20 px right of and 10 px below the centre (80, 45)
    x, y = centroid(render(picture, Pose(zoom=2.0)))
    assert (x, y) == (pytest.approx(80 + 40, abs=0.2), pytest.approx(45 + 20, abs=0.2))


def test_dolly_keeps_its_focus_point_still_while_magnifying():
    picture = np.zeros((H, W, 3), np.float32)
    picture[18:22, 38:42] = 1.0  # a dot at (40, 20): focus point (0.25, 2/9)
    x, y = centroid(render(picture, Pose(dolly=0.5, focus_x=40 / W, focus_y=20 / H)))
    assert (x, y) == (pytest.approx(40, abs=0.2), pytest.approx(20, abs=0.2))
    picture[:] = 0
    picture[18:22, 58:62] = 1.0  # 20 px right of the focus point: twice as far at 2x
    x, _ = centroid(render(picture, Pose(dolly=0.5, focus_x=40 / W, focus_y=20 / H)))
    assert x == pytest.approx(80, abs=0.3)


def test_roll_of_90_degrees_turns_the_picture_counter_clockwise():
    picture = np.zeros((H, W, 3), np.float32)
    picture[43:47, 98:102] = 1.0  # 20 px right of the centre
    x, y = centroid(render(picture, Pose(roll=90.0)))
    assert (x, y) == (pytest.approx(80, abs=0.2), pytest.approx(45 - 20, abs=0.2))


@pytest.mark.parametrize("easing", [*NAMED_EASINGS, (0.25, 0.1, 0.25, 1.0), (0.7, -0.4, 0.4, 1.4)])
def test_easings_start_at_0_end_at_1(easing):
    assert ease(easing, 0.0) == 0.0 and ease(easing, 1.0) == 1.0
    if easing[1] >= 0 if isinstance(easing, tuple) else True:  # overshooting curves are not monotonic
        values = [ease(easing, x) for x in np.linspace(0, 1, 101)]
        assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))
        assert ease(easing, 0.25) < ease(easing, 0.75)


def test_cubic_bezier_matches_the_css_ease_reference():
    # CSS "ease" = cubic-bezier(0.25, 0.1, 0.25, 1) at half time, as browsers compute it.
    assert cubic_bezier(0.25, 0.1, 0.25, 1.0, 0.5) == pytest.approx(0.8024033877, abs=1e-6)
    assert ease("ease-in", 0.5) < 0.5 < ease("ease-out", 0.5)


def test_path_eases_between_keys_and_zooms_geometrically():
    path = CameraPath.move(Pose(zoom=1.0, pan_x=0.0), Pose(zoom=4.0, pan_x=0.2), "ease-in-out")
    middle = path.pose_at(0.5)
    assert middle.zoom == pytest.approx(2.0) and middle.pan_x == pytest.approx(0.1)
    assert path.pose_at(0.25).pan_x < 0.05  # eased: slower than linear at the start
    assert path.pose_at(-1.0) == path.keys[0].pose and path.pose_at(2.0) == path.keys[-1].pose


def test_bezier_spatial_path_curves_through_the_middle_key():
    keys = (Key(0.0, Pose(pan_x=0.0, pan_y=0.0), spatial="bezier"), Key(0.5, Pose(pan_x=0.1, pan_y=0.1),
            spatial="bezier"), Key(1.0, Pose(pan_x=0.2, pan_y=0.0)))
    curved, straight = CameraPath(keys), CameraPath(tuple(Key(k.t, k.pose) for k in keys))
    assert curved.pose_at(0.5).pan_y == pytest.approx(0.1)  # passes through the key
    assert curved.pose_at(0.25).pan_y > straight.pose_at(0.25).pan_y + 0.005  # but rounds the corner


def test_shake_is_deterministic_per_seed_with_the_amplitude_asked_for():
    times = np.linspace(0, 10, 400)
    a = np.array([Shake(0.02, 2.0, seed=1).offsets(t) for t in times])
    again = np.array([Shake(0.02, 2.0, seed=1).offsets(t) for t in times])
    other = np.array([Shake(0.02, 2.0, seed=2).offsets(t) for t in times])
    assert np.array_equal(a, again) and not np.allclose(a, other)
    assert np.abs(a[:, :2]).max() <= 0.02 and 0.004 < a[:, 0].std() < 0.02
    assert np.abs(np.diff(a[:, 0])).max() < 0.02 * 2 * np.pi * 2.0 * 4.3 * (10 / 399)  # smooth, not noise


def test_downscaling_a_fine_checkerboard_gives_flat_grey_not_aliasing():
    checker = (np.indices((360, 640)).sum(0) % 2).astype(np.float32)
    picture = np.repeat(checker[..., None], 3, axis=2)  # "4K" into a frame a quarter the size
    for pose in (Pose(), Pose(zoom=1.37, roll=7.0)):
        frame = render(picture, pose)
        assert abs(frame.mean() - 0.5) < 0.02 and frame.std() < 0.03
    nearest = picture[2::4, 2::4]  # what point sampling would show: all one colour
    assert abs(nearest.mean() - 0.5) > 0.4


def test_motion_blur_smears_a_moving_edge_over_the_shutter_interval():
    picture = edge_picture(width=400, at=200)
    path = CameraPath.move(Pose(), Pose(pan_x=0.5), shutter_angle=360.0, blur_samples=16)  # 8 px a frame
    sharp = CameraRenderer(CameraPath.move(Pose(), Pose(pan_x=0.5)), W, H, 11, 24).render(picture, 5)[45, :, 0]
    blurred = CameraRenderer(path, W, H, 11, 24).render(picture, 5)[45, :, 0]

    def rise(row):  # 10%..90% rise distance, by linear interpolation of the crossings
        x = np.arange(len(row)) + 0.5
        return np.interp(0.9, row, x) - np.interp(0.1, row, x)

    assert rise(sharp) < 1.0
    assert rise(blurred) == pytest.approx(0.8 * 8.0, abs=0.6)
    assert edge_position(blurred) == pytest.approx(edge_position(sharp), abs=0.1)  # centred on the frame time


def test_path_json_round_trips():
    path = CameraPath((Key(0.0, Pose(zoom=1.2, roll=-3.0), (0.3, 0.1, 0.2, 1.0), "bezier"),
                       Key(0.4, Pose(pan_x=0.1, dolly=0.3, focus_x=0.3)), Key(1.0, Pose(pan_y=-0.05), "ease-out")),
                      Shake(0.01, 1.5, 7), shutter_angle=180.0, blur_samples=5)
    assert CameraPath.from_dict(json.loads(json.dumps(path.to_dict()))) == path


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(keys=[]), "non-empty list 'keys'"),
    (lambda d: d["keys"][1].update(t=0.0), "must come after"),
    (lambda d: d["keys"][0]["pose"].update(zom=2), "unknown field"),
    (lambda d: d["keys"][0]["pose"].update(zoom=0), "zoom must be above 0"),
    (lambda d: d["keys"][0].update(ease="bounce"), "unknown easing 'bounce'"),
    (lambda d: d["keys"][0].update(ease=[1.5, 0, 1, 1]), "x1 and x2 must be within 0..1"),
    (lambda d: d["shake"].update(amplitude=-1), "shake.amplitude"),
    (lambda d: d["motion_blur"].update(samples=0), "motion_blur.samples"),
])
def test_invalid_paths_say_what_is_wrong(change, message):
    data = CameraPath.move(Pose(), Pose(zoom=2.0)).to_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        CameraPath.from_dict(data)


def test_camera_clip_reads_a_still_once_and_sizes_the_output_itself():
    reads = []

    class CountingStill(StillClip):
        def frame(self, index):
            reads.append(index)
            return super().frame(index)

    source = CountingStill(np.random.default_rng(0).random((360, 640, 3), np.float32), 24, 12)
    clip = camera_clip(source, CameraPath.move(Pose(), Pose(zoom=1.5)), W, H)
    frames = list(clip.frames())
    assert len(frames) == 12 and frames[0].shape == (H, W, 3) and len(reads) == 1
    assert not np.allclose(frames[0], frames[-1])
    static = camera_clip(source, CameraPath.still(Pose(zoom=1.5)), W, H)
    assert static.is_still and static.frame(3) is static.frame(7)


def test_camera_clip_follows_a_moving_source_frame_by_frame():
    frames = [np.full((H, W, 3), i / 4, np.float32) for i in range(5)]
    out = camera_clip(ArrayClip(frames, Fraction(25)), CameraPath.still(), W // 2, H // 2)
    assert [float(f.mean()) for f in out.frames()] == pytest.approx([i / 4 for i in range(5)], abs=1e-6)
    assert out.fps == 25 and (out.width, out.height) == (W // 2, H // 2)


def test_alpha_edges_do_not_pick_up_the_colour_of_transparent_pixels():
    picture = np.zeros((H, W, 4), np.float32)
    picture[..., 0] = 1.0  # transparent pixels hold red, which must not bleed
    picture[:, 80:] = [0.0, 0.0, 1.0, 1.0]  # opaque blue right half
    frame = render(picture, Pose(pan_x=0.3 / W))
    edge = frame[45, 78:82]
    assert np.all(edge[:, 0] < 1e-5) and np.all((edge[:, 3] > 0) <= (edge[:, 2] > 0.99))


def test_bad_fit_or_sampling_is_refused():
    with pytest.raises(ValueError, match="nearest is not offered"):
        CameraRenderer(CameraPath.still(), W, H, 1, 24, sampling="nearest")
    with pytest.raises(ValueError, match="unknown fit"):
        CameraRenderer(CameraPath.still(), W, H, 1, 24, fit="stretch")


# ---- the Camera nodes ---------------------------------------------------------------------

from app.nodes.camera import MOVES, CameraNode, CameraPathNode  # noqa: E402


@pytest.mark.parametrize("move", [m for m in MOVES if m != "custom"])
def test_move_presets_are_valid_paths_that_never_show_past_the_picture(move):
    params = CameraPathNode.schema.default_params() | {"move": move, "amount": 0.3}
    data = CameraPathNode().execute(None, {}, params)["path"]
    path = CameraPath.from_dict(json.loads(json.dumps(data)))
    assert path.is_static == (move == "static")
    white = np.ones((H, W, 3), np.float32)
    renderer = CameraRenderer(path, W, H, 5, 24)
    for index in range(5):
        assert renderer.render(white, index, "white").min() > 0.99, f"{move} shows the edge at frame {index}"


def test_camera_node_moves_the_incoming_shot_and_reports_its_path():
    source = StillClip(edge_picture(width=W, at=80), 24, 9)
    params = CameraNode.schema.default_params() | {"move": "pan right", "easing": "linear", "resolution": "same_as_input"}
    out = CameraNode().execute(None, {"frames": source, "path": None}, params)
    frames, path = out["frames"], CameraPath.from_dict(out["path"])
    assert (frames.frame_count, frames.width, frames.height, frames.fps) == (9, W, H, 24)
    positions = [edge_position(f[45, :, 0]) for f in frames.frames()]
    assert all(b < a for a, b in zip(positions, positions[1:]))  # panning right: the picture slides left
    assert path.keys[-1].pose.pan_x > 0


def test_camera_node_refuses_a_broken_linked_path():
    from engine.errors import NodeExecutionError

    params = CameraNode.schema.default_params()
    with pytest.raises(NodeExecutionError, match="camera move: .*must come after"):
        CameraNode().execute(None, {"frames": StillClip(edge_picture(), 24, 2),
                                    "path": {"keys": [{"t": 0.5, "pose": {}}, {"t": 0.2, "pose": {}}]}}, params)


def test_shake_overscans_so_the_edge_never_shows():
    path = CameraPath(CameraPath.still().keys, Shake(0.05, 3.0, seed=4))
    renderer = CameraRenderer(path, W, H, 48, 24)
    white = np.ones((H, W, 3), np.float32)
    assert min(renderer.render(white, index, "white").min() for index in range(0, 48, 3)) > 0.99
    assert len({renderer.poses(i)[0] for i in range(3)}) == 3  # and it does move
