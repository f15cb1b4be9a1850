"""Content fingerprints of files a node reads, cheap enough to take on every render.

A full hash of a 40 GB camera file on every render would cost minutes, so a fingerprint hashes
the size plus three 1 MiB samples (start, middle, end) and is memoised per (path, size, mtime).
An edit that keeps size and all three samples identical is not seen; in practice media edits
change the size or the headers at the start, and a touched-but-identical file keeps its cache.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

SAMPLE = 1 << 20
_memo: dict[tuple[str, int, int], str] = {}
_memo_lock = threading.Lock()


def file_fingerprint(path: str | os.PathLike) -> str:
    """'missing' for an absent path; a folder hashes the fingerprints of its files (a diffusers model)."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return "missing"
    if path.is_dir():
        h = hashlib.blake2b(digest_size=16)
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(str(child.relative_to(path)).encode())
            h.update(file_fingerprint(child).encode())
        return h.hexdigest()
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
