"""Renders off the GUI thread and turns engine events into per-node statuses for the badges.

The executor runs in a render process (engine.render_process) on a snapshot of the graph, so the
user can keep editing while it renders and the render never holds the GUI's interpreter lock.
A graph whose node types cannot be sent to another process (a plug-in class defined inside a
function) renders in a worker thread instead. Either way its events are re-emitted through a Qt
signal with a queued connection: every slot that touches a widget runs on the GUI thread.

A render sends hundreds of events (a progress tick per frame, a burst of "queued" for every node
at the start), and under a render's load each widget update costs the GUI several times what it
costs idle. So events are gathered and taken in batches, at most one every BATCH_MS: a node's
badge changes once per batch (to its latest status) and the progress bar once, however many
events arrived, and at most PUBLISH_LIMIT badges change in one turn of the event loop (the rest
in the next turns; all of them before the render's end is shown). The event log still gets every
event. A denoising node's pictures (NodePreview) are thinned the same way: only the newest of
each running node in a batch is handed on, and the newest is kept (`latest_preview`) so a node
selected mid-render shows its work so far at once.
"""

from __future__ import annotations

import collections
import itertools
import json
import logging
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from engine import events as ev
from engine import render_process
from engine.cache import DiskCache
from engine.cache_settings import CacheSettings
from engine.context import CancelToken
from engine.executor import Executor
from engine.graph import Graph
from engine.models import ModelLocator
from engine.output_target import OVERWRITE, refused_path
from engine.project import project_to_data
from engine.priority import lower_thread_priority
from engine.render_process import RenderJob, RenderProcessError

from .. import settings
from ..nodes.export_qa import QA_FAILS_RENDER

log = logging.getLogger("aiprod.ui.render")

BATCH_MS = 40  # badges and the progress bar follow a render at 25 updates a second at most
# Badges changed in one turn of the event loop; more (all 500 nodes of a large graph turn "queued"
# at once) follow in the next turns, so input and the rest of the window are served in between.
PUBLISH_LIMIT = 100


@dataclass(frozen=True)
class NodeStatus:
    state: str = "idle"  # idle, queued, running, cached, done, skipped, failed, cancelled
    fraction: float = 0.0
    seconds: float = 0.0
    message: str = ""
    # What a finished node measured (NodeFinished.stats: model, device, steps, seconds, peak VRAM).
    stats: dict = field(default_factory=dict, compare=False)


def _changes_output(graph: Graph, event) -> bool:
    """Whether a parameter change can change the node's outputs (it is in the cache key: Param.keyed)."""
    schema = graph.schema_of(event.node_id) if event.node_id in graph.nodes else None
    param = schema.param(event.name) if schema is not None else None
    return param is None or param.keyed


def snapshot(graph: Graph) -> Graph:
    """A private copy for the worker: edits made during a render do not change what it renders.

    Copied through pickle, not copy.deepcopy: nodes are plain data, and it is 4x faster (5 against
    19 ms for 500 nodes), which the GUI thread pays at every preview load and every render."""
    copied = Graph(graph.registry)
    copied.nodes = pickle.loads(pickle.dumps(graph.nodes, pickle.HIGHEST_PROTOCOL))
    copied.links = dict(graph.links)  # links are frozen
    return copied


class RenderController(QObject):
    event = Signal(object)  # every engine event, on the GUI thread (the event log listens)
    status_changed = Signal(str)  # node id whose badge changed
    progress = Signal(float, str)  # overall fraction 0..1, and what is running
    preview = Signal(object)  # a running node's newest NodePreview, one per node per batch at most
    configured = Signal()  # the model folders or the cache changed (Preferences)
    started = Signal()
    finished = Signal(object)  # the RunReport, or the exception that stopped the render
    _wake = Signal()  # the first event of a batch has arrived (emitted from a worker thread)

    def __init__(self, document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.statuses: dict[str, NodeStatus] = {}
        self.last_report = None
        self.last_targets: list[str] | None = None  # what the last render was asked for, to render it again
        self._render: _ProcessRender | _ThreadRender | None = None
        self._order: tuple[str, ...] = ()
        self._settled = 0
        self._cache: DiskCache | None = None
        self._cache_lock = threading.Lock()
        # Where renders find models and which cache they use: the window sets both from Preferences.
        self.models = ModelLocator(settings.data_dir(), settings.environment_model_folders())
        self.cache_settings = CacheSettings(settings.cache_dir(), settings.cache_limit_bytes())
        self.qa_fails_render = False  # Preferences: a failing export QA fails the render
        self._link_dst: dict[str, str] = {}
        self._graph: Graph | None = None
        self._run_number = 0  # events of a run started before the project was replaced are ignored
        self._edited_during_run: set[str] = set()
        # Worker threads append (run number, event); the GUI thread takes them in batches.
        self._inbox: collections.deque = collections.deque()
        self._inbox_lock = threading.Lock()
        self._wake_sent = False
        self._changed: dict[str, None] = {}  # nodes whose badge changed in this batch, in order
        self._progress: tuple[float, str] | None = None
        self._previews: dict[str, ev.NodePreview] = {}  # this batch's newest preview of each node
        self.latest_preview: dict[str, ev.NodePreview] = {}  # of each node still running
        self._batch_timer = QTimer(self)
        self._batch_timer.setSingleShot(True)
        self._batch_timer.setInterval(BATCH_MS)
        self._batch_timer.timeout.connect(self._take_batch)
        self._publish_rest = QTimer(self)  # badges left over by a batch over PUBLISH_LIMIT
        self._publish_rest.setSingleShot(True)
        self._publish_rest.setInterval(0)
        self._publish_rest.timeout.connect(self._publish)
        self._wake.connect(self._on_wake, Qt.QueuedConnection)  # queued: delivered on the GUI thread
        document.replaced.connect(self._attach)
        self._attach()

    # ---- statuses ---------------------------------------------------------------------------

    def status(self, node_id: str) -> NodeStatus:
        return self.statuses.get(node_id, NodeStatus())

    def _set(self, node_id: str, status: NodeStatus) -> None:
        self.statuses[node_id] = status
        self.status_changed.emit(node_id)

    def _attach(self) -> None:
        if self._graph is not None:
            self._graph.events.disconnect(self._on_graph)
        self._graph = self.document.graph
        self._graph.events.connect(self._on_graph)
        self._link_dst = {l.id: l.dst_node for l in self._graph.links.values()}
        self._run_number += 1
        self.cancel()
        self._changed, self._progress = {}, None  # a batch of the old project's render
        self._previews, self.latest_preview = {}, {}
        for node_id in list(self.statuses):
            self._set(node_id, NodeStatus())
        self.statuses.clear()

    def _on_graph(self, event) -> None:
        """An edit makes the results of the node it touches, and of everything downstream, stale."""
        graph = self._graph
        touched = None
        if isinstance(event, ev.ParamChanged) and not _changes_output(graph, event):
            return  # a marker: nothing rendered is stale
        if isinstance(event, (ev.ParamChanged, ev.LinksReordered, ev.NodeBypassed)):
            touched = event.node_id
        elif isinstance(event, ev.LinkAdded):
            touched = self._link_dst[event.link_id] = graph.links[event.link_id].dst_node
        elif isinstance(event, ev.LinkRemoved):
            touched = self._link_dst.pop(event.link_id, None)
        elif isinstance(event, ev.NodeRemoved):
            self.statuses.pop(event.node_id, None)
        if touched is not None and touched in graph.nodes:
            for node_id in graph.downstream([touched]):
                if self.is_running:  # what the running render reports for it is already out of date
                    self._edited_during_run.add(node_id)
                if self.status(node_id).state != "idle":
                    self._set(node_id, NodeStatus())

    # ---- running ----------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._render is not None

    @property
    def render_pid(self) -> int | None:
        """The process the running render runs in; None when idle or rendering in a thread here."""
        return getattr(self._render, "pid", None)

    @property
    def cache_dir(self) -> Path:
        return self.cache_settings.folder

    @property
    def cache_limit(self) -> int:
        return self.cache_settings.limit_bytes

    def configure(self, models: ModelLocator, cache_settings: CacheSettings, qa_fails_render: bool = False) -> None:
        """Use these model folders and this cache from the next render (and preview) on, and fail
        renders whose export fails its QA or not (Preferences)."""
        self.models = models
        self.qa_fails_render = qa_fails_render
        with self._cache_lock:
            if cache_settings != self.cache_settings:
                self.cache_settings = cache_settings
                self._cache = None  # reopened where the next render asks for it
        self.configured.emit()

    def cache(self) -> DiskCache | None:
        """The disk cache as this process reads it (previews, thumbnails, a render in a thread), opened
        on first use from a worker thread, so the GUI never waits on it. A render process opens the
        same folder itself."""
        with self._cache_lock:
            if self._cache is None:
                try:
                    self._cache = self.cache_settings.open()
                except OSError as exc:  # render without a cache rather than not at all
                    log.warning("%s", exc)
            return self._cache

    def render_all(self) -> bool:
        return self.run(None)

    def run_to(self, node_id: str) -> bool:
        return self.run([node_id])

    def run(self, targets: list[str] | None, overwrite: list[str] | None = None) -> bool:
        """Start a render; False if one is already running or there is nothing to render.

        `overwrite`: files the user confirmed the render may replace although AIPROD did not write them.
        """
        if self.is_running or not self.document.graph.nodes:
            return False
        project = self.document.project
        graph = project.graph
        metadata = {"project": json.dumps(project_to_data(project, project.folder), ensure_ascii=False)}
        if overwrite:
            metadata[OVERWRITE] = list(overwrite)
        if self.qa_fails_render:
            metadata[QA_FAILS_RENDER] = True
        self.last_targets = targets
        # The live nodes: handing the job to a process pickles it, which is the snapshot; a
        # render in a thread takes a copy of its own.
        job = RenderJob(graph.registry, graph.nodes, graph.links, targets, project.folder,
                        self.cache_settings, metadata, self.models)
        self._run_number += 1
        number = self._run_number
        self._settled = 0
        self._order = ()
        self._edited_during_run = set()

        def on_event(event) -> None:  # on a worker thread
            self._post(number, event)

        def on_finished(result) -> None:  # on a worker thread
            self._post(number, ("finished", result))

        self._render = _ProcessRender.start(job, on_event, on_finished)
        if self._render is None:
            self._render = _ThreadRender(job, self.cache, on_event, on_finished)
        self.started.emit()
        return True

    @staticmethod
    def refused_files(report) -> list[str]:
        """The files a finished render refused to replace because AIPROD did not write them."""
        if isinstance(report, Exception):
            return []
        found = (refused_path(result.message) for result in report.results.values() if result.status == "failed")
        return list(dict.fromkeys(path for path in found if path is not None))

    def cancel(self) -> None:
        if self._render is not None:
            self._render.cancel()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the render ends (tests, closing the window); its events still arrive queued."""
        if self._render is not None:
            self._render.wait(timeout)

    # ---- events, on the GUI thread ------------------------------------------------------------

    def _post(self, number: int, event) -> None:
        """From a worker thread: keep the event; the first of a batch wakes the GUI thread."""
        with self._inbox_lock:
            self._inbox.append((number, event))
            if self._wake_sent:
                return
            self._wake_sent = True
        self._wake.emit()

    def _on_wake(self) -> None:
        if not self._batch_timer.isActive():
            self._batch_timer.start()

    def _take_batch(self) -> None:
        with self._inbox_lock:
            batch = list(self._inbox)
            self._inbox.clear()
            self._wake_sent = False
        for number, event in batch:
            self._on_event(number, event)
        self._publish()

    def _publish(self, limit: int | None = PUBLISH_LIMIT) -> None:
        """The batch's badge changes (`limit` at most, the rest in the next turn) and its latest
        progress, one signal each."""
        if limit is None or len(self._changed) <= limit:
            changed, self._changed = list(self._changed), {}
        else:
            changed = list(itertools.islice(self._changed, limit))
            for node_id in changed:
                del self._changed[node_id]
            self._publish_rest.start()
        for node_id in changed:
            self.status_changed.emit(node_id)
        if self._progress is not None:
            fraction, node_id = self._progress
            self._progress = None
            name = self.document.graph.display_name(node_id) if node_id in self.document.graph.nodes else ""
            self.progress.emit(fraction, name)
        previews, self._previews = self._previews, {}
        for node_id, event in previews.items():
            # A preview that arrived in the batch that finished its node is older than the result.
            if self.status(node_id).state == "running":
                self.latest_preview[node_id] = event
                self.preview.emit(event)

    def _on_event(self, number: int, event) -> None:
        if isinstance(event, tuple) and event[0] == "finished":
            self._publish(limit=None)  # the render's last badges, all of them, before its end
            self._render = None
            self.latest_preview.clear()
            self.last_report = event[1]
            self.progress.emit(1.0, "")
            self.finished.emit(event[1])
            return
        if number != self._run_number:
            return  # a render of a project that is no longer open
        self.event.emit(event)
        node_id = getattr(event, "node_id", None)
        if node_id is not None and node_id not in self.document.graph.nodes:
            return  # removed while rendering
        if isinstance(event, ev.RunStarted):
            self._order = event.node_ids
        elif isinstance(event, ev.NodeQueued):
            self._show(node_id, NodeStatus("queued"))
        elif isinstance(event, ev.NodeStarted):
            self._show(node_id, NodeStatus("running"))
            self._report_progress(0.0, node_id)
        elif isinstance(event, ev.NodeProgress):
            self._show(node_id, NodeStatus("running", event.fraction, message=event.message))
            self._report_progress(event.fraction, node_id)
        elif isinstance(event, ev.NodePreview):
            if node_id not in self._edited_during_run:
                self._previews[node_id] = event  # replaces an older one of this batch: never shown
        elif isinstance(event, ev.NodeFinished):
            self._settle(node_id, NodeStatus("done", 1.0, event.seconds, stats=dict(event.stats or {})))
        elif isinstance(event, ev.NodeCached):
            self._settle(node_id, NodeStatus("cached", 1.0))
        elif isinstance(event, ev.NodeSkipped):
            self._settle(node_id, NodeStatus("skipped"))
        elif isinstance(event, ev.NodeFailed):
            self._settle(node_id, NodeStatus("failed", message=event.message))
        elif isinstance(event, ev.NodeCancelled):
            self._settle(node_id, NodeStatus("cancelled"))

    def _settle(self, node_id: str, status: NodeStatus) -> None:
        self._settled += 1
        self.latest_preview.pop(node_id, None)
        self._show(node_id, status)
        self._report_progress(0.0, node_id)

    def _show(self, node_id: str, status: NodeStatus) -> None:
        """A status from the running render, shown when the batch ends; a node edited since the
        render started stays idle (its result is stale)."""
        if node_id not in self._edited_during_run:
            self.statuses[node_id] = status
            self._changed[node_id] = None

    def _report_progress(self, fraction: float, node_id: str) -> None:
        total = max(len(self._order), 1)
        self._progress = (min(1.0, (self._settled + fraction) / total), node_id)


class _ProcessRender:
    """A render in a render process taken from the pool, and given back when it has finished."""

    def __init__(self, process: render_process.RenderProcess):
        self.process = process
        self.pid = process.pid

    @classmethod
    def start(cls, job: RenderJob, on_event, on_finished) -> "_ProcessRender | None":
        """Running, or None when the job cannot go to a process (it renders in a thread instead)."""
        try:
            process = render_process.acquire()
        except Exception as exc:  # no processes allowed here (a sandbox, a frozen app): render in a thread
            log.warning("rendering in a thread: cannot start a render process: %s", exc)
            return None

        def finished(result) -> None:
            render_process.release(process)
            on_finished(result)

        try:
            process.submit(job, on_event, finished)
        except RenderProcessError as exc:
            log.warning("rendering in a thread: %s", exc)
            render_process.release(process)
            return None
        return cls(process)

    def cancel(self) -> None:
        self.process.cancel()

    def wait(self, timeout: float | None) -> None:
        self.process.wait(timeout)


class _ThreadRender:
    """A render in a worker thread of this process, at a lower CPU priority than the GUI."""

    def __init__(self, job: RenderJob, open_cache, on_event, on_finished):
        self.token = CancelToken()
        graph = snapshot(job.graph())
        executor = Executor(None, project_dir=job.project_dir, run_metadata=job.run_metadata, models=job.models)
        executor.events.connect(on_event)

        def work() -> None:
            lower_thread_priority()
            try:
                executor.cache = open_cache()
                result = executor.run(graph, job.targets, self.token)
            except Exception as exc:  # shown in the log and status bar, never a crash
                log.exception("render failed")
                result = exc
            on_finished(result)

        self.thread = threading.Thread(target=work, name="aiprod-render", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    def wait(self, timeout: float | None) -> None:
        self.thread.join(timeout)
