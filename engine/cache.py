"""The on-disk cache of node outputs, keyed by cache key, verified, atomic, bounded by size (LRU).

An index database (SQLite, in the cache folder) holds one row per entry: the manifest, which
carries small values inline and the size and hash of each file, its size and when it was last
used. Values stored as files (pictures, frames) go into `entries/<ab>/<key>/` with a copy of the
manifest. An entry is written in a private temporary folder and published by one rename of the
complete folder; the row is committed after that, so a reader, a crash or a cancel never sees half
an entry. When two processes store the same key at once, the first rename wins and the other
writer adopts the published entry (the row is always made from the folder's own manifest), so an
entry never mixes two writers' files. Files are checked against their hashes when read
(engine/cache_files.py); a damaged entry is dropped and the executor makes it again. An index that
cannot be read is rebuilt from the entries' manifests.

Rows make lookups, "last used" updates and LRU eviction cheap even with hundreds of thousands of
entries, and several processes (the editor and a headless render) can share one cache folder.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache_files import MANIFEST_NAME, CacheEntryCorrupt, EntryFiles, describe_files
from .errors import AiprodError
from .fingerprint import keep_digests_in
from .leftovers import sweep, temp_name, writer_alive
from .ports import PortType

log = logging.getLogger("aiprod.cache")
ENTRY_FORMAT = 2  # 2: files listed with size and hash, manifest copied into the entry folder
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
CREATE TABLE IF NOT EXISTS file_digests (
    identity TEXT PRIMARY KEY,
    digest TEXT NOT NULL
);
"""
# Content digests of read files (engine.fingerprint.file_digests) kept at most: the oldest go first.
MAX_FILE_DIGESTS = 500_000
INDEX_FILE = "index.sqlite"  # the index of entries: what marks a folder as holding a cache


class CacheStoreError(AiprodError):
    """An entry could not be written (disk full, read-only folder); the render goes on without it."""


def _store_failure(root: Path, exc: OSError) -> CacheStoreError:
    """A plain sentence for why an entry could not be written, naming the folder and what to do."""
    fix = "free some space or choose another cache folder (Preferences, or --cache-dir)"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        free = shutil.disk_usage(root).free if root.exists() else 0
        return CacheStoreError(f"the cache disk is full ({free / 1e6:.0f} MB free in {root}); {fix}")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return CacheStoreError(f"the cache folder {root} cannot be written to ({exc.strerror}); "
                               "choose another cache folder (Preferences, or --cache-dir)")
    return CacheStoreError(f"could not write to the cache folder {root}: {exc.strerror or exc}; {fix}")


class DiskCache:
    def __init__(self, root: str | os.PathLike, max_bytes: int = DEFAULT_LIMIT_BYTES):
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self._entries = self.root / "entries"
        self._tmp = self.root / "tmp"
        self._lock = threading.RLock()  # one connection shared by the render thread and the GUI
        self.notices: list[str] = []  # what the cache repaired on its own, for the user to read
        try:
            self._entries.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"cannot use the cache folder {self.root}: {exc.strerror or exc}. "
                          "Choose another cache location (--cache-dir, or Preferences).") from exc
        self._db = self._open_index()
        self.sweep_leftovers()
        keep_digests_in(self)

    # ---- the index ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.root / INDEX_FILE, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            # WAL + synchronous=NORMAL: commits do not wait for the disk, and a crash loses at most
            # the last rows, never consistency (entries are a cache: losing one costs a re-run).
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _open_index(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise OSError(f"the cache folder {self.root} is busy ({exc}); try again") from exc
            if not os.access(self.root, os.W_OK):
                raise OSError(f"cannot use the cache folder {self.root}: it is read-only. "
                              "Choose another cache location (--cache-dir, or Preferences).") from exc
            return self._rebuild_index(exc)
        except sqlite3.DatabaseError as exc:  # "file is not a database", "disk image is malformed"
            return self._rebuild_index(exc)

    def _rebuild_index(self, cause: Exception) -> sqlite3.Connection:
        """Set the unreadable index aside and make a new one from the entries' own manifests."""
        aside = self._tmp / temp_name(suffix=".broken-index")
        aside.mkdir()
        for name in (INDEX_FILE, INDEX_FILE + "-wal", INDEX_FILE + "-shm"):
            if (self.root / name).exists():
                os.replace(self.root / name, aside / name)
        db = self._connect()
        rows = []
        for manifest_file in self._entries.glob(f"*/*/{MANIFEST_NAME}"):
            try:
                text = manifest_file.read_text(encoding="utf-8")
                manifest = json.loads(text)
                if manifest.get("format") != ENTRY_FORMAT:
                    continue
                folder = manifest_file.parent
                used = folder.stat().st_mtime
                rows.append((folder.name, text, self._entry_bytes(manifest, text), 1,
                             str(manifest.get("node_type", "")), used, used))
            except (OSError, ValueError, AttributeError):
                continue  # unreadable entries are found and dropped when next read
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        shutil.rmtree(aside, ignore_errors=True)
        notice = (f"the cache index {self.root / INDEX_FILE} could not be read ({cause}); "
                  f"it was rebuilt from {len(rows)} entries")
        log.warning("%s", notice)
        self.notices.append(notice)
        return db

    # ---- content digests of files read (engine.fingerprint.file_digests) ------------------------

    def known_digests(self, identities: list[str]) -> dict[str, str]:
        """The digests kept for these file identities; a memo, so an unreadable index gives none."""
        found = {}
        try:
            with self._lock:
                for start in range(0, len(identities), 500):  # under SQLite's limit of bound values
                    chunk = identities[start:start + 500]
                    rows = self._db.execute(f"SELECT identity, digest FROM file_digests WHERE identity IN "
                                            f"({','.join('?' * len(chunk))})", chunk)
                    found.update((identity, digest) for identity, digest in rows if isinstance(digest, str))
        except sqlite3.Error:
            return {}
        return found

    def keep_digests(self, digests: dict[str, str]) -> None:
        """Keep these digests (the newest MAX_FILE_DIGESTS in all); a failure to write only costs a re-read."""
        try:
            with self._lock:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany("INSERT OR REPLACE INTO file_digests VALUES (?, ?)", digests.items())
                    self._db.execute("DELETE FROM file_digests WHERE rowid <= "
                                     "(SELECT max(rowid) FROM file_digests) - ?", (MAX_FILE_DIGESTS,))
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            log.debug("file digests not kept in %s: %s", self.root, exc)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _files(self, key: str) -> Path:
        return self._entries / key[:2] / key

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as exc:  # damaged since it was opened: rebuild, then try again
                self._db.close()
                self._db = self._rebuild_index(exc)
                return self._db.execute(sql, args).fetchall()

    def has(self, key: str) -> bool:
        return bool(self._query("SELECT 1 FROM entries WHERE key = ?", (key,)))

    def touch(self, *keys: str) -> None:
        """Mark entries as just used, so that eviction keeps them (one transaction for all)."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("UPDATE entries SET last_used = ? WHERE key = ?", [(now, k) for k in keys])
            finally:
                self._db.execute("COMMIT")

    # ---- reading -----------------------------------------------------------------------------

    def load(self, key: str, port_types: dict[str, PortType]) -> dict[str, Any] | None:
        """The outputs stored under `key`; None if absent, or stored for other ports or by an older format.

        Raises CacheEntryCorrupt (after dropping the entry) when its files are missing or damaged;
        frames are checked as they are read, so that error may also come later, from the clip.
        """
        rows = self._query("SELECT manifest FROM entries WHERE key = ?", (key,))
        if not rows:
            return None
        files = None
        try:
            manifest = json.loads(rows[0][0])
            if manifest.get("format") != ENTRY_FORMAT:
                raise ValueError(f"entry format {manifest.get('format')!r}")
            files = EntryFiles(key, self._files(key), manifest.get("files") or {}, on_damage=self.discard)
            outputs = {}
            if set(manifest["outputs"]) != set(port_types):  # stored before an output was added, or after
                raise ValueError(f"outputs {sorted(manifest['outputs'])} are not the node's {sorted(port_types)}")
            for port, stored in manifest["outputs"].items():
                port_type = port_types.get(port)
                if port_type is None or port_type.codec is None or port_type.name != stored["type"]:
                    raise ValueError(f"output {port!r} no longer matches the node's ports")
                # An optional output the node had no value for is stored as such, never as a stand-in.
                outputs[port] = None if stored.get("absent") else port_type.codec.decode(stored, files)
        except CacheEntryCorrupt:
            raise
        except Exception as exc:  # foreign, outdated or unparseable: a miss, never a crash
            log.warning("dropping unreadable cache entry %s: %s", key, exc)
            self.discard(key)
            return None
        self.touch(key)
        return outputs

    def content_digest(self, key: str) -> str | None:
        """A digest of what the entry `key` holds (its inline values and the hashes of its files), the
        same for two entries with the same content whatever their keys; None when there is no entry.

        A render's record keeps it per node, so a later render can tell which node's output changed.
        """
        rows = self._query("SELECT manifest FROM entries WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            manifest = json.loads(rows[0][0])
            content = {"outputs": manifest["outputs"],
                       "files": {name: entry["xxh3"] for name, entry in (manifest.get("files") or {}).items()}}
            text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # an unreadable row: read() drops it; the record says nothing of it
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    # ---- writing -----------------------------------------------------------------------------

    @staticmethod
    def _entry_bytes(manifest: dict, text: str) -> int:
        return sum(int(f.get("size", 0)) for f in (manifest.get("files") or {}).values()) + len(text)

    def store(self, key: str, outputs: dict[str, Any], port_types: dict[str, PortType], node_type: str = "",
              progress: Callable[[float], None] | None = None) -> bool:
        """Store outputs under `key`; False (and nothing written) if a value's type has no codec.

        `progress` is passed to codecs that write long values (frames) and may raise to cancel;
        whatever was written is then removed. Raises CacheStoreError, with nothing left behind,
        when the disk is full or the folder cannot be written.
        """
        if any(port_types[port].codec is None for port in outputs):
            return False
        if self.has(key):
            return True
        work = self._tmp / temp_name()
        writes_files = any(getattr(port_types[port].codec, "writes_files", True) for port in outputs)
        try:
            if writes_files:
                work.mkdir()
            stored = {}
            for port, value in outputs.items():
                codec = port_types[port].codec
                extra = {"progress": progress} if progress is not None and getattr(codec, "streams", False) else {}
                if value is None:
                    stored[port] = {"type": port_types[port].name, "absent": True}
                    continue
                stored[port] = {"type": port_types[port].name, **codec.encode(value, work, port, **extra)}
            manifest = {"format": ENTRY_FORMAT, "node_type": node_type, "outputs": stored}
            if writes_files:
                manifest["files"] = describe_files(work)
            text = json.dumps(manifest)
            if writes_files:
                (work / MANIFEST_NAME).write_text(text, encoding="utf-8")
                text = self._publish(key, work, text)
            now = time.time()
            self._query("INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (key, text, self._entry_bytes(json.loads(text), text), int(writes_files), node_type, now, now))
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise _store_failure(self.root, exc) from exc
        except sqlite3.Error as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise CacheStoreError(f"the cache index in {self.root} could not be written ({exc})") from exc
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self._trim()
        return True

    def _publish(self, key: str, work: Path, text: str) -> str:
        """Rename the complete folder `work` into place; returns the manifest of the entry now there.

        If another writer published the key first, theirs stays and ours is dropped: whole entries,
        never a mix. A folder left without its row (a crash between rename and commit) is adopted
        when its manifest reads back; anything else in the way is set aside first.
        """
        final = self._files(key)
        final.parent.mkdir(exist_ok=True)
        for _ in range(2):
            try:
                os.rename(work, final)
                return text
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EACCES, errno.EPERM) or not final.exists():
                    raise
            try:
                theirs = (final / MANIFEST_NAME).read_text(encoding="utf-8")
                if json.loads(theirs).get("format") == ENTRY_FORMAT:
                    shutil.rmtree(work, ignore_errors=True)
                    return theirs
            except (OSError, ValueError, AttributeError):
                pass
            self._set_aside(final)  # an entry of an older format, or damaged: make room
        raise OSError(errno.EEXIST, f"{final} is in the way")

    def _set_aside(self, folder: Path) -> None:
        """Move an entry folder out of sight in one rename, then delete it (a reader sees all or nothing)."""
        trash = self._tmp / temp_name(suffix=".discarded")
        try:
            os.rename(folder, trash)
        except FileNotFoundError:
            return
        except OSError:
            trash = folder
        shutil.rmtree(trash, ignore_errors=True)

    def discard(self, key: str) -> None:
        self._query("DELETE FROM entries WHERE key = ?", (key,))
        self._set_aside(self._files(key))

    def clear(self) -> None:
        self._query("DELETE FROM entries")
        self._set_aside(self._entries)
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

    # ---- size bound and leftovers ------------------------------------------------------------

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

    def sweep_leftovers(self) -> list[Path]:
        """Remove the temporaries of writers that died (kill -9, power cut); a live writer's stay.

        Called when the cache is opened and at the start of each render.
        """
        removed = sweep(self._tmp)
        cutoff = time.time() - 86400
        try:
            untagged = [p for p in self._tmp.iterdir() if writer_alive(p.name) is None]
        except OSError:
            return removed
        for work in untagged:  # from versions that did not tag them: a live writer finishes far sooner
            try:
                if work.stat().st_mtime < cutoff:
                    shutil.rmtree(work, ignore_errors=True)
                    removed.append(work)
            except OSError:
                pass
        return removed
