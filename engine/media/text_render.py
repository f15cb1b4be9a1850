"""Text laid out and rasterised with Pillow as an anti-aliased coverage mask (titles, subtitles).

Qt-free, so titles render the same in the editor, headless and on a farm. The built-in font is
Pillow's bundled Aileron (CC0); any TrueType/OpenType file can be named instead.

Layout: the text block (all its lines) is placed by one anchor point. The preset placements put
the block's centre at a fixed height, centred across the picture (or against the title-safe edge
when aligned left or right); "custom" takes the anchor as fractions of the frame and then slides
the block back inside the title-safe area, so a title can never be cut off by a TV's overscan or
a social-media crop.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

PLACEMENTS = {"center": 0.5, "lower third": 0.8, "top": 0.12}  # height of the block's centre
CUSTOM = "custom"
PLACEMENT_CHOICES = (*PLACEMENTS, CUSTOM)
ALIGNMENTS = ("left", "center", "right")
# Title-safe area: the central 90 % of width and height (SMPTE ST 2046-1), as subtitles use.
TITLE_SAFE_MARGIN = 0.05


def load_font(font_path: str, size_px: int) -> ImageFont.FreeTypeFont:
    if not font_path:
        return _load_font("", size_px, None)
    path = Path(font_path)
    if not path.is_file():
        raise ValueError(f"cannot load the font {font_path}: the file does not exist. Choose a .ttf or .otf "
                         "file, or leave the font empty for the built-in one.")
    stat = path.stat()
    # The file's size and time are part of the key, so an edited font file is read again.
    return _load_font(os.fspath(path), size_px, (stat.st_size, stat.st_mtime_ns))


@lru_cache(maxsize=32)
def _load_font(font_path: str, size_px: int, stamp: tuple[int, int] | None) -> ImageFont.FreeTypeFont:
    if not font_path:
        return ImageFont.load_default(size=size_px)
    try:
        return ImageFont.truetype(font_path, size_px)
    except OSError as exc:
        raise ValueError(f"cannot load the font {font_path}: {exc}. Choose a .ttf or .otf file, "
                         "or leave the font empty for the built-in one.") from exc


def text_mask(text: str, width: int, height: int, size_px: int, placement: str = "center",
              font_path: str = "", align: str = "center", position: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """Coverage (0..1, float32, H x W) of the text laid out at `placement`.

    `align` lines the lines up with each other and says which edge of the block the anchor marks;
    `position` (x, y as fractions of the frame) is the anchor of the "custom" placement.
    """
    if placement not in PLACEMENT_CHOICES:
        raise ValueError(f"unknown placement {placement!r}; use one of {', '.join(PLACEMENT_CHOICES)}")
    if align not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {align!r}; use one of {', '.join(ALIGNMENTS)}")
    font = load_font(font_path, max(1, int(size_px)))
    canvas = PILImage.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    spacing = size_px // 4
    box = draw.multiline_textbbox((0, 0), text, font=font, spacing=spacing, align=align)
    x, y = text_origin(box, width, height, placement, align, position)
    draw.multiline_text((x, y), text, font=font, fill=255, spacing=spacing, align=align)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def text_origin(box: tuple[float, float, float, float], width: int, height: int, placement: str, align: str,
                position: tuple[float, float]) -> tuple[float, float]:
    """Where to draw text whose bounding box, drawn at (0, 0), is `box`, for this layout."""
    left, top, right, bottom = box
    block_w, block_h = right - left, bottom - top
    if placement == CUSTOM:
        anchor_x, centre_y = position[0] * width, position[1] * height
    else:
        anchor_x = {"left": width * TITLE_SAFE_MARGIN, "center": width / 2,
                    "right": width * (1 - TITLE_SAFE_MARGIN)}[align]
        centre_y = height * PLACEMENTS[placement]
    block_left = anchor_x - {"left": 0.0, "center": block_w / 2, "right": block_w}[align]
    block_top = centre_y - block_h / 2
    if placement == CUSTOM:
        # Only the new placement is held inside title-safe: the presets keep the positions
        # they always had, so existing projects render unchanged.
        block_left = inside_title_safe(block_left, block_w, width)
        block_top = inside_title_safe(block_top, block_h, height)
    return block_left - left, block_top - top


def inside_title_safe(start: float, length: float, extent: int) -> float:
    """`start` moved as little as needed for start..start+length to lie in the title-safe part of 0..extent.

    A block longer than the safe area is centred on the frame, spilling evenly on both sides.
    """
    low, high = extent * TITLE_SAFE_MARGIN, extent * (1 - TITLE_SAFE_MARGIN) - length
    if high < low:
        return (extent - length) / 2
    return min(max(start, low), high)


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
