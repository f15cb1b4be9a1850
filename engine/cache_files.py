"""The files of one cache entry: their sizes and hashes, recorded when written and checked when read.

A cache that hands back damaged bytes puts noise into a film without a word (a bad sector, a
truncated copy, a disk that filled up during a crash). So every file of an entry is listed in its
manifest with its size and an xxHash3 (128 bit; about 10 GB/s, so checking costs far less than
reading), and a codec reads an entry's files only through `EntryFiles`, which checks each file as
it is read: a frame is hashed from the very bytes that are decoded, so nothing can change between
the check and the use. A mismatch raises `CacheEntryCorrupt`, which the executor answers by
dropping the entry and making it again.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xxhash

from .errors import AiprodError

MANIFEST_NAME = "manifest.json"  # a copy of the entry's manifest inside its folder, for rebuilding the index
_CHUNK = 8 * 1024 * 1024


class CacheEntryCorrupt(AiprodError):
    """A cache entry whose files are missing or differ from what was stored."""

    def __init__(self, key: str, detail: str):
        super().__init__(f"cached entry {key[:12]}… is damaged: {detail}")
        self.key = key
        self.detail = detail


def file_digest(path: Path) -> str:
    digest = xxhash.xxh3_128()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_files(folder: Path) -> dict[str, dict]:
    """Size and hash of every file a codec wrote into `folder` (read back while still in the page cache)."""
    return {item.name: {"size": item.stat().st_size, "xxh3": file_digest(item)}
            for item in sorted(folder.iterdir()) if item.name != MANIFEST_NAME}


class EntryFiles:
    """Checked access to the files of the entry `key` in `folder`, as listed in `table`.

    `on_damage(key)` is called before CacheEntryCorrupt is raised, so the entry is dropped even
    when the damage is found deep inside a node that reads frames lazily.
    """

    def __init__(self, key: str, folder: Path, table: dict[str, dict],
                 on_damage: Callable[[str], None] | None = None):
        self.key, self.folder, self._table, self._on_damage = key, folder, table, on_damage

    def damaged(self, detail: str) -> CacheEntryCorrupt:
        if self._on_damage is not None:
            self._on_damage(self.key)
        return CacheEntryCorrupt(self.key, detail)

    def _expected(self, name: str) -> dict:
        expected = self._table.get(name)
        if not isinstance(expected, dict):
            raise self.damaged(f"{name} is not listed in its manifest")
        return expected

    def read_bytes(self, name: str) -> bytearray:
        expected = self._expected(name)
        try:
            with open(self.folder / name, "rb") as f:
                # Into a bytearray: arrays can then be views of it, writable, with no second copy.
                data = bytearray(os.fstat(f.fileno()).st_size)
                got = f.readinto(data)
            del data[got:]
        except FileNotFoundError:  # removed by a crash, a cleaner, or another process's eviction
            raise self.damaged(f"{name} is missing") from None
        except OSError as exc:
            raise self.damaged(f"{name} cannot be read ({exc.strerror or exc})") from None
        if len(data) != expected.get("size"):
            raise self.damaged(f"{name} has {len(data)} bytes, {expected.get('size')} were stored")
        if xxhash.xxh3_128_hexdigest(data) != expected.get("xxh3"):
            raise self.damaged(f"{name} does not hold the bytes that were stored")
        return data

    def load_array(self, name: str) -> np.ndarray:
        """A checked .npy file as an array (never unpickling)."""
        data = self.read_bytes(name)
        try:
            header = io.BytesIO(data[:4096])  # npy headers are padded to a multiple of 64 bytes, well under this
            version = np.lib.format.read_magic(header)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(header)
            if dtype.hasobject:
                raise ValueError("object arrays are never read from the cache")
            array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=header.tell())
            return array.reshape(shape, order="F" if fortran else "C")
        except ValueError as exc:  # the hash matched, yet numpy refuses it: written wrong, so re-make it
            raise self.damaged(f"{name} is not a readable array ({exc})") from None

    def check_present(self, *names: str) -> None:
        """Cheap up-front check (sizes only) of files that will be read later, such as a clip's frames."""
        for name in names:
            expected = self._expected(name)
            try:
                size = (self.folder / name).stat().st_size
            except OSError:
                raise self.damaged(f"{name} is missing") from None
            if size != expected.get("size"):
                raise self.damaged(f"{name} has {size} bytes, {expected.get('size')} were stored")
