"""Moods as musical decisions: mode, progression families, cadence, register, timbres and groove.

A mood is not a preset of effects: it is the set of choices a composer makes for a cue of that
character (a tense cue sits low in a minor mode with a pulsing bass; a playful one is bright,
high, swung and staccato). The composer reads only these fields, so a new mood is one entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mood:
    name: str
    mode: str  # default mode when the user leaves "auto"
    # Progressions as 0-based scale degrees, one chord per harmonic-rhythm slot; one is picked
    # per phrase so a long cue varies without wandering off the key.
    progressions: tuple[tuple[int, ...], ...]
    predominant: int  # scale degree of the chord before the cadence chord (ii or IV/iv)
    cadence: str  # "authentic" (V - I), "plagal" (IV - I) or "phrygian" (bII - i)
    sevenths: bool  # richer pad chords (sevenths) for soft, jazzy colours
    pad_center: int  # MIDI pitch the pad voicing gravitates to (register = colour)
    pad_brightness: float  # pad low-pass cutoff in Hz
    bass_style: str  # "long", "root_fifth", "pulse" or "bounce"
    arp_timbre: str  # "keys", "pluck", "bell" or "marimba"
    arp_rate: int  # notes per beat at full energy
    arp_pattern: str  # "up", "updown", "broken" or "random"
    drums: str  # "pop", "four", "half", "march" or "sparse"
    swing: float  # delay of off-beat eighths as a fraction of half a beat
    reverb: float  # wet level of the hall
    lead: bool  # a melodic line enters at high energy


MOODS: dict[str, Mood] = {m.name: m for m in (
    Mood("warm", "major", ((0, 4, 5, 3), (0, 3, 5, 4), (0, 5, 3, 4), (3, 0, 4, 5)), 1, "authentic", True,
         62, 2600.0, "root_fifth", "keys", 2, "updown", "pop", 0.0, 0.28, True),
    Mood("tense", "minor", ((0, 5, 0, 4), (0, 1, 5, 4), (0, 6, 5, 4), (0, 3, 5, 4)), 3, "authentic", False,
         55, 1700.0, "pulse", "pluck", 4, "up", "half", 0.0, 0.22, False),
    Mood("melancholic", "minor", ((0, 5, 2, 6), (0, 3, 5, 4), (5, 3, 0, 4), (0, 6, 5, 6)), 3, "authentic", True,
         60, 2200.0, "long", "keys", 2, "broken", "half", 0.0, 0.35, True),
    Mood("triumphant", "major", ((0, 4, 5, 3), (0, 3, 4, 3), (3, 4, 0, 5), (0, 5, 3, 4)), 3, "authentic", False,
         64, 4500.0, "root_fifth", "bell", 2, "up", "march", 0.0, 0.3, True),
    Mood("mysterious", "phrygian", ((0, 1, 0, 6), (0, 5, 1, 0), (0, 3, 1, 6)), 6, "phrygian", False,
         57, 1400.0, "long", "bell", 1, "random", "sparse", 0.0, 0.45, False),
    Mood("playful", "major", ((0, 3, 4, 0), (0, 5, 1, 4), (0, 1, 3, 4)), 1, "authentic", True,
         67, 4000.0, "bounce", "marimba", 2, "broken", "four", 0.22, 0.18, True),
)}

MOOD_NAMES = tuple(MOODS)


def mood(name: str) -> Mood:
    if name not in MOODS:
        raise ValueError(f"unknown mood {name!r}; use one of {', '.join(MOODS)}")
    return MOODS[name]
