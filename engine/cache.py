"""The on-disk cache of node outputs, keyed by cache key, atomic, bounded by size (LRU).

An index database (SQLite, in the cache folder) holds one row per entry: the manifest, which
carries small values inline, its size and when it was last used. Values stored as files
(pictures, frames) go into `entries/<ab>/<key>/`, written in a private temporary folder and
renamed into place before the row is committed: the row is the commit point, so a reader, a
crash or a cancel never sees half an entry. Rows make lookups, "last used" updates and LRU
eviction cheap even with hundreds of thousands of entries, and several processes (the editor
and a headless render) can share one cache folder safely.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .ports import PortType

log = logging.getLogger("aiprod.cache")
ENTRY_FORMAT = 1
DEFAULT_LIMIT_BYTES = 20 * 1024**3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    manifest TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    has_files INTEGER NOT NULL,
    node_type TEXT NOT NULL,
    created REAL NOT NULL,
    last_used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_last_used ON entries (last_used);
"""


class DiskCache:
    def __init__(self, root: str | os.PathLike, max_bytes: int = DEFAULT_LIMIT_BYTES):
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self._entries = self.root / "entries"
        self._tmp = self.root / "tmp"
        try:
            self._entries.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)
            # WAL + synchronous=NORMAL: commits do not wait for the disk, and a crash loses at most
            # the last entries, never consistency (entries are a cache: losing one costs a re-run).
            self._db = sqlite3.connect(self.root / "index.sqlite", timeout=30, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OSError(f"cannot use the cache folder {self.root}: {exc}. "
                          "Choose another cache location (--cache-dir, or Preferences).") from exc
        self._lock = threading.Lock()  # one connection shared by the render thread and the GUI
        self._remove_stale_temporaries()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _files(self, key: str) -> Path:
        return self._entries / key[:2] / key

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def has(self, key: str) -> bool:
        return bool(self._query("SELECT 1 FROM entries WHERE key = ?", (key,)))

    def touch(self, *keys: str) -> None:
        """Mark entries as just used, so that eviction keeps them (one transaction for all)."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("UPDATE entries SET last_used = ? WHERE key = ?", [(now, k) for k in keys])
            self._db.execute("COMMIT")

    def load(self, key: str, port_types: dict[str, PortType]) -> dict[str, Any] | None:
        """The outputs stored under `key`, or None if absent or unreadable (an unreadable entry is dropped)."""
        rows = self._query("SELECT manifest FROM entries WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            manifest = json.loads(rows[0][0])
            if manifest.get("format") != ENTRY_FORMAT:
                raise ValueError(f"entry format {manifest.get('format')!r}")
            outputs = {}
            for port, stored in manifest["outputs"].items():
                port_type = port_types.get(port)
                if port_type is None or port_type.codec is None or port_type.name != stored["type"]:
                    raise ValueError(f"output {port!r} no longer matches the node's ports")
                outputs[port] = port_type.codec.decode(stored, self._files(key))
        except Exception as exc:  # corrupt, foreign, outdated or files gone: a miss, never a crash
            log.warning("dropping unreadable cache entry %s: %s", key, exc)
            self.discard(key)
            return None
        self.touch(key)
        return outputs

    def store(self, key: str, outputs: dict[str, Any], port_types: dict[str, PortType], node_type: str = "",
              progress: Callable[[float], None] | None = None) -> bool:
        """Store outputs under `key`; False (and nothing written) if a value's type has no codec.

        `progress` is passed to codecs that write long values (frames) and may raise to cancel;
        whatever was written is then removed.
        """
        if any(port_types[port].codec is None for port in outputs):
            return False
        if self.has(key):
            return True
        work = self._tmp / uuid.uuid4().hex
        writes_files = any(getattr(port_types[port].codec, "writes_files", True) for port in outputs)
        try:
            if writes_files:
                work.mkdir()
            stored = {}
            for port, value in outputs.items():
                codec = port_types[port].codec
                extra = {"progress": progress} if progress is not None and getattr(codec, "streams", False) else {}
                stored[port] = {"type": port_types[port].name, **codec.encode(value, work, port, **extra)}
            size = sum(f.stat().st_size for f in work.iterdir()) if writes_files else 0
            now = time.time()
            manifest = json.dumps({"format": ENTRY_FORMAT, "node_type": node_type, "outputs": stored})
            if writes_files:
                final = self._files(key)
                final.parent.mkdir(exist_ok=True)
                shutil.rmtree(final, ignore_errors=True)  # a folder orphaned by a crash before its commit
                os.rename(work, final)
            self._query("INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (key, manifest, size + len(manifest), int(writes_files), node_type, now, now))
        except (OSError, sqlite3.Error) as exc:
            shutil.rmtree(work, ignore_errors=True)
            log.warning("could not store cache entry %s: %s", key, exc)
            return False
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self._trim()
        return True

    def discard(self, key: str) -> None:
        self._query("DELETE FROM entries WHERE key = ?", (key,))
        shutil.rmtree(self._files(key), ignore_errors=True)

    def clear(self) -> None:
        self._query("DELETE FROM entries")
        shutil.rmtree(self._entries, ignore_errors=True)
        self._entries.mkdir(parents=True, exist_ok=True)

    def keys(self) -> list[str]:
        return [row[0] for row in self._query("SELECT key FROM entries")]

    def size_bytes(self) -> int:
        return int(self._query("SELECT COALESCE(SUM(bytes), 0) FROM entries")[0][0])

    def last_used(self, key: str) -> float | None:
        rows = self._query("SELECT last_used FROM entries WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_last_used(self, key: str, when: float) -> None:
        self._query("UPDATE entries SET last_used = ? WHERE key = ?", (when, key))

    # ---- size bound ----------------------------------------------------------------------

    def _trim(self) -> None:
        if self.size_bytes() > self.max_bytes:
            self.evict(int(self.max_bytes * 0.9))

    def evict(self, target_bytes: int) -> int:
        """Remove least-recently-used entries until at most `target_bytes` remain; returns entries removed."""
        total = self.size_bytes()
        removed = 0
        for key, size in self._query("SELECT key, bytes FROM entries ORDER BY last_used"):
            if total <= target_bytes:
                break
            self.discard(key)
            total -= size
            removed += 1
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
