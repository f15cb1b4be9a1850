"""Crash recovery: a marker per editing session, and the autosaves of sessions that never closed.

Each window writes `sessions/<id>.json` under the user data folder when it opens (its process,
host, project and autosave file) and removes it when it closes cleanly. At the next start a
marker whose process is gone means that session crashed; if its autosave is newer than the
project file (or the project was never saved), the window offers to restore it. A restored
project keeps its original path (its relative media paths are meant from there) but is marked
unsaved, so nothing is written over the project file until the user saves.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from engine.atomic import atomic_write_text
from engine.leftovers import pid_alive
from engine.project import project_from_data
from engine.project_checks import read_document

from .. import settings


def sessions_dir() -> Path:
    return settings.data_dir() / "sessions"


class SessionMarker:
    """This window's marker, kept current as the project is saved under another name."""

    def __init__(self, document):
        self.document = document
        self.path = sessions_dir() / f"{uuid.uuid4().hex}.json"
        self._written: dict | None = None
        self._removed = False
        document.changed.connect(self.write)
        self.write()

    def info(self) -> dict:
        document = self.document
        return {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                "project": str(document.path) if document.path else None, "name": document.display_name,
                "autosave": str(document.autosave_path())}

    def write(self) -> None:
        info = self.info()
        if self._written is not None and {k: v for k, v in info.items() if k != "started"} == \
                {k: v for k, v in self._written.items() if k != "started"}:
            return  # the title bar changes on every edit; the marker only when the files do
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps(info, indent=1))
            self._written = info
        except OSError:
            pass  # without a marker there is just no recovery offer; editing must go on

    def remove(self) -> None:
        """A clean close; safe to call twice (a window may be closed again by its owner)."""
        if not self._removed:
            self._removed = True
            self.document.changed.disconnect(self.write)
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Recoverable:
    marker: Path
    autosave: Path
    project: Path | None
    name: str

    @property
    def saved_at(self) -> float:
        return self.autosave.stat().st_mtime

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        what = str(self.project) if self.project else f"the unsaved project {self.name!r}"
        return f"AIPROD Studio did not close cleanly while editing {what}. Changes autosaved at {when} can be restored."


def find_recoverable(own_marker: Path | None = None) -> tuple[list[Recoverable], list[Path]]:
    """(what can be restored, newest first; every marker of a crashed session, to remove once handled)."""
    found, dead = [], []
    folder = sessions_dir()
    for marker in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if own_marker is not None and marker == own_marker:
            continue
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
            pid, host = int(info["pid"]), str(info.get("host", ""))
        except (OSError, ValueError, KeyError, TypeError):
            dead.append(marker)  # unreadable: a crash while writing it
            continue
        if host != socket.gethostname() or pid_alive(pid):
            continue  # another running window, or a session on another machine sharing the folder
        dead.append(marker)
        autosave = Path(info.get("autosave") or "")
        project = Path(info["project"]) if info.get("project") else None
        if not info.get("autosave") or not autosave.is_file():
            continue
        if project is not None and project.is_file() and project.stat().st_mtime >= autosave.stat().st_mtime:
            continue  # saved after the last autosave: nothing was lost
        found.append(Recoverable(marker, autosave, project, str(info.get("name", "Untitled"))))
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found, dead


def restore(document, found: Recoverable) -> list[str]:
    """Open the autosave as an unsaved project at its original path; the loader's warnings."""
    # No folder: the autosave holds path values as the model did, typed-relative ones still relative
    # to the project (engine.project); they must not be taken from the autosave's folder.
    project = project_from_data(read_document(found.autosave), document.registry, str(found.autosave))
    project.path = found.project
    project.name = found.name
    document.adopt_unsaved(project)
    return project.warnings


def forget(markers: list[Path]) -> None:
    for marker in markers:
        marker.unlink(missing_ok=True)
