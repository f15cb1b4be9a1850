"""The preview: the selected node's output after a render, through a viewer transform.

The viewer (sRGB or Rec.709 display, or raw values, and an exposure in stops) changes only what
is shown, never the data: the cache, thumbnails and exports do not see it.

A sound shows as a waveform; a grading node has a Before toggle that shows its input instead.

Outputs are fetched off the GUI thread by a silent run "to" the node, which reads them from
the cache; a clip's frames are read one at a time as the frame slider moves, never all at once.
Only the newest request is shown: an answer to an older one is dropped.

While the shown node denoises, its step previews (RenderController.preview) are shown as they
come, a rough look at the work in progress; when it finishes, its output is read back from the
cache at once and replaces them (never recomputed mid-render: a result missing from the cache
waits for the render's end, as any other).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPlainTextEdit, QSlider,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from engine.context import CancelToken
from engine.executor import Executor
from engine.priority import BACKGROUND_NICENESS, lower_thread_priority

from .preview_load import (VIEWER_TRANSFORMS, Viewer, before_source, has_before, display_image, fitted,
                           load_output, preview_image, stop_at_costly)
from .render_controller import snapshot
from .theme import mono_font
from .waveform import WaveformView


class PictureView(QWidget):
    """Paints a QImage fitted to the widget on a neutral dark grey surround."""

    resized = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.setMinimumSize(160, 90)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def pixel_size(self) -> tuple[int, int]:
        """The picture area in device pixels: what a frame is fitted to before it is shown."""
        ratio = self.devicePixelRatioF()
        return round(self.width() * ratio), round(self.height() * ratio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#181818"))
        if self.image is None or self.image.isNull():
            return
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        w, h = self.image.width() * scale, self.image.height() * scale
        target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        painter.drawImage(target, self.image)


class Preview(QWidget):
    _loaded = Signal(int, object)  # request number, (kind, payload); emitted from the worker

    def __init__(self, document, renderer, parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.renderer = document, renderer
        self.node_id: str | None = None
        self.clip = None
        self.live = False  # showing a denoising step's preview, not an output
        self._frame_fit: tuple[int, int] | None = None  # the area the shown frame was fitted to
        self._request = 0
        self._lock = threading.Lock()
        # Below the GUI thread: working out a frame (torch, OpenCV, OpenColorIO threads started from
        # this worker inherit its priority) must not take a core from the GUI while a render has the other.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiprod-preview",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self.caption = QLabel()
        self.caption.setObjectName("hint")
        self.picture = PictureView()
        self.waveform = WaveformView()
        self.before = QToolButton()
        self.before.setText("Before")
        self.before.setCheckable(True)
        self.before.setToolTip("Show the grade's input instead of its output")
        self.before.toggled.connect(lambda _on: self.show_node(self.node_id, keep_before=True))
        self.viewer = Viewer()
        self.transform = QComboBox()
        self.transform.addItems(VIEWER_TRANSFORMS)
        self.transform.setToolTip("Viewer transform: how the scene-linear picture is shown on this display "
                                  "(the data and exports are not changed)")
        self.exposure = QDoubleSpinBox()
        self.exposure.setRange(-10.0, 10.0)
        self.exposure.setSingleStep(0.5)
        self.exposure.setDecimals(1)
        self.exposure.setSuffix(" stops")
        self.exposure.setToolTip("Viewer exposure: brighten or darken what is shown, to check shadows and highlights")
        self.transform.currentTextChanged.connect(lambda _t: self._viewer_changed())
        self.exposure.valueChanged.connect(lambda _v: self._viewer_changed())
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(mono_font(10))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.picture)
        self.stack.addWidget(self.text)
        self.stack.addWidget(self.waveform)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.valueChanged.connect(self._frame_changed)
        self.frame_label = QLabel()
        # A fixed size: a label that may change width asks the whole dock to lay out again on every
        # frame of a scrub; this one only repaints itself.
        self.frame_label.setFixedSize(self.frame_label.fontMetrics().horizontalAdvance("00000 / 00000") + 8,
                                      self.frame_label.sizeHint().height())
        self.frame_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.picture.resized.connect(self._picture_resized)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.frame_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.transform)
        top.addWidget(self.exposure)
        top.addWidget(self.before)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(row)
        self._show_frames_controls(False)
        self._loaded.connect(self._on_loaded, Qt.QueuedConnection)
        renderer.finished.connect(lambda _report: self.show_node(self.node_id))
        renderer.status_changed.connect(self._status_changed)
        renderer.preview.connect(self._on_preview)
        document.replaced.connect(lambda: self.show_node(None))
        self.show_node(None)

    # ---- requests ---------------------------------------------------------------------------

    def _submit(self, job) -> None:
        with self._lock:
            self._request += 1
            number = self._request
        def run():
            if number != self._request:
                return  # superseded while queued (a slider dragged on): only the latest is worth working out
            try:
                result = job()
            except Exception as exc:  # shown in the preview, never raised into the GUI
                result = ("text", f"cannot preview: {type(exc).__name__}: {exc}")
            self._loaded.emit(number, result)
        self._pool.submit(run)

    def show_node(self, node_id: str | None, keep_before: bool = False, cached_only: bool = False) -> None:
        """Show the node's output; `cached_only`: only if it can be read from the cache (mid-render)."""
        if node_id != self.node_id and not keep_before:
            self.before.blockSignals(True)
            self.before.setChecked(False)  # a newly selected grade starts on its result
            self.before.blockSignals(False)
        self.node_id, self.clip, self._frame_fit, self.live = node_id, None, None, False
        self._show_frames_controls(False)
        graph = self.document.graph
        if node_id is None or node_id not in graph.nodes:
            self.node_id = None
            self.before.setVisible(False)
            self._show_text("", "Select a node to preview its output.")
            return
        self.before.setVisible(has_before(graph, node_id))
        status = self.renderer.status(node_id)
        name = graph.display_name(node_id)
        if status.state == "failed":
            self._show_text(f"{name} failed:\n\n{status.message}", name)
            return
        latest = self.renderer.latest_preview.get(node_id)
        if status.state == "running" and latest is not None:
            self._on_preview(latest)  # its work so far, at once; the next steps follow
            return
        if status.state not in ("done", "cached"):
            self._show_text("", f"{name}: rendering…" if status.state == "running" else
                            f"{name}: render it (Render, or Run to selected) to see its output.")
            return
        target, port = node_id, None
        if self.before.isVisible() and self.before.isChecked():
            source = before_source(graph, node_id)
            if source is None:
                self._show_text("", f"{name}: nothing is linked into it, so there is no before.")
                return
            target, port = source
        self.caption.setText(f"{name}: loading…")
        graph_copy, folder, models = snapshot(graph), self.document.project.folder, self.renderer.models
        viewer = self.viewer

        def load():
            executor = Executor(self.renderer.cache(), project_dir=folder, models=models)
            cancel = stop_at_costly(executor, CancelToken()) if cached_only else None
            return load_output(executor, graph_copy, target, port, viewer, cancel)

        self._submit(load)

    # ---- results, on the GUI thread ------------------------------------------------------------

    def _on_loaded(self, number: int, result) -> None:
        if number != self._request:
            return  # a newer request is on its way
        if result is None:  # a cached-only load found nothing in the cache: the render's end shows it
            self.caption.setText(f"{self.document.graph.display_name(self.node_id)}: finished; "
                                 "its output shows when the render ends")
            return
        kind, payload = result
        name = self.document.graph.display_name(self.node_id) if self.node_id in self.document.graph.nodes else ""
        if self.before.isVisible() and self.before.isChecked():
            name = f"{name} · before"
        if kind == "audio":
            port, peaks, info = payload
            self.caption.setText(f"{name} · {port} · {info}")
            self.stack.setCurrentWidget(self.waveform)
            self.waveform.set_peaks(peaks)
        elif kind == "image":
            port, image, size = payload
            self.caption.setText(f"{name} · {port} · {size}")
            self.stack.setCurrentWidget(self.picture)
            self.picture.set_image(image)
        elif kind == "clip":
            port, clip, first = payload
            self.clip = clip
            self.caption.setText(f"{name} · {port} · {clip.width}×{clip.height} · {clip.frame_count} frames "
                                 f"@ {float(clip.fps):.3g} fps")
            self.stack.setCurrentWidget(self.picture)
            self.picture.set_image(first)
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(0, clip.frame_count - 1))
            self.slider.setValue(0)
            self.slider.blockSignals(False)
            self.frame_label.setText(f"0 / {max(0, clip.frame_count - 1)}")
            self._show_frames_controls(clip.frame_count > 1)
        elif kind == "frame":
            self.picture.set_image(payload)
        else:
            self._show_text(payload, name)

    def _frame_changed(self, index: int) -> None:
        clip = self.clip
        if clip is None:
            return
        self.frame_label.setText(f"{index} / {clip.frame_count - 1}")
        viewer, self._frame_fit = self.viewer, self.picture.pixel_size()
        width, height = self._frame_fit
        self._submit(lambda: ("frame", fitted(display_image(clip.frame(index), clip.color_space, viewer),
                                              width, height)))

    def _picture_resized(self) -> None:
        """A frame shrunk to fit the old size is worked out again for a larger picture area."""
        image, fit = self.picture.image, self._frame_fit
        if self.clip is None or image is None or fit is None:
            return
        shrunk = image.width() >= fit[0] - 1 or image.height() >= fit[1] - 1  # it filled the old area
        width, height = self.picture.pixel_size()
        if shrunk and (width > fit[0] or height > fit[1]):
            self._frame_changed(self.slider.value())

    def set_viewer(self, transform: str, exposure: float = 0.0) -> None:
        """Choose the viewer transform and exposure (the widgets follow, and the picture is redrawn)."""
        self.transform.setCurrentText(transform)
        self.exposure.setValue(exposure)

    def _viewer_changed(self) -> None:
        self.viewer = Viewer(self.transform.currentText(), self.exposure.value())
        if self.clip is not None:  # redraw the frame on show, without going back to frame 0
            self._frame_changed(self.slider.value())
        elif self.node_id is not None:
            self.show_node(self.node_id, keep_before=True)

    def _status_changed(self, node_id: str) -> None:
        if node_id != self.node_id:
            return
        state = self.renderer.status(node_id).state
        if state in ("idle", "failed"):
            self.show_node(node_id)  # an edit made the shown output stale, or the node failed
        elif self.live and state != "running":
            # Finished (its output is in the cache now) or cancelled: no longer a work in progress.
            self.show_node(node_id, keep_before=True, cached_only=True)

    def _on_preview(self, event) -> None:
        """A denoising step's picture of the shown node (the controller sends one per batch at most)."""
        if event.node_id != self.node_id or (self.before.isVisible() and self.before.isChecked()):
            return
        image = preview_image(event.pixels)
        if image is None:
            return
        with self._lock:
            self._request += 1  # an older load answering now must not replace the work in progress
        self.live, self.clip = True, None
        self._show_frames_controls(False)
        name = self.document.graph.display_name(self.node_id)
        self.caption.setText(f"{name} · step {event.step}/{event.steps} · rough preview while it denoises")
        self.stack.setCurrentWidget(self.picture)
        self.picture.set_image(image)

    def _show_text(self, text: str, caption: str) -> None:
        self.caption.setText(caption)
        self.text.setPlainText(text)
        self.stack.setCurrentWidget(self.text if text else self.picture)
        self.picture.set_image(None)
        self.waveform.set_peaks(None)

    def _show_frames_controls(self, visible: bool) -> None:
        self.slider.setVisible(visible)
        self.frame_label.setVisible(visible)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
