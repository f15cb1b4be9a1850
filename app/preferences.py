"""What the editor remembers between runs, in one INI file in the user data folder.

An INI file beside the autosaves, not the system registry or ~/.config, so one folder
(AIPROD_DATA_DIR) holds everything the editor remembers and a portable install stays portable.
Model folders, the node cache (folder and size limit) and the autosave interval are edited in
the editor's Preferences dialog (app/ui/preferences.py); the render controller, the document's
autosave timer and `aiprod render` read them, so the editor and a headless render share one
cache and find the same models. Qt's QSettings writes the file (QtCore only: no display needed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import settings

INI_NAME = "editor.ini"


def store():
    """The editor's INI file as a QSettings (created on first write). Qt is imported here, not at
    the top, so the dataclass below serves `aiprod render` even where Qt cannot load."""
    from PySide6.QtCore import QSettings

    return QSettings(str(settings.data_dir() / INI_NAME), QSettings.IniFormat)


@dataclass
class Preferences:
    model_folders: list[str] = field(default_factory=list)
    cache_folder: str = ""  # empty: the default (app.settings.cache_dir, which AIPROD_CACHE_DIR overrides)
    cache_limit_gb: float = 0.0  # 0: the default (AIPROD_CACHE_GB, else 20)
    autosave_minutes: float = 1.0

    @classmethod
    def load(cls) -> "Preferences":
        ini, default = store(), cls()
        try:  # a list is stored as JSON: INI files turn a one-item list into a plain string
            folders = json.loads(str(ini.value("models/folders", "[]")))
        except ValueError:
            folders = []
        def number(key: str, fallback: float) -> float:
            try:
                return float(ini.value(key, fallback))
            except (TypeError, ValueError):
                return fallback
        return cls([str(f) for f in folders if f] if isinstance(folders, list) else [],
                   str(ini.value("cache/folder", default.cache_folder) or ""),
                   max(0.0, number("cache/limit_gb", default.cache_limit_gb)),
                   max(0.0, number("autosave/minutes", default.autosave_minutes)) or default.autosave_minutes)

    def save(self) -> None:
        ini = store()
        ini.setValue("models/folders", json.dumps(self.model_folders))
        ini.setValue("cache/folder", self.cache_folder)
        ini.setValue("cache/limit_gb", self.cache_limit_gb)
        ini.setValue("autosave/minutes", self.autosave_minutes)
        ini.sync()

    def cache_dir(self) -> Path:
        return Path(self.cache_folder).expanduser() if self.cache_folder else settings.cache_dir()

    def cache_limit_bytes(self) -> int:
        return int(self.cache_limit_gb * 1024**3) if self.cache_limit_gb > 0 else settings.cache_limit_bytes()
