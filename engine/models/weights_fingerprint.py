"""Content fingerprints of model weights: a full hash of every weight file, taken once.

A cache key must change when a model's weights change and never otherwise. Media files are
sampled (engine/fingerprint.py), but two fine-tunes of one model can differ anywhere in a 20 GB
file, so weights are hashed whole, with xxh3-128 (disk speed). The digest is remembered per
(path, size, mtime) in a small JSON file beside the model index, so each file is read once per
change, not once per render or per process.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import xxhash

from ..atomic import atomic_write_text

log = logging.getLogger("aiprod.models")

CHUNK = 8 << 20
WEIGHT_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf")


def weight_files(path: Path) -> list[Path]:
    """The files whose bytes are the model: the file itself, or a folder's weights and configs
    (a changed scheduler or tokenizer config changes the output as surely as a weight does)."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                  and (p.suffix in WEIGHT_SUFFIXES or p.suffix in (".json", ".txt", ".model")))


class FingerprintMemo:
    """Digests by (path, size, mtime_ns); kept on disk in `memo_file` when one is given."""

    def __init__(self, memo_file: Path | None = None) -> None:
        self.memo_file = memo_file
        self._lock = threading.Lock()
        self._digests: dict[str, list] = self._read()

    def _read(self) -> dict[str, list]:
        if self.memo_file is None:
            return {}
        try:
            data = json.loads(self.memo_file.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}  # absent or damaged: it only costs one more hash of each file

    def _save(self) -> None:
        if self.memo_file is None:
            return
        try:
            self.memo_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.memo_file, json.dumps(self._digests, indent=0, sort_keys=True))
        except OSError as exc:
            log.warning("the model fingerprint memo %s cannot be written (%s); weights will be hashed again",
                        self.memo_file, exc)

    def file_digest(self, path: Path, key: str | None = None) -> str:
        """`key`: the file's resolved path, when the caller knows it (resolving costs an lstat per
        folder of the path, which a model's dozen files would pay again on every render)."""
        st = path.stat()
        key = key or str(path.resolve())
        with self._lock:
            known = self._digests.get(key)
        if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return known[2]
        h = xxhash.xxh3_128()
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
        digest = h.hexdigest()
        with self._lock:
            self._digests[key] = [st.st_size, st.st_mtime_ns, digest]
            self._save()
        return digest

    def model_digest(self, path: Path) -> str:
        """One digest for a model file or folder: its files' names and contents."""
        if not path.exists():
            return "missing"
        if path.is_file():
            return self._combine([(path.name, self.file_digest(path))])
        # The folder is resolved once; each file's memo key is then its place under it, unless the
        # file is itself a link (a hub cache's snapshot files point into its blobs folder).
        root = path.resolve()
        parts = []
        for file in weight_files(path):
            relative = file.relative_to(path)
            key = str(file.resolve()) if file.is_symlink() else str(root / relative)
            parts.append((str(relative), self.file_digest(file, key)))
        return self._combine(parts)

    @staticmethod
    def _combine(parts: list[tuple[str, str]]) -> str:
        h = xxhash.xxh3_128()
        for name, digest in parts:
            h.update(name.encode())
            h.update(digest.encode())
        return h.hexdigest()
