"""Small pictures of each node's last output, drawn on the node after a render and on reopening.

When a render finishes, every node that ran or came from the cache and has a picture output
(an Image, or the middle frame of Frames) gets its value read back on a small worker pool,
exactly as the preview reads it, shrunk to THUMB_WIDTH and handed to its NodeItem on the GUI
thread. Nodes whose outputs are cheap enough not to be cached (a camera move over a still, a
grade, a title) are simply run again for that frame; a node that stores its outputs
(interpolation, generation, a file export) is never re-run for a thumbnail. Two workers at most:
thumbnails are a nicety and must never compete with a render or the preview for long. Loads run
in the editor's process, so they would share its interpreter lock with the GUI while a render
keeps the cores busy: a render starting (or another project opening) cancels the loads in flight,
and a render's end asks again for every picture still missing. A project opened shows what its
cache holds: OPEN_DELAY_MS after it opens, every picture node is asked for the same way, so a film
reopened tomorrow looks as it did when it was closed. The workers run a little below
the GUI's priority (engine.priority). An edit that makes a node's result stale (its badge goes
back to idle) clears its picture, and a stale load arriving late is dropped.

While a node denoises, its step previews (RenderController.preview, already thinned to one per
batch) are shown as its thumbnail; when it finishes, its output is read back at once (it is in
the cache by then) and replaces them. A render cancelled or failed mid-denoise drops them: a
preview is not a result.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from engine import render_process
from engine.context import CancelToken
from engine.executor import Executor
from engine.image import Image
from engine.ports import FRAMES, IMAGE
from engine.priority import BACKGROUND_NICENESS, lower_thread_priority

from .preview_load import display_image, is_clip, preview_image, stop_at_costly
from .render_controller import snapshot

THUMB_WIDTH = 96
WORKERS = 2
# A project just opened asks for its pictures this long after: the editor's warm-up (imports) and the
# user's first preview go first, and a render started meanwhile makes the asking unneeded.
OPEN_DELAY_MS = 2000


def picture_port(schema) -> str | None:
    """The first output that holds a picture, or None (no thumbnail for numbers, text, sound)."""
    if schema is None:
        return None
    return next((p.name for p in schema.outputs if p.type.name in (IMAGE.name, FRAMES.name)), None)


def _shrunk(image: QImage) -> QImage:
    if image.height() > image.width():  # portrait: fit a square, so a node does not grow very tall
        return image.scaledToHeight(THUMB_WIDTH, Qt.SmoothTransformation)
    return image.scaledToWidth(THUMB_WIDTH, Qt.SmoothTransformation)


def thumbnail_image(value) -> QImage | None:
    """An sRGB QImage THUMB_WIDTH wide (tall, if portrait) of an Image or a clip's middle frame (worker thread).

    The middle, not the first: films and titles open on a fade from black, and a row of black
    thumbnails tells the user nothing.
    """
    if isinstance(value, Image):
        pixels, space = value.pixels, value.color_space
    elif is_clip(value) and value.frame_count:
        pixels, space = value.frame(value.frame_count // 2), value.color_space
    else:
        return None
    # Decimate before the colour transform: it costs per pixel, and 2× the width is plenty to smooth.
    step = max(1, pixels.shape[1] // (THUMB_WIDTH * 2))
    return _shrunk(display_image(pixels[::step, ::step], space))


def load_thumbnail(executor: Executor, graph, node_id: str, port: str,
                   cancel: CancelToken | None = None) -> QImage | None:
    """The node's output from the cache, re-running only cheap nodes; None if a costly one would run
    or `cancel` is set.

    A stored result evicted from the cache is not worth recomputing (it may be a slow model, or
    an export that writes a file) for a 96-pixel picture: such a node starting cancels the load.
    """
    cancel = stop_at_costly(executor, CancelToken() if cancel is None else cancel)
    report = executor.run(graph, [node_id], cancel, load_outputs=True)
    if cancel.cancelled:
        return None
    outputs = report.outputs.get(node_id) or {}
    return thumbnail_image(outputs[port]) if port in outputs else None


class _LoadCancel(CancelToken):
    """One load's token: cancelled by a costly node in its own graph (that load alone), or with the
    token the loader shares among its loads (a render starting stops them all)."""

    def __init__(self, shared: CancelToken):
        super().__init__()
        self.shared = shared

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or self.shared.cancelled


class ThumbnailLoader(QObject):
    """Owned by the canvas scene; sets `NodeItem.set_thumbnail` when a picture is ready."""

    _loaded = Signal(str, int, object)  # node id, generation, QImage or None; emitted from a worker

    def __init__(self, scene):
        super().__init__(scene)
        self.scene_, self.document, self.renderer = scene, scene.document, scene.renderer
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="aiprod-thumbnail",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self._generation: dict[str, int] = {}  # bumped on each clear: a load of an older result is stale
        self.pending: set[str] = set()
        self._cancel = CancelToken()  # shared by the loads in flight; replaced when a render stops them
        self._loaded.connect(self._on_loaded, Qt.QueuedConnection)
        self.renderer.started.connect(self._stop_loads)
        self.document.replaced.connect(self._stop_loads)  # another project: its loads are of no use
        self.document.replaced.connect(self._project_opened)
        self._opened = 0  # counts projects opened: a delayed ask for an earlier one is dropped
        self._closed = False
        self.renderer.finished.connect(self._render_finished)
        self.renderer.status_changed.connect(self._status_changed)
        self.renderer.preview.connect(self._on_preview)

    def _stop_loads(self) -> None:
        """Out of a render's way: loads in flight stop at their next node, queued ones do not start."""
        self._cancel.cancel()
        self._cancel = CancelToken()
        self.pending.clear()  # asked for again when the next render finishes

    def _render_finished(self, _report) -> None:
        # After the render, not per finished node: then every result is surely in the cache.
        # A thumbnail still shown is still right: any edit that made it stale has cleared it.
        self._request_missing(lambda node_id: self.renderer.status(node_id).state in ("done", "cached"))

    def _project_opened(self) -> None:
        """A project reopened shows what its cache still holds, as it looked when it was closed: every
        picture node is asked for, each load reading the cache and re-running only cheap nodes (a
        result evicted, or never rendered, stays blank: load_thumbnail never runs a costly node)."""
        self._opened += 1
        opened = self._opened
        QTimer.singleShot(OPEN_DELAY_MS, self, lambda: self._ask_after_open(opened))

    def _ask_after_open(self, opened: int) -> None:
        if opened != self._opened or self.renderer.is_running:
            return  # another project is open, or a render will ask when it ends
        if render_process.WARMING_IMPORTS.is_set():  # the loads would import torch beside it: wait
            QTimer.singleShot(OPEN_DELAY_MS // 4, self, lambda: self._ask_after_open(opened))
            return
        self._request_missing(lambda node_id: True)

    def _request_missing(self, wanted_if) -> None:
        """Loads for the nodes without a picture (or with a step preview) that `wanted_if` accepts."""
        wanted = [n for n, item in self.scene_.nodes.items() if n not in self.pending
                  and (item.thumbnail is None or item.thumbnail_is_preview) and wanted_if(n)]
        # One snapshot shared by every load (the workers only read it): copying a large graph per
        # node would stall the GUI at the end of a big render.
        graph_copy = snapshot(self.document.graph) if wanted else None
        for node_id in wanted:
            self.request(node_id, graph_copy)

    def request(self, node_id: str, graph_copy=None) -> bool:
        graph = self.document.graph
        port = picture_port(graph.schema_of(node_id)) if node_id in graph.nodes else None
        if port is None or self._closed:
            return False
        generation = self._generation.get(node_id, 0)
        graph_copy = snapshot(graph) if graph_copy is None else graph_copy
        folder, cancel, models = self.document.project.folder, self._cancel, self.renderer.models
        self.pending.add(node_id)

        def work() -> None:
            if cancel.cancelled:
                return
            own = _LoadCancel(cancel)
            try:
                image = load_thumbnail(Executor(self.renderer.cache(), project_dir=folder, models=models), graph_copy,
                                       node_id, port, own)
            except Exception:  # a thumbnail that cannot be read is simply not shown
                image = None
            if not cancel.cancelled:  # a costly node stopped this load alone: it is answered (no picture)
                self._loaded.emit(node_id, generation, image)

        self._pool.submit(work)
        return True

    def _status_changed(self, node_id: str) -> None:
        state = self.renderer.status(node_id).state
        item = self.scene_.nodes.get(node_id)
        if state in ("idle", "failed"):
            self._generation[node_id] = self._generation.get(node_id, 0) + 1
            if item is not None:
                item.set_thumbnail(None)
        elif item is not None and item.thumbnail_is_preview:
            if state == "done" and node_id not in self.pending:
                self.request(node_id)  # its output is in the cache now: it replaces the step preview
            elif state not in ("running", "done"):  # cancelled: the preview shows no result
                item.set_thumbnail(None)

    def _on_preview(self, event) -> None:
        """A denoising step's picture, as the node's thumbnail until its output is read back."""
        item = self.scene_.nodes.get(event.node_id)
        if item is None or picture_port(item.schema) is None:
            return
        image = preview_image(event.pixels)
        if image is not None:
            item.set_thumbnail(_shrunk(image), preview=True)

    def _on_loaded(self, node_id: str, generation: int, image) -> None:
        self.pending.discard(node_id)
        item = self.scene_.nodes.get(node_id)
        if item is None or generation != self._generation.get(node_id, 0):
            return
        if image is not None:
            item.set_thumbnail(image)
        elif item.thumbnail_is_preview and not self.renderer.is_running:
            item.set_thumbnail(None)  # the output cannot be read: a preview must not pass for it

    def shutdown(self) -> None:
        self._closed = True  # asks after this (a render's end, the delay after opening) have no pool
        self._pool.shutdown(wait=True, cancel_futures=True)
