"""Sound checks on the finished mix: loudness on target, true peak under the ceiling, no clipping,
no silence where a voice was placed, and sound as long as the picture.

Loudness and true peak are engine.audio.loudness's own meters (pyloudnorm's BS.1770-4 and the 4x
oversampled peak), the figures the Mix itself delivers to, so the check and the mix agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..audio.buffer import Audio
from ..audio.dsp import gain_to_db
from ..audio.loudness import ABSOLUTE_GATE_LUFS, integrated_loudness, oversampled_peaks
from . import limits
from .picture import runs, shot_at
from .report import Report, ShotSpan


@dataclass(frozen=True)
class VoiceSpan:
    """A line placed in the mix: where it starts and how long it is (None: not known before it is made)."""

    name: str
    node_id: str
    offset: Fraction
    seconds: Fraction | None


@dataclass(frozen=True)
class SoundLimits:
    target_lufs: float = limits.DEFAULT_TARGET_LUFS
    true_peak_dbtp: float = limits.DEFAULT_TRUE_PEAK_DBTP


def _frame_of(sample: int, rate: int, fps: Fraction) -> int:
    return int(Fraction(sample, rate) * fps)


def sound_findings(report: Report, audio: Audio, shots: list[ShotSpan], voices: list[VoiceSpan] = (),
                   goal: SoundLimits = SoundLimits(), lengths: tuple[Fraction, Fraction] | None = None) -> None:
    """Add the sound's findings to `report`; `audio` starts with the first frame checked. `lengths`:
    (sound, picture) seconds of the whole film, when only part of it is checked (default: `audio` and
    the frames checked)."""
    samples, rate, fps = audio.samples, audio.sample_rate, report.fps
    end_frame = max(report.frames, 1)
    report.checked += ["loudness", "true peak", "clipping", "silent dialogue", "av length"]

    sound, picture = lengths if lengths is not None else (audio.duration, Fraction(report.frames) / fps)
    gap = float(sound - picture)
    report.measured["sound_seconds"] = round(float(sound), 4)
    if abs(gap) * float(fps) >= limits.AV_TOLERANCE_FRAMES:
        report.add("av length", None, 0, end_frame, gap, limits.AV_TOLERANCE_FRAMES / float(fps), "s",
                   f"the sound lasts {float(sound):.3f} s and the picture {float(picture):.3f} s: "
                   "the export pads or cuts the sound; give the Mix the film's length")
    if audio.frames == 0:
        return

    loudness = integrated_loudness(samples, rate)
    report.measured["loudness_lufs"] = round(loudness, 2) if loudness > ABSOLUTE_GATE_LUFS else None
    if not loudness > ABSOLUTE_GATE_LUFS or abs(loudness - goal.target_lufs) > limits.LOUDNESS_TOLERANCE_LU:
        report.add("loudness", None, 0, end_frame, loudness if loudness > ABSOLUTE_GATE_LUFS else ABSOLUTE_GATE_LUFS,
                   goal.target_lufs, "LUFS", f"integrated loudness is off the {goal.target_lufs:g} LUFS target by "
                   f"more than {limits.LOUDNESS_TOLERANCE_LU:g} LU")

    ceiling = 10 ** (goal.true_peak_dbtp / 20)
    peaks = oversampled_peaks(samples, above=ceiling)  # only pieces that could pass the ceiling are oversampled
    loudest = int(np.argmax(peaks))
    peak_db = gain_to_db(float(peaks[loudest]))
    report.measured["true_peak_dbtp"] = round(peak_db, 2)
    for start, end in runs(peaks > ceiling * 1.0001):  # float rounding at the limiter's own ceiling is not over
        a, b = _frame_of(start, rate, fps), _frame_of(end - 1, rate, fps) + 1
        report.add("true peak", shot_at(shots, a), a, b, gain_to_db(float(peaks[start:end].max())),
                   goal.true_peak_dbtp, "dBTP", "true peaks over the ceiling distort on playback and in encoding")

    at_full = (np.abs(samples) >= limits.CLIP_LEVEL).any(axis=0)
    clipped = [(s, e) for s, e in runs(at_full) if e - s >= limits.CLIP_MIN_RUN]
    join = int(limits.CLIP_JOIN_SECONDS * rate)
    merged: list[list[int]] = []
    for start, end in clipped:
        if merged and start - merged[-1][1] <= join:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    for start, end in merged:
        a, b = _frame_of(start, rate, fps), _frame_of(end - 1, rate, fps) + 1
        count = int(np.count_nonzero(at_full[start:end]))
        report.add("clipping", shot_at(shots, a), a, b, count, limits.CLIP_MIN_RUN, "samples",
                   "the waveform is flattened at full scale: lower the gain before the mix")

    for voice in voices:
        first = int(voice.offset * rate)
        length = voice.seconds if voice.seconds is not None else Fraction(limits.VOICE_PROBE_SECONDS)
        last = min(audio.frames, first + int(length * rate))
        if first >= audio.frames:
            a = _frame_of(first, rate, fps)
            report.add("silent dialogue", shot_at(shots, a), a, a + 1, float(voice.offset), float(audio.duration), "s",
                       f"'{voice.name}' is placed after the sound ends")
            continue
        window = samples[:, first:last].astype(np.float64)
        level = 10 * np.log10(max(float(np.mean(np.square(window))), 1e-20))
        if level < limits.SILENCE_DB:
            a, b = _frame_of(first, rate, fps), _frame_of(max(first, last - 1), rate, fps) + 1
            report.add("silent dialogue", shot_at(shots, a), a, b, level, limits.SILENCE_DB, "dBFS",
                       f"'{voice.name}' is placed here but the mix is silent")
