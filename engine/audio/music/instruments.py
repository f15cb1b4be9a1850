"""Synthesis voices: pad, bass, mallet/keys/pluck and a drum kit, each note rendered as one array.

Every voice is a whole-note numpy computation (no per-sample Python): band-limited saws
(polyBLEP) through Butterworth filters for the subtractive pad and bass, additive partials with
per-partial decay for the struck and plucked voices (high partials die first, as on a real
string or bar), and noise/sine recipes for the drums. Notes that recur (same pitch, length and
timbre) are rendered once and scaled, which is what keeps an arpeggiated cue fast.
"""

from __future__ import annotations

import numpy as np

from ..buffer import SAMPLE_RATE as SR
from .theory import midi_to_hz

# Partial recipes of the struck/plucked voices: (frequency ratio, amplitude, decay seconds).
TIMBRES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "keys": ((1.0, 1.0, 1.6), (2.0, 0.32, 0.9), (3.0, 0.12, 0.5), (4.0, 0.05, 0.3), (7.0, 0.02, 0.08)),
    "pluck": tuple((k, 0.9 / k ** 1.1, 0.9 / (1 + 0.45 * k ** 1.2)) for k in range(1, 11)),
    "bell": ((1.0, 1.0, 2.2), (2.0, 0.45, 1.4), (2.76, 0.35, 1.0), (5.40, 0.15, 0.5), (8.93, 0.07, 0.25)),
    "marimba": ((1.0, 1.0, 0.45), (3.93, 0.25, 0.12), (9.9, 0.06, 0.04)),
}


def envelope(hold: int, attack: float, decay: float, sustain: float, release: float) -> np.ndarray:
    """ADSR gains for a note held `hold` samples, followed by its release (linear segments)."""
    a, d, r = max(1, int(attack * SR)), max(1, int(decay * SR)), max(1, int(release * SR))
    held = np.interp(np.arange(hold), [0, a, a + d], [0.0, 1.0, sustain])
    level = float(held[-1]) if hold else 0.0
    return np.concatenate([held, level * np.linspace(1.0, 0.0, r)])


def saw(freq: float, n: int, phase: float = 0.0) -> np.ndarray:
    """A band-limited sawtooth: polyBLEP removes the aliasing a naive ramp folds into the band.

    The correction touches only the two samples around each wrap, so they are found once
    (where the phase falls) instead of testing every sample against the thresholds.
    """
    dt = freq / SR
    p = (phase + dt * np.arange(n)) % 1.0
    y = 2.0 * p - 1.0
    after = np.flatnonzero(p[1:] < p[:-1]) + 1  # first sample of each new cycle
    t = p[after] / dt
    y[after] -= t + t - t * t - 1.0
    before = after - 1
    t = (p[before] - 1.0) / dt
    y[before] -= t * t + t + t + 1.0
    return y


def lowpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    from scipy import signal

    sos = signal.butter(order, min(cutoff, 0.45 * SR), "low", fs=SR, output="sos")
    return signal.sosfilt(sos, x, axis=-1)


class Voices:
    """Renders notes for one cue; its noise comes from the cue's generator, so a seed repeats exactly."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._cache: dict[tuple, np.ndarray] = {}
        self._kit = {name: [make(rng) for _ in range(3)] for name, make in
                     (("kick", _kick), ("snare", _snare), ("hat", _hat), ("open_hat", _open_hat))}

    def pad(self, pitches: list[int], seconds: float, brightness: float) -> np.ndarray:
        """A stereo chord: two detuned saws per note, one per side (width), slow swell and release.

        Progressions repeat, so a chord already rendered at this length is reused: the saws are
        the most expensive part of a cue.
        """
        hold = max(1, int(seconds * SR))
        key = ("pad", tuple(pitches), hold, brightness)
        if key in self._cache:
            return self._cache[key]
        env = envelope(hold, min(0.8, seconds / 3), 0.5, 0.85, 1.4)
        n = env.size
        out = np.zeros((2, n))
        for pitch in pitches:
            f = float(midi_to_hz(pitch))
            for side, cents in ((0, -7.0), (1, 7.0)):  # detuned per side: slow beating, a wide image
                out[side] += saw(f * 2 ** (cents / 1200), n, float(self.rng.random()))
        out = lowpass(out, brightness, 2) * env / max(1, len(pitches))
        self._cache[key] = out.astype(np.float32)
        return self._cache[key]

    def bass(self, pitch: int, seconds: float) -> np.ndarray:
        """Sub sine plus a filtered saw: the sine carries the note, the saw lets it cut on small speakers."""
        key = ("bass", pitch, int(seconds * SR))
        if key not in self._cache:
            f = float(midi_to_hz(pitch))
            env = envelope(max(1, key[2]), 0.006, 0.25, 0.7, 0.09)
            n = env.size
            t = np.arange(n) / SR
            body = np.sin(2 * np.pi * f * t) + 0.6 * lowpass(saw(f, n), 6 * f + 300, 2)
            self._cache[key] = (body * env).astype(np.float32)
        return self._cache[key]

    def struck(self, timbre: str, pitch: int, seconds: float) -> np.ndarray:
        """A mallet, key or plucked note: decaying partials, cut off with a short release after `seconds`."""
        key = (timbre, pitch, int(seconds * SR))
        if key not in self._cache:
            f = float(midi_to_hz(pitch))
            ring = max(1, key[2])
            n = ring + int(0.12 * SR)
            t = np.arange(n) / SR
            out = np.zeros(n)
            for ratio, amp, decay in TIMBRES[timbre]:
                if f * ratio < 0.45 * SR:  # partials above Nyquist would alias
                    out += amp * np.sin(2 * np.pi * f * ratio * t) * np.exp(-t / decay)
            gate = np.ones(n)
            gate[ring:] = np.linspace(1.0, 0.0, n - ring)
            attack = np.minimum(1.0, t / 0.002)  # 2 ms: a click-free but percussive onset
            self._cache[key] = (out * gate * attack).astype(np.float32)
        return self._cache[key]

    def drum(self, name: str, variant: int) -> np.ndarray:
        kit = self._kit[name]
        return kit[variant % len(kit)]


def _seconds(s: float) -> np.ndarray:
    return np.arange(int(s * SR)) / SR


def _kick(rng: np.random.Generator) -> np.ndarray:
    """A sine whose pitch falls fast from ~160 Hz to ~48 Hz (the thump) plus a short click."""
    t = _seconds(0.45)
    freq = 48 + 115 * np.exp(-t / 0.035)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.18)
    click = lowpass(rng.standard_normal(t.size), 4000) * np.exp(-t / 0.004) * 0.5
    return ((body + click) * np.minimum(1.0, t / 0.001)).astype(np.float32)


def _snare(rng: np.random.Generator) -> np.ndarray:
    """Two drum-head modes for the body and band-passed noise for the wires."""
    from scipy import signal

    t = _seconds(0.3)
    head = (np.sin(2 * np.pi * 185 * t) + 0.5 * np.sin(2 * np.pi * 330 * t)) * np.exp(-t / 0.05)
    sos = signal.butter(2, [1200, 9000], "bandpass", fs=SR, output="sos")
    wires = signal.sosfilt(sos, rng.standard_normal(t.size)) * np.exp(-t / 0.09) * 1.6
    return (0.6 * head + wires).astype(np.float32)


def _hat(rng: np.random.Generator, decay: float = 0.035, seconds: float = 0.12) -> np.ndarray:
    """High-passed noise with a metallic ring of inharmonic square-ish partials, very short."""
    from scipy import signal

    t = _seconds(seconds)
    metal = sum(np.sign(np.sin(2 * np.pi * f * t)) for f in (3270.0, 4540.0, 5810.0, 7390.0)) * 0.15
    sos = signal.butter(4, 7000, "high", fs=SR, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(t.size) + metal)
    return (noise * np.exp(-t / decay) * 0.7).astype(np.float32)


def _open_hat(rng: np.random.Generator) -> np.ndarray:
    return _hat(rng, decay=0.18, seconds=0.5)
