"""Putting a rendered image sequence in its folder so that a failure leaves the old frames or the new, not a mix.

Every frame is first written to a staging folder. Only when all of them (and the sidecars) are
on disk does the sequence change, in one of three ways:

* the folder does not exist yet: the staging folder is renamed to it, so it appears whole;
* the folder holds nothing but this sequence (its numbered frames and sidecars): the staging
  folder sits beside it, the old folder is renamed aside, the staging folder renamed into its
  place and the old one deleted; two renames, so an interruption between them leaves the old
  folder under a hidden name beside the target rather than a mix of frames;
* the folder holds other files too (a project folder, other shots): those are left alone and the
  sequence's own files are replaced one rename each, which is quick but not a single step.

"This sequence" is the files named by its pattern (shot_0001.exr for shot_%04d.exr) and its
sidecars. Frames outside the rendered range but inside the clip stay (a re-rendered range slots
into the rest); the unbroken run of frames from the clip's end on is the tail of an older, longer
render and is removed, or reading the folder back would play it; a sidecar not written this time
(the WAV of a render that had sound) is removed so it cannot describe the wrong frames. If the
write fails before that, the staging folder is deleted and the old sequence is as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..leftovers import sweep, temp_name, writer_alive
from .image_sequence import frame_path, pattern_regex


def _default_dir_mode() -> int:
    """What a plain mkdir() would give (0o777 less the umask); mkdtemp makes owner-only folders."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


_NEW_DIR_MODE = _default_dir_mode()


def _fsync(path: Path, folder: bool = False) -> None:
    try:  # a file opened for writing, since Windows will not flush a read-only handle
        fd = os.open(path, os.O_RDONLY if folder else os.O_RDWR)
    except OSError:  # some platforms cannot open a folder; the rename is still atomic there
        if not folder:
            raise
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SequenceStage:
    """A staging folder for one sequence (`pattern`, with the file names of its `sidecars`)."""

    def __init__(self, pattern: Path, sidecars: tuple[str, ...] = ()):
        self.pattern, self.folder, self.sidecars = pattern, pattern.parent, tuple(sidecars)
        self._regex = pattern_regex(pattern)
        # Beside the folder (so it can be swapped in), unless the folder holds other files or is
        # a mount point or link, where only the sequence's own files can be replaced.
        beside = not self.folder.exists() or self._only_this_sequence()
        self.path = None
        if beside:
            try:
                self.path = self._make_staging(self.folder.parent)
            except OSError:  # a parent we may not write to: stage inside, replace file by file
                if not self.folder.exists():
                    raise
        if self.path is None:
            self.path = self._make_staging(self.folder)

    def _make_staging(self, where: Path) -> Path:
        # Owner-only until published, like mkdtemp; the name says which process stages there.
        path = where / temp_name(prefix=f".{self.folder.name}.", suffix=".part")
        path.mkdir(mode=0o700)
        return path

    def frame_number(self, name: str) -> int | None:
        """The frame number of a file of this sequence, None for any other name."""
        match = self._regex.match(name)
        if not match or not match.groups() or not match.group(1):
            return None
        number = int(match.group(1))
        return number if frame_path(self.pattern, number).name == name else None

    def _only_this_sequence(self) -> bool:
        folder = self.folder
        if folder.is_symlink() or not folder.is_dir() or os.stat(folder).st_dev != os.stat(folder.parent).st_dev:
            return False
        return all(self._is_own(item) for item in folder.iterdir())

    def _is_own(self, item: Path) -> bool:
        return (item.is_file() and not item.is_symlink()
                and (item.name in self.sidecars or self.frame_number(item.name) is not None))

    def _old_frames(self) -> dict[int, Path]:
        """Number -> file of the sequence's frames now in the folder."""
        if not self.folder.is_dir():
            return {}
        return {self.frame_number(item.name): item for item in self.folder.iterdir()
                if self._is_own(item) and item.name not in self.sidecars}

    def publish(self, written: range, clip_frames: int) -> None:
        """Put the staged frames `written` (and sidecars) in place of the old sequence; see the module doc."""
        for item in self.path.iterdir():  # on disk before any name points at them
            _fsync(item)
        old_frames = self._old_frames()
        stale, number = set(), clip_frames
        while number in old_frames:  # an older, longer render's tail
            stale.add(number)
            number += 1
        kept = [p for n, p in old_frames.items() if n not in written and n not in stale]
        beside = self.path.parent == self.folder.parent
        if not self.folder.exists():
            self._rename_in()
        elif beside and self._only_this_sequence() and self._link(kept):
            self._swap()
        else:
            self._replace_one_by_one(old_frames, stale)
        _fsync(self.folder, folder=True)
        _fsync(self.folder.parent, folder=True)

    def _rename_in(self) -> None:
        os.chmod(self.path, _NEW_DIR_MODE)
        os.replace(self.path, self.folder)

    def _link(self, kept: list[Path]) -> bool:
        """Hard-link the frames that stay into the staging folder; False where links are not possible."""
        made = []
        try:
            for item in kept:
                os.link(item, self.path / item.name)
                made.append(self.path / item.name)
        except OSError:  # a file system without hard links (FAT, some network shares)
            for link in made:
                link.unlink(missing_ok=True)
            return False
        return True

    def _swap(self) -> None:
        os.chmod(self.path, os.stat(self.folder).st_mode & 0o7777)
        aside = self.folder.with_name(temp_name(prefix=f".{self.folder.name}.", suffix=".old"))
        os.rename(self.folder, aside)
        try:
            os.rename(self.path, self.folder)
        except BaseException:
            os.rename(aside, self.folder)  # put the old sequence back
            raise
        shutil.rmtree(aside, ignore_errors=True)

    def _replace_one_by_one(self, old_frames: dict[int, Path], stale: set[int]) -> None:
        new_names = set()
        for item in sorted(self.path.iterdir()):
            new_names.add(item.name)
            os.replace(item, self.folder / item.name)
        for number in sorted(stale):
            old_frames[number].unlink(missing_ok=True)
        for name in self.sidecars:
            if name not in new_names:
                (self.folder / name).unlink(missing_ok=True)

    def discard(self) -> None:
        """Delete what is left of the staging folder (all of it after a failure, nothing after a swap)."""
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> SequenceStage:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


def sweep_sequence_leftovers(pattern: str | os.PathLike) -> None:
    """Remove what a killed render left of the sequence `pattern`: staging folders beside and inside
    its folder, and an old sequence renamed aside (put back if the new one never took its place)."""
    folder = Path(pattern).parent
    for where in (folder.parent, folder):
        sweep(where, f".{folder.name}.aiprod-*.part")
    try:
        asides = list(folder.parent.glob(f".{folder.name}.aiprod-*.old"))
    except OSError:
        return
    for aside in asides:
        if writer_alive(aside.name) is not False:
            continue
        if not folder.exists():
            try:
                os.rename(aside, folder)  # killed between the two renames of a swap
                continue
            except OSError:
                pass
        shutil.rmtree(aside, ignore_errors=True)
