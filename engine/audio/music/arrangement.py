"""Arrangement: how a cue of a given length unfolds, from its first chord to its final cadence.

The length is fixed by the edit, so the form is planned backwards from the end: the final tonic
lands on a beat early enough to ring out (and fade) inside the length, a cadence (pre-dominant,
then dominant) leads into it, and the phrases before follow an energy curve that starts low,
builds to a peak about three quarters in and settles before the cadence. The user's intensity
scales that whole curve, so a low-intensity cue keeps the same shape with fewer layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .moods import Mood
from .theory import Chord, Scale


@dataclass(frozen=True)
class Slot:
    """One chord's span of the timeline."""

    start_beat: float
    beats: float
    chord: Chord
    section: str  # intro, verse, build, peak, resolve, cadence or final
    energy: float  # 0..1 after the user's intensity: decides layers, density and dynamics


@dataclass(frozen=True)
class Arrangement:
    bpm: float
    length_s: float
    bar_origin: int  # beat on which the first full bar starts (a longer opening chord absorbs the rest)
    slots: tuple[Slot, ...]

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm

    @property
    def final(self) -> Slot:
        return self.slots[-1]


def energy_curve(u: float) -> float:
    """Relative energy 0..1 at position u (0..1) of the body: rise, peak at ~0.75, settle."""
    if u < 0.75:
        return 0.35 + 0.65 * (0.5 - 0.5 * math.cos(math.pi * u / 0.75))
    return 1.0 - 0.45 * (u - 0.75) / 0.25


def cadence_chord(mood: Mood, scale: Scale) -> Chord:
    if mood.cadence == "plagal":
        return scale.chord(3)
    if mood.cadence == "phrygian":
        return Chord(1, (1, 5, 8))  # bII major: the half-step fall of the root into the tonic
    return scale.dominant(seventh=True)


def plan(length_s: float, bpm: float, mood: Mood, scale: Scale, intensity: float,
         rng: np.random.Generator) -> Arrangement:
    beat = 60.0 / bpm
    total_beats = length_s / beat
    # Time for the final chord to ring and fade: at least two beats or 2.5 s, at most 45 % of the cue.
    ring = min(max(2.5, 2 * beat), 0.45 * length_s)
    final_beat = int(math.floor((length_s - ring) / beat + 1e-9))
    tonic = scale.chord(0)

    def final_slot(start: int) -> Slot:
        return Slot(float(start), total_beats - start, tonic, "final", intensity * 0.45)

    if final_beat < 2:  # too short for harmony to move: one swelling tonic chord
        return Arrangement(bpm, length_s, 0, (final_slot(0),))
    # Faster tempos change chords every two bars, so harmony moves at a singable pace.
    per_chord = 8 if bpm >= 140 else 4
    count, spare = divmod(final_beat, per_chord)
    if count == 0:
        slots = [Slot(0.0, float(final_beat), cadence_chord(mood, scale), "cadence", intensity * 0.5)]
        return Arrangement(bpm, length_s, 0, tuple(slots) + (final_slot(final_beat),))

    chords: list[tuple[Chord, str]] = []
    cadence = [(cadence_chord(mood, scale), "cadence")]
    if count >= 3:
        cadence.insert(0, (scale.chord(mood.predominant, 4 if mood.sevenths else 3), "cadence"))
    body = count - len(cadence)
    phrase_len = len(mood.progressions[0])
    phrases = max(1, math.ceil(body / phrase_len))
    for p in range(phrases):
        # Phrase 0 states the main progression; later phrases vary among the mood's family.
        progression = mood.progressions[0 if p == 0 else int(rng.integers(len(mood.progressions)))]
        for degree in progression:
            if len(chords) < body:
                chords.append((scale.chord(degree, 4 if mood.sevenths and p > 0 else 3), ""))
    chords += cadence

    slots = []
    start = 0.0
    for i, (chord, section) in enumerate(chords):
        beats = per_chord + (spare if i == 0 else 0)
        if section == "cadence":
            energy = 0.6
        else:
            phrase = i // phrase_len
            u = (phrase + 0.5) / phrases if phrases > 1 else 0.5
            energy = energy_curve(u)
            if phrases >= 5 and phrase == phrases - 1:
                section = "resolve"
                energy = min(energy, 0.7)
            else:
                section = "intro" if phrase == 0 and phrases >= 3 else (
                    "peak" if energy > 0.9 else "build" if u > 0.4 else "verse")
        slots.append(Slot(start, float(beats), chord, section, float(intensity * energy)))
        start += beats
    slots.append(final_slot(final_beat))
    return Arrangement(bpm, length_s, spare, tuple(slots))
