"""Text over a picture or a plain background: title cards and lower thirds, drawn with Pillow.

The text is rasterised with anti-aliasing as a coverage mask and composited in scene-linear
light, so its edges blend like a real superimposition rather than a gamma-space paste.
"""

from __future__ import annotations

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from engine.color import srgb_to_linear
from engine.errors import NodeExecutionError
from engine.image import Image
from engine.ports import IMAGE, TEXT
from engine.schema import ColorParam, EnumParam, FloatParam, NodeSchema, NodeType, Port, StringParam

from .resolution import RESOLUTION_CHOICES, RESOLUTIONS

PLACEMENTS = ("center", "lower third", "top")


def text_mask(text: str, width: int, height: int, size_px: int, placement: str) -> np.ndarray:
    """Coverage (0..1, float32, H x W) of the text laid out centred at the placement."""
    font = ImageFont.load_default(size=size_px)
    canvas = PILImage.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    spacing = size_px // 4
    left, top, right, bottom = draw.multiline_textbbox((0, 0), text, font=font, spacing=spacing, align="center")
    text_w, text_h = right - left, bottom - top
    x = (width - text_w) / 2 - left
    anchor_y = {"center": 0.5, "lower third": 0.8, "top": 0.12}[placement]
    y = height * anchor_y - text_h / 2 - top
    draw.multiline_text((x, y), text, font=font, fill=255, spacing=spacing, align="center")
    return np.asarray(canvas, dtype=np.float32) / 255.0


class TitleCard(NodeType):
    schema = NodeSchema(
        type_id="image.title_card", title="Title Card", category="Image",
        inputs=(Port("background", IMAGE, optional=True, help="Picture under the text; a plain colour if unlinked."),
                Port("text", TEXT, optional=True, help="Overrides the text parameter when linked.")),
        outputs=(Port("image", IMAGE),),
        params=(
            StringParam("text", "Title", multiline=True, help="The words on the card; new lines start new lines."),
            FloatParam("size", 8.0, min=1.0, max=50.0, step=0.5, help="Text height in % of the picture height."),
            EnumParam("placement", "center", PLACEMENTS, help="Where the text sits."),
            ColorParam("color", (1.0, 1.0, 1.0), help="Text colour (display sRGB, 0..1)."),
            FloatParam("opacity", 1.0, min=0.0, max=1.0, step=0.05, help="How solid the text is."),
            ColorParam("background_color", (0.0, 0.0, 0.0), help="Card colour when no background is linked."),
            EnumParam("resolution", "1920x1080 (HD)", RESOLUTION_CHOICES,
                      help="Card size when no background is linked."),
        ),
        help="A title card or lower third: text over a background picture or a plain colour.",
    )

    def execute(self, ctx, inputs, params):
        text = inputs["text"] if inputs["text"] is not None else params["text"]
        background: Image | None = inputs["background"]
        if background is not None:
            base, space = background.pixels[..., :3], background.color_space
        else:
            width, height = RESOLUTIONS[params["resolution"]]
            card = srgb_to_linear(np.asarray(params["background_color"][:3], np.float32))
            base, space = np.broadcast_to(card, (height, width, 3)), "lin_rec709"
        if space != "lin_rec709":
            raise NodeExecutionError(f"Title Card draws over linear Rec.709 pictures; this one is {space}. "
                                     "Convert it first.")
        height, width = base.shape[:2]
        if not text.strip():
            return {"image": Image(np.ascontiguousarray(base, dtype=np.float32), space)}
        coverage = text_mask(text, width, height, max(1, round(height * params["size"] / 100)), params["placement"])
        coverage *= params["opacity"]
        ink = srgb_to_linear(np.asarray(params["color"][:3], np.float32))
        alpha = coverage[..., None]
        pixels = base * (1.0 - alpha) + ink * alpha
        if background is not None and background.pixels.shape[2] == 4:
            pixels = np.concatenate([pixels, background.pixels[..., 3:]], axis=2)
        return {"image": Image(pixels.astype(np.float32), space)}
