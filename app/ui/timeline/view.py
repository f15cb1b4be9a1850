"""The timeline's drawing surface and what the mouse and keys do on it.

A drag is drawn as a ghost while it goes on and becomes one edit when the button is released:
the body of a shot reorders it, its edges trim it, a join's handle changes the transition's length,
a sound slides along its track, a marker moves, the ruler scrubs the playhead. Moving edges snap
to cuts, sound edges, markers and the playhead (unless snapping is off). Every edit is a command
from engine.timeline.edits handed to `push`; the view then redraws from the graph, never from
what it guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtWidgets import QMenu, QWidget

from engine.errors import AiprodError
from engine.media.sequence import TRANSITIONS
from engine.timeline import edits
from engine.timeline.model import Timeline, snap

from .layout import PICTURE_HEIGHT, RULER_HEIGHT, SOUND_HEIGHT, Hit, TimelineLayout
from .painting import clip_boxes, paint_timeline

SNAP_PIXELS = 8
DRAG_START_PIXELS = 3  # a press that moves less than this is a click
OWN_KEYS = {Qt.Key_S, Qt.Key_M, Qt.Key_Delete, Qt.Key_Backspace, Qt.Key_Plus, Qt.Key_Equal, Qt.Key_Minus,
            Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down}


@dataclass
class Drag:
    hit: Hit
    start: QPointF
    moved: bool = False
    delta_frames: int = 0  # how far the dragged thing has moved, snapped


class TimelineView(QWidget):
    push = Signal(object)  # a Command to do on the undo stack
    refused = Signal(str)  # why an edit could not be made
    playhead_moved = Signal(int)
    node_clicked = Signal(str)  # select this node on the canvas
    node_activated = Signal(str)  # double-click: frame it on the canvas
    zoom_changed = Signal()

    def __init__(self, probe, parent=None):
        super().__init__(parent)
        self.probe = probe
        self.graph = None
        self.timeline: Timeline | None = None
        self.layout = TimelineLayout()
        self.playhead = 0
        self.selected_nodes: set[str] = set()
        self.ripple = True
        self.snapping = True
        self.empty_text = "No Sequence in this project: add one (Edit ▸ Sequence) and link shots into it."
        self.drag: Drag | None = None
        self.drag_label = ""
        self.setMinimumHeight(TimelineLayout.height())
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)

    # ---- state --------------------------------------------------------------------------------

    def set_timeline(self, graph, timeline: Timeline | None) -> None:
        self.graph, self.timeline = graph, timeline
        if timeline is not None:
            self.playhead = min(self.playhead, max(0, timeline.frame_count))
        self.update()

    def set_playhead(self, frame: int, announce: bool = True) -> None:
        frame = max(0, int(frame))
        if frame == self.playhead:
            return
        self.playhead = frame
        self.update()
        if announce:
            self.playhead_moved.emit(frame)

    def select_nodes(self, node_ids) -> None:
        before, self.selected_nodes = self.selected_nodes, set(node_ids)
        if self.timeline is None:
            self.update()
            return
        # Only the clips whose outline changes: a click on a node repaints two clips, not the
        # whole timeline with its thumbnails and waveforms (~11 ms of the click's answer).
        region = QRegion()
        for box in clip_boxes(self.timeline, self.layout, before ^ self.selected_nodes):
            region += box.toAlignedRect().adjusted(-2, -2, 2, 2)
        if not region.isEmpty():
            self.update(region)

    # ---- painting -----------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        paint_timeline(painter, QRectF(event.rect()), self, event.region())

    def drag_ghost(self) -> QRectF | None:
        """Where the dragged thing would land, for the painter."""
        drag, layout, timeline = self.drag, self.layout, self.timeline
        if drag is None or not drag.moved or timeline is None:
            return None
        hit, d = drag.hit, drag.delta_frames
        top, height = RULER_HEIGHT + 3, PICTURE_HEIGHT - 6
        if hit.kind == "shot":
            return QRectF(layout.x_of(hit.shot.start + d), top, hit.shot.frames * layout.pixels_per_frame, height)
        if hit.kind == "head":
            return QRectF(layout.x_of(hit.shot.start + d), top, (hit.shot.frames - d) * layout.pixels_per_frame,
                          height)
        if hit.kind == "tail":
            return QRectF(layout.x_of(hit.shot.start), top, (hit.shot.frames + d) * layout.pixels_per_frame, height)
        if hit.kind == "join":
            frames = self._join_frames(drag)
            return QRectF(layout.x_of(hit.shot.start), top + height * 0.5, frames * layout.pixels_per_frame,
                          height * 0.5)
        if hit.kind == "sound":
            start = timeline.frame_of(hit.sound.offset) + d
            frames = timeline.frame_of(hit.sound.length) if hit.sound.length is not None else 15
            return QRectF(layout.x_of(start), TimelineLayout.sound_top(hit.sound.bus) + 3,
                          frames * layout.pixels_per_frame, SOUND_HEIGHT - 6)
        if hit.kind == "marker":
            marker = next(m for m in timeline.markers if m.row == hit.marker)
            return QRectF(layout.x_of(marker.frame + d) - 1, 0, 2, RULER_HEIGHT)
        return None

    # ---- mouse --------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        self.setFocus()
        if event.button() != Qt.LeftButton:
            return
        hit = self.layout.hit(self.timeline, event.position().x(), event.position().y())
        self.drag = Drag(hit, event.position())
        if hit.kind == "ruler":
            self.set_playhead(self._snapped_frame(self.layout.frame_at(event.position().x()), scrub=True))
        node = self._node_of(hit)
        if node is not None:
            self.node_clicked.emit(node)

    def mouseMoveEvent(self, event) -> None:
        drag = self.drag
        if drag is None:
            self._hover_cursor(event.position())
            return
        dx = event.position().x() - drag.start.x()
        if not drag.moved and abs(dx) < DRAG_START_PIXELS:
            return
        drag.moved = True
        if drag.hit.kind == "ruler":
            self.set_playhead(self._snapped_frame(self.layout.frame_at(event.position().x()), scrub=True))
            return
        drag.delta_frames = self._snapped_delta(drag, round(self.layout.frames_in(dx)))
        self.drag_label = self._describe(drag)
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        drag, self.drag, self.drag_label = self.drag, None, ""
        self.update()
        if drag is None or not drag.moved or drag.hit.kind in ("ruler", "empty"):
            return
        try:
            command = self._command_for(drag)
        except AiprodError as exc:
            self.refused.emit(str(exc))
            return
        if command is not None:
            self.push.emit(command)

    def mouseDoubleClickEvent(self, event) -> None:
        hit = self.layout.hit(self.timeline, event.position().x(), event.position().y())
        if hit.kind == "marker":
            self._rename_marker(hit.marker)
            return
        node = self._node_of(hit)
        if node is not None:
            self.node_activated.emit(node)

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.ControlModifier:
            factor = 1.25 if delta.y() > 0 else 0.8
            self.layout.zoom_to(self.layout.pixels_per_frame * factor, event.position().x())
            self.zoom_changed.emit()
        else:
            steps = (delta.x() or delta.y()) / 120.0
            self.layout.scroll = max(0.0, self.layout.scroll - steps * self.layout.frames_in(80))
            self.zoom_changed.emit()
        self.update()
        event.accept()

    def contextMenuEvent(self, event) -> None:
        hit = self.layout.hit(self.timeline, event.pos().x(), event.pos().y())
        menu = self.context_menu(hit, self.layout.frame_at(event.pos().x()))
        if menu is not None:
            menu.exec(event.globalPos())

    def context_menu(self, hit: Hit, frame: int) -> QMenu | None:
        """The menu for what was right-clicked (built separately so tests can trigger its actions)."""
        timeline = self.timeline
        if timeline is None:
            return None
        menu = QMenu(self)
        if hit.kind in ("shot", "head", "tail", "join"):
            shot = hit.shot
            if shot.number > 1 and not shot.gap:
                into = menu.addMenu(f"Join into {shot.name}")
                for kind in TRANSITIONS:
                    action = into.addAction(kind.capitalize())
                    action.setCheckable(True)
                    action.setChecked(shot.join.kind == kind)
                    action.triggered.connect(lambda _=False, k=kind, j=shot.number - 1: self.set_join(j, k))
            if shot.number < len(timeline.shots) and not timeline.shot(shot.number + 1).gap:
                after = timeline.shot(shot.number + 1)
                out = menu.addMenu(f"Join into {after.name}")
                for kind in TRANSITIONS:
                    action = out.addAction(kind.capitalize())
                    action.setCheckable(True)
                    action.setChecked(after.join.kind == kind)
                    action.triggered.connect(lambda _=False, k=kind, j=shot.number: self.set_join(j, k))
            menu.addSeparator()
            menu.addAction("Split at playhead", self.split_at_playhead)
            menu.addAction("Delete (close the gap)", lambda: self.delete_shot(shot.number, ripple=True))
            menu.addAction("Delete (leave a gap)", lambda: self.delete_shot(shot.number, ripple=False))
            menu.addAction("Show on canvas", lambda: self.node_activated.emit(shot.shot_id))
        elif hit.kind == "marker":
            menu.addAction("Rename marker…", lambda: self._rename_marker(hit.marker))
            menu.addAction("Remove marker", lambda: self._try(lambda: edits.remove_marker(self.graph, timeline,
                                                                                          hit.marker)))
        elif hit.kind == "sound":
            menu.addAction("Show on canvas", lambda: self.node_activated.emit(hit.sound.place_id or hit.sound.node_id))
        else:
            menu.addAction("Add marker at playhead", self.add_marker)
        return menu

    # ---- keys ---------------------------------------------------------------------------------

    def event(self, event) -> bool:
        # With the timeline focused its keys are its own, though the window uses some (M: the minimap).
        if event.type() == QEvent.ShortcutOverride and event.key() in OWN_KEYS and not (
                event.modifiers() & (Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.ShiftModifier)
        if key == Qt.Key_S and not event.modifiers():
            self.split_at_playhead()
        elif key in (Qt.Key_Delete, Qt.Key_Backspace):
            shot = self._selected_shot()
            if shot is not None:
                self.delete_shot(shot.number, ripple=self.ripple != shift)  # Shift: the other kind of delete
        elif key == Qt.Key_M:
            self.add_marker()
        elif key in (Qt.Key_Plus, Qt.Key_Equal):
            self.zoom_by(1.5)
        elif key == Qt.Key_Minus:
            self.zoom_by(1 / 1.5)
        elif key == Qt.Key_Left:
            self.set_playhead(self.playhead - (10 if shift else 1))
        elif key == Qt.Key_Right:
            self.set_playhead(self.playhead + (10 if shift else 1))
        elif key == Qt.Key_Up:
            self._jump_cut(-1)
        elif key == Qt.Key_Down:
            self._jump_cut(1)
        else:
            super().keyPressEvent(event)

    # ---- edits --------------------------------------------------------------------------------

    def _try(self, make) -> None:
        try:
            command = make()
        except AiprodError as exc:
            self.refused.emit(str(exc))
            return
        self.push.emit(command)

    def set_join(self, join: int, kind: str, frames: int | None = None) -> None:
        self._try(lambda: edits.set_join(self.timeline, join, kind, frames))

    def split_at_playhead(self) -> None:
        shot = self.timeline.shot_at(self.playhead) if self.timeline else None
        if shot is None:
            self.refused.emit("the playhead is not on a shot; move it onto the shot to split")
            return
        self._try(lambda: edits.split_shot(self.graph, self.timeline, shot.number, self.playhead))

    def delete_shot(self, number: int, ripple: bool) -> None:
        self._try(lambda: edits.delete_shot(self.graph, self.timeline, number, ripple))

    def add_marker(self, name: str = "") -> None:
        if self.timeline is not None:
            self._try(lambda: edits.add_marker(self.graph, self.timeline, self.playhead, name))

    def _rename_marker(self, row: int) -> None:
        marker = next((m for m in self.timeline.markers if m.row == row), None)
        if marker is None:
            return
        name = self.ask_text("Rename marker", "Name:", marker.name)
        if name is not None and name != marker.name:
            self._try(lambda: edits.rename_marker(self.graph, self.timeline, row, name))

    def ask_text(self, title: str, label: str, text: str) -> str | None:
        """A line of text from the user, None if cancelled (replaced in tests)."""
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getText(self, title, label, text=text)
        return value if ok else None

    def zoom_by(self, factor: float) -> None:
        x = self.layout.x_of(self.playhead)
        self.layout.zoom_to(self.layout.pixels_per_frame * factor, x if 0 <= x <= self.width() else None)
        self.zoom_changed.emit()
        self.update()

    def _command_for(self, drag: Drag):
        hit, d, timeline = drag.hit, drag.delta_frames, self.timeline
        if hit.kind == "shot":
            target = self._drop_position(hit.shot, d)
            return edits.move_shot(timeline, hit.shot.number, target) if target != hit.shot.number else None
        if hit.kind == "head" and d:
            return edits.trim_shot(self.graph, timeline, hit.shot.number, "head", d, self.ripple)
        if hit.kind == "tail" and d:
            return edits.trim_shot(self.graph, timeline, hit.shot.number, "tail", -d, self.ripple)
        if hit.kind == "join":
            frames = self._join_frames(drag)
            if frames != hit.shot.join.frames:
                return edits.set_join(timeline, hit.shot.number - 1, hit.shot.join.kind, frames)
            return None
        if hit.kind == "sound" and d:
            seconds = float(timeline.seconds_of(max(0, timeline.frame_of(hit.sound.offset) + d)))
            return edits.slide_sound(self.graph, timeline, hit.sound, seconds)
        if hit.kind == "marker" and d:
            marker = next(m for m in timeline.markers if m.row == hit.marker)
            return edits.move_marker(self.graph, timeline, hit.marker, marker.frame + d)
        return None

    def _drop_position(self, shot, delta: int) -> int:
        """Where a shot dragged by `delta` frames lands: after every other shot whose middle it passed."""
        middle = shot.start + delta + shot.frames / 2
        others = [s for s in self.timeline.shots if s.number != shot.number]
        return 1 + sum(1 for s in others if s.start + s.frames / 2 < middle)

    def _join_frames(self, drag: Drag) -> int:
        """A join's length as its handle is dragged: the handle sits mid-transition, so it moves half as far."""
        shot = drag.hit.shot
        longest = min(shot.frames, self.timeline.shot(shot.number - 1).frames)
        return max(1, min(longest, shot.join.frames + 2 * drag.delta_frames))

    # ---- snapping -----------------------------------------------------------------------------

    def _snap_points(self, exclude: set[int] = frozenset()) -> list[int]:
        return [p for p in self.timeline.snap_points(self.playhead) if p not in exclude]

    def _snapped_frame(self, frame: int, scrub: bool = False) -> int:
        if not self.snapping or self.timeline is None:
            return frame
        points = [p for p in self.timeline.snap_points(None if scrub else self.playhead)]
        return snap(frame, points, round(self.layout.frames_in(SNAP_PIXELS)))

    def _snapped_delta(self, drag: Drag, delta: int) -> int:
        """The drag's movement with the moving edge pulled onto a snap point nearby."""
        if not self.snapping or drag.hit.kind in ("join",):
            return delta
        hit, timeline = drag.hit, self.timeline
        if hit.kind in ("shot", "head"):
            edge = hit.shot.start
        elif hit.kind == "tail":
            edge = hit.shot.end
        elif hit.kind == "sound":
            edge = timeline.frame_of(hit.sound.offset)
        elif hit.kind == "marker":
            edge = next(m.frame for m in timeline.markers if m.row == hit.marker)
        else:
            return delta
        reach = round(self.layout.frames_in(SNAP_PIXELS))
        return snap(edge + delta, self._snap_points({edge}), reach) - edge

    def _describe(self, drag: Drag) -> str:
        d, hit = drag.delta_frames, drag.hit
        if hit.kind in ("head", "tail"):
            cut = d if hit.kind == "head" else -d
            return f"{'trim' if cut > 0 else 'extend'} {abs(cut)}f" + ("" if self.ripple else " · no ripple")
        if hit.kind == "join":
            return f"{hit.shot.join.kind} {self._join_frames(drag)}f"
        if hit.kind == "shot":
            return f"to position {self._drop_position(hit.shot, d)}"
        if hit.kind in ("sound", "marker"):
            return f"{'+' if d >= 0 else ''}{d}f"
        return ""

    # ---- helpers ------------------------------------------------------------------------------

    def _node_of(self, hit: Hit) -> str | None:
        if hit.shot is not None:
            return hit.shot.shot_id
        if hit.sound is not None:
            return hit.sound.place_id or hit.sound.node_id
        return None

    def _selected_shot(self):
        if self.timeline is None:
            return None
        return next((s for s in self.timeline.shots if s.node_id in self.selected_nodes
                     or s.shot_id in self.selected_nodes), None)

    def _jump_cut(self, direction: int) -> None:
        if self.timeline is None:
            return
        points = self.timeline.cut_points()
        later = [p for p in points if (p - self.playhead) * direction > 0]
        if later:
            self.set_playhead(min(later) if direction > 0 else max(later))

    def _hover_cursor(self, pos: QPointF) -> None:
        hit = self.layout.hit(self.timeline, pos.x(), pos.y())
        cursors = {"head": Qt.SizeHorCursor, "tail": Qt.SizeHorCursor, "join": Qt.SplitHCursor,
                   "shot": Qt.OpenHandCursor, "sound": Qt.OpenHandCursor, "marker": Qt.PointingHandCursor}
        self.setCursor(cursors.get(hit.kind, Qt.ArrowCursor))
        tips = {"head": "Drag to trim the start", "tail": "Drag to trim the end",
                "join": "Drag to change the transition's length; right-click to change the transition",
                "shot": "Drag to move the shot; double-click to show it on the canvas",
                "sound": "Drag to slide the sound", "marker": "Drag to move; double-click to rename"}
        self.setToolTip(tips.get(hit.kind, ""))
