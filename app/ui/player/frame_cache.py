"""The player's RAM cache of frames ready to show: display-converted and fitted to the view.

Bounded by bytes, not frames (a 4K frame is 24 times a 720p one in a small dock). When full, the
frame farthest from the playhead goes first, behind it before ahead of it, so what is about to
play stays. Written by the worker threads, read by the GUI thread: all under one lock.
"""

from __future__ import annotations

import threading

DEFAULT_BUDGET = 512 * 1024 * 1024


class FrameCache:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET):
        self.budget = budget_bytes
        self._frames: dict[tuple[str, int], tuple[object, int]] = {}  # (layer, index) -> (image, bytes)
        self._bytes = 0
        self._lock = threading.Lock()
        self.playhead = 0
        self.direction = 1

    @property
    def used_bytes(self) -> int:
        return self._bytes

    def get(self, layer: str, index: int):
        with self._lock:
            entry = self._frames.get((layer, index))
            return entry[0] if entry else None

    def has(self, layer: str, index: int) -> bool:
        with self._lock:
            return (layer, index) in self._frames

    def ready(self, layer: str) -> set[int]:
        with self._lock:
            return {index for (name, index) in self._frames if name == layer}

    def put(self, layer: str, index: int, image, nbytes: int) -> bool:
        """Keep `image`; False when it would be the first to go (farther than all that is kept)."""
        with self._lock:
            key = (layer, index)
            if key in self._frames:
                return True
            self._frames[key] = (image, nbytes)
            self._bytes += nbytes
            while self._bytes > self.budget and self._frames:
                victim = max(self._frames, key=self._distance)
                self._bytes -= self._frames.pop(victim)[1]
                if victim == key:
                    return False
            return True

    def _distance(self, key: tuple[str, int]) -> float:
        ahead = (key[1] - self.playhead) * self.direction
        return -ahead + 1e9 if ahead < 0 else ahead  # any frame already played goes before one to come

    def room_for(self, nbytes: int) -> int:
        """How many frames of `nbytes` the budget holds in all."""
        return max(1, self.budget // max(1, nbytes))

    def clear(self, layer: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._frames if layer is None or k[0] == layer]:
                self._bytes -= self._frames.pop(key)[1]
