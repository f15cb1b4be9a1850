"""The inspector's editor for a table parameter: typed cells in a QTableWidget, rows added, removed and moved.

Every change (a cell committed, a row added, removed or moved) reports the whole table as one
(value, None) edit, so each is one undo step. A cell typed wrong is put back and the error, which
names the row and the column, shows under the table.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.errors import ParamError
from engine.schema import Param
from engine.timebase import format_seconds, parse_seconds

from .param_widgets import PROBLEM_COLOR, ParamEditor

VISIBLE_ROWS = (3, 7)  # the table grows with its rows between these, then scrolls


def cell_text(column: Param, value) -> str:
    """How a cell shows its value: times in seconds ("2.5 s"), numbers as short as they read back."""
    if column.kind == "time":
        return format_seconds(value)
    if column.kind == "float":
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def cell_value(column: Param, text: str):
    """The value typed into a cell, before the column checks it; ParamError says what to write."""
    if column.kind == "time":
        try:
            return parse_seconds(text)
        except ValueError as exc:
            raise ParamError(f"{column.name}: {exc}") from None
    if column.kind in ("float", "int"):
        try:
            number = float(text.strip())
        except ValueError:
            raise ParamError(f"{column.name} must be a number, got {text.strip()!r}") from None
        return int(number) if column.kind == "int" and number.is_integer() else number
    return text


class TableEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.rows: list[dict] = []
        self._filling = False
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.table = QTableWidget(0, len(param.columns))
        self.table.setHorizontalHeaderLabels([c.display_name for c in param.columns])
        for index, declared in enumerate(param.columns):
            self.table.horizontalHeaderItem(index).setToolTip(declared.help)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        wide = [i for i, c in enumerate(param.columns) if c.kind == "string"]
        if wide:  # the words of a line, a voice's name: the text takes the room that is left
            header.setSectionResizeMode(wide[-1], QHeaderView.Stretch)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        column.addWidget(self.table)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        # Signs, with the words in their tooltips: four worded buttons made the table 363 px wide at
        # least, wider than the inspector dock, which then scrolled sideways.
        self.add_button = self._button("+", "Add a row after the selected one", self.add_row)
        self.remove_button = self._button("−", "Remove the selected row", self.remove_row)
        self.up_button = self._button("↑", "Move the selected row up", lambda: self.move_row(-1))
        self.down_button = self._button("↓", "Move the selected row down", lambda: self.move_row(1))
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {PROBLEM_COLOR};")
        self.message.hide()
        column.addWidget(self.message)
        self.layout_.addWidget(body, 1)

    def _button(self, text: str, tip: str, action) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setFixedWidth(32)
        button.clicked.connect(action)
        return button

    # ---- showing ---------------------------------------------------------------------------

    def _show(self, value) -> None:
        self.rows = [dict(row) for row in value]
        self._fill()

    def _fill(self, select: int | None = None) -> None:
        self._filling = True
        try:
            self.table.setRowCount(len(self.rows))
            for r, row in enumerate(self.rows):
                for c, declared in enumerate(self.param.columns):
                    self._fill_cell(r, c, declared, row[declared.name])
        finally:
            self._filling = False
        shown = min(max(len(self.rows), VISIBLE_ROWS[0]), VISIBLE_ROWS[1])
        frame = self.table.frameWidth() * 2 + self.table.horizontalScrollBar().sizeHint().height()
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + 24 * shown + frame)
        if select is not None and 0 <= select < len(self.rows):
            self.table.selectRow(select)
        self._update_buttons()

    def _fill_cell(self, r: int, c: int, declared: Param, value) -> None:
        if declared.kind == "enum":
            combo = QComboBox()
            combo.addItems(list(declared.choices))
            combo.setCurrentText(value)
            combo.setToolTip(declared.help)
            combo.currentTextChanged.connect(lambda text, r=r, name=declared.name: self._set_cell(r, name, text))
            self.table.setCellWidget(r, c, combo)
            return
        self.table.removeCellWidget(r, c)
        item = QTableWidgetItem()
        item.setToolTip(declared.help)
        if declared.kind == "bool":
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if value else Qt.Unchecked)
        else:
            item.setText(cell_text(declared, value))
            if declared.kind != "string":
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.table.setItem(r, c, item)

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.remove_button.setEnabled(row is not None)
        self.up_button.setEnabled(row is not None and row > 0)
        self.down_button.setEnabled(row is not None and row < len(self.rows) - 1)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    # ---- editing ---------------------------------------------------------------------------

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        declared = self.param.columns[item.column()]
        try:
            if declared.kind == "bool":
                value = item.checkState() == Qt.Checked
            else:
                value = cell_value(declared, item.text())
        except ParamError as exc:
            self._refuse(f"{self.param.name} row {item.row() + 1}, column {declared.name}: {exc}")
            return
        self._set_cell(item.row(), declared.name, value)

    def _set_cell(self, r: int, name: str, value) -> None:
        rows = [dict(row) for row in self.rows]
        rows[r][name] = value
        self._commit(rows, r)

    def add_row(self) -> None:
        at = self.selected_row()
        at = len(self.rows) if at is None else at + 1
        row = self.param.new_row()
        if 0 < at and "time" in row:  # a key starts as the one before it, half way to the next
            before = self.rows[at - 1]
            after = self.rows[at]["time"] if at < len(self.rows) else before["time"]
            row = {**before, "time": (before["time"] + after) / 2}
        self._commit(self.rows[:at] + [row] + self.rows[at:], at)

    def remove_row(self) -> None:
        at = self.selected_row()
        if at is not None:
            self._commit(self.rows[:at] + self.rows[at + 1:], min(at, len(self.rows) - 2))

    def move_row(self, step: int) -> None:
        at = self.selected_row()
        if at is None or not 0 <= at + step < len(self.rows):
            return
        rows = list(self.rows)
        rows[at], rows[at + step] = rows[at + step], rows[at]
        self._commit(rows, at + step)

    def _commit(self, rows: list[dict], select: int | None) -> None:
        try:
            checked = self.param.coerce(rows)
        except ParamError as exc:
            self._refuse(str(exc))
            return
        self.message.hide()
        self.rows = checked
        self._fill(select)
        self.edited.emit(checked, None)

    def _refuse(self, message: str) -> None:
        """Put the table back as it was and say why the edit was not taken."""
        self.message.setText(message)
        self.message.show()
        self._fill(self.selected_row())
