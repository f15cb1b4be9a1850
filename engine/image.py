"""A single picture inside the engine: float32 pixels, scene-linear, with its colour space named.

Conversion to display or file encodings (sRGB, Rec.709) happens only at preview and export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Working spaces a picture may declare; the transfer is linear in all of them.
WORKING_SPACES = ("lin_rec709", "acescg")


@dataclass(frozen=True, eq=False)
class Image:
    pixels: np.ndarray  # H x W x 3 (RGB) or 4 (RGBA, straight alpha), float32, scene-linear
    color_space: str = "lin_rec709"

    def __post_init__(self) -> None:
        if self.pixels.dtype != np.float32:
            raise ValueError(f"Image pixels must be float32, got {self.pixels.dtype}")
        if self.pixels.ndim != 3 or self.pixels.shape[2] not in (3, 4):
            raise ValueError(f"Image pixels must be H x W x 3 or 4, got shape {self.pixels.shape}")
        if self.color_space not in WORKING_SPACES:
            raise ValueError(f"unknown working space {self.color_space!r}; use one of {WORKING_SPACES}")

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


class ImageCodec:
    """Stores the float pixels exactly (.npy) and the colour space beside them."""

    def encode(self, value: Image, folder: Path, stem: str) -> dict:
        name = f"{stem}.npy"
        np.save(folder / name, np.ascontiguousarray(value.pixels), allow_pickle=False)
        return {"file": name, "color_space": value.color_space}

    def decode(self, manifest: dict, files) -> Image:
        return Image(files.load_array(manifest["file"]), manifest["color_space"])
