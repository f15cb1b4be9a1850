"""Writing a file so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .leftovers import part_name


def _default_file_mode() -> int:
    """What a plain open() would give a new file: 0o666 less the umask (read once, at import)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_NEW_FILE_MODE = _default_file_mode()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a folder; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], keep_backup: bool = False) -> Path:
    """Call `write(temp_path)` to produce the file beside `path`, fsync it, then rename it over `path`.

    With keep_backup, the file that was there is kept as `<path>.bak`. If `write` raises, the
    temporary is removed and `path` is untouched. The temporary ends with the real extension, since
    writers such as PyAV and Pillow choose the format from it.
    """
    path = Path(path)
    folder = path.parent
    # The temporary names this process, so a sweep can tell one left by a killed render from a live one.
    tmp = folder / part_name(path, path.suffix)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        # mkstemp makes owner-only files; the result should have the permissions of a normal save.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else _NEW_FILE_MODE)
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if keep_backup and path.exists():
            backup = path.with_name(path.name + ".bak")
            shutil.copy2(path, backup.with_name(backup.name + ".part"))
            os.replace(backup.with_name(backup.name + ".part"), backup)
        os.replace(tmp, path)
        _fsync_dir(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, keep_backup: bool = False) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), keep_backup)
