"""Numbered image sequences (shot_0001.exr, shot_0002.exr, ...): naming, finding and reading them.

A sequence is named by a folder, a printf pattern (shot_%04d.exr), hashes (shot_####.exr) or a
glob (shot_*.exr). Reading gives a lazy clip that decodes one file per frame; the frame numbers
must run without gaps, since a missing frame would silently shorten a shot.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.fingerprint import file_digests

from .clip import Clip, ClipInfo
from .colorspaces import to_working
from .image_io import READ_EXTENSIONS, read_image

_PRINTF = re.compile(r"%(0?)(\d*)d")
_HASHES = re.compile(r"#+")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def is_pattern(path: Path) -> bool:
    name = path.name
    return bool(_PRINTF.search(name) or _HASHES.search(name) or any(c in name for c in "*?"))


def write_pattern(target: Path, extension: str) -> Path:
    """The printf pattern frames are written to: as given, '#'s as %0Nd, a folder as folder/frame_%06d.ext."""
    name = target.name
    if _PRINTF.search(name):
        return target
    if _HASHES.search(name):
        return target.with_name(_HASHES.sub(lambda m: f"%0{len(m.group())}d", name, count=1))
    return target / f"frame_%06d{extension}"


def frame_path(pattern: Path, number: int) -> Path:
    return pattern.with_name(_PRINTF.sub(lambda m: f"{number:0{m.group(2) or 1}d}", pattern.name, count=1))


def pattern_regex(pattern: Path) -> re.Pattern:
    """A regex matching the file names of `pattern` (printf, hashes or glob), capturing the frame number."""
    name = pattern.name
    parts, last = [], 0
    for match in re.finditer(r"%0?\d*d|#+|\*|\?", name):
        parts.append(re.escape(name[last:match.start()]))
        token = match.group()
        parts.append(r"(\d+)" if token[0] in "%#" else (".*?" if token == "*" else "."))
        last = match.end()
    parts.append(re.escape(name[last:]))
    regex = "".join(parts)
    if r"(\d+)" not in regex:  # a glob: the number is the last run of digits before the extension
        regex = regex.replace(".*?", r".*?(\d+)", 1) if ".*?" in regex else regex
    return re.compile(f"^{regex}$", re.IGNORECASE)


def find_frames(path: Path) -> list[tuple[int, Path]]:
    """The (number, file) of each frame of the sequence at `path`, in order; ValueError if there is none."""
    if path.is_dir():
        files = [p for p in path.iterdir() if p.suffix.lower() in READ_EXTENSIONS and not p.name.startswith(".")]
        if not files:
            raise ValueError(f"the folder {path} holds no image files ({', '.join(READ_EXTENSIONS)})")
        extension = Counter(p.suffix.lower() for p in files).most_common(1)[0][0]
        numbered = []
        for p in files:
            match = _TRAILING_NUMBER.match(p.stem)
            if p.suffix.lower() == extension and match:
                numbered.append((int(match.group(2)), p))
    else:
        if not path.parent.is_dir():
            raise ValueError(f"the folder {path.parent} of the image sequence does not exist; check the path")
        regex = pattern_regex(path)
        numbered = [(int(m.group(1)), p) for p in path.parent.iterdir()
                    if (m := regex.match(p.name)) and m.groups() and not p.name.startswith(".")]
    # Files only: a device or pipe matching the pattern (/dev/tty%d) could block a read or never end one.
    numbered = [(number, p) for number, p in numbered if p.is_file()]
    if not numbered:
        raise ValueError(f"no numbered frames match {path}; name a folder or a pattern such as shot_%04d.exr")
    numbered.sort()
    numbers = [n for n, _ in numbered]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"{path} matches two files with the same frame number; use a more precise pattern")
    gaps = [(a, b) for a, b in zip(numbers, numbers[1:]) if b != a + 1]
    if gaps:
        first_gap = f"{gaps[0][0] + 1}" if gaps[0][1] == gaps[0][0] + 2 else f"{gaps[0][0] + 1}-{gaps[0][1] - 1}"
        raise ValueError(f"the sequence {path} has {len(gaps)} gap(s) in its numbering, first frame(s) {first_gap} "
                         "missing; render or copy the missing frames")
    return numbered


def sequence_fingerprint(files: list[Path]) -> str:
    """Changes when any frame is added, removed, renamed or rewritten: the name and content digest of
    each (engine.fingerprint.file_digests), so that a copy of the frames, with new file times, keeps
    the cache of what they feed, and an unchanged frame is read once, not on every render."""
    digest = hashlib.blake2b(digest_size=16)
    for file, content in zip(files, file_digests(files)):
        digest.update(f"{file.name}\0{content}\n".encode())
    return digest.hexdigest()


class ImageSequenceClip(Clip):
    """One image file per frame, read and converted to the working space as the frame is asked for."""

    def __init__(self, files: list[Path], fps: Fraction, input_space: str, working_space: str = "lin_rec709"):
        if not files:
            raise ValueError("an image sequence needs at least one frame")
        self.files = list(files)
        self.input_space = input_space
        first = read_image(self.files[0])
        self._first = to_working(first, input_space, working_space)
        height, width, channels = first.shape
        super().__init__(ClipInfo(width, height, fps, len(self.files), working_space, channels))

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        if index == 0:
            return self._first
        encoded = read_image(self.files[index])
        if encoded.shape[:2] != (self.height, self.width):
            raise ValueError(f"{self.files[index].name} is {encoded.shape[1]}x{encoded.shape[0]} but the sequence "
                             f"is {self.width}x{self.height}; every frame must have the same size")
        if encoded.shape[2] != self.info.channels:  # an RGB frame in an RGBA sequence gets opaque alpha, and back
            encoded = (np.concatenate([encoded, np.ones_like(encoded[..., :1])], axis=-1)
                       if encoded.shape[2] == 3 else encoded[..., :3])
        return to_working(encoded, self.input_space, self.color_space)
