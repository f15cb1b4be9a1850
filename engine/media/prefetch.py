"""Runs a frame generator a few items ahead in a worker thread, so producing and consuming overlap.

Export uses it to compute frames and their colour conversion while the encoder compresses the
previous ones; numpy and FFmpeg release the GIL for the heavy work, so both cores stay busy.
Memory stays bounded: at most `depth` frames wait in the queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

_END = object()


class Prefetch:
    """Iterates `items` in a worker thread, `depth` ahead. Always close() it (a finally block)."""

    def __init__(self, items: Iterator[Any], depth: int = 3):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(items,), name="prefetch", daemon=True)
        self._thread.start()

    def _run(self, items: Iterator[Any]) -> None:
        try:
            for item in items:
                if not self._put((item, None)):
                    return
            self._put((_END, None))
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            self._put((_END, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator holding an open file releases it here, in the thread that ran it

    def _put(self, entry: tuple) -> bool:
        """Queue `entry` unless the consumer has gone; False when it has."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Any]:
        while True:
            item, error = self._next()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item

    def _next(self) -> tuple:
        """The next entry; an error if the worker is gone without leaving its end or error (it cannot
        happen by design, but a wait on it would hang the render with no word)."""
        while True:
            try:
                return self._queue.get(timeout=0.5)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    return _END, RuntimeError("the frames' worker thread stopped before the last frame; "
                                              "render again, and report it if it happens again")

    def close(self) -> None:
        """Stop the worker (it finishes the item in hand) and wait for it."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()
