"""File ▸ Export Timeline… and File ▸ Import Timeline…: the timeline for Resolve or Premiere, and theirs as a project.

The export dialog says what the chosen format drops before anything is written, and can also
export for finishing (per-shot movies with handles and the mix stems, referenced by the timeline).
The work runs on a thread (shots may have to be read or made); the dialog shows its progress and
ends with the files written or the one line that says why not.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engine.errors import AiprodError
from engine.executor import Executor
from engine.interchange.export_job import export_timeline_file
from engine.interchange.finishing import CODECS, DEFAULT_HANDLES
from engine.interchange.formats import FORMATS, WHAT_EACH_FORMAT_DROPS
from engine.interchange.import_timeline import import_timeline

CODEC_LABELS = {"prores": "ProRes 422 HQ", "dnxhr": "DNxHR HQ"}
TIMELINE_FILTER = "Timelines (" + " ".join(f"*{extension}" for extension in FORMATS) + ")"


class ExportTimelineDialog(QDialog):
    _progress = Signal(float, str)  # from the worker
    _finished = Signal(object)  # list of warnings, or the error's text

    def __init__(self, window, sequence_id: str, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.window_, self.sequence_id = window, sequence_id
        document = window.document
        self.setWindowTitle("Export timeline")
        folder = document.project.folder or Path.home()
        stem = document.display_name or "timeline"
        self.path = QLineEdit(str(Path(folder) / f"{stem}.otio"))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.format = QComboBox()
        for extension, fmt in FORMATS.items():
            self.format.addItem(f"{fmt.name} ({extension})", extension)
        self.format.currentIndexChanged.connect(self._format_chosen)
        self.path.textChanged.connect(self._path_changed)
        self.drops = QLabel()
        self.drops.setWordWrap(True)
        self.drops.setObjectName("hint")
        self.finishing = QCheckBox("Export for finishing: each shot as its own movie with handles, and the mix stems")
        self.folder = QLineEdit(str(Path(folder) / f"{stem} finishing"))
        self.codec = QComboBox()
        for codec in CODECS:
            self.codec.addItem(CODEC_LABELS.get(codec, codec), codec)
        self.handles = QSpinBox()
        self.handles.setRange(0, 240)
        self.handles.setValue(DEFAULT_HANDLES)
        self.handles.setSuffix(" frames")
        self.finishing.toggled.connect(self._finishing_toggled)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Format", self.format)
        form.addRow("", self.drops)
        form.addRow("", self.finishing)
        form.addRow("Media folder", self.folder)
        form.addRow("Codec", self.codec)
        form.addRow("Handles", self.handles)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._progress.connect(self._on_progress)
        self._finished.connect(self._on_finished)
        self._path_changed(self.path.text())
        self._finishing_toggled(False)
        self.resize(640, self.sizeHint().height())

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export timeline", self.path.text(), TIMELINE_FILTER)
        if path:
            self.path.setText(path)

    def _format_chosen(self, index: int) -> None:
        extension = self.format.itemData(index)
        path = Path(self.path.text() or "timeline")
        if path.suffix.lower() != extension:
            self.path.setText(str(path.with_suffix(extension)))

    def _path_changed(self, text: str) -> None:
        extension = Path(text).suffix.lower()
        index = self.format.findData(extension)
        if index >= 0 and index != self.format.currentIndex():
            self.format.blockSignals(True)
            self.format.setCurrentIndex(index)
            self.format.blockSignals(False)
        self.drops.setText(WHAT_EACH_FORMAT_DROPS.get(extension, "") if index >= 0 else
                           f"Give the file one of these extensions: {', '.join(FORMATS)}")

    def _finishing_toggled(self, on: bool) -> None:
        for widget in (self.folder, self.codec, self.handles):
            widget.setEnabled(on)

    def start(self) -> None:
        """Export on a worker thread; the dialog stays open to show how it went."""
        document, renderer = self.window_.document, self.window_.renderer
        project = document.project
        output = Path(self.path.text()).expanduser()
        finishing = Path(self.folder.text()).expanduser() if self.finishing.isChecked() else None
        codec, handles = self.codec.currentData(), self.handles.value()
        executor = Executor(renderer.cache(), project_dir=project.folder, paths=project.paths, models=renderer.models)
        from ..render_controller import snapshot

        graph = snapshot(document.graph)
        self.export_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Exporting…")

        def work():
            try:
                media, warnings = export_timeline_file(graph, self.sequence_id, output, executor, project.paths,
                                                       finishing, codec, handles,
                                                       progress=lambda f, m: self._progress.emit(f, m))
                self._finished.emit((output, media, warnings))
            except (AiprodError, OSError, ValueError) as exc:
                self._finished.emit(str(exc))

        self.worker = threading.Thread(target=work, name="aiprod-timeline-export", daemon=True)
        self.worker.start()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 1000))
        self.status.setText(message)

    def _on_finished(self, result) -> None:
        self.export_button.setEnabled(True)
        self.progress.hide()
        if isinstance(result, str):
            self.status.setText(f"Not exported: {result}")
            return
        output, media, warnings = result
        lines = [f"Written: {output}" + (f" and {len(media)} media files in {media[0].parent}" if media else "")]
        lines += [f"Note: {w}" for w in warnings]
        self.status.setText("\n".join(lines))
        self.window_.show_message(f"Timeline exported to {output}")
        self.buttons.button(QDialogButtonBox.Cancel).setText("Close")


def import_timeline_file(window, path: str | Path) -> bool:
    """A timeline from another editor as a new, unsaved project; missing media go to the relink dialog."""
    if not window.may_discard():
        return False
    try:
        result = import_timeline(path, window.registry)
    except (AiprodError, OSError, ValueError) as exc:
        window.show_error("Cannot import the timeline", str(exc))
        return False
    window.document.adopt_unsaved(result.project)
    for line in result.describe() + [f"warning: {w}" for w in result.warnings]:
        window.event_log.log(line)
    window.show_message(f"Imported {Path(path).name}: {len(result.project.graph.nodes)} nodes"
                        + (f", {len(result.missing)} media missing" if result.missing else ""))
    window.check_missing_media()
    return True
