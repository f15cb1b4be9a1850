"""Sample-level building blocks of a mix: gain, pan, fades, placement in time, channel layouts.

Everything works on float32 arrays shaped (channels, frames) like `Audio.samples`, vectorised
with numpy/scipy so a feature-length mix stays far faster than real time. Times given in
seconds become frame counts through exact fractions, so an offset of 1001/24000 s (one frame
at 23.976 fps) lands on sample 2002, not one sample either side.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..timebase import frames_from_seconds
from .buffer import SAMPLE_RATE

CURVES = ("linear", "equal-power", "exponential")
ROLES = ("dialogue", "music", "ambience", "fx")
# Below this a gain is treated as silence when shown in dB (a float32 mix has ~150 dB of range).
SILENCE_DB = -150.0
# Stereo -> 5.1: beds also feed the surrounds 6 dB down, enough to fill the room without pulling
# the image off the screen; their bass feeds the LFE below 120 Hz (the usual LFE band) 10 dB
# down, because playback adds 10 dB to the LFE channel and the mains still carry the bass.
SURROUND_GAIN = 10 ** (-6 / 20)
LFE_GAIN = 10 ** (-10 / 20)
LFE_CUTOFF_HZ = 120.0
# ITU-R BS.775 downmix: centre and surrounds enter each side at -3 dB; the LFE is left out.
DOWNMIX_GAIN = 1 / math.sqrt(2)


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    if isinstance(db, np.ndarray):
        return np.exp(db * (math.log(10.0) / 20.0))  # exp is several times faster than power
    return 10.0 ** (db / 20.0)


def gain_to_db(gain: float | np.ndarray) -> float | np.ndarray:
    """Gain in dB, floored at SILENCE_DB so silence reads as a number rather than -inf."""
    db = 20.0 * np.log10(np.maximum(np.abs(gain), 10 ** (SILENCE_DB / 20)))
    return db if isinstance(gain, np.ndarray) else float(db)


def seconds_to_frames(seconds: float | Fraction, rate: int = SAMPLE_RATE) -> int:
    """The sample a time falls on, by the time model's one rule (engine/timebase.py); not before 0."""
    if seconds < 0:
        raise ValueError(f"a time must not be negative, got {float(seconds)} s")
    return frames_from_seconds(seconds, rate)


def pan_gains(pan: float) -> tuple[float, float]:
    """Equal-power pan of a mono source: (left, right) gains; the centre is -3 dB on each side.

    The sum of squares is 1 at every position, so a sound keeps its loudness as it moves.
    """
    if not -1.0 <= pan <= 1.0:
        raise ValueError(f"pan must be between -1 (left) and 1 (right), got {pan}")
    angle = (pan + 1.0) * math.pi / 4
    return _snap(math.cos(angle)), _snap(math.sin(angle))


def balance_gains(pan: float) -> tuple[float, float]:
    """Balance of a stereo source: the centre leaves both sides alone; moving left fades the right.

    A stereo recording already has its image, so the centre must be unity (not the -3 dB of a
    pan); the far side follows a quarter-cosine to silence at a hard pan.
    """
    if not -1.0 <= pan <= 1.0:
        raise ValueError(f"pan must be between -1 (left) and 1 (right), got {pan}")
    return _snap(math.cos(max(pan, 0.0) * math.pi / 2)), _snap(math.cos(max(-pan, 0.0) * math.pi / 2))


def _snap(gain: float) -> float:
    """cos(pi/2) is 6e-17, not 0: a hard pan must leave the far side truly silent."""
    return 0.0 if abs(gain) < 1e-12 else gain


def fade_curve(frames: int, curve: str) -> np.ndarray:
    """A rising gain of `frames` samples that starts at exactly 0 and ends one step below 1."""
    if curve not in CURVES:
        raise ValueError(f"fade curve must be one of {', '.join(CURVES)}, got {curve!r}")
    t = np.arange(frames, dtype=np.float64) / max(frames, 1)
    if curve == "linear":
        ramp = t
    elif curve == "equal-power":
        ramp = np.sin(t * math.pi / 2)  # a crossfade between two equal-power fades keeps the level
    else:
        # Exponential: even steps in dB over the last 60 dB, pinned to exactly 0 at the start.
        k = math.log(1000.0)
        ramp = np.expm1(k * t) / math.expm1(k)
    return ramp.astype(np.float32)


def apply_fades(samples: np.ndarray, fade_in: int, fade_out: int, curve: str) -> np.ndarray:
    """Fade in over the first `fade_in` frames and out over the last `fade_out` (a new array).

    The first sample of a fade-in and the last of a fade-out are exactly 0; fades longer than
    the sound are cut to its length, and overlapping fades multiply.
    """
    out = np.array(samples, np.float32, copy=True)
    frames = out.shape[1]
    fade_in, fade_out = min(max(fade_in, 0), frames), min(max(fade_out, 0), frames)
    if fade_in:
        out[:, :fade_in] *= fade_curve(fade_in, curve)
    if fade_out:
        out[:, frames - fade_out:] *= fade_curve(fade_out, curve)[::-1]
    return out


def place(samples: np.ndarray, offset: int, total: int | None = None) -> np.ndarray:
    """`samples` starting `offset` frames into silence; cut or padded to `total` frames if given."""
    if offset < 0:
        raise ValueError(f"an offset must not be negative, got {offset} frames")
    channels, frames = samples.shape
    total = offset + frames if total is None else total
    out = np.zeros((channels, total), np.float32)
    if offset < total:
        end = min(total, offset + frames)
        out[:, offset:end] = samples[:, :end - offset]
    return out


def fit_length(samples: np.ndarray, total: int) -> np.ndarray:
    """Cut or pad with silence to exactly `total` frames (the same array when it already fits)."""
    return samples if samples.shape[1] == total else place(samples, 0, total)


def resample(samples: np.ndarray, rate: int, to_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Convert between sample rates with a polyphase filter (exact ratio, no drift over a film)."""
    from scipy import signal

    if rate == to_rate:
        return samples
    ratio = Fraction(to_rate, rate)
    return signal.resample_poly(samples, ratio.numerator, ratio.denominator, axis=1).astype(np.float32)


def resample_to_length(samples: np.ndarray, total: int) -> np.ndarray:
    """`samples` resampled to exactly `total` frames: a rate change and a speed change in one polyphase
    filter, for a take whose span is mapped onto another (a video model's seconds stretched over a
    shot's, as its frames are). Exact when the lengths' ratio reduces to terms below 65536 (sample
    and frame rates make it so); otherwise the nearest such ratio, within a few frames of `total`,
    which the last step cuts or pads."""
    from scipy import signal

    frames = samples.shape[1]
    if frames == total:
        return samples
    if frames == 0:
        raise ValueError("cannot resample an empty take to a length")
    ratio = Fraction(total, frames)
    if max(ratio.numerator, ratio.denominator) > _MAX_POLYPHASE_TERM:  # the filter grows with the terms
        ratio = ratio.limit_denominator(max(1, min(_MAX_POLYPHASE_TERM, _MAX_POLYPHASE_TERM * frames // total)))
    out = signal.resample_poly(samples, ratio.numerator, ratio.denominator, axis=1).astype(np.float32)
    return fit_length(out, total)


_MAX_POLYPHASE_TERM = 65535  # ~0.5 s to design and run such a filter over a few seconds of stereo


def to_stereo(samples: np.ndarray) -> np.ndarray:
    """Mono panned to the centre (equal-power), stereo as is, 5.1 folded down per ITU-R BS.775."""
    channels = samples.shape[0]
    if channels == 2:
        return samples
    if channels == 1:
        left, right = pan_gains(0.0)
        return np.concatenate([samples * np.float32(left), samples * np.float32(right)])
    if channels == 6:
        front, centre, surround = samples[0:2], samples[2], samples[4:6]
        return (front + np.float32(DOWNMIX_GAIN) * (centre[None] + surround)).astype(np.float32)
    raise ValueError(f"cannot make stereo from {channels} channels; use mono, stereo or 5.1")


def lfe_feed(mono: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The low-frequency effects channel: a 4th-order low-pass at 120 Hz, 10 dB down."""
    from scipy import signal

    sos = signal.butter(4, LFE_CUTOFF_HZ, "lowpass", fs=rate, output="sos")
    return (signal.sosfilt(sos, mono) * LFE_GAIN).astype(np.float32)


def to_surround(samples: np.ndarray, role: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono/stereo up to 5.1 (L R C LFE Ls Rs) the way a mixer would place each kind of sound.

    Dialogue goes to the centre speaker only (folded to mono, energy kept: a centred voice
    comes out of C at the level it had), so it stays anchored to the screen. Music, ambience
    and effects keep their L/R image, spill into the surrounds and feed their bass to the LFE.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    channels, frames = samples.shape
    if channels == 6:
        return samples
    if channels not in (1, 2):
        raise ValueError(f"cannot make 5.1 from {channels} channels; use mono or stereo")
    out = np.zeros((6, frames), np.float32)
    if role == "dialogue":
        out[2] = samples[0] if channels == 1 else (samples[0] + samples[1]) * np.float32(DOWNMIX_GAIN)
        return out
    stereo = to_stereo(samples)
    out[0:2] = stereo
    out[4:6] = stereo * np.float32(SURROUND_GAIN)
    out[3] = lfe_feed((stereo[0] + stereo[1]) * np.float32(DOWNMIX_GAIN), rate)
    return out


def to_layout(samples: np.ndarray, channels: int, role: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Any of mono/stereo/5.1 to `channels` (2 or 6) for a bus of the given role."""
    if samples.shape[0] == 0:
        raise ValueError("cannot make a layout from no channels at all")
    if channels == 2:
        return to_stereo(samples)
    if channels == 6:
        return to_surround(samples, role, rate)
    raise ValueError(f"a mix is stereo (2 channels) or 5.1 (6 channels), not {channels} channels")
