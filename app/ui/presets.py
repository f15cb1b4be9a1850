"""Presets: a selection of nodes saved by name in the user data folder, listed in the palette, added
again like a paste (the same nodes, parameters and inner links, new ids).

A preset file is the clipboard's JSON (app.ui.clipboard: the project file's own node and link
objects, paths made absolute) under a name, written atomically. A file that does not read is
skipped with a line in the log, never an error: presets are the user's files, not the program's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from engine.atomic import atomic_write_text

from .. import settings
from .clipboard import CLIPBOARD_KIND

PRESET_KIND = "aiprod.preset"


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    nodes: dict  # clipboard data: {"kind": CLIPBOARD_KIND, "nodes": [...], "links": [...]}


def presets_dir() -> Path:
    return settings.data_dir() / "presets"


def _file_name(name: str) -> str:
    return (re.sub(r"[^\w.-]+", "_", name).strip("._") or "preset")[:80] + ".json"


def save_preset(name: str, nodes: dict) -> Path:
    """Write `nodes` (clipboard data) as the preset `name`, replacing one of that name."""
    name = name.strip()
    if not name:
        raise ValueError("a preset needs a name")
    if not nodes.get("nodes"):
        raise ValueError("select the nodes to keep as a preset first")
    folder = presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name(name)
    atomic_write_text(path, json.dumps({"kind": PRESET_KIND, "name": name, "nodes": nodes}, indent=1))
    return path


def load_presets(problems: list[str] | None = None) -> list[Preset]:
    """The presets saved, by name; files that do not read are named in `problems`."""
    found = []
    folder = presets_dir()
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("kind") != PRESET_KIND or data["nodes"].get("kind") != CLIPBOARD_KIND:
                raise ValueError("it is not an AIPROD preset")
            found.append(Preset(str(data["name"]), path, data["nodes"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            if problems is not None:
                problems.append(f"preset {path.name} skipped: {exc}")
    return sorted(found, key=lambda preset: preset.name.lower())
