"""The main window's part of the cost lever: Render ▸ Estimate, the GPU budget asked about before a
render, and what each finished render teaches this machine's calibration."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from .estimate_dialog import EstimateDialog, film_estimate


class WindowCost:
    """Mixed into MainWindow (document, renderer, event_log, show_message, exec_dialog)."""

    last_report = None  # the last finished render's report: the estimate shows its measured seconds

    def show_estimate(self) -> EstimateDialog:
        dialog = EstimateDialog(self, self.last_report)
        self.exec_dialog(dialog)
        return dialog

    def show_estimate_and_calibrate(self) -> EstimateDialog:
        """Render ▸ Calibrate: the estimate, measuring this machine as it opens."""
        dialog = EstimateDialog(self, self.last_report)
        dialog.start_calibration()
        self.exec_dialog(dialog)
        return dialog

    def confirm_over_budget(self, text: str) -> bool:
        """True to render although the estimate is over the budget (tests replace it)."""
        answer = QMessageBox.question(self, "Over the GPU budget", text + "\n\nRender anyway?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def budget_allows_render(self) -> bool:
        """Before F5: an estimate over the project's GPU budget asks first (within it, or none: no question)."""
        film = film_estimate(self)
        if not film.over_budget_s:
            return True
        if self.confirm_over_budget(f"Estimated: {film.budget_message()}."):
            return True
        self.show_message("Render not started: over the GPU budget (Render ▸ Estimate shows the shots)")
        return False

    def learn_from_render(self, report) -> None:
        """The shots this render made teach the calibration how long such work takes here."""
        from ..nodes.scene_route import current_calibration, learn_from_render

        self.last_report = report
        table = current_calibration()
        try:
            if learn_from_render(table, report.results):
                table.save()
        except OSError as exc:  # an unwritable data folder costs the lesson, not the render
            self.event_log.log(f"the calibration could not be saved: {exc}")
