"""Missing media on open: the files a project reads that are not where it says, and relinking them.

Only parameters a node reads from (path_mode "open") count; files a node writes need not exist.
Relinking is a SetParam per parameter, so it undoes like any edit. When one file is found in a
new folder, the other missing files with the same names there are relinked with it (a moved
media folder is fixed in one go). The project file's fingerprints tell whether the chosen file
is the very one the project was saved with, or a different file under the name.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout)

from engine.commands import SetParam
from engine.errors import AiprodError
from engine.fingerprint import file_fingerprint


@dataclass
class MissingFile:
    node_id: str
    param: str
    value: str  # as the node holds it (often relative to the project)
    absolute: Path
    fingerprint: str | None  # from the project file, when it recorded one
    status: str = "missing"


def saved_fingerprints(path: Path | None) -> dict[str, dict]:
    """node id -> {param: fingerprint} as the project file recorded them (engine.project writes `files`)."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {n["id"]: n.get("files", {}) for n in data.get("nodes", []) if isinstance(n, dict) and "id" in n}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def find_missing(project) -> list[MissingFile]:
    graph, folder = project.graph, project.folder
    fingerprints = saved_fingerprints(project.path)
    missing = []
    for node in graph.nodes.values():
        schema = graph.schema_of(node.id)
        if schema is None:
            continue
        for param in schema.params:
            value = node.params.get(param.name)
            if param.kind != "path" or param.path_mode != "open" or not isinstance(value, str) or not value:
                continue
            absolute = folder / os.path.expanduser(value)
            if not absolute.exists():
                missing.append(MissingFile(node.id, param.name, value, absolute,
                                           fingerprints.get(node.id, {}).get(param.name)))
    return missing


class MissingMediaDialog(QDialog):
    """Lists the missing files; "Relink…" asks for the file of the selected row (window.choose_file)."""

    def __init__(self, window, missing: list[MissingFile]):
        super().__init__(window)
        self.window_, self.missing = window, missing
        self.setWindowTitle("Missing media")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Node", "Parameter", "File", "Status"])
        self.tree.setRootIsDecorated(False)
        graph = window.document.graph
        for entry in missing:
            self.tree.addTopLevelItem(QTreeWidgetItem([graph.display_name(entry.node_id), entry.param,
                                                       str(entry.absolute), entry.status]))
        self.tree.setCurrentItem(self.tree.topLevelItem(0))
        relink = QPushButton("Relink…")
        relink.clicked.connect(lambda: self.relink(self.tree.indexOfTopLevelItem(self.tree.currentItem())))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(relink, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(missing)} file(s) this project reads are missing. Relink them, or close "
                                "and fix them later in the inspector."))
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(760, 320)

    def relink(self, row: int) -> bool:
        """Ask for the file of `row`; relink it, and others of the same name found beside it."""
        if not 0 <= row < len(self.missing):
            return False
        entry = self.missing[row]
        chosen = self.window_.choose_file(f"Find {entry.absolute.name}", str(entry.absolute.parent))
        if not chosen:
            return False
        chosen = Path(chosen)
        plan = {row: chosen}
        for other, candidate in enumerate(self.missing):
            beside = chosen.parent / candidate.absolute.name
            if other != row and candidate.status == "missing" and beside.is_file():
                plan[other] = beside
        stack = self.window_.document.stack
        try:
            with stack.group(f"Relink {len(plan)} file(s)"):
                for index, path in plan.items():
                    stack.push(SetParam(self.missing[index].node_id, self.missing[index].param, str(path)))
        except AiprodError as exc:
            self.window_.show_message(f"cannot relink: {exc}")
            return False
        for index, path in plan.items():
            self._mark(index, path)
        return True

    def _mark(self, index: int, path: Path) -> None:
        entry = self.missing[index]
        same = entry.fingerprint is None or entry.fingerprint == file_fingerprint(path)
        entry.status = "relinked" if same else "relinked (a different file from the one saved)"
        item = self.tree.topLevelItem(index)
        item.setText(2, str(path))
        item.setText(3, entry.status)

    @property
    def remaining(self) -> list[MissingFile]:
        return [m for m in self.missing if m.status == "missing"]
