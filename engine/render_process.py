"""Renders in a child process, so that a render never holds the editor's interpreter lock.

In one process, a render's threads (the executor, frame prefetch, the colour pools) and the
editor's GUI thread share one Python interpreter lock, and on a workstation with few cores every
handoff of that lock can keep the event loop waiting: 50 to 110 ms stalls were measured on
2 cores while the sample film rendered in a thread, against 20 ms with the same render in a
child process. The engine is Qt-free and its events are plain dataclasses, so a job goes to the
child and its events come back as pickles over a pipe; node outputs go to the disk cache the
editor's previews read.

Starting Python and importing torch, PyAV and the colour libraries takes seconds, so one child
serves render after render, one at a time: `acquire()` hands out an idle one (or starts one),
`release()` keeps it for the next render. A child that dies (killed, out of memory, a crash in
native code) fails its render with a message and is replaced at the next one; the editor lives on.
"""

from __future__ import annotations

import atexit
import gc
import logging
import multiprocessing
import queue
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, Callable

from .cache_settings import CacheSettings
from .errors import AiprodError
from .models import ModelLocator
from .priority import lower_process_priority

log = logging.getLogger("aiprod.render_process")

_CONTEXT = multiprocessing.get_context("spawn")  # fork is unsafe in a process with Qt and pool threads


class RenderProcessError(AiprodError):
    """The render could not run in its process, or the process ended in the middle of it."""


@dataclass
class RenderJob:
    """Everything a render needs, all picklable: node types travel as references to their classes."""

    registry: Any  # engine.registry.Registry
    nodes: dict  # node id -> engine.graph.Node (copied when the job is pickled to its process)
    links: dict  # link id -> engine.graph.Link
    targets: list[str] | None
    project_dir: Path | None
    cache: CacheSettings | None  # None: render without a disk cache
    run_metadata: dict = field(default_factory=dict)
    # The editor's settings when Render was pressed travel with the job, not in the environment,
    # so a process started earlier renders with today's model folders and cache.
    models: ModelLocator = field(default_factory=ModelLocator)

    def graph(self):
        """The graph to render, on the job's nodes and links."""
        from .graph import Graph

        graph = Graph(self.registry)
        graph.nodes, graph.links = self.nodes, self.links
        return graph


def describe_exit(exitcode: int | None) -> str:
    """Why a child process ended, in words a user can act on."""
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the system may have run out of memory)" if -exitcode == signal.SIGKILL else ""
        return f"it was killed by {name}{hint}"
    return f"it exited with code {exitcode}"


class RenderProcess:
    """One child process that runs render jobs one after another, reporting each job's events.

    A job is pickled by `submit` (that is its snapshot of the graph) and written to the pipe by a
    thread of its own: a pipe holds 64 KiB, so a large project's job would otherwise keep the
    caller (the GUI) waiting until the child reads it, which a child still importing its
    libraries at idle priority does only seconds later (2.3 s measured for 500 nodes).
    """

    def __init__(self) -> None:
        self._conn, child_conn = _CONTEXT.Pipe()
        self._cancel = _CONTEXT.Event()
        # Daemonic, so that multiprocessing ends it at exit even if shutdown() did not run; the price:
        # a node cannot start processes of its own with multiprocessing (subprocesses are fine).
        self._process = _CONTEXT.Process(target=serve, args=(child_conn, self._cancel), name="aiprod-render",
                                         daemon=True)
        self._process.start()
        child_conn.close()  # the child holds its end: when it exits, our reads end instead of waiting
        self._job_lock = threading.Lock()
        self._on_event: Callable[[Any], None] | None = None
        self._on_finished: Callable[[Any], None] | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._dead = False
        self._outbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()  # pickled jobs (and the final None)
        threading.Thread(target=self._write, name="aiprod-render-jobs", daemon=True).start()
        threading.Thread(target=self._read, name="aiprod-render-events", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return not self._dead and self._process.is_alive()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def submit(self, job: RenderJob, on_event: Callable[[Any], None], on_finished: Callable[[Any], None]) -> None:
        """Start `job`. `on_event` gets each engine event, then `on_finished` the RunReport or the
        error that stopped the render, all on a reader thread. Raises RenderProcessError when the
        job cannot be sent (a node type that cannot be pickled, a dead process)."""
        with self._job_lock:
            if self.busy:
                raise RenderProcessError("this render process is already rendering")
            if not self.alive:
                raise RenderProcessError(f"the render process has ended: {describe_exit(self._process.exitcode)}")
            self._cancel.clear()
            self._on_event, self._on_finished = on_event, on_finished
            try:
                payload = bytes(ForkingPickler.dumps(job))  # here, so an unpicklable job is refused at once
            except Exception as exc:
                self._on_event = self._on_finished = None
                raise RenderProcessError(f"the render cannot be handed to its process: {exc}") from exc
            self._idle.clear()
            self._outbox.put(payload)

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until the current job has finished and been reported; False on timeout."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Ask the child to end (cancelling a render in progress); kill it if it does not."""
        self._cancel.set()
        self._outbox.put(_STOP)  # after any job still being written
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(1.0)
        self._dead = True

    def _write(self) -> None:
        while True:
            payload = self._outbox.get()
            try:
                self._conn.send_bytes(payload)
            except (OSError, ValueError):  # the child has gone: the reader fails its job with the reason
                return
            if payload is _STOP:
                return

    def _read(self) -> None:
        while True:
            try:
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # an event that cannot be unpickled here (a plug-in's): skip it, keep reading
                log.exception("unreadable message from the render process")
                continue
            if kind == "event":
                self._deliver(self._on_event, payload)
            else:
                self._finish(payload if kind == "report" else RenderProcessError(payload))
        self._dead = True
        self._process.join(1.0)
        if self.busy:
            self._finish(RenderProcessError(
                f"the render process ended in the middle of the render: {describe_exit(self._process.exitcode)}. "
                "The project is unaffected; render again to retry (finished nodes come from the cache)."))

    def _finish(self, result: Any) -> None:
        callback = self._on_finished
        self._on_event = self._on_finished = None
        self._idle.set()  # before the callback: it may hand this process its next job
        self._deliver(callback, result)

    @staticmethod
    def _deliver(callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # a broken listener must not stop the events that follow
            log.exception("render event listener failed on %r", value)


_STOP = bytes(ForkingPickler.dumps(None))  # the message that ends a child


# ---- the pool: one process per render running at once, kept for the next ---------------------------

_pool_lock = threading.Lock()
_idle_processes: list[RenderProcess] = []
_all_processes: list[RenderProcess] = []


def acquire() -> RenderProcess:
    """An idle render process, started now if none is waiting."""
    with _pool_lock:
        while _idle_processes:
            process = _idle_processes.pop()
            if process.alive:
                return process
        process = RenderProcess()
        _all_processes.append(process)
        return process


def release(process: RenderProcess) -> None:
    """Done with it: kept for the next render, unless it has ended."""
    with _pool_lock:
        if process.alive and process not in _idle_processes:
            _idle_processes.append(process)
        elif not process.alive and process in _all_processes:
            _all_processes.remove(process)


def start_spare() -> None:
    """Start a process now (the editor's warm-up), so the first render does not wait for Python to start."""
    release(acquire())


@atexit.register
def shutdown() -> None:
    """End every render process; registered to run before multiprocessing joins its children."""
    with _pool_lock:
        processes = list(_all_processes)
        _all_processes.clear()
        _idle_processes.clear()
    for process in processes:
        process.close()


# ---- the child's side -----------------------------------------------------------------------------

# Set while the editor's warm-up thread runs warm_imports (app.editor.warm_up). Background work that
# would import the same libraries (thumbnails asked for on opening) waits for it instead: two threads
# importing torch at once can each meet the other's half-initialised module ("partially initialized
# module 'torch' has no attribute 'Tensor'"), and one of them fails.
WARMING_IMPORTS = threading.Event()


def warm_imports() -> None:
    """Import the libraries renders use, then take them out of the garbage collector's sight.

    The imports (the colour library alone takes about two seconds) hold the interpreter lock in
    long stretches. Then the collector's full passes: with torch, colour-science and OpenCV
    loaded, each one walks millions of long-lived objects for ~150 ms with the lock held, in
    whichever thread happens to allocate. gc.freeze() moves everything alive now to a generation
    those passes skip (the objects live as long as the program, so nothing collectable is kept).
    And the C heap keeps freed frame buffers for the next frames (engine.heap).
    Used by a render process before its first job, and by the editor for its previews."""
    import numpy as np

    from .heap import keep_freed_buffers

    keep_freed_buffers()

    # First what every picture the editor shows needs (colour-science for the sRGB curves, the image
    # and movie readers): a preview asked for in the editor's first seconds waits for these alone,
    # not for torch too, and does not import them itself while torch imports (both then crawl).
    from .color import srgb_to_linear
    from .media import image_io, video_io  # noqa: F401  (imports)

    srgb_to_linear(np.zeros((1, 1, 3), np.float32))

    # torch and scipy by name: the engine's modules import them where they run, so the node registry
    # and the editor's first window do without them (tests/engine/test_import_cost.py).
    import pyloudnorm  # noqa: F401
    import torch  # noqa: F401
    from scipy import ndimage, signal  # noqa: F401

    from .media import camera_render, flow, grade_ocio  # noqa: F401  (imports)

    gc.collect()
    gc.freeze()


def serve(conn, cancel_event) -> None:
    """The child's main loop: receive a job, run it, send its events and its report; None or a
    closed pipe ends it."""
    lower_process_priority()  # first, so every thread this process starts inherits it
    from .context import CancelToken
    from .events import EventEmitter
    from .executor import Executor

    send_lock = threading.Lock()  # events may come from several of the render's threads
    caches: dict[CacheSettings, Any] = {}  # each cache opened once, kept for the next job
    try:
        warm_imports()
    except Exception:  # a library that will not import fails the node that needs it, with its message
        log.exception("render process warm-up")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the editor has gone
        if job is None:
            return
        cancel = CancelToken(cancel_event)

        def send(kind: str, payload: Any) -> None:
            try:
                with send_lock:
                    conn.send((kind, payload))
            except (OSError, ValueError):  # the editor has gone: stop rendering for nobody
                cancel.cancel()

        try:
            if job.cache is not None and job.cache not in caches:
                try:
                    caches[job.cache] = job.cache.open()
                except OSError as exc:  # render without a cache rather than not at all
                    log.warning("%s", exc)
                    caches[job.cache] = None
            events = EventEmitter()
            events.connect(lambda event: send("event", event))
            executor = Executor(caches.get(job.cache), events, project_dir=job.project_dir,
                                run_metadata=job.run_metadata, models=job.models)
            report = executor.run(job.graph(), job.targets, cancel)
        except Exception as exc:
            log.exception("render failed")
            send("error", f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        else:
            send("report", report)
        del job
