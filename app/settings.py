"""Where AIPROD Studio keeps its user files (platformdirs), overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "aiprod-studio"


def cache_dir() -> Path:
    """Node-output cache; AIPROD_CACHE_DIR overrides (a fast local disk, or a farm's shared storage)."""
    return Path(os.environ.get("AIPROD_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME)) / "nodes"


def data_dir() -> Path:
    """Models, voices and autosaves; AIPROD_DATA_DIR overrides."""
    return Path(os.environ.get("AIPROD_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def log_dir() -> Path:
    """Where the command line writes the details of an internal error; AIPROD_LOG_DIR overrides."""
    return Path(os.environ.get("AIPROD_LOG_DIR") or platformdirs.user_log_dir(APP_NAME))


def cache_limit_bytes() -> int:
    """AIPROD_CACHE_GB sets the cache size limit (default 20 GB); least recently used entries go first."""
    return int(float(os.environ.get("AIPROD_CACHE_GB", "20")) * 1024**3)


MODEL_DIRS_ENV = "AIPROD_MODEL_DIRS"
_preferred_model_folders: list[Path] = []


def set_model_folders(folders) -> None:
    """The model folders chosen in the editor's Preferences (searched after the data folder's)."""
    _preferred_model_folders[:] = [Path(f) for f in folders if str(f).strip()]


def model_folders() -> list[Path]:
    """Where models are looked for, in order: the data folder's models/, the Preferences' folders,
    then AIPROD_MODEL_DIRS (folders separated by the system's path separator, for headless renders)."""
    extra = [Path(p) for p in os.environ.get(MODEL_DIRS_ENV, "").split(os.pathsep) if p.strip()]
    found: list[Path] = []
    for folder in (data_dir() / "models", *_preferred_model_folders, *extra):
        if folder not in found:
            found.append(folder)
    return found


def render_environment() -> dict[str, str]:
    """This process's environment with every model folder (the Preferences' too) in AIPROD_MODEL_DIRS,
    for a render process: it finds what this process would find."""
    environ = dict(os.environ)
    environ[MODEL_DIRS_ENV] = os.pathsep.join(str(folder) for folder in model_folders())
    return environ
