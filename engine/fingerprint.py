"""Content fingerprints of files a node reads, cheap enough to take on every render.

A full hash of a 40 GB camera file on every render would cost minutes, so a fingerprint hashes
the size plus three 1 MiB samples (start, middle, end) and is memoised per (path, size, mtime).
An edit that keeps size and all three samples identical is not seen; in practice media edits
change the size or the headers at the start, and a touched-but-identical file keeps its cache.
Image sequences take file_digests: the same digest per frame, kept in the render cache's index
between runs, so that thousands of frames are read once rather than on every render.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SAMPLE = 1 << 20
# What a path that names no regular file or folder gets: a device, pipe or socket is never opened
# (reading /dev/zero never ends, opening a pipe waits for a writer). A node refuses it (NodeType.fingerprint).
NOT_A_FILE = "not-a-file"
# A folder holding more files than any model folder does (a project naming "/"): not walked further.
MAX_FOLDER_FILES = 20_000
TOO_MANY_FILES = "too-many-files"
READERS = 4  # files file_digests reads at once
_memo: dict[tuple[str, int, int], str] = {}
_identity_memo: dict[str, str] = {}  # file_digests': path, size, times and inode -> digest
_memo_lock = threading.Lock()
_digest_store = None  # a weak reference to the render cache that keeps digests across runs (keep_digests_in)


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
    digest = _content_digest(path, st.st_size)
    with _memo_lock:
        _memo[memo_key] = digest
    return digest


def _content_digest(path: Path, size: int) -> str:
    """The size and the three samples (the whole file when it is small), hashed."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(size).encode())
    with open(path, "rb") as f:
        if size <= 3 * SAMPLE:
            h.update(f.read())
        else:
            for offset in (0, size // 2 - SAMPLE // 2, size - SAMPLE):
                f.seek(offset)
                h.update(f.read(SAMPLE))
    return h.hexdigest()


def keep_digests_in(store) -> None:
    """Let file_digests look digests up in, and add them to, `store` (a render cache: DiskCache's
    known_digests and keep_digests), so that a later run, in this process or another, does not read
    an unchanged file again. Held weakly: a cache that is closed and dropped stops being asked."""
    global _digest_store
    _digest_store = weakref.ref(store)


def file_digests(files: list[Path]) -> list[str]:
    """The content digests of many files (an image sequence's frames), as file_fingerprint takes them.

    By content, not by times, so that a copied folder of frames keeps the cache of everything made from
    them (a generated shot a plate feeds); a file is read once while it is unchanged, the digests being
    kept by the render cache (keep_digests_in) under each file's path, size, modification and change
    times and inode: a copy has new ones and is read once, a file rewritten in place gets a new change
    time. Raises OSError for a file that cannot be read."""
    identities = []
    for file in files:
        st = os.stat(file)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{file} is not a regular file")
        identities.append((f"{os.path.abspath(file)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}",
                           st.st_size))
    store = _digest_store() if _digest_store is not None else None
    with _memo_lock:
        known = {identity: _identity_memo[identity] for identity, _ in identities if identity in _identity_memo}
    unknown = [identity for identity, _ in identities if identity not in known]
    if unknown and store is not None:
        known.update(store.known_digests(unknown))
    to_read = {identity: (file, size) for file, (identity, size) in zip(files, identities) if identity not in known}
    made = {}
    if to_read:
        # Several reads at once: hashlib lets go of the GIL while it hashes, and a studio's network or
        # RAID storage answers parallel reads far faster than one after another.
        with ThreadPoolExecutor(max_workers=min(READERS, len(to_read)), thread_name_prefix="aiprod-digest") as pool:
            digests = pool.map(lambda item: _content_digest(*item), to_read.values())
            made = dict(zip(to_read, digests))
    if made and store is not None:
        store.keep_digests(made)
    known.update(made)
    with _memo_lock:
        _identity_memo.update(known)
    return [known[identity] for identity, _ in identities]


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
