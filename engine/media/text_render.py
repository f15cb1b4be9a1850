"""Text laid out and rasterised with Pillow as an anti-aliased coverage mask (titles, subtitles).

Qt-free, so titles render the same in the editor, headless and on a farm. The built-in font is
Pillow's bundled Aileron (CC0); any TrueType/OpenType file can be named instead.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

PLACEMENTS = {"center": 0.5, "lower third": 0.8, "top": 0.12}


@lru_cache(maxsize=32)
def load_font(font_path: str, size_px: int) -> ImageFont.FreeTypeFont:
    if not font_path:
        return ImageFont.load_default(size=size_px)
    try:
        return ImageFont.truetype(font_path, size_px)
    except OSError as exc:
        raise ValueError(f"cannot load the font {font_path}: {exc}. Choose a .ttf or .otf file, "
                         "or leave the font empty for the built-in one.") from exc


def text_mask(text: str, width: int, height: int, size_px: int, placement: str = "center",
              font_path: str = "") -> np.ndarray:
    """Coverage (0..1, float32, H x W) of the text, centred horizontally at the placement."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}; use one of {', '.join(PLACEMENTS)}")
    font = load_font(font_path, max(1, int(size_px)))
    canvas = PILImage.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    spacing = size_px // 4
    left, top, right, bottom = draw.multiline_textbbox((0, 0), text, font=font, spacing=spacing, align="center")
    x = (width - (right - left)) / 2 - left
    y = height * PLACEMENTS[placement] - (bottom - top) / 2 - top
    draw.multiline_text((x, y), text, font=font, fill=255, spacing=spacing, align="center")
    return np.asarray(canvas, dtype=np.float32) / 255.0


def shadow_mask(coverage: np.ndarray, offset_px: int) -> np.ndarray:
    """A soft shadow of a text mask, offset down-right, for legibility over bright pictures."""
    from PIL import ImageFilter

    img = PILImage.fromarray((coverage * 255).astype(np.uint8), "L")
    img = img.filter(ImageFilter.GaussianBlur(max(1, offset_px)))
    shifted = np.zeros_like(coverage)
    h, w = coverage.shape
    o = max(1, offset_px)
    shifted[o:, o:] = (np.asarray(img, dtype=np.float32) / 255.0)[: h - o, : w - o]
    return shifted
