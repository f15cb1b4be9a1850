"""compose(): a finished music cue of an exact length from mood, tempo, key, intensity and seed.

The pipeline is theory (key and mode) -> arrangement (form and energy, planned back from the
end) -> parts (the notes each instrument plays) -> render (synthesis, mix, hall, limiter). One
numpy Generator seeded from `seed` drives every choice in that order, so a seed repeats exactly.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..buffer import SAMPLE_RATE, Audio
from .arrangement import Arrangement, plan
from .instruments import Voices
from .moods import mood as find_mood
from .parts import PartWriter
from .render import mixdown
from .theory import MODES, Scale, pitch_class

MIN_TEMPO, MAX_TEMPO = 40.0, 200.0
MAX_LENGTH = 3600.0
MODE_CHOICES = ("auto",) + tuple(MODES)

Progress = Callable[[float, str], None]


def check(length: float, tempo: float, intensity: float) -> None:
    """ValueError for a request no cue can satisfy, saying what range fits."""
    if not (isinstance(length, (int, float)) and math.isfinite(length) and 0 < length <= MAX_LENGTH):
        raise ValueError(f"music length must be between 0 and {MAX_LENGTH:.0f} seconds, got {length!r}; "
                         "set a positive length (or link one)")
    if length * SAMPLE_RATE < 1:
        raise ValueError(f"music length {length} s is shorter than one sample; use a longer length")
    if not (isinstance(tempo, (int, float)) and MIN_TEMPO <= tempo <= MAX_TEMPO):
        raise ValueError(f"tempo must be between {MIN_TEMPO:.0f} and {MAX_TEMPO:.0f} BPM, got {tempo!r}; "
                         "halve or double it to bring it into range")
    if not (isinstance(intensity, (int, float)) and 0.0 <= intensity <= 1.0):
        raise ValueError(f"intensity must be between 0 and 1, got {intensity!r}")


def arrange(length: float, mood: str, tempo: float, key: str = "C", mode: str = "auto", intensity: float = 0.5,
            seed: int = 0) -> tuple[Arrangement, Scale, np.random.Generator]:
    """The plan of a cue (for inspection and tests); compose() renders it."""
    check(length, tempo, intensity)
    character = find_mood(mood)
    if mode not in MODE_CHOICES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODE_CHOICES)}")
    scale = Scale(pitch_class(key), character.mode if mode == "auto" else mode)
    rng = np.random.default_rng(seed)
    return plan(float(length), float(tempo), character, scale, float(intensity), rng), scale, rng


def compose(length: float, mood: str = "warm", tempo: float = 100.0, key: str = "C", mode: str = "auto",
            intensity: float = 0.5, seed: int = 0, gain_db: float = 0.0, progress: Progress | None = None) -> Audio:
    """Stereo float32 music at 48 kHz, exactly round(length * 48000) frames, ending on the tonic."""
    arrangement, scale, rng = arrange(length, mood, tempo, key, mode, intensity, seed)
    character = find_mood(mood)
    if progress:
        progress(0.05, "writing the parts")
    notes = PartWriter(arrangement, character, scale, rng).write()
    frames = round(length * SAMPLE_RATE)
    final = arrangement.final
    ring_s = length - final.start_beat * arrangement.beat_s
    # The fade covers the last part of the final chord's ring, so the cue ends in silence on time.
    tail_s = min(2.5, max(0.05, 0.6 * ring_s))
    samples = mixdown(notes, Voices(rng), character, frames, tail_s, gain_db, rng, progress)
    if progress:
        progress(1.0, "done")
    return Audio(np.ascontiguousarray(samples, dtype=np.float32))
