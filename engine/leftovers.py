"""Temporary files that name the process writing them, and the sweep that removes a dead writer's.

A render killed with `kill -9` (or a power cut) cannot clean up after itself: half-written cache
entries and `.part` files beside export targets stay behind. Every temporary AIPROD writes therefore
carries an owner tag, `aiprod-<pid>-<start>`, where <start> is when that process started (so a
later process that happens to get the same PID is not mistaken for the writer). A sweep at start-up
and at the start of each render removes the temporaries whose writer is no longer running, and
never those of a live writer (two renders at once, the editor beside a headless render).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import uuid
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("aiprod.leftovers")
_TAG = re.compile(r"aiprod-(\d+)-(\d+)-[0-9a-f]{8,}")


def _start_time(pid: int) -> int:
    """When process `pid` started, in clock ticks since boot (Linux); 0 where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        # The command name (field 2) may hold spaces or brackets: count fields after its last ')'.
        return int(stat[stat.rindex(b")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


@lru_cache(maxsize=1)
def _own_tag(pid: int) -> str:
    return f"aiprod-{pid}-{_start_time(pid)}"


def owner_tag() -> str:
    """This process's tag (recomputed after a fork, since the PID changes)."""
    return _own_tag(os.getpid())


def temp_name(prefix: str = "", suffix: str = "") -> str:
    """A unique name for a temporary of this process: `<prefix>aiprod-<pid>-<start>-<random><suffix>`."""
    return f"{prefix}{owner_tag()}-{uuid.uuid4().hex[:12]}{suffix}"


def pid_alive(pid: int) -> bool:
    """True if a process with this id runs on this machine (conservative: unknown counts as alive)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists, it is someone else's
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def writer_alive(name: str) -> bool | None:
    """Whether the process that wrote the temporary `name` still runs; None if `name` has no tag."""
    match = _TAG.search(name)
    if match is None:
        return None
    pid, start = int(match.group(1)), int(match.group(2))
    if pid == os.getpid():
        return start == _start_time(pid) or start == 0
    if not pid_alive(pid):
        return False
    now = _start_time(pid)
    return not (start and now and now != start)  # the PID now belongs to a newer process


def sweep(folder: str | os.PathLike, pattern: str = "*") -> list[Path]:
    """Remove the tagged temporaries in `folder` matching `pattern` whose writer has died.

    Untagged names are never touched (they may be the user's). Returns what was removed.
    """
    removed = []
    try:
        candidates = list(Path(folder).glob(pattern))
    except OSError:
        return removed
    for path in candidates:
        if writer_alive(path.name) is not False:
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except FileNotFoundError:
            pass  # another sweeper was quicker
        except OSError as exc:
            log.warning("could not remove %s, left by a render that stopped: %s", path, exc)
    if removed:
        log.info("removed %d temporaries left by stopped renders in %s", len(removed), folder)
    return removed


def part_pattern(target: str | os.PathLike) -> str:
    """The glob of the temporaries written beside `target` (see part_name)."""
    return f".{Path(target).stem}.aiprod-*.part*"


def part_name(target: str | os.PathLike, suffix: str = "") -> str:
    """The name of a temporary beside `target` that becomes it by a rename: `.<stem>.<tag>-<rnd>.part<suffix>`.

    It ends with the real extension (`suffix`), since writers such as PyAV and Pillow choose the
    format from it.
    """
    return temp_name(prefix=f".{Path(target).stem}.", suffix=f".part{suffix}")


def sweep_beside(target: str | os.PathLike) -> list[Path]:
    """Remove the dead writers' temporaries of `target` (files and staging folders) beside it."""
    target = Path(target)
    return sweep(target.parent, part_pattern(target))
