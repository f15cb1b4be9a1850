"""Content fingerprints of files a node reads, cheap enough to take on every render.

A full hash of a 40 GB camera file on every render would cost minutes, so a fingerprint hashes
the size plus three 1 MiB samples (start, middle, end) and is memoised per (path, size, mtime).
An edit that keeps size and all three samples identical is not seen; in practice media edits
change the size or the headers at the start, and a touched-but-identical file keeps its cache.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

SAMPLE = 1 << 20
# What a path that names no regular file or folder gets: a device, pipe or socket is never opened
# (reading /dev/zero never ends, opening a pipe waits for a writer). A node refuses it (NodeType.fingerprint).
NOT_A_FILE = "not-a-file"
# A folder holding more files than any model folder does (a project naming "/"): not walked further.
MAX_FOLDER_FILES = 20_000
TOO_MANY_FILES = "too-many-files"
_memo: dict[tuple[str, int, int], str] = {}
_memo_lock = threading.Lock()


def file_fingerprint(path: str | os.PathLike) -> str:
    """'missing' for an absent path; a folder hashes the fingerprints of its files (a diffusers model);
    NOT_A_FILE for a device, pipe or socket, TOO_MANY_FILES for a folder past MAX_FOLDER_FILES."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return "missing"
    if stat.S_ISDIR(st.st_mode):
        return _folder_fingerprint(path)
    if not stat.S_ISREG(st.st_mode):
        return NOT_A_FILE
    memo_key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _memo_lock:
        known = _memo.get(memo_key)
    if known is not None:
        return known
    h = hashlib.blake2b(digest_size=16)
    h.update(str(st.st_size).encode())
    with open(path, "rb") as f:
        if st.st_size <= 3 * SAMPLE:
            h.update(f.read())
        else:
            for offset in (0, st.st_size // 2 - SAMPLE // 2, st.st_size - SAMPLE):
                f.seek(offset)
                h.update(f.read(SAMPLE))
    digest = h.hexdigest()
    with _memo_lock:
        _memo[memo_key] = digest
    return digest


def _folder_fingerprint(folder: Path) -> str:
    """The fingerprints of the files in `folder` and below, by their paths inside it, in sorted order."""
    files = []
    # Links to folders are not followed (as Path.rglob did before: the same fingerprints, and no loops);
    # links to files are, as the file they name.
    for root, _, names in os.walk(folder):
        for name in names:
            child = Path(root, name)
            try:
                regular = stat.S_ISREG(child.stat().st_mode)
            except OSError:  # a dangling link: nothing there
                continue
            if regular:
                files.append(child)
                if len(files) > MAX_FOLDER_FILES:
                    return TOO_MANY_FILES
    digest = hashlib.blake2b(digest_size=16)
    for child in sorted(files):
        digest.update(str(child.relative_to(folder)).encode())
        digest.update(file_fingerprint(child).encode())
    return digest.hexdigest()
