"""File > Open Recent: the last projects opened or saved, newest first, kept in editor.ini.

Stored beside the preferences (one INI file holds everything the editor remembers), as a JSON
list because INI files turn a one-item list into a plain string. The submenu is rebuilt each
time it is about to show, so a project deleted since it was listed appears greyed out.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QMenu

from ..preferences import store

KEY = "recent/projects"
LIMIT = 10


def recent_projects() -> list[str]:
    """Absolute paths, newest first (missing files included: the menu greys them out)."""
    try:
        paths = json.loads(str(store().value(KEY, "[]")))
    except ValueError:
        return []
    return [str(p) for p in paths if p][:LIMIT] if isinstance(paths, list) else []


def _write(paths: list[str]) -> None:
    ini = store()
    ini.setValue(KEY, json.dumps(paths[:LIMIT]))
    ini.sync()


def add_recent(path: str | Path) -> None:
    """Move `path` to the top of the list (opening or saving a project)."""
    path = str(Path(path).resolve())
    _write([path] + [p for p in recent_projects() if p != path])


def clear_recent() -> None:
    _write([])


def fill_recent_menu(menu: QMenu, open_project) -> None:
    """(Re)build `menu`: one entry per recent project, then Clear; `open_project(path)` opens one."""
    menu.clear()
    paths = recent_projects()
    for number, path in enumerate(paths, 1):
        # Numbered accelerators (&1…&9, then 1&0) let the keyboard pick the first ten.
        mnemonic = f"&{number}" if number < 10 else "1&0"
        action = menu.addAction(f"{mnemonic}  {Path(path).name}", lambda p=path: open_project(p))
        action.setToolTip(path)
        action.setData(path)
        action.setEnabled(Path(path).is_file())  # greyed out: moved or deleted since
    if not paths:
        menu.addAction("(none)").setEnabled(False)
    menu.addSeparator()
    clear = menu.addAction("&Clear Recent Projects", clear_recent)
    clear.setEnabled(bool(paths))
    menu.setToolTipsVisible(True)
