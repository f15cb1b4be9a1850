"""The user's Preferences (model folders, cache, autosave) as one JSON file in the user config folder,
read without Qt so `aiprod render` uses them too; they make the ModelLocator and CacheSettings a render gets.

AIPROD_CONFIG_DIR overrides the folder. The window layout and recent files stay in the editor's INI
file (`store()`, Qt), where an older version also kept the Preferences (app/ui/legacy_preferences.py).
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from engine.atomic import atomic_write_text
from engine.cache_settings import CacheSettings
from engine.models import ModelLocator

from . import settings

log = logging.getLogger("aiprod.preferences")

INI_NAME = "editor.ini"
FILE_NAME = "preferences.json"


def store():
    """The editor's INI file as a QSettings (window layout, recent files). Qt is imported here,
    not at the top, so `aiprod render` reads the Preferences where Qt cannot load."""
    from PySide6.QtCore import QSettings

    return QSettings(str(settings.data_dir() / INI_NAME), QSettings.IniFormat)


def preferences_path() -> Path:
    return settings.config_dir() / FILE_NAME


@dataclass
class Preferences:
    model_folders: list[str] = field(default_factory=list)
    cache_folder: str = ""  # empty: the default (app.settings.cache_dir, which AIPROD_CACHE_DIR overrides)
    cache_limit_gb: float = 0.0  # 0: the default (AIPROD_CACHE_GB, else 20)
    autosave_minutes: float = 1.0
    # Pickle checkpoints (.ckpt, .pt, .bin) can run code when loaded; off unless the user says so.
    allow_pickle_checkpoints: bool = False
    # A render whose export fails its automatic QA fails (as `aiprod render --qa-strict`); off: it warns.
    qa_fails_render: bool = False

    @classmethod
    def exists(cls) -> bool:
        return preferences_path().is_file()

    @classmethod
    def load(cls, warnings: list[str] | None = None) -> "Preferences":
        """The saved Preferences; the defaults when there is no file yet. A file that cannot be read
        is moved aside (never lost) and a value of the wrong kind falls back to its default, each
        with one line in `warnings` (logged when no list is given)."""
        warn = warnings.append if warnings is not None else log.warning
        path = preferences_path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            warn(f"the preferences file {path} cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                 "using the defaults")
            return cls()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError(f"it holds a {type(data).__name__}, not an object")
        except ValueError as exc:
            kept = _set_aside(path)
            warn(f"the preferences file {path} is not valid ({exc}); using the defaults"
                 + (f"; the file was kept as {kept.name}" if kept else ""))
            return cls()
        return cls.from_data(data, warn, path)

    @classmethod
    def from_data(cls, data: dict, warn, path: Path) -> "Preferences":
        default = cls()
        folders = data.get("model_folders", default.model_folders)
        if not isinstance(folders, list) or not all(isinstance(f, str) for f in folders):
            warn(f"{path}: model_folders should be a list of folder names; none are used")
            folders = []

        def number(key: str, fallback: float) -> float:
            value = data.get(key, fallback)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                warn(f"{path}: {key} should be a number of 0 or more, not {value!r}; using {fallback:g}")
                return fallback
            return float(value)

        cache_folder = data.get("cache_folder", default.cache_folder)
        if not isinstance(cache_folder, str):
            warn(f"{path}: cache_folder should be a folder name, not {cache_folder!r}; using the default cache")
            cache_folder = ""
        allow_pickle = data.get("allow_pickle_checkpoints", default.allow_pickle_checkpoints)
        if not isinstance(allow_pickle, bool):
            warn(f"{path}: allow_pickle_checkpoints should be true or false, not {allow_pickle!r}; "
                 "pickle checkpoints stay refused")
            allow_pickle = False
        qa_fails = data.get("qa_fails_render", default.qa_fails_render)
        if not isinstance(qa_fails, bool):
            warn(f"{path}: qa_fails_render should be true or false, not {qa_fails!r}; a failing QA only warns")
            qa_fails = False
        return cls([f for f in folders if f.strip()], cache_folder,
                   number("cache_limit_gb", default.cache_limit_gb),
                   number("autosave_minutes", default.autosave_minutes) or default.autosave_minutes,
                   allow_pickle, qa_fails)

    def save(self) -> None:
        """Write the file atomically: a crash mid-save leaves the old Preferences, never half of them."""
        path = preferences_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def cache_dir(self) -> Path:
        return Path(self.cache_folder).expanduser() if self.cache_folder else settings.cache_dir()

    def cache_limit_bytes(self) -> int:
        return int(self.cache_limit_gb * 1024**3) if self.cache_limit_gb > 0 else settings.cache_limit_bytes()

    def cache_settings(self) -> CacheSettings:
        return CacheSettings(self.cache_dir(), self.cache_limit_bytes())

    def model_locator(self) -> ModelLocator:
        """Where renders look for models: the data folder's, these Preferences', then AIPROD_MODEL_DIRS."""
        return ModelLocator(settings.data_dir(),
                            (*(Path(f).expanduser() for f in self.model_folders), *settings.environment_model_folders()),
                            allow_pickle=self.allow_pickle_checkpoints)


def _set_aside(path: Path) -> Path | None:
    """Rename a damaged file to <name>.bad-<time>, so saving the defaults does not destroy it."""
    aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.replace(aside)
    except OSError:
        return None
    return aside
