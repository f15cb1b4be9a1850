"""Help ▸ Models: every model the library found, what each one enables, the files it could not
read, the folders it searched, and the models the open project names that are not installed.

A first scan of a large model tree reads hundreds of safetensors headers (about a second for 200
models; the library's index makes the next ones a walk of the folders), so scans run on a worker
thread and the dialog fills in when one ends; Rescan walks the folders again after models were
added or removed. The folders come from the renderer's ModelLocator (Preferences and
AIPROD_MODEL_DIRS), so the dialog rescans by itself when Preferences change them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel, QListWidget, QPushButton,
                               QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from engine.models.families import FAMILIES, TASK_USES

from .. import settings
from .relink import MissingMediaDialog, find_missing_models, param_label

COLUMNS = ("Model", "Family", "Variant", "Kind", "Enables", "Size", "Precision", "Licence", "Where")
WIDTHS = (170, 150, 70, 160, 330, 75, 75, 80)  # the last column takes the rest
KINDS = {"diffusers": "diffusers folder", "transformers": "transformers folder", "single-file": "single file",
         "pickle": "pickle checkpoint"}
PARTS = {"lora": "LoRA", "vae": "VAE", "text-encoder": "text encoder", "denoiser": "denoiser"}


def size_text(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def kind_text(model) -> str:
    kind = KINDS.get(model.storage, model.storage)
    return f"{PARTS.get(model.part, model.part)}, {kind}" if model.part else kind


def enables_text(model, allow_pickle: bool) -> tuple[str, str]:
    """What the model lets the user do, in the nodes' words (families.TASK_USES), and a longer
    explanation for the tooltip (or '')."""
    if model.is_pickle and not allow_pickle:
        return ("refused: an unsafe pickle", "Pickle checkpoints can run any code they carry when they are loaded; "
                "allow them in Preferences only for files from a source you trust, or convert this one to "
                ".safetensors.")
    family = FAMILIES.get(model.family or "")
    label = family.label if family else "model"
    if model.part == "lora":
        return f"Keyframe's LoRA table ({label})", "Add it to a Keyframe's LoRA table, with a weight."
    uses = _grouped([TASK_USES.get(task, task) for task in model.tasks])
    if model.part == "denoiser" and uses:
        # A UNet or transformer alone: the text encoders and VAE come from a diffusers folder of its family.
        return uses, (f"A {label} denoiser on its own: its text encoders and VAE come from a {label} "
                      "diffusers folder in a model folder.")
    if model.part:
        return f"part of a {label}", f"A {PARTS.get(model.part, model.part)} that completes a {label} checkpoint."
    if uses:
        return uses, ""
    if model.is_pickle:
        return "unknown", "A pickle checkpoint cannot be identified without loading it."
    return "nothing", "Not a model family AIPROD Studio runs (engine/models/families.py lists them)."


def _grouped(uses: list[str]) -> str:
    """ "Scene: full video diffusion" and "Scene: first/last-frame video" as "Scene: full video
    diffusion, first/last-frame video": the table's column stays readable."""
    groups: dict[str, list[str]] = {}
    for use in uses:
        node, _, method = use.partition(": ")
        groups.setdefault(node, []).append(method)
    return "; ".join(f"{node}: {', '.join(m for m in methods if m)}" if any(methods) else node
                     for node, methods in groups.items())


def where_text(model) -> str:
    """The model's path inside the model folder it was found in (the folders are listed below)."""
    try:
        return str(model.path.relative_to(model.root)) if model.root is not None else str(model.path)
    except ValueError:
        return str(model.path)


class _Row(QTreeWidgetItem):
    """Sorts by the value kept under Qt.UserRole when there is one (a size in bytes), else by text."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        column = self.treeWidget().sortColumn() if self.treeWidget() else 0
        mine, theirs = self.data(column, Qt.UserRole), other.data(column, Qt.UserRole)
        if mine is not None and theirs is not None:
            return mine < theirs
        return self.text(column).lower() < other.text(column).lower()


def _tree(headers, widths=()) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(list(headers))
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setAlternatingRowColors(True)
    tree.setTextElideMode(Qt.ElideMiddle)  # a path's start and end say more than its middle
    for column, width in enumerate(widths):
        tree.setColumnWidth(column, width)
    return tree


def _box(title: str, *widgets) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        if isinstance(widget, QHBoxLayout):
            layout.addLayout(widget)
        else:
            layout.addWidget(widget)
    return box


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("hint")
    return label


class _Relay(QObject):
    """Carries a worker's scan to the GUI thread; parentless, so a scan that outlives the dialog
    lands on a live object and is dropped there."""

    scanned = Signal(int, object)


class ModelsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Models")
        self.setAttribute(Qt.WA_DeleteOnClose)  # opened now and then: not kept for the window's life
        self.scanning = False
        self.locator = window.renderer.models
        self._number = 0  # the newest scan; an older one's answer is dropped
        self._again = False  # the folders changed during a scan: scan once more when it ends
        self._relay = _Relay()
        self._relay.scanned.connect(self._on_scanned, Qt.QueuedConnection)
        self.missing_entries: list = []

        self.summary = QLabel("Scanning the model folders…")
        self.table = _tree(COLUMNS, WIDTHS)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)
        self.installed_box = _box("Installed", self.table)
        self.problems = QListWidget()
        self.problems.setMaximumHeight(70)  # a few lines; the list scrolls (the models matter more)
        self.problems_box = _box("Files that could not be read", self.problems)
        self.problems_box.setVisible(False)
        self.problems_box.setMaximumHeight(110)

        self.missing = _tree(("Node", "Parameter", "Model"), (180, 120))
        self.missing.currentItemChanged.connect(lambda *_: self._show_missing_details())
        self.missing_note = _hint()
        self.missing_note.setTextInteractionFlags(Qt.TextSelectableByMouse)  # a folder to copy
        relink = QPushButton("Relink…")
        relink.setToolTip("Point at a missing model's file (or a diffusers folder's model_index.json)")
        relink.clicked.connect(self.relink_missing)
        self.relink_button = relink
        row = QHBoxLayout()
        row.addWidget(self.missing_note, 1)
        row.addWidget(relink)
        self.missing_box = _box("Missing for this project", self.missing, row)

        self.folders = _tree(("Folder", "From", "Models"), (330, 150))
        self.folders.setToolTip("Double-click a folder to open it")
        self.folders.itemDoubleClicked.connect(self._open_folder)
        add = QPushButton("Add a Model Folder…")
        add.setToolTip("Preferences: add your own folder, or a ComfyUI models/ folder (its checkpoints, "
                       "diffusion_models, vae and loras are found)")
        add.clicked.connect(self.window_.edit_preferences)
        self.add_folder_button = add
        folder_row = QHBoxLayout()
        folder_row.addWidget(_hint("Models are found in these folders (a few levels down), in this order; "
                                   "a ComfyUI models/ folder works as it is."), 1)
        folder_row.addWidget(add)
        self.folders_box = _box("Model folders searched", self.folders, folder_row)

        bottom = QWidget()
        bottom_row = QHBoxLayout(bottom)
        bottom_row.setContentsMargins(0, 0, 0, 0)
        bottom_row.addWidget(self.missing_box, 1)
        bottom_row.addWidget(self.folders_box, 1)
        splitter = QSplitter(Qt.Vertical)
        splitter.setChildrenCollapsible(False)
        for widget, stretch in ((self.installed_box, 3), (self.problems_box, 0), (bottom, 2)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.indexOf(widget), stretch)

        self.rescan_button = QPushButton("Rescan")
        self.rescan_button.setToolTip("Walk the model folders again (after adding or removing models)")
        self.rescan_button.clicked.connect(lambda: self.rescan(fresh=True))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(self.rescan_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(1280, 760)
        window.renderer.configured.connect(self._folders_changed)
        self.finished.connect(lambda _result: window.renderer.configured.disconnect(self._folders_changed))
        self.rescan(fresh=False)  # what the library already knows, or its first scan

    # ---- scanning, on a worker thread ------------------------------------------------------------

    def rescan(self, fresh: bool = True) -> None:
        """Scan the model folders (`fresh`: walk them again; else the library's last scan, if any)."""
        if self.scanning:
            self._again = True
            return
        self.locator = self.window_.renderer.models
        library = self.locator.library()
        self.scanning, self._again = True, False
        self._number += 1
        number, relay = self._number, self._relay
        self.rescan_button.setEnabled(False)
        self.summary.setText("Scanning the model folders…")

        def work() -> None:
            started = time.perf_counter()
            try:
                models = library.scan() if fresh else library.models()
                # The time only for a walk of the folders: the library's last scan costs nothing to read.
                result = (models, list(library.problems), time.perf_counter() - started if fresh else None)
            except Exception as exc:  # a folder that breaks the walk is reported, never a crash
                result = exc
            relay.scanned.emit(number, result)

        threading.Thread(target=work, name="aiprod-model-scan", daemon=True).start()

    def _folders_changed(self) -> None:
        if self.window_.renderer.models != self.locator:
            self.rescan(fresh=True)

    def _on_scanned(self, number: int, result) -> None:
        if number != self._number:
            return
        self.scanning = False
        self.rescan_button.setEnabled(True)
        if self._again or self.window_.renderer.models != self.locator:
            self.rescan(fresh=True)  # the folders changed while it scanned: what it found is out of date
            return
        if isinstance(result, Exception):
            self.summary.setText(f"The model folders could not be scanned: {type(result).__name__}: {result}")
            return
        models, problems, seconds = result
        self._fill_models(models)
        self._fill_problems(problems)
        self._fill_folders(models)
        self.refresh_missing()
        roots = {m.root for m in models}
        folders = self.locator.model_folders()
        text = (f"{len(models)} model{'' if len(models) == 1 else 's'} in {len(roots)} of {len(folders)} "
                f"model folder{'' if len(folders) == 1 else 's'}")
        if seconds is not None:
            text += f" · scanned in {seconds:.2f} s"
        if problems:
            text += f" · {len(problems)} file{'' if len(problems) == 1 else 's'} could not be read"
        self.summary.setText(text)

    # ---- the sections ------------------------------------------------------------------------------

    def _fill_models(self, models) -> None:
        allow_pickle = self.locator.allow_pickle
        self.table.setSortingEnabled(False)  # rows are added in bulk, then sorted once
        self.table.clear()
        for model in models:
            enables, why = enables_text(model, allow_pickle)
            row = _Row([model.name, model.family_label, model.variant, kind_text(model), enables,
                        size_text(model.size_bytes), model.precision, model.licence, where_text(model)])
            row.setData(5, Qt.UserRole, model.size_bytes)
            row.setTextAlignment(5, Qt.AlignRight | Qt.AlignVCenter)
            row.setToolTip(0, model.describe() + (f"\n{model.title}" if model.title else ""))
            row.setToolTip(4, f"{enables}\n{why}".strip())
            row.setToolTip(7, model.licence)
            row.setToolTip(8, str(model.path))
            self.table.addTopLevelItem(row)
        self.table.setSortingEnabled(True)

    def _fill_problems(self, problems: list[str]) -> None:
        self.problems.clear()
        self.problems.addItems(problems)
        self.problems_box.setVisible(bool(problems))

    def _fill_folders(self, models) -> None:
        preferences = {str(p) for p in self._preference_folders()}
        environment = {str(p) for p in settings.environment_model_folders()}
        self.folders.clear()
        for folder in self.locator.model_folders():
            if folder == self.locator.models_folder:
                source = "data folder"
            elif str(folder) in preferences:
                source = "Preferences"
            elif str(folder) in environment:
                source = "AIPROD_MODEL_DIRS"
            else:
                source = ""
            found = sum(1 for m in models if m.root == folder)
            count = str(found) if folder.is_dir() else "no such folder"
            item = QTreeWidgetItem([str(folder), source, count])
            item.setToolTip(0, str(folder))
            self.folders.addTopLevelItem(item)

    def _preference_folders(self) -> list[Path]:
        prefs = getattr(self.window_, "preferences", None)
        return [Path(f).expanduser() for f in (prefs.model_folders if prefs is not None else [])]

    def refresh_missing(self) -> None:
        """The models the open project names that are not installed (the library's last scan)."""
        graph = self.window_.document.graph
        self.missing_entries = find_missing_models(self.window_.document.project, self.locator)
        self.missing.clear()
        for entry in self.missing_entries:
            item = QTreeWidgetItem([graph.display_name(entry.node_id), param_label(graph, entry.node_id,
                                                                                     entry.model.param),
                                    entry.model.name])
            item.setToolTip(2, entry.model.hint)
            self.missing.addTopLevelItem(item)
        self.missing.setVisible(bool(self.missing_entries))
        self.relink_button.setVisible(bool(self.missing_entries))
        if self.missing_entries:
            self.missing.setCurrentItem(self.missing.topLevelItem(0))
        self._show_missing_details()

    def _show_missing_details(self) -> None:
        """What to do about the selected missing model: its hint names the folder it belongs in."""
        if not self.missing_entries:
            self.missing_note.setText("Every model this project names is installed.")
            return
        current = self.missing.currentItem()
        entry = self.missing_entries[max(0, self.missing.indexOfTopLevelItem(current) if current else 0)]
        hint = entry.model.hint[:1].upper() + entry.model.hint[1:]
        self.missing_note.setText(f"'{entry.model.name}': {hint}. Then Rescan, or Relink… to point at "
                                  "where it is.")

    def relink_missing(self) -> None:
        """The open-project notice's relinking, for the missing models alone."""
        if self.missing_entries:
            dialog = MissingMediaDialog(self.window_, [], self.missing_entries)
            current = self.missing.currentItem()
            row = self.missing.indexOfTopLevelItem(current) if current is not None else 0
            dialog.tree.setCurrentItem(dialog.tree.topLevelItem(max(row, 0)))
            self.window_.exec_dialog(dialog)
            self.rescan(fresh=True)

    def _open_folder(self, item: QTreeWidgetItem) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(item.text(0)))
