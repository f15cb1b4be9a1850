"""The main window's dialogs and the start-up checks that use them, each one replaceable in tests.

Every question the window asks (unsaved changes, restoring a crashed session, a file to relink,
replacing a file AIPROD did not write, preferences) goes through one method here, so tests swap the
method for an answer instead of clicking a modal box; crash recovery, missing media and models,
the Models dialog and preferences are wired up here too.
"""

from __future__ import annotations

import copy

from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.errors import AiprodError

from . import recovery
from ..nodes.planned_outputs import planned_outputs, unwritable_problems
from ..preferences import Preferences
from .models_dialog import ModelsDialog
from .preferences import PreferencesDialog
from .relink import MissingMediaDialog, find_missing, find_missing_models


class WindowDialogs:
    """Mixed into MainWindow (a QMainWindow with document, renderer, event_log, show_message)."""

    def outputs_allow_render(self, targets: list[str] | None) -> bool:
        """Before a render: an output that cannot be written where it points (a read-only disk, a share
        that is gone) is said now, not when the shots before it are made; the rest may still render."""
        project = self.document.project
        try:
            problems = unwritable_problems(project.graph, planned_outputs(project.graph, project.folder, targets))
        except AiprodError:  # a loop: the render itself says so
            return True
        if not problems or self.confirm_unwritable_outputs("\n".join(problems)):
            return True
        self.show_message("Render not started: " + problems[0])
        return False

    def confirm_unwritable_outputs(self, text: str) -> bool:
        """True to render what can be rendered although an output will fail (tests replace it)."""
        answer = QMessageBox.question(self, "Cannot write an output", text + "\n\nRender the rest anyway? "
                                      "That output will fail; the other nodes are made and cached.",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def show_error(self, title: str, text: str) -> None:
        """A modal error box (tests replace it)."""
        QMessageBox.warning(self, title, text)

    def prompt_unsaved(self) -> str:
        """'save', 'discard' or 'cancel' for unsaved changes (tests replace it)."""
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.document.display_name}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def prompt_recover(self, found) -> bool:
        """True to restore a crashed session's autosave (tests replace it)."""
        answer = QMessageBox.question(self, "Restore unsaved work?", found.describe() + "\n\nRestore it?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def confirm_replace(self, path: str) -> bool:
        """True to let a render replace `path`, a file AIPROD Studio did not write."""
        answer = QMessageBox.question(self, "Replace file?", f"Replace {path}?\n\nIt was not written by AIPROD Studio.",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def choose_file(self, title: str, folder: str = "", filters: str = "") -> str:
        """A file to open, or '' (tests replace it)."""
        path, _ = QFileDialog.getOpenFileName(self, title, folder, filters)
        return path

    def choose_folder(self, title: str, folder: str = "") -> str:
        """A folder, or '' (tests replace it)."""
        return QFileDialog.getExistingDirectory(self, title, folder)

    def exec_dialog(self, dialog) -> None:
        """Run a modal dialog (tests replace it and drive the dialog themselves)."""
        dialog.exec()

    def offer_recovery(self) -> bool:
        """At start: offer the newest autosave of a session that crashed; True if one was restored."""
        found, dead = recovery.find_recoverable(self.session.path)
        restored = False
        if found and self.prompt_recover(found[0]):
            try:
                warnings = recovery.restore(self.document, found[0])
            except (AiprodError, OSError) as exc:
                self.show_error("Cannot restore the autosave", f"{found[0].autosave}: {exc}")
            else:
                restored = True
                for warning in warnings:
                    self.event_log.log(f"warning: {warning}")
                self.event_log.log(f"restored unsaved work from {found[0].autosave}")
                self.show_message(f"Restored {found[0].autosave.name}; save it to keep it")
        recovery.forget(dead)  # asked once; the autosave files themselves stay where they are
        return restored

    def check_missing_media(self) -> list:
        """List the files and models the project reads that are missing, in a dialog to relink them."""
        missing = find_missing(self.document.project)
        models = find_missing_models(self.document.project, self.renderer.models)
        if models:  # a model put in a folder since the library last looked is found by a fresh scan
            self.renderer.models.library().scan()  # cheap: the library's index knows the files it has read
            models = find_missing_models(self.document.project, self.renderer.models)
        graph = self.document.graph
        for entry in missing:
            self.event_log.log(f"missing: {graph.display_name(entry.node_id)}.{entry.param} reads {entry.absolute}")
        for entry in models:
            self.event_log.log(f"missing model: {graph.display_name(entry.node_id)}.{entry.model.param} names "
                               f"{entry.model.name!r}: {entry.model.hint}")
        if missing or models:
            self.exec_dialog(MissingMediaDialog(self, missing, models))
        return missing + models

    def reload_presets(self) -> None:
        from .presets import load_presets

        problems: list[str] = []
        self.palette.set_presets(load_presets(problems))
        for problem in problems:
            self.event_log.log(problem)

    def save_selection_as_preset(self, name: str | None = None) -> bool:
        """Keep the canvas selection (its nodes and the links among them) as a preset in the palette."""
        from PySide6.QtWidgets import QInputDialog

        from .presets import save_preset

        selected = self.scene.selected_node_ids()
        if not selected:
            self.show_message("select the nodes to keep as a preset first")
            return False
        if name is None:
            name, ok = QInputDialog.getText(self, "Save as preset", f"Name for the {len(selected)} node(s):")
            if not ok:
                return False
        try:
            path = save_preset(name, self.actions_.copy_data(selected))
        except (ValueError, OSError) as exc:
            self.show_message(f"preset not saved: {exc}")
            return False
        self.reload_presets()
        self.show_message(f"preset {name.strip()!r} saved ({path})")
        return True

    def add_preset(self, path: str) -> list[str]:
        """A preset's nodes added again, their top-left corner in the middle of the canvas."""
        from .presets import load_presets

        preset = next((p for p in load_presets() if str(p.path) == str(path)), None)
        if preset is None:
            self.show_message(f"the preset {path} is gone or does not read; see the event log")
            self.reload_presets()
            return []
        positions = [node.get("position", [0, 0]) for node in preset.nodes.get("nodes", [])]
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        left = min((p[0] for p in positions), default=0.0)
        top = min((p[1] for p in positions), default=0.0)
        return self.actions_.paste_data(preset.nodes, (centre.x() - left, centre.y() - top), f"Add preset {preset.name}:")

    def import_timeline(self, path: str | None = None) -> bool:
        """File ▸ Import Timeline: an NLE's timeline as a new project (missing media offered for relinking)."""
        from .timeline.interchange_dialog import TIMELINE_FILTER, import_timeline_file

        path = path or self.choose_file("Import timeline", "", TIMELINE_FILTER)
        return bool(path) and import_timeline_file(self, path)

    def export_timeline(self) -> None:
        """File ▸ Export Timeline: the timeline panel's Sequence for Resolve or Premiere."""
        from .timeline.interchange_dialog import ExportTimelineDialog

        sequence_id = self.timeline.sequence_id
        if sequence_id is None:
            self.show_error("No timeline to export", "The project has no Sequence; add one and link shots into it.")
            return
        self.exec_dialog(ExportTimelineDialog(self, sequence_id))

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard Shortcuts: every menu command's keys, and each panel's own."""
        from .help_dialogs import HelpDialog, shortcuts_html

        self.exec_dialog(HelpDialog("Keyboard shortcuts", shortcuts_html(self.menu_actions), self))

    def show_node_reference(self) -> None:
        """Help ▸ Node Reference: every installed node type, its ports and parameters."""
        from .help_dialogs import HelpDialog, node_reference_html

        self.exec_dialog(HelpDialog("Node reference", node_reference_html(self.registry), self))

    def show_models(self) -> None:
        """Help ▸ Models: the installed models, the folders searched, what the project lacks."""
        self.exec_dialog(ModelsDialog(self))

    def add_model_folder(self, folder) -> None:
        """Add a folder to the model folders in Preferences (relinking a model), saved at once."""
        folder = str(folder)
        if folder not in self.preferences.model_folders:
            prefs = copy.deepcopy(self.preferences)
            prefs.model_folders.append(folder)
            self.apply_preferences(prefs)

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self, self.preferences)
        dialog.accepted.connect(lambda: self.apply_preferences(dialog.values()))
        self.exec_dialog(dialog)

    def apply_preferences(self, prefs: Preferences, save: bool = True) -> None:
        """Make `prefs` current: the autosave timer and the render cache follow at once."""
        self.preferences = prefs
        if save:
            prefs.save()
        self.document.set_autosave_minutes(prefs.autosave_minutes)
        # Renders, previews, the inspector and the relink dialog look for voices (and later models) there too.
        self.renderer.configure(prefs.model_locator(), prefs.cache_settings(), prefs.qa_fails_render)
