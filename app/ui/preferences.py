"""The Preferences dialog, and the window layout (docks, geometry) saved between runs.

The preferences themselves (a JSON file) and the INI file the layout is kept in are app/preferences.py.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QPushButton, QVBoxLayout, QWidget)

from .. import settings
from ..preferences import Preferences, store


def save_layout(window) -> None:
    ini = store()
    ini.setValue("window/geometry", window.saveGeometry())
    ini.setValue("window/state", window.saveState())
    ini.sync()


def restore_layout(window) -> bool:
    """Put the docks and the window back as they were at the last close; False the first time."""
    ini = store()
    geometry, state = ini.value("window/geometry"), ini.value("window/state")
    if geometry is None or state is None:
        return False
    return bool(window.restoreGeometry(geometry)) and bool(window.restoreState(state))


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid);")
    return label


class PreferencesDialog(QDialog):
    def __init__(self, window, prefs: Preferences):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Preferences")
        self.folders = QListWidget()
        self.folders.addItems(prefs.model_folders)
        add, remove = QPushButton("Add…"), QPushButton("Remove")
        add.clicked.connect(self.add_folder)
        remove.clicked.connect(lambda: self.folders.takeItem(self.folders.currentRow()))
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(add)
        buttons_row.addWidget(remove)
        buttons_row.addStretch(1)
        models = QVBoxLayout()
        models.addWidget(self.folders)
        models.addLayout(buttons_row)
        models_box = QWidget()
        models_box.setLayout(models)
        self.cache_folder = QLineEdit(prefs.cache_folder)
        self.cache_folder.setPlaceholderText(str(settings.cache_dir()))
        self.cache_limit = QDoubleSpinBox()
        self.cache_limit.setRange(0.0, 100_000.0)
        self.cache_limit.setDecimals(1)
        self.cache_limit.setSuffix(" GB")
        self.cache_limit.setSpecialValueText(f"default ({settings.cache_limit_bytes() / 1024**3:g} GB)")
        self.cache_limit.setValue(prefs.cache_limit_gb)
        self.autosave = QDoubleSpinBox()
        self.autosave.setRange(0.5, 120.0)
        self.autosave.setSingleStep(0.5)
        self.autosave.setSuffix(" min")
        self.autosave.setValue(prefs.autosave_minutes)
        self.allow_pickle = QCheckBox("Allow pickle checkpoints (.ckpt, .pt, .bin): UNSAFE, loading one can run "
                                      "any code it carries")
        self.allow_pickle.setToolTip("Off: only .safetensors weights load. On: pickle checkpoints load too, with "
                                     "torch's weights-only guard; turn it on only for files from a source you trust.")
        self.allow_pickle.setChecked(prefs.allow_pickle_checkpoints)
        self.qa_fails = QCheckBox("Fail a render whose export fails its QA")
        self.qa_fails.setToolTip("Off: QA findings are listed in the QA dock and the log, and the render "
                                 "finishes. On: the Export fails once its film is written (as aiprod render "
                                 "--qa-strict), for renders in the editor and from the command line.")
        self.qa_fails.setChecked(prefs.qa_fails_render)
        form = QFormLayout()
        form.addRow("Model folders", models_box)
        form.addRow("", _hint("Your own folders, or a ComfyUI models/ folder: its checkpoints, "
                                   "diffusion_models, vae and loras are found."))
        form.addRow("", self.allow_pickle)
        form.addRow("Cache folder", self.cache_folder)
        form.addRow("Cache size limit", self.cache_limit)
        form.addRow("Autosave every", self.autosave)
        form.addRow("QA", self.qa_fails)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)

    def add_folder(self) -> None:
        folder = self.window_.choose_folder("Add a model folder")
        if folder:
            self.folders.addItem(folder)

    def values(self) -> Preferences:
        return Preferences([self.folders.item(i).text() for i in range(self.folders.count())],
                           self.cache_folder.text().strip(), self.cache_limit.value(), self.autosave.value(),
                           self.allow_pickle.isChecked(), self.qa_fails.isChecked())
