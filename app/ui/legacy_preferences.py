"""Moves the Preferences an older version kept in the editor's INI file (QSettings) to the JSON file, once.

Only the editor does this, since only it can read QSettings; `aiprod render` on a machine that
never ran the new editor uses the defaults until the editor has run once.
"""

from __future__ import annotations

import json

from ..preferences import Preferences, store

_KEYS = ("models/folders", "cache/folder", "cache/limit_gb", "autosave/minutes")


def migrate_ini_preferences() -> bool:
    """Write the INI file's Preferences as the JSON file when there is no JSON file yet and the INI
    holds some; True if it did. The INI keeps its values (an older version still reads them)."""
    if Preferences.exists():
        return False
    ini = store()
    if not any(ini.contains(key) for key in _KEYS):
        return False
    Preferences.from_data(_ini_values(ini), lambda message: None, ini.fileName()).save()
    return True


def _ini_values(ini) -> dict:
    """The INI's values as the JSON file names them; a value that does not convert is left to its default."""
    data: dict = {}
    try:  # the list was stored as JSON: INI files turn a one-item list into a plain string
        folders = json.loads(str(ini.value("models/folders", "[]")))
        if isinstance(folders, list):
            data["model_folders"] = [str(f) for f in folders if f]
    except ValueError:
        pass
    if ini.contains("cache/folder"):
        data["cache_folder"] = str(ini.value("cache/folder") or "")
    for key, name in (("cache/limit_gb", "cache_limit_gb"), ("autosave/minutes", "autosave_minutes")):
        try:
            data[name] = float(ini.value(key))
        except (TypeError, ValueError):
            pass
    return data
