"""Loudness to a delivery target: BS.1770 integrated loudness, normalisation, a true-peak limiter.

Integrated loudness is pyloudnorm's ITU-R BS.1770-4 meter (K-weighting, 400 ms blocks, absolute
and relative gates); a vectorised twin of it judges the normaliser's trial gains. True peak is
the largest magnitude of the signal oversampled 4x, as BS.1770 Annex 2 describes, so peaks
between samples (which a DAC or a lossy encoder will reconstruct) count. The limiter computes
its gain from those oversampled peaks with a short look-ahead, so the gain is already down
when a peak arrives, and releases smoothly after it.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .buffer import SAMPLE_RATE
from .dsp import db_to_gain, gain_to_db

OVERSAMPLE = 4
BLOCK_SECONDS = 0.4  # BS.1770 gating block
ABSOLUTE_GATE_LUFS = -70.0  # BS.1770: blocks below this are not programme
LOOKAHEAD_MS = 2.0  # attack: long enough not to distort a peak, short enough not to dent its transient
RELEASE_MS = 80.0  # time constant of the return to unity after a peak
SPREAD = 8  # frames each side whose gain shapes an inter-sample peak most
REACH = 18  # frames each side the interpolators read (the longer one's 129 taps span 16 frames at 4x)
MARGIN_DB = 0.01  # aim this far under the ceiling so float rounding cannot leave a peak a hair above it
# BS.1770-4 tables 1 and 2: the K-weighting shelf and high-pass as biquads (b, a) at 48 kHz.
_K_WEIGHTING = (([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585]),
                ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621]))
_K_SOS = np.array([[*b, *a] for b, a in _K_WEIGHTING])
_CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L R C Ls Rs: the surrounds count +1.5 dB
_CHUNK = SAMPLE_RATE // 4  # oversample in pieces: 4x of a whole film at once would need gigabytes
_CHUNK_PAD = 64  # frames of context each side of a piece, well beyond the interpolator's reach


@functools.cache
def _interpolators() -> tuple[tuple[np.ndarray, np.ndarray], float]:
    """The two 4x interpolators, and the most any interpolated point can exceed the largest sample
    near it. Designed on first use: scipy.signal comes with them (1.7 s that the node registry and
    the editor's first window need not pay).

    A peak is the larger reading of the two: scipy's default design for resample_poly(x, 4, 1)
    (spelled out so a meter calling resample_poly plainly agrees to the bit), and a longer, sharper
    one nearer the ideal reconstruction that delivery meters such as ffmpeg's ebur128 approach: the
    default softens the top octave and reads bright transients up to ~0.3 dB under them.
    The bound is the polyphase branches' summed magnitudes, +0.01 % for float32 rounding: a piece
    quieter than a threshold by more than this cannot reach it between samples, so it need not be
    interpolated to know that.
    """
    from scipy import signal

    filters = tuple(signal.firwin(2 * taps * OVERSAMPLE + 1, 1 / OVERSAMPLE, window=("kaiser", beta)).astype(np.float32)
                    for taps, beta in ((10, 5.0), (16, 8.0)))
    bound = 1.0001 * max(float(np.abs(OVERSAMPLE * taps[phase::OVERSAMPLE].astype(np.float64)).sum())
                         for taps in filters for phase in range(OVERSAMPLE))
    return filters, bound


def _meter_channels(samples: np.ndarray) -> np.ndarray:
    """(frames, channels) in BS.1770 order; 5.1 drops the LFE, which the standard does not weigh."""
    if samples.shape[0] == 6:
        samples = samples[[0, 1, 2, 4, 5]]  # L R C Ls Rs: pyloudnorm gives Ls and Rs their +1.5 dB
    return samples.T.astype(np.float64)


def integrated_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Integrated loudness in LUFS (-inf for silence).

    A sound shorter than one 400 ms block is measured as a single block of its own length,
    since the standard's blocks would otherwise be mostly silence that is not there.
    """
    import pyloudnorm

    frames = samples.shape[1]
    if frames == 0:
        return -math.inf
    # "DeMan" is pyloudnorm's name for the K-weighting that reproduces BS.1770-4's published
    # coefficients exactly; its default "K-weighting" is a generic design that reads ~0.04 LU off.
    meter = pyloudnorm.Meter(rate, filter_class="DeMan", block_size=min(BLOCK_SECONDS, frames / rate))
    return float(meter.integrated_loudness(_meter_channels(samples)))


def quick_loudness(samples: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """The same BS.1770-4 measurement, vectorised, from the standard's own 48 kHz coefficients.

    Several times faster than pyloudnorm (block energies come from running sums, not a Python
    loop), for the normaliser's trial gains; the figure a mix reports is pyloudnorm's.
    """
    from scipy import signal

    frames = samples.shape[1]
    if rate != SAMPLE_RATE or frames == 0:
        return integrated_loudness(samples, rate)
    x = samples[[0, 1, 2, 4, 5]] if samples.shape[0] == 6 else samples
    power = np.zeros(frames, np.float64)
    for channel, weight in zip(x, _CHANNEL_WEIGHTS):
        weighted = signal.sosfilt(_K_SOS, channel.astype(np.float64))
        power += weight * np.square(weighted)
    block = min(round(BLOCK_SECONDS * rate), frames)
    hop = max(1, block // 4)  # 75 % overlap
    starts = np.arange(0, frames - block + 1, hop)
    sums = np.concatenate([[0.0], np.cumsum(power)])
    energy = (sums[starts + block] - sums[starts]) / block
    with np.errstate(divide="ignore"):
        level = -0.691 + 10 * np.log10(energy)
        gated = energy[level > ABSOLUTE_GATE_LUFS]
        if gated.size == 0:
            return -math.inf
        relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
        kept = energy[(level > ABSOLUTE_GATE_LUFS) & (level > relative)]
        return float(-0.691 + 10 * np.log10(kept.mean()))


def oversampled_peaks(samples: np.ndarray, only: np.ndarray | None = None, above: float = 0.0) -> np.ndarray:
    """Per frame, the largest magnitude over all channels of the signal between it and the next frame.

    The signal is interpolated 4x by scipy's polyphase filters (both of _interpolators), piece by piece
    with enough overlap that the pieces join exactly as one pass over the whole would. With
    `only` (a mask of frames), pieces holding none of those frames are skipped and read 0.
    Pieces that cannot reach `above` read their bound instead (at most `above`): only peaks
    that might pass a ceiling cost an interpolation.
    """
    from scipy import signal

    filters, reach = _interpolators()
    channels, frames = samples.shape
    peaks = np.zeros(frames, np.float32)
    for start in range(0, frames, _CHUNK):
        end = min(frames, start + _CHUNK)
        if only is not None and not only[start:end].any():
            continue
        lo, hi = max(0, start - _CHUNK_PAD), min(frames, end + _CHUNK_PAD)
        if above > 0:
            bound = float(np.abs(samples[:, lo:hi]).max()) * reach
            if bound <= above:
                peaks[start:end] = bound
                continue
        loudest = None
        for taps in filters:
            up = signal.resample_poly(samples[:, lo:hi], OVERSAMPLE, 1, axis=1, window=taps)
            up = np.abs(up[:, (start - lo) * OVERSAMPLE:(end - lo) * OVERSAMPLE]).max(axis=0)
            loudest = up if loudest is None else np.maximum(loudest, up)
        # Strided maxima: numpy reduces a long axis far faster than many rows of four.
        peaks[start:end] = np.maximum.reduce([loudest[phase::OVERSAMPLE] for phase in range(OVERSAMPLE)])
    return peaks


def true_peak_db(samples: np.ndarray) -> float:
    """True peak in dBTP (4x oversampled)."""
    if samples.size == 0:
        return -math.inf
    return gain_to_db(float(oversampled_peaks(samples).max()))


def _released(reduction_db: np.ndarray, release_frames: float) -> np.ndarray:
    """Gain reduction that follows rises at once and decays exponentially: e[n] = max(x[n], r e[n-1]).

    Computed without a loop over samples: within a block, max_k x[k] r^(n-k) = r^n max_k x[k] r^-k,
    a running maximum; blocks are short enough that r^-k stays far from overflowing.
    """
    r = math.exp(-1.0 / max(release_frames, 1.0))
    block = max(1, int(30 * release_frames))
    out = np.empty_like(reduction_db)
    carry = 0.0
    for start in range(0, reduction_db.size, block):
        x = reduction_db[start:start + block]
        scale = r ** np.arange(x.size, dtype=np.float64)
        scaled = x / scale
        scaled[0] = max(scaled[0], carry * r)
        out[start:start + x.size] = np.maximum.accumulate(scaled) * scale
        carry = float(out[start + x.size - 1])
    return out


def limiter_gain(peaks: np.ndarray, ceiling_db: float, rate: int = SAMPLE_RATE) -> np.ndarray | None:
    """Per-frame linear gain bringing oversampled `peaks` to `ceiling_db`; None if none is needed.

    Each frame needs at least the reduction its neighbourhood's peak asks for. That need is held
    and released exponentially, then spread forward over the look-ahead and averaged over it:
    every average covers the frame's own need, so the smooth gain still meets every peak.
    """
    from scipy import ndimage

    frames = peaks.size
    nearby = ndimage.maximum_filter1d(peaks, 2 * SPREAD + 1)
    over = np.flatnonzero(nearby > db_to_gain(ceiling_db))
    if over.size == 0:
        return None
    need = np.zeros(frames, np.float64)
    need[over] = gain_to_db(nearby[over].astype(np.float64)) - ceiling_db  # logs only where peaks are over
    held = _released(need, RELEASE_MS * rate / 1000)
    held[held < 1e-4] = 0.0  # end each release once inaudible, so the gain is exactly 1 again between peaks
    width = max(1, round(LOOKAHEAD_MS * rate / 1000))
    padded = np.pad(held, (width - 1, width - 1))
    # Forward maximum: ahead[j] = max(padded[j .. j + width - 1]).
    ahead = ndimage.maximum_filter1d(padded, width, origin=-(width // 2), mode="constant")
    sums = np.concatenate([[0.0], np.cumsum(ahead)])
    smooth = (sums[width:width + frames] - sums[:frames]) / width
    return db_to_gain(-smooth).astype(np.float32)


def limit_true_peak(samples: np.ndarray, ceiling_db: float = -1.0, rate: int = SAMPLE_RATE,
                    peaks: np.ndarray | None = None, check: bool = True) -> np.ndarray:
    """`samples` with true peaks brought under `ceiling_db` dBTP (the same array when already under).

    `peaks` (from oversampled_peaks) saves measuring again when the caller has them. The result is
    measured again where the gain moved; if the gain, applied at the sample rate, left an
    inter-sample peak over, the aim is lowered by the excess and it is redone. check=False skips
    that (for a trial whose result is only measured for loudness, then thrown away).
    """
    from scipy import ndimage

    if ceiling_db > 0:
        raise ValueError(f"true-peak ceiling is {ceiling_db:+g} dBTP, above full scale; use -1 dBTP or lower")
    peaks = oversampled_peaks(samples) if peaks is None else peaks
    aim = ceiling_db - MARGIN_DB
    for _ in range(6):
        gain = limiter_gain(peaks, aim, rate)
        if gain is None:
            return samples
        out = samples * gain  # float32 times float32 stays float32
        if not check:
            return out
        # Only near frames whose gain changed can the oversampled peaks differ from the input's.
        moved = ndimage.maximum_filter1d((gain < 1).view(np.uint8), 2 * REACH + 1).astype(bool)
        after = np.where(moved, oversampled_peaks(out, only=moved, above=db_to_gain(aim)), peaks)
        excess = gain_to_db(float(after.max())) - (ceiling_db - MARGIN_DB / 2)
        if excess <= 0:
            return out
        aim -= excess + MARGIN_DB
    # Not reached in practice; a plain gain still guarantees the ceiling rather than breaking it.
    return (out * np.float32(db_to_gain(-(excess + MARGIN_DB)))).astype(np.float32)


def check_target(target_lufs: float) -> None:
    if target_lufs > 0:
        raise ValueError(f"loudness target is {target_lufs:+g} LUFS, above 0 LUFS (full scale), which no signal "
                         "can reach; use -23 LUFS (EBU R128) or -14 LUFS (streaming)")
    if target_lufs <= ABSOLUTE_GATE_LUFS:
        raise ValueError(f"loudness target is {target_lufs:g} LUFS, under the -70 LUFS gate where BS.1770 counts "
                         "a programme as silence; use -23 LUFS (EBU R128) or -14 LUFS (streaming)")


def normalise(samples: np.ndarray, target_lufs: float, ceiling_db: float = -1.0, rate: int = SAMPLE_RATE,
              tolerance_lu: float = 0.1) -> tuple[np.ndarray, float, float]:
    """Gain to `target_lufs`, then the true-peak limiter; returns (result, gain in dB, its loudness).

    Limiting takes a little loudness away, so the gain is raised and the limiter rerun from the
    unlimited signal until the result is on target. Trial gains are judged by quick_loudness;
    the result is confirmed by pyloudnorm (slow on a long 5.1 mix, so once if all goes well),
    and any difference between the two meters is carried into the next trial.
    """
    check_target(target_lufs)
    measured = quick_loudness(samples, rate)
    if not measured > ABSOLUTE_GATE_LUFS:
        raise ValueError(f"the mix is silent (loudness {measured:.1f} LUFS, under the -70 LUFS gate), so there "
                         "is nothing to bring to the target; check the inputs and their gains")
    gain_db = target_lufs - measured
    # A gain scales the peaks, so they are measured once for all attempts: exactly wherever they
    # could pass the ceiling at up to 2 dB more gain than the first guess (limiting makes the gain
    # rise, rarely by more), and measured again should an attempt go beyond that.
    peaks, peaks_for_db = None, -math.inf
    bias = 0.0
    for attempt in range(8):
        if gain_db > peaks_for_db:
            peaks_for_db = gain_db + 2.0
            peaks = oversampled_peaks(samples, above=db_to_gain(ceiling_db - MARGIN_DB - peaks_for_db))
        gain = np.float32(db_to_gain(gain_db))
        scaled = samples * gain
        result = limit_true_peak(scaled, ceiling_db, rate, peaks * gain, check=False)
        # Unlimited, the loudness is exactly the measured one plus the gain: no need to measure.
        estimate = (measured + gain_db if result is scaled else quick_loudness(result, rate)) + bias
        if abs(estimate - target_lufs) > tolerance_lu / 2 and attempt < 7:
            gain_db += target_lufs - estimate
            continue
        if result is not scaled:
            result = limit_true_peak(scaled, ceiling_db, rate, peaks * gain)  # this one is kept: checked
        loudness = integrated_loudness(result, rate)
        if abs(loudness - target_lufs) <= tolerance_lu or attempt == 7:
            break
        bias += loudness - estimate
        gain_db += target_lufs - loudness
    return result, gain_db, loudness
