"""Titles draw real text, fade in and out on time, and leave the rest of the picture alone."""

from pathlib import Path

import numpy as np
import pytest

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
    clip = render_title(text="HELLO", duration=2.0, fps="25", resolution="640x360", fade_in=0.0,
                        fade_out=0.0, shadow=False)
    assert clip.frame_count == 50 and (clip.width, clip.height) == (640, 360)
    frame = clip.frame(10)
    inked = frame[..., 0] > 0.5
    rows = np.nonzero(inked.any(axis=1))[0]
    assert inked.sum() > 500 and 140 < rows.mean() < 220  # centred vertically
    assert frame[:60].max() == 0.0  # nothing drawn far from the text


def test_fades_follow_the_envelope():
    clip = render_title(text="FADE", duration=2.0, fps="24", resolution="640x360", start=0.5, end=1.5,
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


# --- placement, alignment, colour and font files, measured on the rendered card ---

def render_card(**params):
    """The Title Card's pixels (linear RGB) for these parameters, on a black 640x360 card."""
    graph = Graph(build_registry())
    defaults = {"resolution": "640x360", "shadow": False, "size": 6.0}
    UndoStack(graph).push(AddNode("image.title_card", params={**defaults, **params}, node_id="c"))
    report = Executor().run(graph, ["c"], load_outputs=True)
    assert report.status == "finished", report.results["c"].message
    return report.outputs["c"]["image"].pixels


def ink(pixels):
    """Coverage of the (white, unless told otherwise) text: the brightest channel of each pixel."""
    return pixels[..., :3].max(axis=2)


def centroid(weights):
    rows, cols = np.indices(weights.shape)
    total = weights.sum()
    return float((cols * weights).sum() / total), float((rows * weights).sum() / total)


def ink_columns(weights):
    cols = np.nonzero(weights.max(axis=0) > 0.5)[0]
    return int(cols[0]), int(cols[-1])


def test_custom_position_puts_the_ink_centroid_there():
    # "HOH" is symmetric left to right and top to bottom, so its ink centroid is its block's centre.
    weights = ink(render_card(text="HOH", placement="custom", x=0.25, y=0.75))
    cx, cy = centroid(weights)
    assert abs(cx - 0.25 * 640) <= 2 and abs(cy - 0.75 * 360) <= 2, (cx, cy)
    moved = ink(render_card(text="HOH", placement="custom", x=0.7, y=0.3))
    mx, my = centroid(moved)
    assert abs(mx - 0.7 * 640) <= 2 and abs(my - 0.3 * 360) <= 2, (mx, my)


def test_custom_position_is_held_inside_the_title_safe_area():
    weights = ink(render_card(text="EDGE", placement="custom", x=1.0, y=0.0))
    rows = np.nonzero(weights.max(axis=1) > 0)[0]
    cols = np.nonzero(weights.max(axis=0) > 0)[0]
    assert cols[-1] <= 0.95 * 640 and rows[0] >= 0.05 * 360  # slid back in, not cut off
    assert cols[-1] >= 0.95 * 640 - 3 and rows[0] <= 0.05 * 360 + 3  # and only as far as needed


def test_alignment_left_and_right_put_that_edge_at_x_and_line_the_lines_up():
    text = "A WIDE FIRST LINE\nI"
    left = ink(render_card(text=text, placement="custom", x=0.5, y=0.5, align="left"))
    right = ink(render_card(text=text, placement="custom", x=0.5, y=0.5, align="right"))
    left_x0, left_x1 = ink_columns(left)
    right_x0, right_x1 = ink_columns(right)
    assert abs(left_x0 - 320) <= 2 and left_x1 > 400  # all of the text to the right of x
    assert abs(right_x1 - 320) <= 2 and right_x0 < 240  # all of it to the left
    rows = np.nonzero(left.max(axis=1) > 0.5)[0]
    short_line = slice(int(rows[-1]) - 5, int(rows[-1]) + 1)  # the "I" on the second line
    assert abs(ink_columns(left[short_line])[0] - left_x0) <= 3  # "I" starts where the wide line starts
    assert abs(ink_columns(right[short_line])[1] - right_x1) <= 3  # and ends where it ends
    centred = ink(render_card(text=text, placement="custom", x=0.5, y=0.5))
    assert abs(sum(ink_columns(centred[short_line])) / 2 - 320) <= 3


def test_preset_alignment_puts_the_text_against_the_title_safe_edge():
    x0, _ = ink_columns(ink(render_card(text="CREDIT", placement="lower third", align="left")))
    _, x1 = ink_columns(ink(render_card(text="CREDIT", placement="lower third", align="right")))
    assert abs(x0 - 0.05 * 640) <= 2 and abs(x1 - 0.95 * 640) <= 2


def test_lower_third_lands_in_the_lower_third():
    weights = ink(render_card(text="Jane Doe\nDirector", placement="lower third"))
    rows = np.nonzero(weights.max(axis=1) > 0)[0]
    assert rows[0] > 360 * 2 / 3 and rows[-1] < 360 * 0.95
    assert abs(centroid(weights)[0] - 320) < 20  # centred across, as before


def test_font_colour_shows_in_the_pixels():
    pixels = render_card(text="RED", color=[1.0, 0.5, 0.0], size=20.0)
    solid = pixels[ink(pixels) >= ink(pixels).max() - 1e-6]
    linear = [1.0, ((0.5 + 0.055) / 1.055) ** 2.4, 0.0]  # 0.5 through the sRGB curve
    assert len(solid) > 100 and np.allclose(solid, linear, atol=1e-3)
    assert render_card(text="", color=[1.0, 0.5, 0.0]).max() == 0.0  # no text, no colour


def test_a_font_file_given_by_path_is_used(tmp_path):
    # Pillow's own font (Aileron) written out as a file: guaranteed wherever Pillow has FreeType.
    from PIL import ImageFont

    font_file = tmp_path / "aileron.ttf"
    font_file.write_bytes(ImageFont.load_default(size=12).font_bytes)
    built_in = ink(render_card(text="Font", size=8.0))
    from_file = ink(render_card(text="Font", size=8.0, font=str(font_file)))
    assert_same_glyphs(from_file, built_in)


def assert_same_glyphs(a, b):
    """The same font: equal ink and place, up to a pixel of kerning (a file is laid out with Raqm,
    Pillow's built-in font without it)."""
    assert a.sum() > 100 and abs(a.sum() - b.sum()) < 0.02 * b.sum()
    assert np.allclose(centroid(a), centroid(b), atol=1.0)


def test_a_different_font_file_draws_different_glyphs():
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    if not dejavu.is_file():
        pytest.skip(f"no system font at {dejavu} to compare with the built-in one")
    built_in = ink(render_card(text="Font", size=15.0))
    serif = ink(render_card(text="Font", size=15.0, font=str(dejavu)))
    assert serif.sum() > 100 and np.abs(serif - built_in).sum() > 0.2 * built_in.sum()


def test_a_relative_font_path_is_found_in_the_project_folder(tmp_path):
    from PIL import ImageFont

    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "title.ttf").write_bytes(ImageFont.load_default(size=12).font_bytes)
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("image.title_card", node_id="c", params={
        "font": "fonts/title.ttf", "text": "Font", "resolution": "640x360", "shadow": False}))
    report = Executor(project_dir=tmp_path).run(graph, ["c"], load_outputs=True)
    assert report.status == "finished", report.results["c"].message  # not looked for in the working folder
    assert_same_glyphs(ink(report.outputs["c"]["image"].pixels), ink(render_card(text="Font", size=8.0)))


def test_a_missing_or_broken_font_file_is_named(tmp_path):
    graph = Graph(build_registry())
    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_text("not a font")
    stack = UndoStack(graph)
    stack.push(AddNode("image.title_card", params={"font": str(tmp_path / "gone.ttf")}, node_id="missing"))
    stack.push(AddNode("image.title_card", params={"font": str(not_a_font)}, node_id="broken"))
    report = Executor().run(graph, ["missing", "broken"])
    assert f"cannot load the font {tmp_path / 'gone.ttf'}: the file does not exist" in report.results["missing"].message
    assert f"cannot load the font {not_a_font}" in report.results["broken"].message


# --- frames a title owns are written into, not copied; everything else is copied ---

def titled(source, **params):
    """The Title node's clip over `source` (no project: the default font)."""
    from app.nodes.titles import Title

    values = {**Title.schema.default_params(), "text": "OWNED", "fade_in": 0.0, "fade_out": 0.0, **params}
    return Title().execute(None, {"frames": source, "text": None}, values)["frames"]


def test_a_title_writes_into_frames_it_owns_and_the_pixels_are_those_of_a_copy():
    from engine.media.clip import ArrayClip, FunctionClip

    base = np.random.default_rng(3).random((6, 180, 320, 3), dtype=np.float32)
    handed: list[np.ndarray] = []

    def render(index):  # a new array each time, as a camera move's resample is
        handed.append(base[index].copy())
        return handed[-1]

    owned = FunctionClip(ArrayClip(base, 24).info, render)
    owned.owned_frames = True
    shared = ArrayClip(base, 24)
    kept = base.copy()
    over_owned, over_shared = titled(owned), titled(shared)
    assert over_owned.owned_frames and not over_shared.owned_frames
    for index, (a, b) in enumerate(zip(over_owned.frames(), over_shared.frames())):
        assert np.array_equal(a, b)  # the same arithmetic either way: the same bits
        assert a is handed[index]  # written into the frame it was handed, no frame-sized copy
        assert not np.array_equal(a, base[index])  # and the text is there
    assert np.array_equal(base, kept)  # the shared frames were copied, never written


def test_a_read_only_frame_is_copied_even_from_a_clip_that_says_it_owns_its_frames():
    from engine.media.clip import ArrayClip, FunctionClip

    frame = np.random.default_rng(4).random((180, 320, 3), dtype=np.float32)
    frame.setflags(write=False)
    clip = FunctionClip(ArrayClip(frame[None], 24).info, lambda index: frame)
    clip.owned_frames = True
    out = titled(clip).frame(0)
    assert out is not frame and not np.array_equal(out, frame)


def test_a_camera_move_hands_out_frames_it_owns_and_a_static_one_does_not():
    from engine.media.camera import CameraPath, Pose
    from engine.media.camera_render import camera_clip
    from engine.media.clip import StillClip

    still = StillClip(np.random.default_rng(5).random((90, 160, 3), dtype=np.float32), 24, 4)
    moving = camera_clip(still, CameraPath.move(Pose(), Pose(zoom=1.2)), 160, 90)
    first, again = moving.frame(1), moving.frame(1)
    assert moving.owned_frames and first is not again and first.flags.writeable
    static = camera_clip(still, CameraPath.still(), 160, 90)
    assert not static.owned_frames and not static.frame(0).flags.writeable


def test_a_card_hands_out_one_read_only_frame_while_its_fade_stands_still():
    clip = render_title(text="CARD", duration=2.0, fps="24", resolution="640x360", fade_in=0.5, fade_out=0.5,
                        shadow=False)
    frames = list(clip.frames())
    middle = frames[12:36]  # fully on from 0.5 s to 1.5 s
    assert all(frame is middle[0] for frame in middle) and not middle[0].flags.writeable
    assert frames[6] is not frames[7] and frames[6].max() < middle[0].max()  # fading in: each its own
    assert np.array_equal(clip.frame(20), middle[0])  # random access gives the same picture
