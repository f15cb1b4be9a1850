"""Mixdown: notes onto a stereo bus, a synthetic hall, a look-ahead limiter and the tail fade.

Each part has a level, a stereo position and a reverb send, as on a mixing desk. The hall is a
convolution with seeded, exponentially decaying noise that differs per side, which gives the
width and the decorrelated tail of a room. The limiter only ever lowers gain, so the cue's
dynamics (a quiet intro, a loud peak, intensity 0.2 vs 0.9) survive; it just never clips.
"""

from __future__ import annotations

import math

import numpy as np

from ..buffer import SAMPLE_RATE as SR
from .instruments import Voices, lowpass
from .moods import Mood
from .parts import Note

# part -> (level, pan -1..1, reverb send)
MIX = {"pad": (0.34, 0.0, 0.6), "bass": (0.34, 0.0, 0.05), "arp": (0.2, 0.3, 0.5), "lead": (0.22, -0.15, 0.45),
       "kick": (0.55, 0.0, 0.05), "snare": (0.32, 0.05, 0.25), "hat": (0.12, 0.35, 0.1),
       "open_hat": (0.14, -0.3, 0.3)}
HEADROOM = 0.8


def pan_gains(pan: float) -> tuple[float, float]:
    """Equal-power panning: the sum of squares stays 1, so a sound keeps its loudness as it moves."""
    angle = (pan + 1.0) * math.pi / 4
    return math.cos(angle), math.sin(angle)


class Bus:
    def __init__(self, frames: int):
        self.frames = frames
        self.dry = np.zeros((2, frames), np.float32)
        self.send = np.zeros((2, frames), np.float32)

    def add(self, sound: np.ndarray, start: float, level: float, pan: float, send: float) -> None:
        begin = int(round(start * SR))
        if begin >= self.frames:
            return
        sound = sound[..., : self.frames - begin]
        end = begin + sound.shape[-1]
        if sound.ndim == 1:
            left, right = pan_gains(pan)
            sound = np.stack([sound * left, sound * right])
        self.dry[:, begin:end] += sound * level
        if send:
            self.send[:, begin:end] += sound * (level * send)


def hall(send: np.ndarray, rng: np.random.Generator, seconds: float = 2.2) -> np.ndarray:
    """Convolve with decaying noise (different per side), darkened: a plausible, wide room tail."""
    from scipy import signal

    t = np.arange(int(seconds * SR)) / SR
    ir = rng.standard_normal((2, t.size)) * np.exp(-6.9 * t / seconds)  # -60 dB at `seconds`
    ir = lowpass(ir, 5000.0, 1) * np.minimum(1.0, t / 0.012)  # a short pre-delay-like onset
    ir = (ir / np.sqrt(np.sum(ir ** 2, axis=1, keepdims=True))).astype(np.float32)
    # Per channel and in float32: a 2-D or float64 convolution of a long cue is several times slower.
    return np.stack([signal.oaconvolve(send[c], ir[c])[: send.shape[1]] for c in range(2)]).astype(np.float32)


def limit(x: np.ndarray, ceiling: float = 0.98) -> np.ndarray:
    """Look-ahead peak limiter: gain is lowered ~5 ms before a peak and never raised above 1."""
    from scipy import ndimage

    look = int(0.005 * SR)
    need = np.minimum(1.0, ceiling / np.maximum(np.max(np.abs(x), axis=0), 1e-9))
    gain = ndimage.minimum_filter1d(need, 2 * look + 1)
    # A moving average no wider than the look-ahead stays below `need` at every peak (see the
    # minimum filter), so the smoothing removes zipper noise without letting a peak through.
    gain = ndimage.uniform_filter1d(gain, look + 1)
    return np.clip(x * gain, -ceiling, ceiling).astype(np.float32)


def fades(x: np.ndarray, tail_s: float) -> np.ndarray:
    """A 5 ms fade-in (no click) and a cosine tail fade that reaches silence on the last frame."""
    n = x.shape[1]
    head = min(n, int(0.005 * SR))
    x[:, :head] *= np.linspace(0.0, 1.0, head, dtype=np.float32)
    tail = min(n, max(1, int(tail_s * SR)))
    x[:, n - tail:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, math.pi, tail))).astype(np.float32)
    return x


def mixdown(notes: list[Note], voices: Voices, mood: Mood, frames: int, tail_s: float, gain_db: float,
            rng: np.random.Generator, progress=None) -> np.ndarray:
    bus = Bus(frames)
    for i, note in enumerate(notes):
        level, pan, send = MIX[note.part]
        if note.part == "pad":
            sound = voices.pad(list(note.pitches), note.seconds, mood.pad_brightness)
        elif note.part == "bass":
            sound = voices.bass(note.pitches[0], note.seconds)
        elif note.part in ("arp", "lead"):
            timbre = mood.arp_timbre if note.part == "arp" or mood.arp_timbre != "pluck" else "keys"
            sound = voices.struck(timbre, note.pitches[0], note.seconds)
            pan = pan * (1 if i % 2 else -1) if note.part == "arp" else pan  # arpeggio alternates sides
        else:
            sound = voices.drum(note.part, i)
        bus.add(sound, note.start, level * note.velocity, pan, send)
        if progress and i % 200 == 0:
            progress(0.1 + 0.7 * i / max(1, len(notes)), "playing the parts")
    if progress:
        progress(0.85, "mixing")
    mix = bus.dry + hall(bus.send, rng) * mood.reverb * 2.5
    mix *= HEADROOM * 10 ** (gain_db / 20)
    return limit(fades(mix, tail_s))
