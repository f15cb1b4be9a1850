"""The main window: canvas in the middle, palette, history, inspector, preview, timeline and event log in docks.

It wires the parts together and owns the file workflow (new, open, save, revert, quit with
unsaved changes); the menus are declared in app.ui.menus, the dialogs in app.ui.window_dialogs.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QProgressBar

from engine.errors import AiprodError
from engine.registry import Registry

from . import recovery, seed_locks
from .canvas_scene import CanvasScene
from .captions import shrinkable
from .canvas_view import CanvasView
from .document import ProjectDocument
from .edit_actions import EditActions
from .event_log import EventLog
from .group_inspector import group_output, group_title
from .history_view import HistoryView
from .inspector import Inspector
from .menus import build_menus
from .minimap import Minimap
from .palette import Palette
from ..nodes.planned_outputs import planned_outputs, sweep_output_leftovers
from ..nodes.export_qa import cached_failures
from ..nodes.qa_plan import sequence_under
from ..preferences import Preferences
from .legacy_preferences import migrate_ini_preferences
from .preferences import restore_layout, save_layout
from .preview import Preview
from .qa_view import QAView
from .recent_files import add_recent
from .render_controller import RenderController
from .scopes_view import ScopesView
from .timeline.panel import TimelinePanel
from .viewer_slots import ViewerSlots
from .window_cost import WindowCost
from .window_dialogs import WindowDialogs

FILE_FILTER = "AIPROD projects (*.aiprod)"


class MainWindow(WindowDialogs, WindowCost, QMainWindow):
    def __init__(self, registry: Registry | None = None):
        super().__init__()
        if registry is None:
            from ..nodes import build_registry

            registry = build_registry()
        self.registry = registry
        self.document = ProjectDocument(registry, self)
        self.session = recovery.SessionMarker(self.document)  # removed on a clean close
        self.actions_ = EditActions(self.document, self)
        self.renderer = RenderController(self.document, self)
        self.scene = CanvasScene(self.document, self.actions_, self.renderer, self)
        self.view = CanvasView(self.scene)
        self.setCentralWidget(self.view)
        self.minimap = Minimap(self.view)
        self.palette = Palette(registry)
        self.inspector = Inspector(self.document, self.actions_, models=lambda: self.renderer.models)
        self.preview = Preview(self.document, self.renderer)
        self.event_log = EventLog(self.document)
        self.history = HistoryView(self.document)
        self.scopes = ScopesView()
        self.scopes.follow(self.preview.picture)
        self.timeline = TimelinePanel(self.document, self.renderer)
        self.timeline.set_player(self.preview)
        self.qa_view = QAView(self.document)
        self.docks = {
            "palette": self._dock("Nodes", self.palette, Qt.LeftDockWidgetArea),
            "preview": self._dock("Preview", self.preview, Qt.RightDockWidgetArea),
            "inspector": self._dock("Inspector", self.inspector, Qt.RightDockWidgetArea),
            "log": self._dock("Event log", self.event_log, Qt.BottomDockWidgetArea),
            "history": self._dock("History", self.history, Qt.LeftDockWidgetArea),
            "timeline": self._dock("Timeline", self.timeline, Qt.BottomDockWidgetArea),
            "scopes": self._dock("Scopes", self.scopes, Qt.RightDockWidgetArea),
            "qa": self._dock("QA", self.qa_view, Qt.BottomDockWidgetArea),
        }
        # The scopes share the inspector's place, a tab away (grading wants both, one at a time).
        self.tabifyDockWidget(self.docks["inspector"], self.docks["scopes"])
        self.docks["inspector"].raise_()
        # The timeline wants the window's width; the log shares its place, a tab away.
        self.tabifyDockWidget(self.docks["timeline"], self.docks["log"])
        self.tabifyDockWidget(self.docks["log"], self.docks["qa"])  # the QA report, a tab beside them
        self.docks["timeline"].raise_()
        self.resizeDocks([self.docks["palette"], self.docks["preview"]], [210, 470], Qt.Horizontal)
        self.resizeDocks([self.docks["preview"], self.docks["inspector"]], [420, 480], Qt.Vertical)
        self.resizeDocks([self.docks["timeline"]], [300], Qt.Vertical)
        self.resizeDocks([self.docks["palette"], self.docks["history"]], [620, 240], Qt.Vertical)
        self._build_status_bar()
        self.menu_actions = build_menus(self)
        self.viewer_slots = ViewerSlots(self)
        self._connect()
        self.resize(1600, 1000)
        self.layout_restored = restore_layout(self)
        migrate_ini_preferences()  # an older version's Preferences, once
        warnings: list[str] = []
        self.apply_preferences(Preferences.load(warnings), save=False)
        for warning in warnings:  # a damaged Preferences file: the defaults are in use, and the log says why
            self.event_log.log(f"preferences: {warning}")
        self.reload_presets()
        self._document_changed()

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_"))
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        self.status_label = shrinkable(QLabel("Ready"))  # a long message must not widen the window
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFixedWidth(260)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)

    def _connect(self) -> None:
        self.document.changed.connect(self._document_changed)
        self.document.replaced.connect(self._document_replaced)
        self.actions_.message.connect(self.show_message)
        self.palette.activated.connect(self.view.add_node_at_center)
        self.view.project_dropped.connect(self.open_project)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.renderer.event.connect(self.event_log.on_event)
        self.renderer.started.connect(self._render_started)
        self.renderer.progress.connect(self._render_progress)
        self.renderer.finished.connect(self._render_finished)
        self.timeline.message.connect(self.show_message)
        self.palette.preset_activated.connect(self.add_preset)
        self.palette.save_preset_requested.connect(lambda: self.save_selection_as_preset())
        self.timeline.select_node.connect(lambda node_id: self.scene.select_nodes([node_id]))
        self.timeline.frame_node.connect(self._frame_node)
        self.qa_view.seek.connect(self._play_finding)

    # ---- reactions --------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """Status bar text: why an edit was refused, what a render did."""
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def _document_changed(self) -> None:
        self.setWindowTitle(self.document.window_title())
        stack, acts = self.document.stack, self.menu_actions
        acts["undo"].setEnabled(stack.can_undo)
        acts["undo"].setText(f"&Undo {stack.undo_text}".strip())
        acts["redo"].setEnabled(stack.can_redo)
        acts["redo"].setText(f"&Redo {stack.redo_text}".strip())
        acts["revert"].setEnabled(self.document.path is not None and self.document.is_dirty)

    def _document_replaced(self) -> None:
        self._selection_changed()
        self.view.frame_all()
        project = self.document.project
        if project.folder is not None:  # what renders killed while writing its outputs left, off the GUI thread
            outputs = planned_outputs(project.graph, project.folder)
            threading.Thread(target=sweep_output_leftovers, args=(outputs,), name="aiprod-sweep", daemon=True).start()

    def _frame_node(self, node_id: str) -> None:
        """A clip double-clicked on the timeline: its node selected and framed on the canvas."""
        self.scene.select_nodes([node_id])
        self.view.frame_selected()

    def _play_finding(self, node_id: str, seconds: float) -> None:
        """A QA finding double-clicked: the film under the checked node played from its time."""
        graph = self.document.graph
        links = graph.links_into(node_id, "frames") if node_id in graph.nodes else []
        target = sequence_under(graph, node_id) or (links[0].src_node if links else None)
        if target is not None and self.qa_view.report is not None:
            self.preview.show_timeline(target, round(seconds * float(self.qa_view.report.fps)))

    def _selection_changed(self) -> None:
        selected = self.scene.selected_node_ids()
        self.qa_view.show_node(selected[0] if len(selected) == 1 else None)
        self.timeline.show_selection(selected)
        group_id = self.scene.selected_group_id()
        if group_id is not None:  # a closed group: its shown parameters, and the picture it gives out
            self.inspector.show_group(group_id)
            self.preview.show_node(group_output(self.document, group_id))
        else:
            self.inspector.show_nodes(selected)
            self.preview.show_node(selected[0] if len(selected) == 1 else None)
        self.menu_actions["run_selected"].setEnabled(bool(selected) and not self.renderer.is_running)

    def _render_started(self) -> None:
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.menu_actions["cancel"].setEnabled(True)
        for key in ("render", "run_selected"):
            self.menu_actions[key].setEnabled(False)
        self.show_message("Rendering…")

    def _render_progress(self, fraction: float, what: str) -> None:
        # Only real changes: a new format re-lays out the status bar, and under a render's load
        # each repaint of the styled bar costs the GUI several milliseconds.
        value = round(fraction * 1000)
        if value != self.progress_bar.value():
            # QProgressBar.setValue repaints at once, and a repaint at once paints every dirty
            # part of the window with it (the canvas, the log) inside this call. With updates off
            # it only marks itself dirty, and is painted with the rest at the window's next update.
            self.progress_bar.setUpdatesEnabled(False)
            self.progress_bar.setValue(value)
            self.progress_bar.setUpdatesEnabled(True)
        label = f"{what[:28]}  %p%"
        if what and label != self.progress_bar.format():
            self.progress_bar.setFormat(label)

    def _render_finished(self, report) -> None:
        self.event_log.flush()  # the render's last lines with its end, not a turn later
        self.progress_bar.hide()
        self.progress_bar.setFormat("%p%")
        self.qa_view.refresh()
        self.menu_actions["cancel"].setEnabled(False)
        self.menu_actions["render"].setEnabled(True)
        self.menu_actions["run_selected"].setEnabled(bool(self.scene.selected_node_ids()))
        if isinstance(report, Exception):
            self.show_message(f"Render stopped: {report}")
            self.event_log.log(f"render stopped: {report}")
            return
        self.learn_from_render(report)
        counts = {s: len(report.with_status(s)) for s in ("ran", "cached", "failed", "cancelled")}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        first = self._first_failure(report)
        failures = [] if first or not self.preferences.qa_fails_render else cached_failures(report,
                                                                                           self.document.project)
        strict = failures[0] if failures else ""
        message = f"Render {'failed' if strict else report.status} in {report.seconds:.2f} s ({summary})"
        first = first or strict
        if first:  # the cause, not the last node downstream of it to fail
            message += f": {first}"
            self.event_log.log(f"render failed: {first}")
        left_out = self._not_rendered(report)
        if left_out:
            many = len(left_out) > 1
            message += (f"; {len(left_out)} node{'s' if many else ''} feed{'' if many else 's'} no output and "
                        f"{'were' if many else 'was'} not rendered: Run to Selected renders {'them' if many else 'it'}")
            self.event_log.log("not rendered (they feed no output): "
                               + ", ".join(self.document.graph.display_name(n) for n in left_out))
        self.show_message(message)
        self._offer_to_replace(self.renderer.refused_files(report))

    def _not_rendered(self, report) -> list[str]:
        """After F5 (every output), the nodes it left out because no output needs them: a new Title
        linked to nothing would otherwise keep saying "render it" with no word on why it was not."""
        if self.renderer.last_targets is not None or report.status == "cancelled":
            return []  # Run to Selected asked for its nodes only; a cancelled render did not get to the others
        return [n for n in self.document.graph.nodes if n not in report.results]

    def _first_failure(self, report) -> str:
        """'<node> failed: <why>' for the first node that failed in the render's order (what failed
        after it, downstream, failed because of it), or ''."""
        graph = self.document.graph
        for node_id, result in report.results.items():
            if result.status == "failed":
                name = graph.display_name(node_id) if node_id in graph.nodes else node_id
                return f"{name} failed: {result.message}"
        return ""

    def _offer_to_replace(self, refused: list[str]) -> None:
        """Ask about each file the render would not replace; render again allowed to replace those confirmed."""
        confirmed = [path for path in refused if self.confirm_replace(path)]
        for path in refused:
            self.event_log.log(f"{'replacing' if path in confirmed else 'kept'} {path} (not written by AIPROD Studio)")
        if confirmed:
            self.renderer.run(self.renderer.last_targets, overwrite=confirmed)

    # ---- commands from the menus ---------------------------------------------------------------

    def undo(self) -> None:
        """Undo, saying what was undone: a message about the edit (a refusal, a render) is stale now."""
        self._walk_history(self.document.stack.undo, self.document.stack.undo_text, "Undone")

    def redo(self) -> None:
        self._walk_history(self.document.stack.redo, self.document.stack.redo_text, "Redone")

    def _walk_history(self, step, text: str, verb: str) -> None:
        was = len(self.document.stack.history())
        step()
        if len(self.document.stack.history()) != was:
            self.show_message(f"{verb}: {text}")

    def fit_to_screen(self) -> None:
        """Shrink and move the window into its screen's available area (the first window is 1600x1000,
        which with its title bar would put the status bar under a 1600x1000 screen's edge)."""
        screen = self.screen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        # Before the window manager has framed it, a title bar's height is a guess.
        extra_w = frame.width() - self.width() if frame.width() > self.width() else 0
        extra_h = frame.height() - self.height() if frame.height() > self.height() else 32
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(frame.x(), area.x()), area.right() + 1 - width - extra_w)
        y = min(max(frame.y(), area.y()), area.bottom() + 1 - height - extra_h)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def render_all(self) -> None:
        if self.document.graph.nodes and not self.renderer.is_running and not (
                self.budget_allows_render() and self.outputs_allow_render(None)):
            return
        if not self.renderer.render_all():
            self.show_message("Nothing to render." if not self.document.graph.nodes else "A render is running.")

    def run_selected(self) -> None:
        """Render the selected nodes and what they need, nothing else (several: one render for all)."""
        selected = self.scene.selected_node_ids()
        if not selected:
            self.show_message("Select the nodes to run the graph up to.")
            return
        if not self.outputs_allow_render(selected):
            return
        self.renderer.run(selected)

    def delete_selection(self) -> None:
        self.actions_.delete(self.scene.selected_node_ids(), self.scene.selected_link_ids())

    def toggle_bypass(self) -> None:
        """D: bypass the selected nodes (their inputs pass through), or enable them if all are bypassed."""
        from engine.commands import SetBypass

        graph = self.document.graph
        selected = [n for n in self.scene.selected_node_ids() if n in graph.nodes]
        if not selected:
            self.show_message("select the nodes to bypass first")
            return
        bypass = not all(graph.nodes[n].bypassed for n in selected)
        try:
            what = graph.short_name(selected[0]) if len(selected) == 1 else f"{len(selected)} nodes"
            with self.document.stack.group(f"{'Bypass' if bypass else 'Enable'} {what}"):
                for node_id in selected:
                    self.document.stack.push(SetBypass(node_id, bypass))
        except AiprodError as exc:
            self.show_message(str(exc))
            return
        self.show_message(f"{'bypassed' if bypass else 'enabled'}: " + ", ".join(graph.short_name(n) for n in selected))

    def group_selection(self) -> None:
        """Ctrl+G: the selected nodes into one closed group, named for what it holds."""
        selected = self.scene.selected_node_ids()
        group_id = self.actions_.group_nodes(selected, group_title(self.document.graph, selected))
        if group_id is not None:
            self.scene.select_nodes(self.document.model.groups[group_id].nodes)

    def ungroup_selection(self) -> None:
        """Ctrl+Shift+G: the selected group (or the group of the selected nodes) back to single nodes."""
        model = self.document.model
        group_ids = {g.id for n in self.scene.selected_node_ids() if (g := model.group_of(n)) is not None}
        if not group_ids:
            self.show_message("select a group to ungroup")
            return
        for group_id in group_ids:
            self.actions_.ungroup(group_id)

    def duplicate_selection(self) -> None:
        self.scene.select_nodes(self.actions_.duplicate(self.scene.selected_node_ids()))

    def paste(self) -> None:
        self.scene.select_nodes(self.actions_.paste())

    def new_seeds(self) -> None:
        """New random values for the unlocked seeds of the selection (of every node when none is selected)."""
        node_ids = self.scene.selected_node_ids() or list(self.document.graph.nodes)
        count = seed_locks.new_seeds(self.document, node_ids)
        self.status_label.setText(f"new seeds for {count} parameter(s)" if count else "no unlocked seeds to change")

    # ---- files --------------------------------------------------------------------------------

    def may_discard(self) -> bool:
        """True when the current project may be replaced or closed (saved first if the user says so)."""
        if not self.document.is_dirty:
            return True
        answer = self.prompt_unsaved()
        return answer == "discard" or (answer == "save" and self.save())

    def new_project(self) -> None:
        if self.may_discard():
            self.renderer.cancel()
            self.document.new()

    def open_project(self, path: str | Path | None = None) -> bool:
        if not self.may_discard():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open project", "", FILE_FILTER)
            if not path:
                return False
        try:
            warnings = self.document.open(path)
        except (AiprodError, OSError) as exc:
            self.show_error("Cannot open the project", str(exc))
            return False
        add_recent(path)
        for warning in warnings:
            self.event_log.log(f"warning: {warning}")
        self.show_message(f"Opened {path}" + (f" with {len(warnings)} warning(s); see the event log" if warnings else ""))
        self.check_missing_media()
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", str(self.document.path or ""), FILE_FILTER)
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            written = self.document.save(path)
        except (AiprodError, OSError) as exc:
            self.show_error("Cannot save the project", str(exc))
            return False
        add_recent(written)
        self.show_message(f"Saved {written}")
        return True

    def revert(self) -> None:
        if self.document.path is not None:
            try:
                self.document.revert()
            except (AiprodError, OSError) as exc:
                self.show_error("Cannot revert", str(exc))

    def closeEvent(self, event) -> None:
        if not self.may_discard():
            event.ignore()
            return
        self.renderer.cancel()
        self.renderer.wait(5.0)
        self.preview.shutdown()
        self.timeline.shutdown()
        self.scopes.shutdown()
        self.scene.thumbnails.shutdown()
        save_layout(self)
        self.session.remove()  # a clean exit: nothing to recover next time
        event.accept()
