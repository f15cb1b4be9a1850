"""The preview: the selected node's output after a render, through a viewer transform.

The viewer (sRGB or Rec.709 display, or raw values, and an exposure in stops) changes only what
is shown, never the data: the cache, thumbnails and exports do not see it.

A sound shows as a waveform; a grading node has a Before toggle that shows its input instead.

Outputs are fetched off the GUI thread by a silent run "to" the node, which reads them from
the cache. A node not rendered in this session (a project just opened, a node skipped because
what it feeds was cached) is read the same way, stopping at any costly node missing from the
cache: only then does the preview ask for a render. Only the newest request is shown: an answer
to an older one is dropped. A clip plays in the player (app/ui/player/) with its sound; the frame
slider is the player's scrub bar, and frames are made on the player's workers as it plays or is
scrubbed, never all at once. A reload of the node on show (Before, a render's end) keeps the frame.

While the shown node denoises, its step previews (RenderController.preview) are shown as they
come, a rough look at the work in progress. A node on show is read from the cache as soon as it
is done, while the rest of the render goes on (never recomputed mid-render).

An Export shows the file it wrote, played from disk, with buttons to open it or its folder.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QMenu, QPlainTextEdit, QSlider,
                               QSizePolicy, QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from engine.context import CancelToken
from engine.executor import Executor
from engine.priority import BACKGROUND_NICENESS, lower_thread_priority

from .pixel_readout import PixelReadout
from .player.frame_sources import ClipFrames
from .player.loading import SEQUENCE_TYPE, load_export_file, load_sound, ready_shots, trim_sequence, written_path
from .player.picture import PictureView
from .player.player import Player
from .player.sources import is_export, timeline_picture
from .player.transport import CacheBar, Transport
from .player.window import FullScreenHost
from .player.written_file import WrittenFileButtons
from .preview_load import (VIEWER_TRANSFORMS, Viewer, before_source, has_before, load_output, preview_image,
                           stop_at_costly)
from .render_controller import snapshot
from .theme import mono_font
from .waveform import WaveformView


PLAYER_KEYS = {Qt.Key_Space, Qt.Key_J, Qt.Key_K, Qt.Key_L, Qt.Key_Left, Qt.Key_Right, Qt.Key_Home, Qt.Key_End,
               Qt.Key_I, Qt.Key_O, Qt.Key_F, Qt.Key_Escape}


class Preview(QWidget):
    _loaded = Signal(int, object)  # request number, (kind, payload); emitted from the worker
    _compared = Signal(int, object)  # compare request number, (caption, frames or an error line)

    def __init__(self, document, renderer, parent: QWidget | None = None, clock_factory=None):
        super().__init__(parent)
        self.document, self.renderer = document, renderer
        self.node_id: str | None = None
        self._cut: str | None = None  # the Sequence a timeline play of node_id cuts (show_node)
        self.clip = None
        self.showing_output = False  # the node's output (or its before) is on show, not a line about it
        self._kept_frame: int | None = None  # the playhead to return to when the node's clip loads again
        self._settled_load = False  # loaded when its node settled in the running render: current at its end
        self.live = False  # showing a denoising step's preview, not an output
        self._request = 0
        self._compare_request = 0
        self.compare_node: str | None = None
        self._lock = threading.Lock()
        # Below the GUI thread: working out a frame (torch, OpenCV, OpenColorIO threads started from
        # this worker inherit its priority) must not take a core from the GUI while a render has the other.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiprod-preview",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self.player = Player(clock_factory=clock_factory, parent=self)
        self.caption = QLabel()
        self.caption.setObjectName("hint")
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # a long caption never widens the dock
        self.picture = PictureView()
        # The pixel under the mouse: display value, and scene-linear for an engine clip (its frame on show).
        self.readout = PixelReadout(self.picture, self._readout_frame, self)
        self.waveform = WaveformView()
        self.before = QToolButton()
        self.before.setCheckable(True)
        self.before.toggled.connect(self._before_toggled)
        self._before_toggled(False, reload=False)
        self.written_file = WrittenFileButtons()  # an Export's file, for the system's player and file manager
        self.open_file, self.show_folder = self.written_file.open_file, self.written_file.show_folder
        self.viewer = Viewer()
        self.transform = QComboBox()
        self.transform.addItems(VIEWER_TRANSFORMS)
        self.transform.setToolTip("Viewer transform: how the scene-linear picture is shown on this display "
                                  "(the data and exports are not changed)")
        # Narrow docks cut the transform's name rather than grow: the canvas keeps its room.
        self.transform.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.transform.setMinimumContentsLength(6)
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
        self.slider = QSlider(Qt.Horizontal)  # the player's scrub bar
        self.slider.setFocusPolicy(Qt.NoFocus)  # arrows, Home and End belong to the player
        self.slider.valueChanged.connect(self._frame_changed)
        self.frame_label = QLabel()
        # A fixed size: a label that may change width asks the whole dock to lay out again on every
        # frame of a scrub; this one only repaints itself.
        self.frame_label.setFixedSize(self.frame_label.fontMetrics().horizontalAdvance("00000 / 00000") + 8,
                                      self.frame_label.sizeHint().height())
        self.frame_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.cache_bar = CacheBar(self.player)
        self.transport = Transport(self.player)
        self.transport.overlay_menu(self.picture)
        self.transport.zoom.setMenu(self._zoom_menu())
        self.transport.compare.setMenu(QMenu(self))
        self.transport.compare.menu().aboutToShow.connect(self._fill_compare_menu)
        self.transport.full_screen.clicked.connect(self.toggle_full_screen)
        self._full_screen: FullScreenHost | None = None
        self.picture.resized.connect(self._picture_resized)
        self.picture.zoom_changed.connect(self._zoom_changed)
        self.player.frame_shown.connect(lambda: self.picture.set_image(self.player.image, self.player.image_b))
        self.player.position_changed.connect(self._position_changed)
        self.player.error.connect(lambda line: self.caption.setText(f"{self._name()}: {line}"))
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.frame_label)
        self.frames_controls = QWidget()
        controls = QVBoxLayout(self.frames_controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(1)
        controls.addLayout(row)
        controls.addWidget(self.cache_bar)
        controls.addWidget(self.transport)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.written_file)
        top.addWidget(self.transform)
        top.addWidget(self.exposure)
        top.addWidget(self.before)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.readout.label)
        layout.addWidget(self.frames_controls)
        self.setFocusPolicy(Qt.StrongFocus)
        self.picture.setFocusPolicy(Qt.ClickFocus)
        self.picture.setFocusProxy(self)  # a click on the picture gives the player the keys
        self._show_frames_controls(False)
        self._loaded.connect(self._on_loaded, Qt.QueuedConnection)
        self._compared.connect(self._on_compared, Qt.QueuedConnection)
        renderer.finished.connect(self._render_finished)
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

    def _executor_factory(self):
        cache, folder, models = self.renderer.cache(), self.document.project.folder, self.renderer.models
        return lambda: Executor(cache, project_dir=folder, models=models)

    def show_timeline(self, sequence_id: str, frame: int | None = None, play: bool = False) -> None:
        """Play the film a Sequence cuts, through the grades that follow it (timeline_picture: as it is
        exported), with the sound of the Mix that reaches the same Export (for the timeline panel); a
        Sequence not rendered yet plays the shots that are ready. Once loaded the player goes to `frame`
        (the timeline's playhead) and, with `play`, plays from there."""
        picture = timeline_picture(self.document.graph, sequence_id)
        if picture == self.node_id:
            self._on_load = (frame, play)
            if self.player.source is not None:
                self._apply_on_load()
            return  # else it is loading: the position is applied when it is loaded
        self.show_node(picture, cut=sequence_id)
        self._on_load = (frame, play)  # applied when its frames are loaded (_play)

    def _apply_on_load(self) -> None:
        frame, play = self._on_load
        self._on_load = (None, False)
        if frame is not None:
            self.player.seek(max(0, min(frame, self.player.frame_count - 1)))
        if play:
            self.player.play()

    def show_node(self, node_id: str | None, keep_before: bool = False, cached_only: bool = False,
                  cut: str | None = None) -> None:
        """Show the node's output; `cached_only`: only if it can be read from the cache or made from
        cached inputs without running a costly node (mid-render, or a node not rendered this session).
        `cut`: the Sequence the node's frames come from (the timeline's, played through its grade):
        while the node is not rendered, the shots of that Sequence that are ready play, as they do
        when the Sequence itself is shown. It is kept for this node until another is shown."""
        self._on_load = (None, False)  # a position asked for by the timeline was for the node shown before
        if node_id != self.node_id or cut is not None:
            self._cut = cut
        if node_id != self.node_id and not keep_before:
            self.before.blockSignals(True)
            self.before.setChecked(False)  # a newly selected grade starts on its result
            self._before_toggled(False, reload=False)
            self.before.blockSignals(False)
        if node_id != self.node_id:
            self._end_compare()
            self._kept_frame = None
        elif self.player.source is not None:
            self._kept_frame = self.player.frame  # the same node again (Before, a render's end): stay there
        self.node_id, self.clip, self.live, self.showing_output = node_id, None, False, False
        self._settled_load = False
        self.written_file.set_path(None)
        self.player.set_source(None)
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
        if status.state in ("running", "queued"):  # not in the cache yet: shown as soon as it is done
            self._show_text("", f"{name}: rendering…")
            return
        # Not rendered in this session (skipped, cancelled, or a project just opened) is not "not in
        # the cache": what the cache holds, or cheap nodes make from it, is shown without a render.
        # Mid-render nothing is recomputed: the render itself is doing that.
        rendered = status.state in ("done", "cached")
        cached_only = cached_only or not rendered or self.renderer.is_running
        cut = node_id if graph.nodes[node_id].type_id == SEQUENCE_TYPE else self._cut
        partial = not rendered and cut in graph.nodes
        target, port = node_id, None
        if self.before.isVisible() and self.before.isChecked():
            source = before_source(graph, node_id)
            if source is None:
                self._show_text("", f"{name}: nothing is linked into it, so there is no before.")
                return
            target, port = source
        self.caption.setText(f"{name}: loading…")
        graph_copy, make_executor = snapshot(graph), self._executor_factory()
        viewer, (width, height) = self.viewer, self.picture.pixel_size()
        player = self.player

        def load():
            note = ""
            if partial:
                ready, total, missing = ready_shots(make_executor, graph_copy, cut)
                if ready == 0:
                    return ("text", f"{name}: not rendered, and its first shot ({missing}) needs a render to play")
                if ready < total:
                    trim_sequence(graph_copy, cut, ready)
                    note = f"not rendered: plays the first {ready} of {total} shots ({missing} is not rendered yet)"
            executor = make_executor()
            cancel = stop_at_costly(executor, CancelToken()) if cached_only and not partial else None
            result = load_output(executor, graph_copy, target, port, viewer, cancel)
            if result is None:
                return ("caption", f"{name}: finished; its output shows when the render ends" if rendered else
                        f"{name}: render it (Render, or Run to selected) to see its output.")
            if result[0] not in ("clip", "text"):
                return result
            if result[0] == "text":
                if not is_export(graph_copy, target):
                    return result
                outputs = make_executor().run(graph_copy, [target], load_outputs=True).outputs.get(target)
                movie = load_export_file(outputs or {})
                if isinstance(movie, str):
                    return ("export", (written_path(outputs or {}), ("text", f"{name}: {movie}")))
                frames, audio = movie
                first = frames.image(0, width, height)
                player.prepare_clock()  # here, not on the GUI thread when the clip is shown
                return ("export", (written_path(outputs), ("play", ("file", frames, first, audio,
                                                                    "sound of the exported file", note))))
            port_name, clip, first = result[1]
            audio, sound = load_sound(make_executor, graph_copy, target)
            player.prepare_clock()

            def reopen():  # the same output read again, for a second worker to read frames from
                outputs = make_executor().run(graph_copy, [target], load_outputs=True).outputs.get(target) or {}
                return outputs.get(port_name)

            return ("play", (port_name, ClipFrames(clip, viewer, reopen), first, audio, sound, note))

        self._submit(load)

    # ---- results, on the GUI thread ------------------------------------------------------------

    def _name(self) -> str:
        graph = self.document.graph
        return graph.display_name(self.node_id) if self.node_id in graph.nodes else ""

    def _on_loaded(self, number: int, result) -> None:
        if number != self._request:
            return  # a newer request is on its way
        kind, payload = result
        if kind == "export":  # the film as written: played, and offered to the system
            self.written_file.set_path(payload[0])
            kind, payload = payload[1]
        if kind == "caption":  # a cached-only load met a costly node missing from the cache
            self._settled_load = False  # so the render's end shows it
            self._show_text("", payload)
            return
        self.showing_output = kind != "text"
        name = self._name()
        if self.before.isVisible() and self.before.isChecked():
            name = f"{name} · before"
        # The viewer transform applies to scene-linear pictures only: not to a sound, text or a written file.
        self._show_viewer_controls(kind == "image" or (kind == "play" and isinstance(payload[1], ClipFrames)))
        if kind == "audio":
            port, peaks, info = payload
            self.caption.setText(f"{name} · {port} · {info}")
            self.stack.setCurrentWidget(self.waveform)
            self.waveform.set_peaks(peaks)
        elif kind == "image":
            port, image, size = payload
            self.caption.setText(f"{name} · {port} · {size}")
            self.stack.setCurrentWidget(self.picture)
            self.picture.native = None
            self.picture.set_image(image)
        elif kind == "play":
            self._play(name, *payload)
        else:
            self._show_text(payload, name)

    def _play(self, name, port, frames, first, audio, sound, note) -> None:
        self.clip = getattr(frames, "clip", frames)
        self.stack.setCurrentWidget(self.picture)
        self.picture.native = (frames.width, frames.height)
        self.player.set_view_size(self._view_sizes())
        self.player.set_source(frames, audio, first)
        kept, self._kept_frame = self._kept_frame, None
        if kept:  # the frame on show before the reload, within the new length
            self.player.seek(min(kept, frames.frame_count - 1))
        parts = [name, port, f"{frames.width}×{frames.height}", f"{frames.frame_count} frames @ {float(frames.fps):.3g} fps",
                 sound]
        self.caption.setText(" · ".join(p for p in parts + [note] if p))
        self.caption.setToolTip(self.caption.text())
        last = max(0, frames.frame_count - 1)
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.setValue(self.player.frame)
        self.slider.blockSignals(False)
        self.frame_label.setText(f"{self.player.frame} / {last}")
        self._show_frames_controls(frames.frame_count > 1)
        self.transport.refresh()
        if self.compare_node is not None:
            self.compare_with(self.compare_node, self.picture.compare)
        self._apply_on_load()

    def _frame_changed(self, index: int) -> None:
        """The scrub bar moved (by the user): the player goes there, with a grain of sound while dragged."""
        if self.player.source is None:
            return
        if self.slider.isSliderDown():
            self.player.scrub(index)
        else:
            self.player.seek(index)

    def _position_changed(self, frame: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(frame)
        self.slider.blockSignals(False)
        self.frame_label.setText(f"{frame} / {max(0, self.player.frame_count - 1)}")

    def _view_sizes(self):
        return self.picture.pixel_size()

    def _picture_resized(self) -> None:
        """Frames are made again for the new picture area (the old ones stay on screen till then)."""
        self.player.set_view_size(self._view_sizes())

    def _zoom_changed(self) -> None:
        zoom = self.picture.zoom
        self.transport.zoom.setText("Fit" if zoom is None else f"{zoom * 100:.0f} %")
        self.player.set_view_size(self._view_sizes())

    def _zoom_menu(self) -> QMenu:
        menu = QMenu(self)
        for label, zoom in (("Fit", None), ("100 %", 1.0), ("200 %", 2.0)):
            menu.addAction(label).triggered.connect(lambda _c=False, z=zoom: self.picture.set_zoom(z))
        return menu

    def set_viewer(self, transform: str, exposure: float = 0.0) -> None:
        """Choose the viewer transform and exposure (the widgets follow, and the picture is redrawn)."""
        self.transform.setCurrentText(transform)
        self.exposure.setValue(exposure)

    def _viewer_changed(self) -> None:
        self.viewer = Viewer(self.transform.currentText(), self.exposure.value())
        source = self.player.source
        if isinstance(source, ClipFrames):  # the same clip through the new viewer, at the frame on show
            self.player.replace_frames(source.with_viewer(self.viewer))
            if isinstance(self.player.source_b, ClipFrames):
                self.player.set_compare(self.player.source_b.with_viewer(self.viewer))
        elif source is None and self.node_id is not None:
            self.show_node(self.node_id, keep_before=True)

    # ---- A/B compare ----------------------------------------------------------------------------

    def _fill_compare_menu(self) -> None:
        menu = self.transport.compare.menu()
        menu.clear()
        graph = self.document.graph
        if self.player.source is None:
            menu.addAction("Play a clip first").setEnabled(False)
            return
        for mode in ("wipe", "side by side"):
            action = menu.addAction(f"Show as {mode}")
            action.setCheckable(True)
            action.setChecked(self.picture.compare == mode)
            action.triggered.connect(lambda _c=False, m=mode: self._set_compare_mode(m))
        menu.addSeparator()
        before = before_source(graph, self.node_id) if self.node_id else None
        if before is not None:
            menu.addAction(f"Compare with its input (before): {graph.display_name(before[0])}").triggered.connect(
                lambda: self.compare_with(before[0]))
        others = [n for n in graph.topological_order() if n != self.node_id
                  and self.renderer.status(n).state in ("done", "cached")
                  and any(p.type.name == "Frames" for p in (graph.schema_of(n).outputs if graph.schema_of(n) else ()))]
        compare = menu.addMenu("Compare with…")
        compare.setEnabled(bool(others))
        for other in others:
            compare.addAction(graph.display_name(other)).triggered.connect(
                lambda _c=False, n=other: self.compare_with(n))
        if self.compare_node is not None:
            menu.addAction("End the compare").triggered.connect(self._end_compare)

    def _set_compare_mode(self, mode: str) -> None:
        self.picture.compare = mode
        self.picture.update()
        self.player.set_view_size(self._view_sizes())

    def compare_with(self, node_id: str, mode: str = "wipe") -> None:
        """Show `node_id`'s frames against the node on show, as a wipe (a divider to drag) or side by side."""
        graph = self.document.graph
        if node_id not in graph.nodes or self.player.source is None:
            return
        self.compare_node = node_id
        self.picture.compare = mode if mode != "off" else "wipe"
        graph_copy, make_executor, viewer = snapshot(graph), self._executor_factory(), self.viewer
        with self._lock:
            self._compare_request += 1
            number = self._compare_request

        def load():
            try:
                executor = make_executor()
                result = load_output(executor, graph_copy, node_id, None, viewer, stop_at_costly(executor, CancelToken()))
                if result is None:
                    outcome = f"{graph_copy.display_name(node_id)} is not rendered yet: render it to compare"
                elif result[0] != "clip":
                    outcome = f"{graph_copy.display_name(node_id)} has no frames to compare"
                else:
                    outcome = ClipFrames(result[1][1], viewer)
            except Exception as exc:  # one line in the caption, never a traceback
                outcome = f"cannot compare: {type(exc).__name__}: {exc}"
            self._compared.emit(number, (graph_copy.display_name(node_id), outcome))

        self._pool.submit(load)
        self.player.set_view_size(self._view_sizes())

    def _on_compared(self, number: int, result) -> None:
        if number != self._compare_request or self.compare_node is None:
            return
        name, outcome = result
        if isinstance(outcome, str):
            self.caption.setText(f"{self._name()}: {outcome}")
            self._end_compare()
            return
        self.player.set_compare(outcome)
        self.caption.setText(f"{self._name()} (A) against {name} (B) · {self.picture.compare}")
        self.picture.update()

    def _end_compare(self) -> None:
        self.compare_node = None
        self.picture.compare = "off"
        self.player.set_compare(None)
        self.picture.update()

    # ---- keys and full screen --------------------------------------------------------------------

    def handle_key(self, key: int) -> bool:
        """The player's keys; False for a key it does not take."""
        player = self.player
        actions = {Qt.Key_Space: player.toggle, Qt.Key_J: lambda: player.shuttle(-1),
                   Qt.Key_K: player.stop_shuttle, Qt.Key_L: lambda: player.shuttle(1),
                   Qt.Key_Left: lambda: player.step(-1), Qt.Key_Right: lambda: player.step(1),
                   Qt.Key_Home: player.go_to_start, Qt.Key_End: player.go_to_end,
                   Qt.Key_I: player.mark_in, Qt.Key_O: player.mark_out, Qt.Key_F: self.toggle_full_screen}
        if key == Qt.Key_Escape and self._full_screen is not None:
            self.toggle_full_screen()
            return True
        action = actions.get(key)
        if action is None or (player.source is None and key != Qt.Key_F):
            return False
        action()
        return True

    def event(self, event) -> bool:
        # The window's shortcuts (F frames the canvas, Home frames all) yield to the player while it has the keys.
        if event.type() == QEvent.ShortcutOverride and self.player.source is not None and event.key() in PLAYER_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if not self.handle_key(event.key()):
            super().keyPressEvent(event)

    def toggle_full_screen(self) -> None:
        """The picture alone, full screen (F or the button; Esc or F brings it back)."""
        if self._full_screen is None:
            self._full_screen = FullScreenHost(self.handle_key, self.toggle_full_screen)
            self.stack.removeWidget(self.picture)
            self._full_screen.hold(self.picture)
        else:
            host, self._full_screen = self._full_screen, None
            self.stack.insertWidget(0, self.picture)
            self.stack.setCurrentWidget(self.picture)
            host.hide()
            host.deleteLater()
            self.setFocus()

    @property
    def is_full_screen(self) -> bool:
        return self._full_screen is not None

    # ---- renders ---------------------------------------------------------------------------------

    def _status_changed(self, node_id: str) -> None:
        if node_id != self.node_id:
            return
        state = self.renderer.status(node_id).state
        if state in ("idle", "failed"):
            self.show_node(node_id, keep_before=True)  # an edit made the shown output stale, or the node failed
        elif (self.live or not self.showing_output) and state not in ("running", "queued"):
            # Finished mid-render (its output is in the cache now, before the other nodes are done),
            # or cancelled: shown at once rather than at the render's end.
            self.show_node(node_id, keep_before=True, cached_only=True)
            self._settled_load = state in ("done", "cached")
        elif state == "running" and not (self.live or self.showing_output):
            caption = f"{self._name()}: rendering…"  # it was "render it" when the render started
            if self.caption.text() != caption:
                self.caption.setText(caption)

    def _render_finished(self, _report) -> None:
        if not self._settled_load:  # else what is on show is this render's result already
            self.show_node(self.node_id)

    def _before_toggled(self, on: bool, reload: bool = True) -> None:
        """The toggle says which picture is on show; a checked style (theme) makes it plain at a glance."""
        self.before.setText("Before ✓" if on else "Before")
        self.before.setToolTip("Showing the grade's input: click to show its result" if on else
                               "Show the grade's input instead of its output")
        if reload:
            self.show_node(self.node_id, keep_before=True)

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
        self.player.set_source(None)
        self._show_frames_controls(False)
        self.caption.setText(f"{self._name()} · step {event.step}/{event.steps} · rough preview while it denoises")
        self.stack.setCurrentWidget(self.picture)
        self.picture.native = None
        self.picture.set_image(image)

    def _show_viewer_controls(self, visible: bool) -> None:
        self.transform.setVisible(visible)
        self.exposure.setVisible(visible)

    def _show_text(self, text: str, caption: str) -> None:
        self._show_viewer_controls(False)
        self.caption.setText(caption)
        self.caption.setToolTip("")
        self.text.setPlainText(text)
        self.stack.setCurrentWidget(self.text if text else self.picture)
        self.picture.set_image(None)
        self.waveform.set_peaks(None)

    def _show_frames_controls(self, visible: bool) -> None:
        self.frames_controls.setVisible(visible)
        self.slider.setVisible(visible)
        self.frame_label.setVisible(visible)

    def _readout_frame(self):
        """(clip, frame index) on show, for the scene-linear readout; None for a file or a still."""
        source, frame = self.player.source, self.player.shown_frame
        clip = getattr(source, "clip", None)
        return (clip, frame) if clip is not None and frame is not None else None

    def shutdown(self) -> None:
        if self._full_screen is not None:
            self.toggle_full_screen()
        self.player.shutdown()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.readout.shutdown()
