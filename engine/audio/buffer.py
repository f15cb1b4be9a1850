"""An audio buffer: float32 samples, channels x frames, at the engine's 48 kHz.

Sound is held whole (a ten-minute stereo mix is ~230 MB), unlike pictures, which stream;
channel order for 5.1 follows SMPTE/ITU (L, R, C, LFE, Ls, Rs), as ffmpeg's "5.1" layout does.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..timebase import frames_from_seconds

SAMPLE_RATE = 48000
LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


@dataclass(frozen=True, eq=False)
class Audio:
    samples: np.ndarray  # float32, shape (channels, frames), nominal range -1..1
    sample_rate: int = SAMPLE_RATE

    def __post_init__(self) -> None:
        if self.samples.dtype != np.float32:
            raise ValueError(f"audio samples must be float32, got {self.samples.dtype}")
        if self.samples.ndim != 2 or self.samples.shape[0] not in LAYOUTS:
            raise ValueError(f"audio must be (channels, frames) with 1, 2 or 6 channels, got {self.samples.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> Fraction:
        """Length in seconds, exact."""
        return Fraction(self.frames, self.sample_rate)

    @property
    def layout(self) -> str:
        return LAYOUTS[self.channels]

    @classmethod
    def silence(cls, seconds: Fraction | float, channels: int = 2) -> "Audio":
        """Room for a mix to be summed into (not a product output on its own)."""
        frames = frames_from_seconds(seconds, SAMPLE_RATE)
        return cls(np.zeros((channels, frames), np.float32))


class AudioCodec:
    """Stores samples exactly (.npy float32) with their rate."""

    def encode(self, value: Audio, folder: Path, stem: str) -> dict:
        name = f"{stem}.npy"
        np.save(folder / name, np.ascontiguousarray(value.samples), allow_pickle=False)
        return {"file": name, "sample_rate": value.sample_rate}

    def decode(self, manifest: dict, files) -> Audio:
        return Audio(files.load_array(manifest["file"]), manifest["sample_rate"])
