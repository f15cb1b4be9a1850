"""Render ▸ Estimate: what the render will cost before it runs, and what it took after.

One row per shot: the method (auto's choice), why, the estimated GPU and CPU seconds and VRAM
(marked * while this machine is not measured), and after a render the measured seconds beside them;
then the film's total beside full video diffusion of every shot, and the project's GPU budget, which
is edited here (an undoable project setting). Calibrate measures this machine (app.calibrate) on a
worker thread and fills the table again.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from engine.commands import SetProjectSetting

from ..cost_estimate import BUDGET_SETTING, FilmEstimate, add_measured, budget_problem, estimate_film, project_budget

COLUMNS = ("Shot", "Method", "GPU s", "CPU s", "VRAM GB", "Measured s", "Why")


def film_estimate(window) -> FilmEstimate:
    from ..nodes.scene_route import current_calibration

    document = window.document
    return estimate_film(document.graph, window.renderer.models, current_calibration(), document.project.paths,
                         settings=document.project.settings)


class EstimateDialog(QDialog):
    calibrated = Signal(str)  # from the calibration thread: its report, or why it stopped

    def __init__(self, window, report=None):
        super().__init__(window)
        self.window_, self.report = window, report
        self.setWindowTitle("Render estimate")
        self.resize(980, 420)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.total = QLabel()
        self.total.setWordWrap(True)
        layout.addWidget(self.total)
        row = QHBoxLayout()
        row.addWidget(QLabel("GPU budget (s, 0 = none):"))
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0, 1e7)
        self.budget.setDecimals(0)
        self.budget.setSingleStep(60)
        self.budget.setToolTip("A render estimated over this asks before it starts; `aiprod render` refuses it")
        self.budget.setValue(project_budget(window.document.project.settings))
        self.budget.editingFinished.connect(self._budget_changed)
        row.addWidget(self.budget)
        row.addStretch(1)
        self.calibrate_button = QPushButton("Calibrate this machine")
        self.calibrate_button.setToolTip("Time camera moves, optical flow and each installed video model here "
                                         "(about half a minute without video models)")
        self.calibrate_button.clicked.connect(self.start_calibration)
        row.addWidget(self.calibrate_button)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.calibrated.connect(self._calibration_done, Qt.QueuedConnection)
        self.refresh()

    def refresh(self) -> None:
        film = film_estimate(self.window_)
        if self.report is not None:
            add_measured(film, self.report)
        self.film = film
        self.table.setRowCount(len(film.shots))
        for row, shot in enumerate(film.shots):
            mark = "" if shot.cost.measured else " *"
            cells = (shot.title, shot.method if shot.asked != "auto" else f"auto → {shot.method}",
                     f"{shot.cost.gpu_s:.1f}{mark}", f"{shot.cost.cpu_s:.1f}{mark}", f"{shot.cost.vram_gb:.1f}",
                     f"{shot.measured_s:.1f}" if shot.measured_s is not None else "", shot.reason)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if 2 <= column <= 5:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        ratio = f" — {film.gpu_s / film.full_video_gpu_s:.1%} of it" if film.full_video_gpu_s else ""
        lines = [f"Film: {film.gpu_s:.1f} GPU s, {film.cpu_s:.1f} CPU s, peak {film.peak_vram_gb:.1f} GB VRAM. "
                 f"Full video diffusion of every shot: {film.full_video_gpu_s:.1f} GPU s{ratio}."]
        if film.over_budget_s:
            lines.append(f"Over the budget by {film.over_budget_s:.0f} GPU s.")
        if any(not s.cost.measured for s in film.shots):
            lines.append("* from the shipped defaults until this machine is calibrated.")
        if not film.shots:
            lines = [] if film.unestimated else ["No Scene feeds an output: nothing to estimate."]
        self.total.setText(" ".join(lines + film.unestimated_lines()))

    def _budget_changed(self) -> None:
        document = self.window_.document
        value = self.budget.value()
        if project_budget(document.project.settings) == value and not budget_problem(document.project.settings):
            return
        document.stack.push(SetProjectSetting(document.project.settings, BUDGET_SETTING, value,
                                              f"Set the GPU budget to {value:.0f} s" if value else "Remove the GPU budget"))
        self.refresh()

    def start_calibration(self) -> None:
        from ..calibrate import calibrate
        from ..nodes.scene_route import current_calibration

        self.calibrate_button.setEnabled(False)
        self.status.setText("Calibrating…")
        models, lines = self.window_.renderer.models, []

        def work() -> None:
            try:
                calibrate(current_calibration(), models, say=lines.append)
                self.calibrated.emit("; ".join(lines))
            except Exception as exc:  # a report for the user, not a crash of the editor
                self.calibrated.emit(f"calibration stopped: {exc}")

        threading.Thread(target=work, name="aiprod-calibrate", daemon=True).start()

    def _calibration_done(self, text: str) -> None:
        self.calibrate_button.setEnabled(True)
        self.status.setText(text)
        self.window_.event_log.log(text)
        self.refresh()
