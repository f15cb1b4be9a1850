"""SMPTE-style colour bars: the reference pattern used to check a grade, a display or an export chain."""

from __future__ import annotations

import numpy as np

from engine.color import srgb_to_linear
from engine.image import Image
from engine.ports import IMAGE
from engine.schema import EnumParam, NodeSchema, NodeType, Port

from .resolution import RESOLUTION_CHOICES, RESOLUTION_RENAMED, RESOLUTIONS

# Encoded (display) values after SMPTE EG 1-1990, as 8-bit RGB commonly used for digital bars.
_TOP = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191)]
_MIDDLE = [(0, 0, 191), (0, 0, 0), (191, 0, 191), (0, 0, 0), (0, 191, 191), (0, 0, 0), (191, 191, 191)]
_MINUS_I, _WHITE, _PLUS_Q, _BLACK = (0, 33, 76), (255, 255, 255), (50, 0, 106), (0, 0, 0)
# PLUGE: black, +2 % and +4 % above black, to set a display's black level by eye.
_PLUGE = [(0, 0, 0), (5, 5, 5), (10, 10, 10)]


def color_bars_encoded(width: int, height: int) -> np.ndarray:
    """The pattern as 8-bit encoded RGB, H x W x 3."""
    out = np.zeros((height, width, 3), np.uint8)
    top_end, middle_end = round(height * 0.67), round(height * 0.75)
    edges = np.linspace(0, width, 8).round().astype(int)
    for i, color in enumerate(_TOP):
        out[:top_end, edges[i]:edges[i + 1]] = color
    for i, color in enumerate(_MIDDLE):
        out[top_end:middle_end, edges[i]:edges[i + 1]] = color
    # Bottom row: -I, white, +Q under the first four bars, then black with PLUGE under the 5th/6th bar.
    bar = width / 7
    bottom = [(0, 1.25, _MINUS_I), (1.25, 2.5, _WHITE), (2.5, 3.75, _PLUS_Q), (3.75, 5, _BLACK),
              (5, 5 + 1 / 3, _PLUGE[0]), (5 + 1 / 3, 5 + 2 / 3, _PLUGE[1]), (5 + 2 / 3, 6, _PLUGE[2]), (6, 7, _BLACK)]
    for start, end, color in bottom:
        out[middle_end:, round(start * bar):round(end * bar)] = color
    return out


class ColorBars(NodeType):
    schema = NodeSchema(
        type_id="image.color_bars", title="Colour Bars", category="Image",
        outputs=(Port("image", IMAGE, help="The bars, scene-linear Rec.709."),),
        params=(EnumParam("resolution", "1920x1080", RESOLUTION_CHOICES, renamed=RESOLUTION_RENAMED,
                          help="Size of the pattern."),),
        help="SMPTE-style 75 % colour bars with PLUGE, to check grades, displays and exports.",
    )

    def execute(self, ctx, inputs, params):
        width, height = RESOLUTIONS[params["resolution"]]
        encoded = color_bars_encoded(width, height).astype(np.float32) / 255.0
        return {"image": Image(srgb_to_linear(encoded), "lin_rec709")}
