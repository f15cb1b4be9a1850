"""Preferences and window layout, kept in one INI file in the user data folder.

An INI file beside the autosaves, not the system registry or ~/.config, so one folder
(AIPROD_DATA_DIR) holds everything the editor remembers and a portable install stays portable.
Model folders, the node cache (folder and size limit) and the autosave interval are edited in
the Preferences dialog; the render controller and the document's autosave timer read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLineEdit,
                               QListWidget, QPushButton, QVBoxLayout, QWidget)

from .. import settings

INI_NAME = "editor.ini"


def store() -> QSettings:
    """The editor's INI file (created on first write)."""
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
        form = QFormLayout()
        form.addRow("Model folders", models_box)
        form.addRow("Cache folder", self.cache_folder)
        form.addRow("Cache size limit", self.cache_limit)
        form.addRow("Autosave every", self.autosave)
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
                           self.cache_folder.text().strip(), self.cache_limit.value(), self.autosave.value())
