"""An Export's written file handed to the system: opened in its player, or shown in its folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget


class WrittenFileButtons(QWidget):
    """"Open file" and "Show in folder", shown only while a written file is set."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path: Path | None = None
        self.open_file = QToolButton()
        self.open_file.setText("Open file")
        self.open_file.setToolTip("Open the written file in the system's player")
        self.open_file.clicked.connect(lambda: self._open(self.path))
        self.show_folder = QToolButton()
        self.show_folder.setText("Show in folder")
        self.show_folder.setToolTip("Open the folder the file was written to")
        self.show_folder.clicked.connect(lambda: self._open(self.path.parent if self.path is not None else None))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.open_file)
        layout.addWidget(self.show_folder)
        self.set_path(None)

    def set_path(self, path: Path | None) -> None:
        self.path = path
        self.setVisible(path is not None)
        self.open_file.setEnabled(path is not None and path.is_file())  # an image sequence's pattern is no file

    @staticmethod
    def _open(path: Path | None) -> None:
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
