"""Procedural ambience beds (room tone, wind, rain, crowd murmur) and one-shot effects (whoosh, hit).

Each sound is modelled on what makes the real one recognisable rather than on a recording:
room tone is quiet coloured noise with a trace of mains hum; wind is low band-passed noise whose
level and brightness follow slow gusts; rain is a noise bed plus thousands of droplet impulses
ringing small resonances; a crowd is many formant-filtered voices, each talking in syllables and
pausing between phrases. Channels get independent noise, so beds are wide (decorrelated) stereo.
Everything is drawn from numpy.random.default_rng(seed): the same seed gives the same samples.
"""

from __future__ import annotations

import math

import numpy as np

from .buffer import SAMPLE_RATE as SR
from .buffer import Audio
from .music.render import limit

BEDS = ("room tone", "wind", "rain", "crowd murmur")
EFFECTS = ("whoosh", "hit")
MAX_LENGTH = 3600.0
MAX_EFFECT_LENGTH = 60.0  # a one-shot longer than this is a bed, not an effect
# Vowel formants (F1, F2, F3 in Hz) of an average adult voice: what makes noise sound like speech.
VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410), (300, 870, 2240))


def _frames(length: float, what: str, longest: float = MAX_LENGTH) -> int:
    if not (isinstance(length, (int, float)) and math.isfinite(length) and 0 < length <= longest):
        raise ValueError(f"{what} length must be between 0 and {longest:.0f} seconds, got {length!r}")
    return max(1, round(length * SR))


def _check_intensity(intensity: float) -> float:
    if not (isinstance(intensity, (int, float)) and 0.0 <= intensity <= 1.0):
        raise ValueError(f"intensity must be between 0 and 1, got {intensity!r}")
    return float(intensity)


def _filter(x: np.ndarray, kind: str, cutoff, order: int = 2) -> np.ndarray:
    from scipy import signal

    return signal.sosfilt(signal.butter(order, cutoff, kind, fs=SR, output="sos"), x, axis=-1)


def _resonator(x: np.ndarray, freq: float, q: float) -> np.ndarray:
    from scipy import signal

    b, a = signal.iirpeak(freq, q, fs=SR)
    return signal.lfilter(b, a, x, axis=-1)


def _slow(rng: np.random.Generator, n: int, rate_hz: float, channels: int = 1) -> np.ndarray:
    """A smooth random curve in 0..1 changing about `rate_hz` times a second (gusts, phrasing)."""
    from scipy import signal

    points = max(4, int(n / SR * rate_hz) + 4)
    knots = rng.random((channels, points))
    x = np.linspace(0, points - 3, n)
    curve = np.stack([np.interp(x, np.arange(points), k) for k in knots])
    # Interpolated knots have corners; a one-pole smoother rounds them into gusts.
    pole = math.exp(-2 * math.pi * rate_hz / SR)
    smooth = signal.lfilter([1 - pole], [1, -pole], curve - curve[:, :1], axis=-1) + curve[:, :1]
    return smooth if channels > 1 else smooth[0]


def _control(rng: np.random.Generator, n: int, rate_hz: float, step: int = 96) -> np.ndarray:
    """_slow() computed at 500 Hz and held per step: plenty for pitch drift and phrasing, 100x cheaper."""
    return np.repeat(_slow(rng, n // step + 1, rate_hz * step), step)[:n].astype(np.float32)


def _rms_to(x: np.ndarray, level: float) -> np.ndarray:
    return x * (level / max(float(np.sqrt(np.mean(x ** 2))), 1e-12))


def room_tone(n: int, intensity: float, rng: np.random.Generator) -> np.ndarray:
    noise = _filter(rng.standard_normal((2, n)), "low", 1800.0, 2)
    noise += 0.3 * _filter(rng.standard_normal((2, n)), "low", 150.0, 2)  # the room's low rumble
    t = np.arange(n) / SR
    hum_f = 60.0 if rng.random() < 0.5 else 50.0  # mains hum: either grid frequency, barely there
    hum = sum(a * np.sin(2 * np.pi * hum_f * k * t + rng.random() * 6.28) for k, a in ((1, 1.0), (2, 0.5), (3, 0.25)))
    level = 0.004 + 0.012 * intensity  # about -48 to -36 dBFS: present, never noticed
    return _rms_to(noise, level) + hum * level * 0.15


def wind(n: int, intensity: float, rng: np.random.Generator) -> np.ndarray:
    gust = _slow(rng, n, 0.25 + 0.35 * intensity)
    gust = gust ** (1.5 - intensity)  # stronger wind: gusts reach higher more often
    lag = int(0.25 * SR)  # a gust reaches one side a little after the other, as it passes by
    gusts = np.stack([gust, np.concatenate([gust[:1].repeat(lag), gust[: n - lag]])[:n]])
    source = rng.standard_normal((2, n))
    body = _filter(source, "bandpass", [60.0, 500.0], 2)
    # The whistle: a resonance whose strength follows the gust, so gusts sound higher as well as louder.
    whistle = _resonator(_filter(source, "low", 1200.0, 2), 380.0 + 300.0 * intensity, 4.0)
    out = body * (0.25 + gusts) + whistle * gusts ** 2 * 0.8
    return _rms_to(_filter(out, "low", 900.0, 2), 0.05 + 0.12 * intensity)


def rain(n: int, intensity: float, rng: np.random.Generator) -> np.ndarray:
    bed = _filter(rng.standard_normal((2, n)), "bandpass", [400.0, 9000.0], 2)
    bed = _rms_to(bed, 1.0)
    rate = 400 + 4000 * intensity  # droplets per second per side
    drops = np.zeros((2, n))
    for side in range(2):
        count = rng.poisson(rate * n / SR)
        at = rng.integers(0, n, count)
        # Drop sizes are heavy-tailed (a few big ones), capped so no single drop dominates the bed.
        np.add.at(drops[side], at, np.minimum(rng.pareto(3.0, count), 3.0) * rng.choice([-1.0, 1.0], count))
    # Each droplet rings one of a few small resonances (leaves, ground, puddles) then decays fast.
    ringing = sum(_resonator(drops * w, f, q) for f, q, w in
                  ((1800.0, 6.0, 1.0), (3200.0, 8.0, 0.8), (5500.0, 5.0, 0.6), (900.0, 4.0, 0.7)))
    ringing += _filter(drops, "bandpass", [2000.0, 9000.0], 1) * 0.3  # the splash click itself
    out = 0.7 * bed + 0.6 * _rms_to(ringing, 1.0)
    return _rms_to(out, 0.035 + 0.045 * intensity)


def crowd(n: int, intensity: float, rng: np.random.Generator) -> np.ndarray:
    voices = int(6 + 24 * intensity)
    buses = np.zeros((2, len(VOWELS) * n), np.float32)  # one bus per vowel: filtering the sum filters each voice
    t = np.arange(n, dtype=np.float32) / SR
    frame = np.arange(n)
    breath = rng.standard_normal(n + SR).astype(np.float32)  # one noise bank, read at a different offset per voice
    for _ in range(voices):
        f0 = rng.uniform(95, 230) * (1 + 0.06 * (_control(rng, n, 0.8) - 0.5))  # pitch drifts as people talk
        phase = np.cumsum(f0 / SR, dtype=np.float64) + rng.random()
        offset = int(rng.integers(SR))
        buzz = (phase % 1.0).astype(np.float32)
        source = (2 * buzz - 1.0) * 0.6 + breath[offset:offset + n] * 0.4  # voiced buzz + breath
        cycle = rng.uniform(3.5, 5.5) * t + np.float32(rng.random())  # syllables per second, per talker
        syllables = np.maximum(0.0, np.sin(np.float32(2 * np.pi) * cycle))
        talking = np.clip(_control(rng, n, 0.3) * 3 - 1.0, 0.0, 1.0)  # speaks in phrases, then pauses
        voiced = source * syllables * syllables * talking * np.float32(rng.uniform(0.5, 1.0))
        # Each syllable gets a vowel: the sample goes to that vowel's bus (one write per sample).
        vowel = rng.integers(len(VOWELS), size=int(cycle[-1]) + 2)[cycle.astype(np.int64)]
        slots = vowel * n + frame
        pan = rng.uniform(-0.8, 0.8)
        for side, gain in enumerate((math.cos((pan + 1) * math.pi / 4), math.sin((pan + 1) * math.pi / 4))):
            # A few ms of different delay per side, as reflections would give: decorrelates the sides.
            delay = int(rng.integers(0, int(0.012 * SR)))
            buses[side, slots[delay:]] += voiced[: n - delay] * np.float32(gain)
    out = np.zeros((2, n))
    for v, formants in enumerate(VOWELS):
        bus = buses[:, v * n:(v + 1) * n]
        out += sum(_resonator(bus, f, 5.0) * g for f, g in zip(formants, (1.0, 0.6, 0.3)))
    out = _filter(out, "bandpass", [120.0, 3800.0], 2)  # distance: the crowd is across the room
    out += 0.15 * _rms_to(_filter(rng.standard_normal((2, n)), "low", 600.0, 2), float(np.std(out)))
    return _rms_to(out, 0.05 + 0.07 * intensity)


def whoosh(n: int, rng: np.random.Generator) -> np.ndarray:
    """Noise through a band-pass that sweeps up and back down while swelling past the listener."""
    from scipy import signal

    u = np.linspace(0.0, 1.0, n)
    peak = rng.uniform(0.55, 0.7)
    swell = np.where(u < peak, (u / peak) ** 2.5, ((1 - u) / (1 - peak)) ** 1.2)
    center = 250.0 * (14.0 ** np.where(u < peak, u / peak, (1 - u) / (1 - peak)))  # 250 Hz -> 3.5 kHz -> back
    noise = rng.standard_normal((2, n))
    out = np.zeros((2, n))
    block = 1024  # ~21 ms: fine enough steps for a sweep of a second or more
    zi = None
    for start in range(0, n, block):
        # Coefficients change per block while the filter state carries over: a smooth, click-free sweep.
        sos = signal.butter(2, [center[start] / 1.6, min(center[start] * 1.6, 0.45 * SR)], "bandpass", fs=SR,
                            output="sos")
        if zi is None:
            zi = np.zeros((sos.shape[0], 2, 2))
        out[:, start:start + block], zi = signal.sosfilt(sos, noise[:, start:start + block], axis=-1, zi=zi)
    pan = np.clip((u - 0.5) * 1.6, -1, 1)  # it travels from left to right
    side = np.stack([np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)]) * math.sqrt(2)
    return _peak_to(out * swell * side, 0.7)


def hit(n: int, rng: np.random.Generator) -> np.ndarray:
    """An impact: a sine thump falling in pitch, a broadband crack, and a rumbling decaying tail."""
    t = np.arange(n) / SR
    span = n / SR
    freq = 42.0 + 90.0 * np.exp(-t / 0.05)
    thump = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / min(0.4, span / 3))
    crack = _filter(rng.standard_normal((2, n)), "high", 800.0, 1) * np.exp(-t / 0.012)
    tail = _filter(rng.standard_normal((2, n)), "low", 400.0, 2) * np.exp(-t / max(0.05, span / 5)) * 0.9
    out = thump[None, :] + 0.5 * crack + _rms_to(tail, 0.3) * np.minimum(1.0, t / 0.01)
    return _peak_to(out, 0.9)


def _peak_to(x: np.ndarray, peak: float) -> np.ndarray:
    return x * (peak / max(float(np.max(np.abs(x))), 1e-12))


def _finish(x: np.ndarray, gain_db: float, fade_s: float = 0.01) -> Audio:
    n = x.shape[1]
    fade = min(n // 2, int(fade_s * SR))
    if fade:  # no click at either end when the bed is cut into an edit
        ramp = np.linspace(0.0, 1.0, fade)
        x[:, :fade] *= ramp
        x[:, n - fade:] *= ramp[::-1]
    return Audio(limit(x * 10 ** (gain_db / 20)))


def bed(kind: str, length: float, intensity: float = 0.5, seed: int = 0, gain_db: float = 0.0) -> Audio:
    """A stereo ambience bed of exactly round(length * 48000) frames."""
    makers = {"room tone": room_tone, "wind": wind, "rain": rain, "crowd murmur": crowd}
    if kind not in makers:
        raise ValueError(f"unknown ambience {kind!r}; use one of {', '.join(BEDS)}")
    n = _frames(length, "ambience")
    return _finish(makers[kind](n, _check_intensity(intensity), np.random.default_rng(seed)), gain_db, 0.05)


def effect(kind: str, length: float = 1.5, seed: int = 0, gain_db: float = 0.0) -> Audio:
    """A stereo one-shot of exactly round(length * 48000) frames, shaped to fit that length."""
    makers = {"whoosh": whoosh, "hit": hit}
    if kind not in makers:
        raise ValueError(f"unknown effect {kind!r}; use one of {', '.join(EFFECTS)}")
    n = _frames(length, "effect", MAX_EFFECT_LENGTH)
    return _finish(makers[kind](n, np.random.default_rng(seed)), gain_db)
