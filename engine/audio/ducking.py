"""Sidechain ducking: music and ambience dip by a set depth while someone is speaking.

The dialogue bus is the key. Its level is followed at a 1 kHz control rate (RMS over 10 ms,
or the peak of each millisecond); where it is above the threshold, dialogue is present. Short
gaps between words and syllables are held over (`hold_ms`), so the bed does not pump with
the rhythm of speech: it goes down once for a line and comes back once after it.

The gain moves in straight lines in dB: `attack_ms` to reach the full depth, `release_ms` to
return to unity. The render is offline, so the key is read ahead: the dip starts `attack_ms`
before the first word and is complete when the word begins, as a mixer riding a fader would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .buffer import SAMPLE_RATE
from .dsp import db_to_gain

DETECTORS = ("rms", "peak")
CONTROL_RATE = 1000  # gain points per second: fine enough for 1 ms ramps, 48x cheaper than samples
RMS_WINDOW_MS = 10.0  # long enough to average a few cycles of a voice's fundamental
CORNER_MS = 20.0  # the corners of the linear ramps are rounded over this span, so the gain has no kinks


@dataclass(frozen=True)
class DuckSettings:
    depth_db: float = -12.0  # how far the bed goes down under dialogue
    attack_ms: float = 150.0  # time to go all the way down
    release_ms: float = 600.0  # time to come all the way back after the last word
    threshold_db: float = -40.0  # dialogue level (dBFS) above which someone is speaking
    detector: str = "rms"
    hold_ms: float = 250.0  # pauses shorter than this do not release the duck

    def __post_init__(self) -> None:
        if self.depth_db > 0:
            raise ValueError(f"duck depth is {self.depth_db:+g} dB, a boost; use a cut such as -12 dB")
        if min(self.attack_ms, self.release_ms, self.hold_ms) < 0:
            raise ValueError("duck attack, release and hold times must not be negative "
                             f"(got {self.attack_ms}, {self.release_ms}, {self.hold_ms} ms)")
        if self.threshold_db > 0:
            raise ValueError(f"duck threshold is {self.threshold_db:+g} dBFS, above full scale, so dialogue could "
                             "never reach it; use a level such as -40 dBFS")
        if self.detector not in DETECTORS:
            raise ValueError(f"duck detector must be one of {', '.join(DETECTORS)}, got {self.detector!r}")


def key_level_db(key: np.ndarray, detector: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The key's level in dBFS at the control rate, all channels together (their power summed).

    Summing power makes a centred mono voice (each side at -3 dB) read at the level of the voice.
    """
    from scipy import ndimage

    hop = rate // CONTROL_RATE
    hops = -(-key.shape[1] // hop)
    padded = np.zeros((key.shape[0], hops * hop), np.float32)
    padded[:, :key.shape[1]] = key
    blocks = padded.reshape(key.shape[0], hops, hop)
    if detector == "peak":
        # The largest channel's peak in each millisecond; no smoothing: hold and ramps do that.
        level = np.abs(blocks).max(axis=(0, 2)).astype(np.float64) ** 2
    else:
        power = np.square(blocks).sum(axis=0).mean(axis=1, dtype=np.float64)
        level = ndimage.uniform_filter1d(power, max(1, round(RMS_WINDOW_MS * CONTROL_RATE / 1000)), mode="constant")
    return 10.0 * np.log10(np.maximum(level, 1e-20))


def presence(level_db: np.ndarray, settings: DuckSettings) -> np.ndarray:
    """Whether the duck should be heading down at each control point.

    True from `attack_ms` before the key crosses the threshold (read ahead) until `hold_ms`
    after it last did: a window count over a cumulative sum, so no Python loop over time.
    """
    above = level_db > settings.threshold_db
    ahead = round(settings.attack_ms * CONTROL_RATE / 1000)
    hold = round(settings.hold_ms * CONTROL_RATE / 1000)
    counts = np.concatenate([[0], np.cumsum(above, dtype=np.int64)])
    index = np.arange(above.size)
    upper = np.minimum(index + ahead + 1, above.size)
    lower = np.maximum(index - hold, 0)
    return counts[upper] - counts[lower] > 0


def ramp_amount(present: np.ndarray, attack_ms: float, release_ms: float) -> np.ndarray:
    """0..1 of the full depth: rising 1/attack per point while present, falling 1/release after.

    The ramp is linear and clipped, so each run of present/absent points continues from where
    the previous one ended: one numpy expression per run, and runs are lines of dialogue.
    """
    up = 1.0 / max(attack_ms * CONTROL_RATE / 1000, 1.0)
    down = 1.0 / max(release_ms * CONTROL_RATE / 1000, 1.0)
    amount = np.empty(present.size, np.float64)
    edges = np.flatnonzero(np.diff(present.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [present.size]])
    level = 0.0
    for start, end in zip(starts, ends):
        steps = np.arange(1, end - start + 1)
        if present[start]:
            run = np.minimum(level + steps * up, 1.0)
        else:
            run = np.maximum(level - steps * down, 0.0)
        amount[start:end] = run
        level = float(run[-1])
    return amount


def duck_gain(key: np.ndarray, frames: int, settings: DuckSettings, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Linear gain (float32, one per frame) that ducks a bed under the `key` (the dialogue bus)."""
    from scipy import ndimage

    if key.shape[1] == 0 or settings.depth_db == 0:
        return np.ones(frames, np.float32)
    present = presence(key_level_db(key, settings.detector, rate), settings)
    amount = ramp_amount(present, settings.attack_ms, settings.release_ms)
    corner = max(1, round(CORNER_MS * CONTROL_RATE / 1000))
    amount = ndimage.uniform_filter1d(amount, corner, mode="nearest")
    control = db_to_gain(amount * settings.depth_db)
    hop = rate // CONTROL_RATE
    # Each control point stands for the middle of its millisecond; between points the gain is linear.
    times = np.arange(control.size) * hop + (hop - 1) / 2
    return np.interp(np.arange(frames), times, control).astype(np.float32)
