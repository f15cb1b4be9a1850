"""Titles: text cards and lower thirds over a picture or a shot, with fades, drawn Qt-free.

The text is rasterised once as an anti-aliased coverage mask and composited in scene-linear
light on every frame, so edges and fades blend like a real superimposition.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from engine.color import srgb_to_linear
from engine.errors import NodeExecutionError
from engine.image import Image
from engine.media.clip import ClipInfo, MapClip, StillClip
from engine.media.colorspaces import convert_working
from engine.media.text_render import ALIGNMENTS, PLACEMENT_CHOICES, shadow_mask, text_mask
from engine.ports import FRAMES, IMAGE, TEXT
from engine.schema import (BoolParam, ColorParam, EnumParam, FloatParam, NodeSchema, NodeType, PathParam, Port,
                           StringParam)
from engine.timebase import as_rate, exact_seconds, frames_from_seconds, seconds_from_frames

from .resolution import RESOLUTION_CHOICES, RESOLUTION_RENAMED, RESOLUTIONS

FPS_CHOICES = ("23.976", "24", "25", "29.97", "30", "48", "50", "59.94", "60")

TEXT_PARAMS = (
    StringParam("text", "Title", multiline=True, help="The words on screen; new lines start new lines."),
    PathParam("font", "", file_filter="Fonts (*.ttf *.otf)", help="A TrueType/OpenType font; empty: the built-in one."),
    FloatParam("size", 8.0, min=1.0, max=50.0, step=0.5, help="Text height in % of the picture height."),
    EnumParam("placement", "center", PLACEMENT_CHOICES,
              help="Where the text sits: centred, in the lower third, at the top, or custom (at X and Y)."),
    EnumParam("align", "center", ALIGNMENTS,
              help="How the lines line up with each other. Left or right also puts that edge of the text at X "
                   "(custom placement) or against the title-safe edge (the other placements)."),
    FloatParam("x", 0.5, min=0.0, max=1.0, step=0.01, label="Position X",
               help="Custom placement: where the text sits across the picture (0 = left edge, 1 = right edge); "
                    "it marks the text's left edge, centre or right edge as Align says. The text is kept inside "
                    "the title-safe area (the central 90 %) however near the edge this is."),
    FloatParam("y", 0.5, min=0.0, max=1.0, step=0.01, label="Position Y",
               help="Custom placement: where the middle of the text sits down the picture (0 = top, 1 = bottom), "
                    "kept inside the title-safe area."),
    ColorParam("color", (1.0, 1.0, 1.0), help="Text colour (display sRGB, 0..1)."),
    FloatParam("opacity", 1.0, min=0.0, max=1.0, step=0.05, help="How solid the text is."),
    BoolParam("shadow", True, help="A soft drop shadow that keeps text legible over bright pictures."),
)
CARD_PARAMS = (
    ColorParam("background_color", (0.0, 0.0, 0.0), help="Card colour when no picture is linked."),
    EnumParam("resolution", "1920x1080", RESOLUTION_CHOICES, renamed=RESOLUTION_RENAMED, help="Card size when no picture is linked."),
)


def fps_from_choice(choice: str) -> Fraction:
    return as_rate(choice)  # "23.976" is exactly 24000/1001


class TextLayer:
    """The text of one title, laid out once for a frame size, composited onto any frame."""

    def __init__(self, params: dict, text: str, width: int, height: int, working: str, font_path: str = ""):
        size_px = max(1, round(height * params["size"] / 100))
        try:
            self.coverage = text_mask(text, width, height, size_px, params["placement"], font_path,
                                      params["align"], (params["x"], params["y"]))
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        self.shadow = shadow_mask(self.coverage, max(1, size_px // 12)) * 0.6 if params["shadow"] else None
        ink = srgb_to_linear(np.asarray(params["color"][:3], np.float32))
        self.ink = convert_working(ink[None, None, :], "lin_rec709", working)[0, 0]
        self.opacity = params["opacity"]
        # Outside the text and its shadow the frame is unchanged, so only this box is composited:
        # a lower third covers a tenth of the frame, and the full-frame pass was most of a title's cost.
        covered = self.coverage > 0 if self.shadow is None else (self.coverage > 0) | (self.shadow > 0)
        rows, columns = np.flatnonzero(covered.any(axis=1)), np.flatnonzero(covered.any(axis=0))
        self.box = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)) if rows.size else None

    def over(self, frame: np.ndarray, strength: float = 1.0, in_place: bool = False) -> np.ndarray:
        """The text over `frame`: written into it where the caller owns it (`in_place`, and the frame is
        a writable float32 array), else into a copy, as a cached or shared frame needs."""
        alpha = self.opacity * strength
        if alpha <= 0 or self.box is None:
            return frame
        writable = in_place and frame.dtype == np.float32 and frame.flags.writeable
        out = frame if writable else np.array(frame, dtype=np.float32)
        rows, columns = self.box
        rgb = out[rows, columns, :3]
        if self.shadow is not None:
            rgb = rgb * (1.0 - (self.shadow[rows, columns] * alpha)[..., None])
        a = (self.coverage[rows, columns] * alpha)[..., None]
        out[rows, columns, :3] = rgb * (1.0 - a) + self.ink * a
        return out


def _held_title(layer: TextLayer, envelope) -> Callable[[np.ndarray, int], np.ndarray]:
    """The title over a held still, frame by frame: a frame at the strength of the frame before is that
    frame again (one read-only array), so a card's middle costs no compositing and the export sees the
    same picture (engine: a repeated frame is encoded from the one before)."""
    last: list[tuple[float, np.ndarray, np.ndarray]] = []  # (strength, still, frame): one entry, swapped whole

    def frame_at(still: np.ndarray, index: int) -> np.ndarray:
        strength = envelope(index)
        entry = last[0] if last else None  # read once: another thread (a preview) may swap it meanwhile
        if entry is not None and entry[0] == strength and entry[1] is still:
            return entry[2]
        frame = layer.over(still, strength)
        if frame is not still:
            frame.setflags(write=False)  # handed out more than once
        last[:] = [(strength, still, frame)]
        return frame

    return frame_at


def card_pixels(params: dict, working: str = "lin_rec709") -> np.ndarray:
    width, height = RESOLUTIONS[params["resolution"]]
    color = srgb_to_linear(np.asarray(params["background_color"][:3], np.float32))
    color = convert_working(color[None, None, :], "lin_rec709", working)[0, 0]
    return np.ascontiguousarray(np.broadcast_to(color, (height, width, 3)), dtype=np.float32)


class _TitleNode(NodeType):
    """What both title nodes share: a font path is taken from the project folder, like every path.

    (`aiprod validate` already reports a font file that is missing, as it does for every path.)
    """

    @staticmethod
    def font_path(ctx, params: dict) -> str:
        return str(ctx.resolve_path(params["font"])) if params["font"] else ""


class TitleCard(_TitleNode):
    schema = NodeSchema(
        type_id="image.title_card", title="Title Card", category="Titles",
        inputs=(Port("background", IMAGE, optional=True, help="Picture under the text; a plain colour if unlinked."),
                Port("text", TEXT, optional=True, overrides="text", help="Overrides the text parameter when linked.")),
        outputs=(Port("image", IMAGE),),
        params=TEXT_PARAMS + CARD_PARAMS,
        help="A still title card or lower third: text over a picture or a plain colour.",
    )

    def execute(self, ctx, inputs, params):
        text = params["text"]  # the linked text, if any (the executor applies the override)
        background: Image | None = inputs["background"]
        if background is None:
            background = Image(card_pixels(params), "lin_rec709")
        if not text.strip():
            return {"image": background}
        layer = TextLayer(params, text, background.width, background.height, background.color_space,
                          self.font_path(ctx, params))
        return {"image": Image(layer.over(background.pixels), background.color_space)}


class Title(_TitleNode):
    schema = NodeSchema(
        type_id="title.overlay", title="Title", category="Titles", cache_outputs=False,
        inputs=(Port("frames", FRAMES, optional=True, help="The shot under the title; a plain card if unlinked."),
                Port("text", TEXT, optional=True, overrides="text", help="Overrides the text parameter when linked.")),
        outputs=(Port("frames", FRAMES),),
        params=TEXT_PARAMS + (
            FloatParam("start", 0.0, min=0.0, help="When the title appears, in seconds from the start of the shot."),
            FloatParam("end", 0.0, min=0.0, help="When it is gone, in seconds; 0: at the end of the shot."),
            FloatParam("fade_in", 0.5, min=0.0, max=30.0, help="Seconds to fade in."),
            FloatParam("fade_out", 0.5, min=0.0, max=30.0, help="Seconds to fade out."),
            FloatParam("duration", 4.0, min=0.04, max=3600.0, help="Card length in seconds when no shot is linked."),
            EnumParam("fps", "24", FPS_CHOICES, help="Card frame rate when no shot is linked."),
        ) + CARD_PARAMS,
        help="Text over a shot (or a plain card) that fades in and out: titles, lower thirds, credits.",
    )

    def planned_frames(self, params, linked):
        if "frames" in linked:
            return None  # as long as the shot under it
        fps = fps_from_choice(params["fps"])
        return max(1, frames_from_seconds(params["duration"], fps)), fps

    def execute(self, ctx, inputs, params):
        text = params["text"]  # the linked text, if any (the executor applies the override)
        shot = inputs["frames"]
        if shot is None:
            fps = fps_from_choice(params["fps"])
            count = max(1, frames_from_seconds(params["duration"], fps))
            shot = StillClip(card_pixels(params), fps, count)
        if not text.strip():
            return {"frames": shot}
        layer = TextLayer(params, text, shot.width, shot.height, shot.color_space, self.font_path(ctx, params))
        envelope = self.envelope(params, shot.info)
        owned = shot.owned_frames  # frames nobody else holds: the text is written into them, no copy
        if shot.is_still:  # a card or a held still: while the fade stands still, so does the picture
            titled = MapClip(shot, _held_title(layer, envelope))
        else:
            titled = MapClip(shot, lambda frame, i: layer.over(frame, envelope(i), in_place=owned))
        # Each frame is still the shot's own (or untouched); a held still's titled frame is shared.
        titled.owned_frames = owned and not shot.is_still
        return {"frames": titled}

    @staticmethod
    def envelope(params: dict, info: ClipInfo):
        """Visibility 0..1 of the title at frame i: zero outside start..end, linear fades inside."""
        start = exact_seconds(params["start"])
        end = exact_seconds(params["end"]) if params["end"] > 0 else info.duration
        if end <= start:
            raise NodeExecutionError(f"the title ends ({float(end):.2f} s) before it starts ({float(start):.2f} s)")
        fade_in, fade_out = params["fade_in"], params["fade_out"]

        def strength(index: int) -> float:
            t = seconds_from_frames(index, info.fps)
            if t < start or t >= end:
                return 0.0
            rise = float(t - start) / fade_in if fade_in > 0 else 1.0
            fall = float(end - t) / fade_out if fade_out > 0 else 1.0
            return max(0.0, min(1.0, rise, fall))

        return strength
