"""Stores a clip in the disk cache frame by frame, and reads it back as a lazy clip.

Frames are written as float16 .npy files: half floats keep scene-linear values (HDR highlights
included, up to 65504) to about three decimal digits, which is near-lossless for pictures, at half
the size of float32, and each frame reads back with one file read (random access for scrubbing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..cache_files import EntryFiles
from .clip import Clip, ClipInfo
from .half_float import float32_from_half, half_from_float32


class FrameFolderClip(Clip):
    """A clip whose frames are files in a cache entry, each checked against its hash as it is read."""

    def __init__(self, info: ClipInfo, files: EntryFiles, names: list[str]):
        super().__init__(info)
        self._files = files
        self._names = names

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        frame = self._files.load_array(self._names[index])
        if frame.shape != (self.height, self.width, self.info.channels):
            raise self._files.damaged(f"frame {index} is {frame.shape}, the clip is "
                                      f"{(self.height, self.width, self.info.channels)}")
        return float32_from_half(frame) if frame.dtype == np.float16 else frame.astype(np.float32)


class FramesCodec:
    writes_files = True
    streams = True  # encode() takes progress=, so a long shot reports progress and can be cancelled

    def encode(self, clip: Clip, folder: Path, stem: str, progress: Callable[[float], None] | None = None) -> dict:
        names = []
        total = max(clip.frame_count, 1)
        for index, frame in enumerate(clip.frames()):
            name = f"{stem}_{index:06d}.npy"
            np.save(folder / name, half_from_float32(frame), allow_pickle=False)
            names.append(name)
            if progress is not None:
                progress((index + 1) / total)
        info = clip.info
        return {"width": info.width, "height": info.height, "fps": f"{info.fps.numerator}/{info.fps.denominator}",
                "frame_count": len(names), "color_space": info.color_space, "channels": info.channels,
                "frames": names}

    def decode(self, manifest: dict, files: EntryFiles) -> FrameFolderClip:
        info = ClipInfo(manifest["width"], manifest["height"], Fraction(manifest["fps"]), manifest["frame_count"],
                        manifest["color_space"], manifest["channels"])
        names = list(manifest["frames"])
        if len(names) != info.frame_count:
            raise files.damaged(f"it lists {len(names)} frames for a clip of {info.frame_count}")
        files.check_present(*names)  # a truncated or lost frame is found before a node starts on the clip
        return FrameFolderClip(info, files, names)


def iter_with_progress(clip: Clip, report: Callable[[float, str], None], what: str = "frame") -> Iterator[np.ndarray]:
    """The clip's frames, reporting progress (and so checking cancel) before each one."""
    total = max(clip.frame_count, 1)
    for index, frame in enumerate(clip.frames()):
        report(index / total, f"{what} {index + 1}/{clip.frame_count}")
        yield frame
