"""The on-disk cache of node outputs: one folder per cache key, written atomically, bounded (LRU).

An entry is built in a private temporary folder and renamed into place in one step, so a reader
(or a crash, or a cancel) never sees half an entry. Least-recently-used entries are evicted when
the total size passes the limit; a read refreshes an entry's time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from .ports import PortType

log = logging.getLogger("aiprod.cache")
ENTRY_FORMAT = 1
MANIFEST = "manifest.json"
DEFAULT_LIMIT_BYTES = 20 * 1024**3


class DiskCache:
    def __init__(self, root: str | os.PathLike, max_bytes: int = DEFAULT_LIMIT_BYTES):
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self._entries = self.root / "entries"
        self._tmp = self.root / "tmp"
        try:
            self._entries.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"cannot create the cache folder {self.root}: {exc.strerror}. "
                          "Choose another cache location (--cache-dir, or Preferences).") from exc
        self._total_bytes: int | None = None  # measured lazily on the first store
        self._remove_stale_temporaries()

    def _entry_dir(self, key: str) -> Path:
        return self._entries / key[:2] / key

    def has(self, key: str) -> bool:
        return (self._entry_dir(key) / MANIFEST).is_file()

    def load(self, key: str, port_types: dict[str, PortType]) -> dict[str, Any] | None:
        """The outputs stored under `key`, or None if absent or unreadable (an unreadable entry is dropped)."""
        folder = self._entry_dir(key)
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
            if manifest.get("format") != ENTRY_FORMAT:
                raise ValueError(f"entry format {manifest.get('format')!r}")
            outputs = {}
            for port, stored in manifest["outputs"].items():
                port_type = port_types.get(port)
                if port_type is None or port_type.codec is None or port_type.name != stored["type"]:
                    raise ValueError(f"output {port!r} no longer matches the node's ports")
                outputs[port] = port_type.codec.decode(stored, folder)
        except FileNotFoundError:
            return None
        except Exception as exc:  # corrupt, foreign or outdated: treat as a miss, never as a crash
            log.warning("dropping unreadable cache entry %s: %s", key, exc)
            self.discard(key)
            return None
        self._touch(folder)
        return outputs

    def store(self, key: str, outputs: dict[str, Any], port_types: dict[str, PortType], node_type: str = "") -> bool:
        """Store outputs under `key`; False (and nothing written) if a value's type has no codec."""
        if any(port_types[port].codec is None for port in outputs):
            return False
        final = self._entry_dir(key)
        if (final / MANIFEST).is_file():
            return True
        work = self._tmp / uuid.uuid4().hex
        try:
            work.mkdir()
            stored = {}
            for port, value in outputs.items():
                port_type = port_types[port]
                stored[port] = {"type": port_type.name, **port_type.codec.encode(value, work, port)}
            size = sum(f.stat().st_size for f in work.iterdir())
            manifest = {"format": ENTRY_FORMAT, "key": key, "node_type": node_type, "created": time.time(),
                        "bytes": size, "outputs": stored}
            (work / MANIFEST).write_text(json.dumps(manifest))
            final.parent.mkdir(exist_ok=True)
            os.rename(work, final)
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            if (final / MANIFEST).is_file():  # another process stored the same key first
                return True
            log.warning("could not store cache entry %s: %s", key, exc)
            return False
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self._grow(size + len(json.dumps(manifest)))
        return True

    def discard(self, key: str) -> None:
        shutil.rmtree(self._entry_dir(key), ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self._entries, ignore_errors=True)
        self._entries.mkdir(parents=True, exist_ok=True)
        self._total_bytes = 0

    def keys(self) -> list[str]:
        return [entry.name for bucket in self._entries.iterdir() for entry in bucket.iterdir()
                if (entry / MANIFEST).is_file()]

    def size_bytes(self) -> int:
        return sum(size for _, size, _ in self._scan())

    # ---- size bound ----------------------------------------------------------------------

    def _touch(self, folder: Path) -> None:
        try:
            os.utime(folder / MANIFEST)
        except OSError:
            pass

    def _scan(self) -> list[tuple[Path, int, float]]:
        """(entry folder, bytes, last use) for every entry."""
        found = []
        for bucket in self._entries.iterdir():
            for entry in bucket.iterdir():
                try:
                    used = (entry / MANIFEST).stat().st_mtime
                    size = sum(f.stat().st_size for f in entry.iterdir())
                except OSError:
                    continue
                found.append((entry, size, used))
        return found

    def _grow(self, added: int) -> None:
        if self._total_bytes is None:
            self._total_bytes = self.size_bytes()
        else:
            self._total_bytes += added
        if self._total_bytes > self.max_bytes:
            self.evict(int(self.max_bytes * 0.9))

    def evict(self, target_bytes: int) -> int:
        """Remove least-recently-used entries until at most `target_bytes` remain; returns entries removed."""
        entries = sorted(self._scan(), key=lambda e: e[2])
        total = sum(size for _, size, _ in entries)
        removed = 0
        for folder, size, _ in entries:
            if total <= target_bytes:
                break
            shutil.rmtree(folder, ignore_errors=True)
            total -= size
            removed += 1
        self._total_bytes = total
        return removed

    def _remove_stale_temporaries(self) -> None:
        """Temporaries older than a day were left by a crash (a live writer finishes far sooner)."""
        cutoff = time.time() - 86400
        for work in self._tmp.iterdir():
            try:
                if work.stat().st_mtime < cutoff:
                    shutil.rmtree(work, ignore_errors=True)
            except OSError:
                pass
