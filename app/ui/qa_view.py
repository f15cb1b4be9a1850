"""The QA dock: the report of the selected Export (its `<name>.qa.json`) or QA node as a table of
findings, one a row (shot, time, check, value, limit and what it means). A double
click plays the film from the finding's time, as a marker in an editor's list jumps the playhead.

Reports are read from disk, small JSON files, when the selection changes and after each render.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from engine.qa.report import PASSED, Report, read_report, table_rows

from ..nodes.export_qa import report_file
from .captions import shrinkable

COLUMNS = ("Shot", "Time", "Check", "Value", "Limit", "What")
class QAView(QWidget):
    seek = Signal(str, float)  # (node whose report is shown, seconds into the film)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.report: Report | None = None
        self.status = shrinkable(QLabel("Select an Export or QA node to see its quality report."))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.table)

    def show_node(self, node_id: str | None) -> None:
        """Show the report of `node_id` if it is an Export or a QA node; keep the last one otherwise."""
        project = self.document.project
        path = report_file(project.graph, node_id, project.paths) if node_id else None
        if path is None:
            return
        self.node_id = node_id
        self.show_report(read_report(path), path, project.graph.short_name(node_id))

    def refresh(self) -> None:
        """Read the shown node's report again (a render may have written it)."""
        if self.node_id is not None and self.node_id in self.document.graph.nodes:
            self.show_node(self.node_id)

    def show_report(self, report: Report | None, path: Path, name: str) -> None:
        self.report = report
        self.table.setRowCount(0)
        if report is None:
            self.status.setText(f"{name}: no report yet ({path.name} is written when it renders)")
            return
        if report.status == PASSED:
            self.status.setText(f"{name}: passed all {len(report.checked)} checks ({path.name})")
            return
        count = len(report.findings)
        self.status.setText(f"{name}: {count} finding{'s' if count != 1 else ''} ({path.name}); "
                            "double-click one to play the film from there")
        self.table.setRowCount(count)
        for row, (cells, finding) in enumerate(zip(table_rows(report), report.findings)):
            for column, text in enumerate((*cells, finding.message)):
                item = QTableWidgetItem(text)
                item.setToolTip(finding.message)
                if column == 2:
                    item.setForeground(QColor("#ef5350"))
                self.table.setItem(row, column, item)

    def _double_clicked(self, row: int, _column: int) -> None:
        if self.report is not None and self.node_id is not None and 0 <= row < len(self.report.findings):
            self.seek.emit(self.node_id, self.report.findings[row].start)
