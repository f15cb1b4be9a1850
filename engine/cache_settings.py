"""Which disk cache a render uses (folder and size limit), as one small object passed to the render."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CacheSettings:
    """`folder`: the node-output cache; `limit_bytes`: least recently used entries go beyond it."""

    folder: Path
    limit_bytes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", Path(self.folder))

    def open(self):
        """The DiskCache in `folder` (raises OSError when the folder cannot be used)."""
        from .cache import DiskCache

        return DiskCache(self.folder, self.limit_bytes)
