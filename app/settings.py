"""Where AIPROD Studio keeps its user files (platformdirs), overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from engine.cache import INDEX_FILE

APP_NAME = "aiprod-studio"


def cache_dir() -> Path:
    """Node-output cache; AIPROD_CACHE_DIR overrides (a fast local disk, or a farm's shared storage).

    AIPROD_CACHE_DIR names the cache folder itself, as --cache-dir and the Preferences' folder do,
    so one folder written in all three means one cache. Before, it meant the folder above one
    called "nodes": where that holds a cache and the folder itself holds none, it is still used,
    so nothing already rendered there is lost."""
    named = os.environ.get("AIPROD_CACHE_DIR")
    if not named:
        return Path(platformdirs.user_cache_dir(APP_NAME)) / "nodes"
    folder, earlier = Path(named), Path(named) / "nodes"
    if (earlier / INDEX_FILE).is_file() and not (folder / INDEX_FILE).is_file():
        return earlier
    return folder


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


def environment_model_folders() -> list[Path]:
    """AIPROD_MODEL_DIRS: model folders for a headless render, separated by the system's path separator."""
    return [Path(p) for p in os.environ.get(MODEL_DIRS_ENV, "").split(os.pathsep) if p.strip()]


def config_dir() -> Path:
    """Where the Preferences file lives; AIPROD_CONFIG_DIR overrides (tests, a portable install)."""
    return Path(os.environ.get("AIPROD_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))
