"""Part writing: the notes each instrument plays over an arrangement (pad, bass, arpeggio, lead, drums).

Layers enter by energy, as an arranger would add players: the pad and bass are always there,
an arpeggio joins as energy rises and doubles its rate near the peak, a melody appears only in
the strongest phrases, and drums come in hats first, then kick, then snare. Small seeded timing
and velocity deviations keep the parts from sounding quantised without blurring the beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrangement import Arrangement, Slot
from .moods import Mood
from .theory import Scale, nearest, voice

# Drum patterns: instrument -> beat positions within a 4/4 bar.
GROOVES: dict[str, dict[str, tuple[float, ...]]] = {
    "pop": {"kick": (0, 2, 2.5), "snare": (1, 3), "hat": (0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5)},
    "four": {"kick": (0, 1, 2, 3), "snare": (1, 3), "hat": (0.5, 1.5, 2.5, 3.5)},
    "half": {"kick": (0, 2.5), "snare": (2,), "hat": (0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5)},
    "march": {"kick": (0, 2), "snare": (1, 3, 3.75), "hat": (0, 1, 2, 3)},
    "sparse": {"kick": (0,), "snare": (3,), "hat": (0, 1, 2, 3)},
}
HAT_AT, KICK_AT, SNARE_AT = 0.3, 0.42, 0.55  # energy at which each drum enters
LEAD_RHYTHMS = (((0, 1.5), (1.5, 0.5), (2, 2)), ((0, 1), (1, 1), (2, 1.5), (3.5, 0.5)),
                ((0, 0.5), (0.5, 0.5), (1, 1), (2, 2)), ((0, 2), (2, 1), (3, 1)))


@dataclass(frozen=True)
class Note:
    part: str  # pad, bass, arp, lead, kick, snare, hat, open_hat
    start: float  # seconds from the start of the cue
    seconds: float  # how long it is held (its release rings after)
    pitches: tuple[int, ...]  # MIDI pitches; empty for drums
    velocity: float  # 0..1


class PartWriter:
    def __init__(self, arrangement: Arrangement, mood: Mood, scale: Scale, rng: np.random.Generator):
        self.arr, self.mood, self.scale, self.rng = arrangement, mood, scale, rng
        self.beat = arrangement.beat_s
        self.notes: list[Note] = []
        # One motif per cue, repeated over the changes: repetition is what makes a line a tune.
        self.lead_rhythm = LEAD_RHYTHMS[int(rng.integers(len(LEAD_RHYTHMS)))]
        self.lead_contour = np.concatenate([[0], np.cumsum(rng.choice([-2, -1, 1, 2], len(self.lead_rhythm) - 1))])

    def write(self) -> list[Note]:
        previous = None
        for slot in self.arr.slots:
            if slot.section == "final":
                self.final(slot)
                continue
            chord = voice(slot.chord, self.scale.tonic, self.mood.pad_center, previous, voices=4)
            previous = chord
            self.add("pad", slot.start_beat, slot.beats + 0.05, tuple(chord), 0.55 + 0.4 * slot.energy)
            self.bass(slot)
            self.arpeggio(slot, chord)
            if self.mood.lead and slot.energy > 0.6:
                self.lead(slot)
            self.drums(slot)
        return self.notes

    def add(self, part: str, beat: float, beats: float, pitches: tuple[int, ...], velocity: float,
            jitter: float = 0.0) -> None:
        start = beat * self.beat
        if jitter:
            start = max(0.0, start + float(self.rng.normal(0.0, jitter)))
            velocity *= float(1.0 + self.rng.uniform(-0.07, 0.07))
        self.notes.append(Note(part, start, beats * self.beat, pitches, min(1.0, max(0.0, velocity))))

    def swung(self, beat: float) -> float:
        return beat + self.mood.swing * 0.5 if (beat % 1.0) == 0.5 else beat

    def bars(self, slot: Slot):
        """(absolute beat, beat position in bar) for each beat of the slot, on the cue's bar grid."""
        for k in range(int(round(slot.beats))):
            beat = slot.start_beat + k
            yield beat, (beat - self.arr.bar_origin) % 4

    def bass(self, slot: Slot) -> None:
        root = nearest((self.scale.tonic + slot.chord.root) % 12, 38)
        velocity = 0.6 + 0.4 * slot.energy
        style = self.mood.bass_style if slot.energy >= 0.2 else "long"
        if style == "long":
            step = slot.beats if slot.energy < 0.5 else 2.0
            for k in np.arange(0.0, slot.beats, step):
                self.add("bass", slot.start_beat + k, min(step, slot.beats - k) * 0.95, (root,), velocity)
            return
        for beat, pos in self.bars(slot):
            if style == "pulse":
                for half in ((0.0, 0.5) if slot.energy >= 0.4 else (0.0,)):
                    self.add("bass", beat + half, 0.42, (root,), velocity * (1.0 if half == 0 else 0.8), 0.002)
            elif style == "root_fifth" and pos in (0, 2):
                self.add("bass", beat, 1.8, (root if pos == 0 else root + 7,), velocity, 0.002)
            elif style == "bounce":
                pitch = (root, root + 12, root + 7, root)[int(pos)]
                self.add("bass", self.swung(beat + (0.5 if pos == 1 else 0.0)), 0.45, (pitch,), velocity, 0.002)

    def arpeggio(self, slot: Slot, chord: list[int]) -> None:
        if slot.energy < 0.12:
            return
        rate = 0.5 if slot.energy < 0.3 else 1.0 if slot.energy < 0.55 else float(self.mood.arp_rate)
        tones = sorted(p + 12 for p in chord)
        order = {"up": [0, 1, 2, 3], "updown": [0, 1, 2, 3, 2, 1], "broken": [0, 2, 1, 3]}.get(self.mood.arp_pattern)
        step = 1.0 / rate
        ring = min(step * 1.6, 1.4)
        for i, k in enumerate(np.arange(0.0, slot.beats - 1e-9, step)):
            index = order[i % len(order)] if order else int(self.rng.integers(len(tones)))
            accent = 1.0 if k % 1.0 == 0 else 0.75
            self.add("arp", self.swung(slot.start_beat + k), ring, (tones[index % len(tones)],),
                     (0.35 + 0.4 * slot.energy) * accent, 0.003)

    def lead(self, slot: Slot) -> None:
        anchor = slot.chord.degree + 2 * int(self.rng.integers(3))  # a chord tone on the downbeat
        for bar in np.arange(0.0, slot.beats - 1e-9, 4.0):
            for (offset, length), step in zip(self.lead_rhythm, self.lead_contour):
                if bar + offset < slot.beats:
                    pitch = self.scale.midi(int(anchor + step), 5)
                    while pitch > self.mood.pad_center + 24:
                        pitch -= 12
                    self.add("lead", slot.start_beat + bar + offset, length * 0.9, (pitch,), 0.5 + 0.3 * slot.energy,
                             0.003)

    def drums(self, slot: Slot) -> None:
        groove = GROOVES[self.mood.drums]
        e = slot.energy
        for beat, pos in self.bars(slot):
            for name, threshold in (("hat", HAT_AT), ("kick", KICK_AT), ("snare", SNARE_AT)):
                if e < threshold:
                    continue
                for at in groove[name]:
                    if pos <= at < pos + 1:
                        if name == "kick" and at % 1 and e < 0.7:
                            continue  # syncopated kicks only near the peak
                        accent = 1.0 if at % 1 == 0 else 0.7
                        self.add(name, self.swung(beat + at - pos), 0.25, (), (0.55 + 0.45 * e) * accent, 0.002)
        if slot.section == "cadence" and e >= SNARE_AT:
            end = slot.start_beat + slot.beats
            for i, k in enumerate(np.arange(end - 1.0, end - 1e-9, 0.25)):  # a fill into the last chord
                self.add("snare", k, 0.2, (), 0.4 + 0.15 * i, 0.002)

    def final(self, slot: Slot) -> None:
        """The tonic, voiced root-heavy (root in three octaves) so the cue ends at home."""
        third = self.scale.offset(2)
        root = nearest(self.scale.tonic, self.mood.pad_center - 5)
        self.add("pad", slot.start_beat, slot.beats, (root - 12, root, root + 7, root + 12, root + 12 + third),
                 0.5 + 0.5 * slot.energy)
        bass = nearest(self.scale.tonic, 38)
        self.add("bass", slot.start_beat, slot.beats, (bass,), 0.75)
        if slot.energy > 0.05:
            self.add("arp", slot.start_beat, min(slot.beats, 3.0), (root + 24,), 0.45)
        if slot.energy > 0.2:
            self.add("kick", slot.start_beat, 0.25, (), 0.8)
        if slot.energy > 0.3:
            self.add("open_hat", slot.start_beat, 0.25, (), 0.6)
