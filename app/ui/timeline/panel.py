"""The timeline dock: a Sequence and its Mix as tracks, with the tools to cut them.

It holds no state of its own: on every graph event it works the timeline out again from the graph
(engine.timeline.model), with the lengths the MediaProbe measured, and its edits go on the
document's undo stack as commands. Selecting a clip selects its node on the canvas (and so in the
inspector), and a node selected on the canvas is outlined here; the playhead follows the player
when it plays the timeline, and moves it when scrubbed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QScrollBar, QToolButton, QVBoxLayout,
                               QWidget)

from engine import events as ev
from engine.errors import AiprodError
from engine.timeline.model import Timeline, build_timeline, sequences

from ..captions import shrinkable
from ..player.sources import timeline_picture
from .media_probe import MediaProbe
from .view import TimelineView

# Events after which the timeline must be worked out again (any edit of the graph may move a clip).
_GRAPH_EVENTS = (ev.NodeAdded, ev.NodeRemoved, ev.NodeRenamed, ev.ParamChanged, ev.LinkAdded, ev.LinkRemoved,
                 ev.LinksReordered)


class TimelinePanel(QWidget):
    select_node = Signal(str)  # select this node on the canvas
    frame_node = Signal(str)  # select and frame it on the canvas
    message = Signal(str)  # for the status bar: why an edit was refused

    def __init__(self, document, renderer, parent=None):
        super().__init__(parent)
        self.document, self.renderer = document, renderer
        self.player = None  # the preview's player, when the window has one (set_player)
        self.probe = MediaProbe(document, renderer, self)
        self.view = TimelineView(self.probe)
        self.sequence_id: str | None = None
        self._graph = None
        self.picture_id: str | None = None  # the node Play timeline shows (refresh)
        self._fitted = True  # the whole timeline is shown: kept so on resizes and edits until the user zooms
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)  # after the whole command's events, once
        self._refresh_timer.timeout.connect(self.refresh)

        self.sequence_box = QComboBox()
        self.sequence_box.setToolTip("The Sequence shown (a project may have several)")
        self.sequence_box.currentIndexChanged.connect(self._sequence_chosen)
        self.play_button = QToolButton()
        self.play_button.setText("Play timeline")
        self.play_button.setToolTip("Play the Sequence with the sound of its Mix in the preview (Space there)")
        self.play_button.clicked.connect(self.play_timeline)
        self.ripple = QCheckBox("Ripple")
        self.ripple.setChecked(True)
        self.ripple.setToolTip("Trims and deletes move the later shots to close (or open) the difference; "
                               "off: a black gap keeps them where they are. Shift+Delete does the other.")
        self.ripple.toggled.connect(lambda on: setattr(self.view, "ripple", on))
        self.snapping = QCheckBox("Snap")
        self.snapping.setChecked(True)
        self.snapping.setToolTip("Edges snap to cuts, sound edges, markers and the playhead")
        self.snapping.toggled.connect(lambda on: setattr(self.view, "snapping", on))
        buttons = []
        for text, tip, slot in (("Split", "Split the shot under the playhead into two (S)", self.view.split_at_playhead),
                                ("Marker", "Add a marker at the playhead (M)", lambda: self.view.add_marker()),
                                ("Fit", "Show the whole timeline", self.fit),
                                ("−", "Zoom out (−)", lambda: self.view.zoom_by(1 / 1.5)),
                                ("+", "Zoom in (+)", lambda: self.view.zoom_by(1.5))):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.append(button)
        self.info = shrinkable(QLabel())
        self.info.setObjectName("hint")
        self.scrollbar = QScrollBar(Qt.Horizontal)
        self.scrollbar.valueChanged.connect(self._scrolled)

        bar = QHBoxLayout()
        bar.addWidget(self.sequence_box)
        bar.addWidget(self.play_button)
        bar.addWidget(self.ripple)
        bar.addWidget(self.snapping)
        for button in buttons:
            bar.addWidget(button)
        bar.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.scrollbar)

        self.view.push.connect(self._push)
        self.view.refused.connect(self.message)
        self.view.node_clicked.connect(self.select_node)
        self.view.node_activated.connect(self.frame_node)
        self.view.playhead_moved.connect(self._playhead_moved)
        self.view.zoom_changed.connect(self._zoomed)
        self.probe.updated.connect(self.refresh)
        document.replaced.connect(self.attach)
        renderer.finished.connect(self._render_finished)
        self.attach()

    # ---- model --------------------------------------------------------------------------------

    def attach(self) -> None:
        """Follow the document's (new) graph."""
        if self._graph is not None:
            self._graph.events.disconnect(self._on_graph)
        self._graph = self.document.graph
        self._graph.events.connect(self._on_graph)
        self.probe.clear()
        self.sequence_id = None
        self.refresh()
        self.fit()

    def _on_graph(self, event) -> None:
        if isinstance(event, (ev.ParamChanged, ev.LinkAdded, ev.LinkRemoved, ev.NodeRemoved)):
            changed = self._changed_node(event)
            if changed is not None and changed in self._graph.nodes:
                # The measured outputs of what the edit reaches are stale (a Sequence's own trims reach nothing measured).
                reached = self._graph.downstream([changed])
                self.probe.forget([key for key in list(self.probe.shots) + list(self.probe.sounds) if key[0] in reached])
        if isinstance(event, _GRAPH_EVENTS):
            self._refresh_timer.start()

    def _changed_node(self, event) -> str | None:
        if isinstance(event, ev.ParamChanged):
            return event.node_id
        if isinstance(event, ev.LinkAdded):
            link = self._graph.links.get(event.link_id)
            return link.dst_node if link else None
        return None

    def refresh(self) -> None:
        graph = self.document.graph
        found = sequences(graph)
        self._fill_sequence_box(graph, found)
        if self.sequence_id not in found:
            self.sequence_id = found[0] if found else None
        # What Play timeline shows (the cut through its grade): worked out here, on each edit, and not
        # on each frame the player shows (_player_moved), a walk over the graph's links.
        self.picture_id = timeline_picture(graph, self.sequence_id) if self.sequence_id is not None else None
        timeline = None
        if self.sequence_id is not None:
            try:
                timeline = build_timeline(graph, self.sequence_id, self.probe.material, self.probe.sound_seconds)
            except AiprodError as exc:
                self.view.empty_text = f"The timeline cannot be drawn: {exc}"
        self.view.set_timeline(graph, timeline)
        if self._fitted:
            self.fit()  # a longer or shorter film still fits
        self._request_media(graph, timeline)
        self._update_info(timeline)
        self._update_scrollbar()

    def _fill_sequence_box(self, graph, found: list[str]) -> None:
        names = [graph.display_name(node_id) for node_id in found]
        current = [self.sequence_box.itemText(i) for i in range(self.sequence_box.count())]
        if names != current:
            self.sequence_box.blockSignals(True)
            self.sequence_box.clear()
            for node_id, name in zip(found, names):
                self.sequence_box.addItem(name, node_id)
            self.sequence_box.blockSignals(False)
        index = found.index(self.sequence_id) if self.sequence_id in found else 0
        self.sequence_box.setCurrentIndex(index if found else -1)
        self.sequence_box.setVisible(len(found) > 1)

    def _request_media(self, graph, timeline: Timeline | None) -> None:
        if timeline is None:
            return
        shots = [(s.node_id, graph.links[s.link_id].src_port) for s in timeline.shots]
        sounds = [s.source for sounds in timeline.sounds.values() for s in sounds if s.source is not None]
        self.probe.request(shots, sounds)

    def _update_info(self, timeline: Timeline | None) -> None:
        if timeline is None:
            self.info.setText("")
            return
        planned = sum(1 for s in timeline.shots if not s.material.known)
        seconds = float(timeline.seconds_of(timeline.frame_count))
        text = (f"{len(timeline.shots)} shots · {timeline.frame_count} frames · {seconds:.2f} s "
                f"@ {float(timeline.fps):.3f} fps")
        if planned:
            text += f" · {planned} not rendered yet (drawn at their planned length)"
        self.info.setText(text)
        self.info.setToolTip(text)  # clipped in a narrow window

    def _sequence_chosen(self, index: int) -> None:
        node_id = self.sequence_box.itemData(index)
        if node_id and node_id != self.sequence_id:
            self.sequence_id = node_id
            self.refresh()
            self.fit()

    def _render_finished(self, _report) -> None:
        # Costly shots that were only planned may be in the cache now.
        planned = [key for key, media in self.probe.shots.items() if not media.material.known]
        self.probe.forget(planned)
        self.refresh()

    # ---- edits and selection ------------------------------------------------------------------

    def _push(self, command) -> None:
        try:
            self.document.stack.push(command)
        except AiprodError as exc:
            self.message.emit(str(exc))
            return
        self.message.emit(command.text)

    def show_selection(self, node_ids) -> None:
        """Outline the clips of the nodes selected on the canvas."""
        self.view.select_nodes(node_ids)

    # ---- playhead and player ------------------------------------------------------------------

    def set_player(self, preview) -> None:
        """Follow and drive the preview's player (when it plays this timeline)."""
        self.preview = preview
        player = getattr(preview, "player", None)
        if player is not None:
            player.position_changed.connect(self._player_moved)
            self.player = player

    def play_timeline(self) -> None:
        """Play the Sequence in the preview from the playhead (through its grade: as it is exported)."""
        preview = getattr(self, "preview", None)
        if preview is None or self.sequence_id is None:
            return
        preview.show_timeline(self.sequence_id, self.view.playhead, play=True)

    def _player_moved(self, frame: int) -> None:
        preview = getattr(self, "preview", None)
        if preview is not None and self.sequence_id is not None and getattr(preview, "node_id", None) in (
                self.sequence_id, self.picture_id):
            self.view.set_playhead(frame, announce=False)
            self._keep_playhead_visible()

    def _playhead_moved(self, frame: int) -> None:
        """The playhead moved here (scrubbed, stepped): the player shows the timeline at that frame."""
        preview = getattr(self, "preview", None)
        if preview is not None and self.sequence_id is not None:
            if self.player is not None and self.player.is_playing:
                self.player.pause()
            preview.show_timeline(self.sequence_id, frame)

    def _keep_playhead_visible(self) -> None:
        layout = self.view.layout
        x = layout.x_of(self.view.playhead)
        if x > self.view.width() - 20 or x < layout.x_of(layout.scroll):
            layout.scroll = max(0.0, self.view.playhead - layout.frames_in(self.view.width() * 0.1))
            self._update_scrollbar()

    # ---- zoom and scroll ----------------------------------------------------------------------

    def fit(self) -> None:
        timeline = self.view.timeline
        self.view.layout.fit(timeline.frame_count if timeline else 240, self.view.width())
        self._fitted = True
        self._update_scrollbar()
        self.view.update()

    def zoom_to(self, pixels_per_frame: float, scroll: float = 0.0) -> None:
        """A zoom of the user's own (kept until Fit)."""
        self.view.layout.pixels_per_frame, self.view.layout.scroll = pixels_per_frame, scroll
        self._zoomed()
        self.view.update()

    def _zoomed(self) -> None:
        self._fitted = False
        self._update_scrollbar()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()
        else:
            self._update_scrollbar()

    def _update_scrollbar(self) -> None:
        timeline, layout = self.view.timeline, self.view.layout
        total = (timeline.frame_count if timeline else 0) + 48
        visible = int(layout.frames_in(max(1, self.view.width())))
        self.scrollbar.blockSignals(True)
        self.scrollbar.setRange(0, max(0, total - visible))
        self.scrollbar.setPageStep(max(1, visible))
        self.scrollbar.setValue(int(layout.scroll))
        self.scrollbar.blockSignals(False)

    def _scrolled(self, value: int) -> None:
        self._fitted = False
        self.view.layout.scroll = float(value)
        self.view.update()

    def shutdown(self) -> None:
        self._refresh_timer.stop()
        self.probe.shutdown()
