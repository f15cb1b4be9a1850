"""Frames made ahead of the playhead on a small pool of worker threads, into the FrameCache.

The player says which frames it wants, most urgent first; the pool keeps a few in flight and
takes the next wanted one as each finishes. A frame no longer wanted when its turn comes (the
playhead jumped, a scrub moved on) is skipped, so a drag works out only where it stopped. The
workers run below the GUI's priority, as the preview's do, so playback never starves the GUI.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal

from engine.priority import BACKGROUND_NICENESS, lower_thread_priority

from .frame_cache import FrameCache


class FramePrefetcher(QObject):
    ready = Signal(str, int)  # layer, frame index now in the cache (GUI thread)
    failed = Signal(str, int, str)  # layer, frame index, one line saying why
    _finished = Signal(str, int, int, object)  # layer, generation, index, error or None (from a worker)

    def __init__(self, cache: FrameCache, workers: int = 2, parent: QObject | None = None):
        super().__init__(parent)
        self.cache = cache
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aiprod-player",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self.workers = workers
        # Playing, one frame queued behind the busy workers keeps them fed; paused, one at a time,
        # so a scrub makes the frame it stopped on, not each one it passed.
        self.max_in_flight = 1
        self._lock = threading.Lock()
        self._sources: dict[str, tuple[object, int, int, int]] = {}  # layer -> (source, generation, w, h)
        self._wanted: dict[str, list[int]] = {}
        self._wanted_sets: dict[str, frozenset[int]] = {}
        self._in_flight: set[tuple[str, int]] = set()
        self.seconds_per_frame = 0.0  # a running average of how long one frame takes to make
        self._closed = False  # shut down: a load that answers late asks for nothing
        self._finished.connect(self._on_finished, Qt.QueuedConnection)

    def set_source(self, layer: str, source, size: tuple[int, int]) -> None:
        """What `layer` shows and at which size; frames of an older source or size are forgotten."""
        with self._lock:
            generation = self._sources.get(layer, (None, 0))[1] + 1
            self._sources[layer] = (source, generation, size[0], size[1])
            self._wanted[layer], self._wanted_sets[layer] = [], frozenset()
            self.cache.clear(layer)

    def source(self, layer: str):
        entry = self._sources.get(layer)
        return entry[0] if entry else None

    def want(self, layer: str, indices: list[int]) -> None:
        """The frames `layer` needs, most urgent first (replaces what it wanted before)."""
        with self._lock:
            self._wanted[layer] = list(indices)
            self._wanted_sets[layer] = frozenset(indices)
        self._pump()

    def _pump(self) -> None:
        while not self._closed and len(self._in_flight) < self.max_in_flight:
            job = self._next_job()
            if job is None:
                return
            self._in_flight.add(job[:2])
            self._pool.submit(self._work, *job)

    def _next_job(self):
        for layer, wanted in self._wanted.items():
            entry = self._sources.get(layer)
            if entry is None or entry[0] is None:
                continue
            for index in wanted:
                if (layer, index) not in self._in_flight and not self.cache.has(layer, index):
                    return (layer, index, entry)
        return None

    def _work(self, layer: str, index: int, entry) -> None:  # on a worker thread
        source, generation, width, height = entry
        if index not in self._wanted_sets.get(layer, ()) or self._sources.get(layer, (None, -1))[1] != generation:
            self._finished.emit(layer, generation, index, None)  # superseded while queued
            return
        try:
            began = time.perf_counter()
            image = source.image(index, width, height)
            spent = time.perf_counter() - began
            self.seconds_per_frame = spent if not self.seconds_per_frame else 0.8 * self.seconds_per_frame + 0.2 * spent
        except Exception as exc:  # shown as one line by the player, never raised into the GUI
            self._finished.emit(layer, generation, index, f"{type(exc).__name__}: {exc}")
            return
        with self._lock:  # a frame of a replaced source or size must not land in the new one's cache
            if self._sources.get(layer, (None, -1))[1] == generation:
                self.cache.put(layer, index, image, image.sizeInBytes())
        self._finished.emit(layer, generation, index, None)

    def _on_finished(self, layer: str, generation: int, index: int, error) -> None:
        self._in_flight.discard((layer, index))
        current = self._sources.get(layer, (None, -1))[1] == generation
        if error is not None and current:
            self.failed.emit(layer, index, error)
        elif current and self.cache.has(layer, index):
            self.ready.emit(layer, index)
        self._pump()

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            self._wanted.clear()
            self._wanted_sets.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
