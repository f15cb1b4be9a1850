"""Music theory the composer needs: pitch names, modes, diatonic chords and voice leading.

Pitches are MIDI numbers (60 = middle C, 69 = A4 = 440 Hz, equal temperament). A chord is a
set of semitone offsets above the tonic, so the same progression works in every key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": 1, "Eb": 3, "Gb": 6, "Ab": 8, "Bb": 10}

# Semitone steps of each mode's seven degrees above its tonic.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}


def pitch_class(name: str) -> int:
    """'C', 'F#' or 'Bb' as 0..11; ValueError naming the accepted spellings otherwise."""
    if name in NOTE_NAMES:
        return NOTE_NAMES.index(name)
    if name in _FLATS:
        return _FLATS[name]
    raise ValueError(f"unknown key {name!r}; use one of {', '.join(NOTE_NAMES)} (or a flat such as Bb)")


def midi_to_hz(midi: float | np.ndarray) -> float | np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=np.float64) - 69.0) / 12.0)


@dataclass(frozen=True)
class Scale:
    tonic: int  # pitch class 0..11
    mode: str

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; use one of {', '.join(MODES)}")

    @property
    def steps(self) -> tuple[int, ...]:
        return MODES[self.mode]

    @property
    def is_minor(self) -> bool:
        return self.steps[2] == 3  # a minor third over the tonic

    def offset(self, degree: int) -> int:
        """Semitones above the tonic of scale degree `degree` (0-based; may be negative or > 6)."""
        octave, index = divmod(degree, 7)
        return 12 * octave + self.steps[index]

    def midi(self, degree: int, octave: int = 4) -> int:
        """MIDI pitch of a degree with the tonic placed in `octave` (C4 = 60)."""
        return 12 * (octave + 1) + self.tonic + self.offset(degree)

    def chord(self, degree: int, size: int = 3) -> "Chord":
        """The diatonic chord on `degree`: stacked scale thirds (size 3: triad, 4: seventh chord)."""
        return Chord(degree, tuple(self.offset(degree + 2 * i) for i in range(size)))

    def dominant(self, seventh: bool = True) -> "Chord":
        """The cadential V: a major triad (plus minor seventh) on the fifth degree in any mode.

        Minor and modal keys borrow the raised leading tone here, because a tonic after a
        major V is what the ear hears as "arrived home"; the diatonic v sounds unfinished.
        """
        return Chord(4, (7, 11, 14, 17) if seventh else (7, 11, 14))


@dataclass(frozen=True)
class Chord:
    degree: int  # scale degree of the root (for reading the plan)
    offsets: tuple[int, ...]  # semitones above the tonic, root first

    @property
    def root(self) -> int:
        return self.offsets[0]

    def pitch_classes(self, tonic: int) -> list[int]:
        return [(tonic + o) % 12 for o in self.offsets]


def voice(chord: Chord, tonic: int, center: int, previous: list[int] | None = None, voices: int = 4) -> list[int]:
    """MIDI pitches for `chord` near `center`, moving as little as possible from `previous`.

    Smooth voice leading (each voice moves to the nearest chord tone) is what makes a
    progression of block chords sound like a pad playing rather than a stack of presses.
    """
    classes = chord.pitch_classes(tonic)
    tones = (classes * ((voices + len(classes) - 1) // len(classes)))[:voices]
    if len(classes) >= 3 and voices > len(classes):
        tones[len(classes)] = classes[0]  # double the root, not the fifth or seventh
    best: list[int] | None = None
    best_cost = float("inf")
    for rotation in range(len(classes)):
        order = tones[rotation:] + tones[:rotation]
        base = center - 6
        pitches, low = [], base
        for pc in order:
            p = low + (pc - low) % 12
            pitches.append(p)
            low = p + 1
        if previous:
            cost = sum(abs(a - b) for a, b in zip(sorted(pitches), sorted(previous)))
        else:
            cost = abs(np.mean(pitches) - center)
        cost += 0.5 * abs(np.mean(pitches) - center)  # stay in the register the mood asked for
        if cost < best_cost:
            best, best_cost = pitches, cost
    return sorted(best)


def nearest(pc: int, around: int) -> int:
    """The MIDI pitch of pitch class `pc` closest to `around`."""
    return around + ((pc - around + 6) % 12) - 6
