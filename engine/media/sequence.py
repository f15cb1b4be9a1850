"""Shots joined end to end with cuts, dissolves or fades through black, streamed frame by frame.

A dissolve overlaps the two shots (the sequence gets shorter by its length, as in an editor)
and mixes them in linear light, which is how an optical dissolve of film behaves. A fade
through black takes its length half from the tail of the outgoing shot and half from the head
of the incoming one, without overlap.

Each join can be chosen on its own (a Sequence node's Joins table, engine/media/sequence_joins.py).
A shot must be long enough for the dissolves at both its ends: three shots seen at once would
add up to a brighter picture rather than a mix, so that is refused with the shot named.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .clip import Clip, ClipInfo, SequentialReader

TRANSITIONS = ("cut", "dissolve", "fade through black")
MAX_TRANSITION_SECONDS = 30.0  # as the Sequence node's transition_seconds slider


@dataclass(frozen=True)
class Join:
    kind: str  # one of TRANSITIONS
    frames: int  # length of the transition in frames (0 for a cut)


def check_compatible(shots: list[Clip]) -> None:
    first = shots[0].info
    for number, shot in enumerate(shots[1:], start=2):
        info = shot.info
        if (info.width, info.height) != (first.width, first.height):
            raise ValueError(f"shot {number} is {info.width}x{info.height} but shot 1 is {first.width}x{first.height}; "
                             "give every shot the same resolution (Scene or Camera output resolution)")
        if info.fps != first.fps:
            raise ValueError(f"shot {number} runs at {info.fps} fps but shot 1 at {first.fps}; "
                             "conform it with Interpolate (target fps) first")
        if info.color_space != first.color_space:
            raise ValueError(f"shot {number} is in {info.color_space} but shot 1 in {first.color_space}")


def check_dissolves_fit(shots: list[Clip], joins: list[Join]) -> None:
    """Refuse a shot shorter than the dissolves into and out of it (they would overlap in three layers)."""
    for number in range(2, len(shots)):  # the shots with a join at both ends
        before, after = joins[number - 2], joins[number - 1]
        used = sum(j.frames for j in (before, after) if j.kind == "dissolve")
        if used > shots[number - 1].frame_count:
            raise ValueError(f"shot {number} has {shots[number - 1].frame_count} frames but the dissolves into and "
                             f"out of it take {used}; shorten them or lengthen the shot")


class SequenceClip(Clip):
    def __init__(self, shots: list[Clip], joins: list[Join], fade_in: int = 0, fade_out: int = 0):
        if not shots:
            raise ValueError("a sequence needs at least one shot")
        if len(joins) != len(shots) - 1:
            raise ValueError(f"{len(shots)} shots need {len(shots) - 1} joins, got {len(joins)}")
        check_compatible(shots)
        self.shots, self.joins = shots, joins
        # Where each shot starts on the sequence's frame line; a dissolve pulls the next shot earlier.
        self.starts = [0]
        for number, (shot, join) in enumerate(zip(shots, joins), start=1):
            if join.kind not in TRANSITIONS:
                raise ValueError(f"unknown transition {join.kind!r}; use one of {', '.join(TRANSITIONS)}")
            overlap = join.frames if join.kind == "dissolve" else 0
            if join.frames > min(shot.frame_count, shots[number].frame_count):
                raise ValueError(f"join {number}: a {join.frames}-frame {join.kind} is longer than a shot it joins "
                                 f"({shot.frame_count} / {shots[number].frame_count} frames)")
            self.starts.append(self.starts[-1] + shot.frame_count - overlap)
        check_dissolves_fit(shots, joins)
        total = self.starts[-1] + shots[-1].frame_count
        channels = max(s.info.channels for s in shots)
        super().__init__(ClipInfo(shots[0].width, shots[0].height, shots[0].fps, total, shots[0].color_space, channels))
        if fade_in + fade_out > total:
            raise ValueError(f"fades of {fade_in} + {fade_out} frames are longer than the sequence ({total} frames)")
        self.fade_in, self.fade_out = fade_in, fade_out
        self._readers = [SequentialReader(s) for s in shots]

    def _layers(self, index: int) -> list[tuple[int, int, float]]:
        """(shot, frame in shot, weight) of what is visible at sequence frame `index`."""
        layers = []
        for n, start in enumerate(self.starts):
            local = index - start
            if 0 <= local < self.shots[n].frame_count:
                layers.append((n, local, 1.0))
        if len(layers) == 2:  # inside a dissolve
            (a, la, _), (b, lb, _) = layers
            length = self.joins[a].frames
            mix = (lb + 0.5) / length
            layers = [(a, la, 1.0 - mix), (b, lb, mix)]
        return layers

    def _gain(self, index: int) -> float:
        gain = 1.0
        if self.fade_in and index < self.fade_in:
            gain = min(gain, (index + 0.5) / self.fade_in)
        if self.fade_out and index >= self.frame_count - self.fade_out:
            gain = min(gain, (self.frame_count - index - 0.5) / self.fade_out)
        for n, join in enumerate(self.joins):
            if join.kind != "fade through black" or not join.frames:
                continue
            cut = self.starts[n + 1]  # first frame of the incoming shot
            half_out, half_in = join.frames // 2, join.frames - join.frames // 2
            if cut - half_out <= index < cut:
                gain = min(gain, (cut - index - 0.5) / half_out)
            elif cut <= index < cut + half_in:
                gain = min(gain, (index - cut + 0.5) / half_in)
        return gain

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        out = None
        layers, gain = self._layers(index), self._gain(index)
        for n, local, weight in layers:
            picture = self._readers[n].get(local)
            if picture.shape[2] < self.info.channels:  # RGB shot in an RGBA sequence: opaque
                picture = np.concatenate([picture, np.ones_like(picture[..., :1])], axis=2)
            if len(layers) == 1 and weight == 1.0 and gain == 1.0:
                # A plain frame of one shot passes as it is (consumers never write into frames);
                # scaling it by 1 cost a frame-sized copy per frame of the film.
                return picture.astype(np.float32, copy=False)
            term = picture * weight
            if out is not None and np.result_type(out, term) == out.dtype:
                out += term  # into `out` (a new array): the same sums, one frame-sized array fewer
            else:
                out = term if out is None else out + term
        if gain != 1.0:  # `out` is a new array here: scaled in place
            out[..., :3] *= gain
        return out.astype(np.float32, copy=False)

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        for index in self._range(start, stop):
            yield self.frame(index)
