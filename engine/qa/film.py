"""A whole QA pass: the picture measured as its frames stream past, then the findings of every check.

`FilmCheck` is fed the frames (the export feeds it the frames it is writing anyway, so the check adds
no rendering), then `report()` runs the checks. Where the film is a Sequence, its shots and the black
it plans (gaps, fades) are read from the clip itself (`sequence_shots`); the graph adds the shots'
names and what their Scenes asked for (engine.qa.film_map).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..audio.buffer import Audio
from ..media.clip import Clip, MapClip, StillClip, SubClip
from ..media.sequence import SequenceClip
from ..timebase import frames_between_rates
from .conform import conform_findings
from .picture import FrameMeter, picture_findings
from .report import Report, ShotSpan
from .sound import SoundLimits, VoiceSpan, sound_findings

PICTURE_CHECKS = ["nan", "black", "frozen", "flicker", "overexposed", "underexposed", "duration", "fps"]


@dataclass
class FilmPlan:
    """What the edit intends, against which the film is checked (frames of the whole clip)."""

    shots: list[ShotSpan] = field(default_factory=list)
    planned_black: list[tuple[int, int]] = field(default_factory=list)  # (start, end) dark on purpose
    voices: list[VoiceSpan] = field(default_factory=list)
    sound: SoundLimits = SoundLimits()


def find_sequence(clip: Clip) -> tuple[SequenceClip | None, int]:
    """The Sequence under a chain of per-frame transforms (grade, titles) and trims, and the frame of
    it where `clip` starts; (None, 0) when the film is not a Sequence or is remade frame by frame."""
    offset = 0
    seen = 0
    while clip is not None and seen < 64:
        if isinstance(clip, SequenceClip):
            return clip, offset
        if isinstance(clip, SubClip):
            offset += clip.start
        elif not isinstance(clip, MapClip) or clip.frame_count != clip.source.frame_count:
            return None, 0
        clip, seen = clip.source, seen + 1
    return None, 0


def sequence_shots(sequence: SequenceClip) -> tuple[list[tuple[int, int, Clip]], list[tuple[int, int]]]:
    """((start, end, piece) of each shot, (start, end) of each planned dark stretch) of a Sequence:
    its gaps (black held between cuts), its fades in and out and its fades through black."""
    shots, dark = [], []
    for start, piece in zip(sequence.starts, sequence.shots):
        end = start + piece.frame_count
        if isinstance(piece, StillClip) and not np.asarray(piece.frame(0)[..., :3]).any():
            dark.append((start, end))  # a gap the Trims table put there
        else:
            shots.append((start, end, piece))
    total = sequence.frame_count
    if sequence.fade_in:
        dark.append((0, sequence.fade_in))
    if sequence.fade_out:
        dark.append((total - sequence.fade_out, total))
    for number, join in enumerate(sequence.joins):
        if join.kind == "fade through black" and join.frames:
            cut = sequence.starts[number + 1]
            dark.append((cut - join.frames // 2, cut + join.frames - join.frames // 2))
    return shots, dark


def made_length(piece: Clip) -> tuple[int, Fraction]:
    """The frames and rate a shot was made with, before the Sequence's trims."""
    source = piece.source if isinstance(piece, SubClip) else piece
    return source.frame_count, source.fps


def plan_from_clip(clip: Clip) -> FilmPlan:
    """The plan read from the clip alone: its Sequence's shots, numbered, and its planned black."""
    sequence, offset = find_sequence(clip)
    if sequence is None:
        return FilmPlan([ShotSpan("film", "", 0, clip.frame_count, made_frames=clip.frame_count, made_fps=clip.fps)])
    pieces, dark = sequence_shots(sequence)
    shots = []
    for number, (start, end, piece) in enumerate(pieces, start=1):
        frames, fps = made_length(piece)
        shots.append(ShotSpan(f"shot {number}", "", start - offset, end - offset, made_frames=frames, made_fps=fps))
    return FilmPlan(shots, [(a - offset, b - offset) for a, b in dark])


class FilmCheck:
    """The QA of frames first..first+count-1 of a clip (and its sound), fed frame by frame."""

    def __init__(self, fps: Fraction, plan: FilmPlan, first: int = 0, film_frames: int | None = None):
        self.fps, self.plan, self.first = fps, plan, first
        self.film_frames = film_frames  # the whole film's length, which the sound is compared with
        self.meter = FrameMeter()

    def measure(self, pixels: np.ndarray, finite: bool | None = None) -> None:
        self.meter.measure(pixels, finite)

    def watched(self, frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """`frames`, passed on unchanged, each measured on its way."""
        for pixels in frames:
            self.meter.measure(pixels)
            yield pixels

    def report(self, audio: Audio | None = None) -> Report:
        count, first = self.meter.frames, self.first
        report = Report(self.fps, count, float(Fraction(count) / self.fps), first=first)
        report.checked = list(PICTURE_CHECKS)
        # The plan is in frames of the whole clip; what was checked starts at `first`.
        shots = [ShotSpan(s.title, s.node_id, s.start - first, s.end - first, s.expected_frames, s.expected_fps,
                          s.made_frames, s.made_fps, s.moves)
                 for s in self.plan.shots if s.end > first and s.start < first + count]
        planned = np.zeros(count, bool)
        for start, end in self.plan.planned_black:
            planned[max(0, start - first):max(0, min(count, end - first))] = True
        conform_findings(report, shots)
        picture_findings(report, self.meter, shots, planned)
        if audio is not None:
            rate = audio.sample_rate
            begin = frames_between_rates(first, self.fps, rate)
            stop = frames_between_rates(first + count, self.fps, rate)
            # The sound of the frames checked; what runs past them counts against the A/V length.
            cut = Audio(np.ascontiguousarray(audio.samples[:, begin:stop]), rate)
            voices = [VoiceSpan(v.name, v.node_id, v.offset - Fraction(first) / self.fps, v.seconds)
                      for v in self.plan.voices if v.offset >= Fraction(first) / self.fps]
            film = Fraction(self.film_frames if self.film_frames is not None else first + count) / self.fps
            sound_findings(report, cut, shots, voices, self.plan.sound, lengths=(audio.duration, film))
        report.findings.sort(key=lambda f: (f.start, f.check))
        return report


def check_clip(clip: Clip, audio: Audio | None = None, plan: FilmPlan | None = None) -> Report:
    """The QA of a whole clip and its sound in one pass over the frames."""
    check = FilmCheck(clip.fps, plan or plan_from_clip(clip), film_frames=clip.frame_count)
    for pixels in clip.frames():
        check.measure(pixels)
    return check.report(audio)
