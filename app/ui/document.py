"""The open project as a document: its path, its undo stack, unsaved state and autosave.

Views never hold on to a graph across a New/Open/Revert: they listen to `replaced` and
re-read `document.graph`, so one window can open project after project.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from engine.atomic import atomic_write_text
from engine.commands import UndoStack
from engine.graph import Graph
from engine.project_model import ProjectModel
from engine.project import Project, load_project, project_to_data, save_project
from engine.registry import Registry

from .. import settings

log = logging.getLogger("aiprod.ui.document")
AUTOSAVE_MS = 60_000


class ProjectDocument(QObject):
    changed = Signal()  # dirty state, name or path changed: the title bar and actions update
    replaced = Signal()  # another project is open (new, open, revert): views rebuild from scratch

    def __init__(self, registry: Registry, parent: QObject | None = None):
        super().__init__(parent)
        self.registry = registry
        self.project = Project(Graph(registry))
        self.stack = UndoStack(self.project.model)
        self.stack.events.connect(self._on_stack)
        self._restored = False  # a crash autosave shown as unsaved until it is saved somewhere
        self._session = uuid.uuid4().hex  # names this window's autosave until the project has a file
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()

    # ---- state ------------------------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        return self.project.graph

    @property
    def model(self) -> ProjectModel:
        return self.project.model

    @property
    def path(self) -> Path | None:
        return self.project.path

    @property
    def is_dirty(self) -> bool:
        return self._restored or not self.stack.is_clean

    @property
    def display_name(self) -> str:
        return self.project.path.stem if self.project.path else self.project.name

    def window_title(self) -> str:
        return f"{self.display_name}{' *' if self.is_dirty else ''} — AIPROD Studio"

    def _on_stack(self, _stack: UndoStack) -> None:
        self.changed.emit()

    def _install(self, project: Project, restored: bool = False) -> None:
        self._restored = restored
        self.stack.events.disconnect(self._on_stack)
        self.project = project
        self.stack = UndoStack(project.model)
        self.stack.events.connect(self._on_stack)
        self.replaced.emit()
        self.changed.emit()

    # ---- file operations (errors propagate as AiprodError for the window to show) ------------

    def new(self) -> None:
        self._install(Project(Graph(self.registry)))

    def open(self, path: str | Path) -> list[str]:
        """Open a project; returns the loader's warnings (unknown node types kept, bad values)."""
        project = load_project(path, self.registry)
        self._install(project)
        return project.warnings

    def adopt(self, project: Project) -> None:
        """Show a project built in memory (tests, benchmarks, the screenshot script)."""
        self._install(project)

    def adopt_unsaved(self, project: Project) -> None:
        """Show a project restored from a crash autosave: unsaved until the user saves it."""
        self._install(project, restored=True)

    def save(self, path: str | Path | None = None) -> Path:
        target = path or self.project.path
        if target is None:
            raise ValueError("the project has no file yet; use save(path)")
        stale_autosave = self.autosave_path()  # named after the project as it was before this save
        if self.project.path is None or Path(target).resolve() != self.project.path.resolve():
            self.project.name = Path(target).stem
        written = save_project(self.project, target)
        self._restored = False
        self.stack.set_clean()  # emits, so the title loses its '*'
        stale_autosave.unlink(missing_ok=True)
        return written

    def revert(self) -> None:
        if self.project.path is not None:
            self.open(self.project.path)

    # ---- autosave ---------------------------------------------------------------------------

    def set_autosave_minutes(self, minutes: float) -> None:
        """The autosave interval (Preferences); at least ten seconds so saving never hogs the editor."""
        self._autosave.setInterval(max(10_000, round(minutes * 60_000)))

    @property
    def autosave_interval_ms(self) -> int:
        return self._autosave.interval()

    def autosave_path(self) -> Path:
        """One file per project file, and one per unsaved window: two "Untitled" windows, or two
        films called "trailer" in different folders, never overwrite each other's autosave."""
        owner = str(self.project.path.resolve()) if self.project.path else self._session
        tag = hashlib.blake2b(owner.encode(), digest_size=4).hexdigest()
        return settings.data_dir() / "autosave" / f"{self.display_name}-{tag}.aiprod"

    def autosave(self) -> Path | None:
        """Write unsaved changes beside the user data (never over the project file itself)."""
        if not self.is_dirty:
            return None
        target = self.autosave_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            data = project_to_data(self.project, None)  # the model's own path values: restored as they were
            atomic_write_text(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:  # autosave is a safety net: it must never interrupt work
            log.warning("autosave to %s failed: %s", target, exc)
            return None
        return target
