"""A clip is a lazy, streamed source of frames: memory does not grow with the length of a film.

Frames are float32 H x W x C arrays (C = 3 RGB, or 4 RGBA with straight alpha), scene-linear
in the working space named by the clip. A clip knows its size, rational frame rate and frame
count up front; its frames are produced only when iterated. Transforms wrap a source clip and
process one frame at a time, so a chain camera -> grade -> title -> export holds a few frames,
never the shot.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from ..image import WORKING_SPACES
from ..timebase import as_rate as as_fps  # noqa: F401  (the name clips and nodes use for a rate)
from ..timebase import seconds_from_frames


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    fps: Fraction
    frame_count: int
    color_space: str = "lin_rec709"
    channels: int = 3

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"clip size must be positive, got {self.width}x{self.height}")
        if self.frame_count < 0:
            raise ValueError(f"frame count must not be negative, got {self.frame_count}")
        if self.color_space not in WORKING_SPACES:
            raise ValueError(f"unknown working space {self.color_space!r}; use one of {WORKING_SPACES}")
        if self.channels not in (3, 4):
            raise ValueError(f"a clip has 3 or 4 channels, not {self.channels}")
        object.__setattr__(self, "fps", as_fps(self.fps))

    @property
    def duration(self) -> Fraction:
        """Length in seconds, exact."""
        return seconds_from_frames(self.frame_count, self.fps)

    def with_(self, **changes) -> "ClipInfo":
        return replace(self, **changes)


class Clip(abc.ABC):
    """Base of all clips. Subclasses implement `frames` or `frame` (each defaults to the other)."""

    is_still = False  # every frame is the same picture (a held still): consumers may compute once
    # Every frame handed out is a new array that nothing else keeps (a camera move renders each one):
    # whoever takes it may write into it, as a title composites its text, instead of copying the frame.
    # False unless a clip knows it: a cached, shared or held frame is read by others too.
    owned_frames = False

    def __init__(self, info: ClipInfo):
        self.info = info

    # Convenience views of the info.
    width = property(lambda self: self.info.width)
    height = property(lambda self: self.info.height)
    fps = property(lambda self: self.info.fps)
    frame_count = property(lambda self: self.info.frame_count)
    color_space = property(lambda self: self.info.color_space)
    duration = property(lambda self: self.info.duration)

    def __len__(self) -> int:
        return self.info.frame_count

    def _range(self, start: int, stop: int | None) -> range:
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        if start < 0 or start > stop:
            raise IndexError(f"frame range {start}..{stop} is outside 0..{self.frame_count}")
        return range(start, stop)

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Frames start..stop-1, computed one at a time."""
        for index in self._range(start, stop):
            yield self.frame(index)

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        return next(iter(self.frames(index, index + 1)))


class StillClip(Clip):
    """One picture held for `frame_count` frames (the input of a camera move)."""

    is_still = True

    def __init__(self, pixels: np.ndarray, fps: Fraction | int, frame_count: int, color_space: str = "lin_rec709"):
        super().__init__(ClipInfo(pixels.shape[1], pixels.shape[0], fps, frame_count, color_space, pixels.shape[2]))
        self._pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        self._pixels.setflags(write=False)  # shared by every frame: consumers must not write into it

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        return self._pixels


class FunctionClip(Clip):
    """Frames computed from their index by `render(index)`: generated shots, camera moves."""

    def __init__(self, info: ClipInfo, render: Callable[[int], np.ndarray]):
        super().__init__(info)
        self._render = render

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        return self._render(index)


class MapClip(Clip):
    """`transform(frame, index)` applied to each frame of `source` as it streams past (grades, titles)."""

    def __init__(self, source: Clip, transform: Callable[[np.ndarray, int], np.ndarray], info: ClipInfo | None = None,
                 constant_over_time: bool = False):
        super().__init__(info or source.info)
        self.source = source
        self._transform = transform
        # A transform that does not depend on the index keeps a held still a held still.
        self.is_still = source.is_still and constant_over_time
        self._still_cache: np.ndarray | None = None

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        indices = self._range(start, stop)
        if self.is_still:
            for _ in indices:
                yield self._still()
            return
        for index, frame in zip(indices, self.source.frames(indices.start, indices.stop)):
            yield self._transform(frame, index)

    def frame(self, index: int) -> np.ndarray:
        if self.is_still:
            self._range(index, index + 1)
            return self._still()
        return self._transform(self.source.frame(index), index)

    def _still(self) -> np.ndarray:
        if self._still_cache is None:
            self._still_cache = self._transform(self.source.frame(0), 0)
            self._still_cache.setflags(write=False)
        return self._still_cache


class SubClip(Clip):
    """Frames `start`..`start + count - 1` of `source`, as a clip of their own (a trimmed shot)."""

    def __init__(self, source: Clip, start: int, count: int):
        if start < 0 or count < 1 or start + count > source.frame_count:
            raise ValueError(f"frames {start}..{start + count - 1} are not all inside the clip's "
                             f"0..{source.frame_count - 1}")
        super().__init__(source.info.with_(frame_count=count))
        self.source, self.start = source, start
        self.is_still = source.is_still

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        indices = self._range(start, stop)
        yield from self.source.frames(self.start + indices.start, self.start + indices.stop)

    def frame(self, index: int) -> np.ndarray:
        self._range(index, index + 1)
        return self.source.frame(self.start + index)


class ArrayClip(Clip):
    """Frames already in memory: short clips, tests and previews only."""

    def __init__(self, frames: list[np.ndarray] | np.ndarray, fps: Fraction | int, color_space: str = "lin_rec709"):
        frames = [np.asarray(f, dtype=np.float32) for f in frames]
        if not frames:
            raise ValueError("an ArrayClip needs at least one frame")
        height, width, channels = frames[0].shape
        super().__init__(ClipInfo(width, height, fps, len(frames), color_space, channels))
        self._frames = frames

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        return self._frames[index]


class SequentialReader:
    """Random access to a clip that stays cheap when the indices asked for mostly go up by one.

    Streams from an open iterator while requests are sequential; a jump restarts it (a seek).
    Used where two sources are read side by side, such as a dissolve.
    """

    def __init__(self, clip: Clip):
        self.clip = clip
        self._iterator: Iterator[np.ndarray] | None = None
        self._next = -1
        self._last: tuple[int, np.ndarray] | None = None

    def get(self, index: int) -> np.ndarray:
        if self._last is not None and self._last[0] == index:
            return self._last[1]
        if self._iterator is None or index != self._next:
            self._iterator = self.clip.frames(index)
        frame = next(self._iterator)
        self._next = index + 1
        self._last = (index, frame)
        return frame
