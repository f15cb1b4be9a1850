"""Missing media and models on open: what a project reads that is not here, and relinking it.

Only parameters a node reads from (path_mode "open") count; files a node writes need not exist.
Relinking is a SetParam per parameter, so it undoes like any edit. When one file is found in a
new folder, the other missing files with the same names there are relinked with it (a moved
media folder is fixed in one go). The project file's fingerprints tell whether the chosen file
is the very one the project was saved with, or a different file under the name.

Models (voices, diffusion weights) are named, not pathed: a node type lists the ones it lacks
(NodeType.missing_models), each with a hint naming the folder it belongs in, shown under the list.
Relinking one means pointing at its file: the file's folder joins the model folders in
Preferences, and a name parameter follows the file's name. A diffusers model is a folder, which
a file dialog cannot pick: any file inside it (its model_index.json) stands for the folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout)

from engine.commands import SetParam, SetProjectSetting
from engine.errors import AiprodError
from engine.fingerprint import NOT_A_FILE, file_fingerprint
from engine.interchange.conform import CONFORM_KEY, conformed_trims, source_ranges, without_range
from engine.models import ModelLocator
from engine.schema import MissingModel


@dataclass
class MissingFile:
    node_id: str
    param: str
    value: str  # as the node holds it (absolute, or typed relative to the project)
    absolute: Path
    fingerprint: str | None  # from the project file, when it recorded one
    status: str = "missing"
    said: str = ""  # what relinking it also did (a shot re-cut), for the details line


def saved_fingerprints(path: Path | None) -> dict[str, dict]:
    """node id -> {param: fingerprint} as the project file recorded them (engine.project writes `files`)."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        return {n["id"]: n["files"] for n in data.get("nodes", [])
                if isinstance(n, dict) and "id" in n and isinstance(n.get("files"), dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


@dataclass
class MissingModelEntry:
    node_id: str
    model: MissingModel
    status: str = "not installed"


def param_label(graph, node_id: str, param: str) -> str:
    """A parameter as the inspector names it ("Video model"), or its name when the type is unknown."""
    schema = graph.schema_of(node_id)
    try:
        return schema.param(param).display_name if schema is not None else param
    except (KeyError, AttributeError):
        return param


def missing_models_of(graph, node_id: str, models: ModelLocator) -> list[MissingModel]:
    schema = graph.schema_of(node_id)
    if schema is None:
        return []
    node = graph.nodes[node_id]
    params = {p.name: node.params.get(p.name, p.default) for p in schema.params}
    try:
        return graph.registry.get(node.type_id)().missing_models(params, models)
    except Exception:  # a plugin's check that breaks must not stop the project from opening
        return []


def find_missing_models(project, models: ModelLocator) -> list[MissingModelEntry]:
    graph = project.graph
    return [MissingModelEntry(node_id, model) for node_id in graph.nodes
            for model in missing_models_of(graph, node_id, models)]


def chosen_model(chosen: Path) -> tuple[Path, str]:
    """(the model folder to add, the model's name) for a file the user picked: a .safetensors file
    is a model of its own; a file inside a diffusers folder (its model_index.json, or a component's
    weights one level down) stands for that folder, which is then found in its parent."""
    for folder in (chosen.parent, chosen.parent.parent):
        if (folder / "model_index.json").is_file():
            return folder.parent, folder.name
    return chosen.parent, chosen.stem


def find_missing(project) -> list[MissingFile]:
    graph, paths = project.graph, project.paths
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
            absolute = paths.file(value)
            try:
                present = absolute.exists()
            except (OSError, ValueError):  # a name too long for the file system, a NUL: no such file
                present = False
            if not present:
                missing.append(MissingFile(node.id, param.name, value, absolute,
                                           fingerprints.get(node.id, {}).get(param.name)))
    return missing


class MissingMediaDialog(QDialog):
    """Lists the missing files; "Relink…" asks for the file of the selected row (window.choose_file)."""

    def __init__(self, window, missing: list[MissingFile], models: list[MissingModelEntry] = ()):
        super().__init__(window)
        self.window_, self.missing, self.models = window, missing, list(models)
        self.setWindowTitle("Missing media" if not self.models else "Missing media and models")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Node", "Parameter", "File or model", "Status"])
        self.tree.setRootIsDecorated(False)
        graph = window.document.graph
        for entry in missing:
            self.tree.addTopLevelItem(QTreeWidgetItem([graph.display_name(entry.node_id), entry.param,
                                                       str(entry.absolute), entry.status]))
        for entry in self.models:  # after the files: row len(missing) + i is model i
            item = QTreeWidgetItem([graph.display_name(entry.node_id), param_label(graph, entry.node_id,
                                                                                     entry.model.param),
                                    entry.model.name, entry.status])
            item.setToolTip(2, entry.model.hint)
            self.tree.addTopLevelItem(item)
        # What to do about the selected row, in full: a model's hint names the folder it belongs in.
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.tree.currentItemChanged.connect(lambda *_: self._show_details())
        self.tree.setCurrentItem(self.tree.topLevelItem(0))
        relink = QPushButton("Relink…")
        relink.clicked.connect(lambda: self.relink_row(self.tree.indexOfTopLevelItem(self.tree.currentItem())))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(relink, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        what = [f"{len(missing)} file(s)"] if missing else []
        what += [f"{len(self.models)} model(s)"] if self.models else []
        layout.addWidget(QLabel(f"{' and '.join(what)} this project reads are missing. Relink them, or close "
                                "and fix them later (the inspector; Preferences for model folders)."))
        layout.addWidget(self.tree)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        for column, width in enumerate((150, 110, 300)):
            self.tree.setColumnWidth(column, width)
        self.resize(820, 360)
        self._show_details()

    def _show_details(self) -> None:
        row = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        if 0 <= row < len(self.missing):
            entry = self.missing[row]
            if entry.status == "missing":
                text = f"Reads {entry.absolute}, which is not there: Relink… to find it."
            else:
                node = self.window_.document.graph.nodes.get(entry.node_id)
                now = node.params.get(entry.param) if node is not None else entry.value
                text = f"Now reads {now} ({entry.status})." + (f" {entry.said[:1].upper()}{entry.said[1:]}."
                                                                if entry.said else "")
        elif 0 <= row - len(self.missing) < len(self.models):
            entry = self.models[row - len(self.missing)]
            name = self.window_.document.graph.display_name(entry.node_id)
            hint = entry.model.hint[:1].upper() + entry.model.hint[1:]
            text = f"{name} needs '{entry.model.name}'. {hint}."
            if entry.status not in ("not installed", "relinked"):
                text += f" ({entry.status})"
        else:
            text = ""
        self.details.setText(text)

    def relink_row(self, row: int) -> bool:
        return self.relink(row) if row < len(self.missing) else self.relink_model(row - len(self.missing))

    def relink_model(self, index: int) -> bool:
        """Ask for the model's file; its folder becomes a model folder, a name parameter takes its name."""
        if not 0 <= index < len(self.models):
            return False
        entry, graph = self.models[index], self.window_.document.graph
        model = entry.model
        chosen = self.window_.choose_file(f"Find the model {model.name}", "", model.file_filter)
        if not chosen:
            return False
        folder, name = chosen_model(Path(chosen))
        self.window_.add_model_folder(folder)
        node = graph.nodes.get(entry.node_id)
        if node is not None and name != model.name and node.params.get(model.param) == model.name:
            try:
                self.window_.document.stack.push(SetParam(entry.node_id, model.param, name))
            except AiprodError as exc:
                self.window_.show_message(f"cannot relink: {exc}")
                return False
        self._recheck_models()
        return self.models[index].status == "relinked"

    def _recheck_models(self) -> None:
        """Each model row after a relink: found now, or still missing with the reason (no config beside it)."""
        graph = self.window_.document.graph
        for index, entry in enumerate(self.models):
            if entry.status == "relinked" or entry.node_id not in graph.nodes:
                continue
            # By name too: a relinked voice may be renamed (a name parameter); a speakers table names several.
            value = graph.nodes[entry.node_id].params.get(entry.model.param)
            names = {entry.model.name, *([value] if isinstance(value, str) else [])}
            lacking = [m for m in missing_models_of(graph, entry.node_id, self.window_.renderer.models)
                       if m.param == entry.model.param and m.name in names]
            entry.status = "relinked" if not lacking else f"still missing: {lacking[0].hint}"
            self.tree.topLevelItem(len(self.missing) + index).setText(3, entry.status)
        self._show_details()

    def relink(self, row: int) -> bool:
        """Ask for the file of `row`; relink it, and others of the same name found beside it."""
        if not 0 <= row < len(self.missing):
            return False
        entry = self.missing[row]
        chosen = self.window_.choose_file(f"Find {entry.absolute.name}", str(self._start_folder(entry)))
        if not chosen:
            return False
        chosen = Path(chosen)
        plan = {row: chosen}
        for other, candidate in enumerate(self.missing):
            beside = chosen.parent / candidate.absolute.name
            if other != row and candidate.status == "missing" and beside.is_file():
                plan[other] = beside
        document = self.window_.document
        said = {}
        try:
            with document.stack.group(f"Relink {len(plan)} file(s)"):
                for index, path in plan.items():
                    entry = self.missing[index]
                    document.stack.push(SetParam(entry.node_id, entry.param, str(path)))
                    said[index] = self._recut(entry.node_id, path)
        except AiprodError as exc:
            self.window_.show_message(f"cannot relink: {exc}")
            return False
        for index, path in plan.items():
            self.missing[index].said = said[index]
            self._mark(index, path)
        if any(said.values()):
            self.window_.show_message("; ".join(line for line in said.values() if line))
        self._show_details()
        return True

    def _start_folder(self, entry: MissingFile) -> Path:
        """Where the file dialog opens: the missing file's folder, or the nearest folder above it that is
        here (an EDL's /Volumes/RAID is not), or the project's folder."""
        for folder in (entry.absolute.parent, *entry.absolute.parent.parents):
            try:
                if folder.is_dir() and folder != Path(folder.anchor):
                    return folder
            except OSError:
                continue
        return self.window_.document.project.folder

    def _recut(self, node_id: str, path: Path) -> str:
        """A shot an imported timeline cut from this file while it was missing, cut now to the frames the
        timeline used (engine/interchange/conform.py), in the relink's undo step; what was done, or why not."""
        document = self.window_.document
        graph, settings = document.graph, document.project.settings
        rows, said = conformed_trims(graph, settings, node_id, path)
        if rows is not None:
            sequence = source_ranges(settings)[node_id].sequence
            document.stack.push(SetParam(sequence, "trims", rows))
            # Used: a later relink of the shot must not undo trims made by hand since (undo brings it back).
            document.stack.push(SetProjectSetting(settings, CONFORM_KEY, without_range(settings, node_id) or None,
                                                  "Re-cut an imported shot"))
        return said or ""

    def _mark(self, index: int, path: Path) -> None:
        entry = self.missing[index]
        # A project saved while the file was already missing recorded no content to compare with.
        unknown = entry.fingerprint in (None, "missing", NOT_A_FILE)
        same = unknown or entry.fingerprint == file_fingerprint(path)
        entry.status = "relinked" if same else "relinked (a different file from the one saved)"
        item = self.tree.topLevelItem(index)
        item.setText(2, str(path))
        item.setText(3, entry.status)

    @property
    def remaining(self) -> list:
        return ([m for m in self.missing if m.status == "missing"]
                + [m for m in self.models if m.status != "relinked"])
