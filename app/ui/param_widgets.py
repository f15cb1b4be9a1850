"""One editor widget per parameter kind; each reports edits as (value, merge_key) and never touches the graph.

A merge key is set while one gesture lasts (a slider drag, typing into a text box) so the
whole gesture becomes a single undo step through SetParam's merging.
"""

from __future__ import annotations

import itertools
import random

import shiboken6
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout,
                               QLineEdit, QPlainTextEdit, QPushButton, QSlider, QSpinBox, QToolButton, QWidget)

from engine.errors import ParamError
from engine.schema import SEED_MAX, Param

from .theme import TEXT_DIM

SLIDER_STEPS = 1000
INT_LIMIT = 2**31 - 1
PROBLEM_COLOR = "#d9534f"
_gestures = itertools.count(1)


def gesture_key(param: Param) -> str:
    return f"{param.name}#{next(_gestures)}"


class ParamEditor(QWidget):
    edited = Signal(object, object)  # value, merge key (None: a step of its own)

    def __init__(self, param: Param, parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(4)
        self.setToolTip(param.help)
        self.problem: str | None = None  # why the saved value is not shown, if it is not

    def set_value(self, value) -> None:
        """Show `value` without reporting it as an edit.

        A value the parameter does not accept (a damaged or hand-edited file: a list for a path, a
        number out of range) stays in the project as saved; the editor shows the default, outlined,
        with what is wrong in its tooltip, until the user sets a value.
        """
        try:
            shown, self.problem = self.param.coerce(value), None
        except ParamError as exc:
            shown, self.problem = self.param.default, str(exc)
        outline = f"border: 1px solid {PROBLEM_COLOR};" if self.problem else ""
        if outline != self.styleSheet():  # setting one, even "", re-polishes the editor and its children
            self.setStyleSheet(outline)
        self.setToolTip(f"{self.problem}\n\n{self.param.help}".strip() if self.problem else self.param.help)
        # The same widgets are unblocked as were blocked: _show may add some (a table's cell boxes)
        # and delete others, and those it adds are built showing their value, so they emit nothing.
        widgets = self.findChildren(QWidget)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            self._show(shown)
        finally:
            for w, was in zip(widgets, blocked):
                if shiboken6.isValid(w):
                    w.blockSignals(was)

    def _show(self, value) -> None:
        """Each editor kind puts the value into its widgets (every subclass defines this)."""
        raise TypeError(f"{type(self).__name__} does not define _show()")

    def new_gesture(self) -> None:
        """The editor now shows another node: an edit still running is not continued there."""


class NumberEditor(ParamEditor):
    """float / int: a slider over the parameter's range (when it has one) beside an exact spin box."""

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        is_int = param.kind == "int"
        self.spin = QSpinBox() if is_int else QDoubleSpinBox()
        low = param.min if param.min is not None else (-INT_LIMIT if is_int else -1e9)
        high = param.max if param.max is not None else (INT_LIMIT if is_int else 1e9)
        self.spin.setRange(int(low) if is_int else low, int(high) if is_int else high)
        if not is_int:
            self.spin.setDecimals(3)
            self.spin.setSingleStep(param.step or ((high - low) / 100 if param.max is not None and param.min is not None else 0.1))
        self.spin.setKeyboardTracking(False)  # typed digits commit on Enter, not per keystroke
        self.spin.setMinimumWidth(80)
        self.slider = None
        if param.min is not None and param.max is not None:
            self.slider = QSlider(Qt.Horizontal)
            self.slider.setRange(0, SLIDER_STEPS)
            self.slider.sliderPressed.connect(self._start_drag)
            self.slider.valueChanged.connect(self._slid)
            self.layout_.addWidget(self.slider, 1)
        self.layout_.addWidget(self.spin)
        self._drag_key = None
        self.spin.valueChanged.connect(lambda v: self.edited.emit(self._typed(v), None))

    def _typed(self, value):
        return int(value) if self.param.kind == "int" else float(value)

    def _start_drag(self) -> None:
        self._drag_key = gesture_key(self.param)

    def _slid(self, position: int) -> None:
        low, high = self.param.min, self.param.max
        value = low + (high - low) * position / SLIDER_STEPS
        value = self._typed(round(value) if self.param.kind == "int" else value)
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        key = self._drag_key if self.slider.isSliderDown() else None
        self.edited.emit(value, key)

    def _show(self, value) -> None:
        self.spin.setValue(value)
        if self.slider is not None and self.param.max != self.param.min:
            self.slider.setValue(round((value - self.param.min) / (self.param.max - self.param.min) * SLIDER_STEPS))


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.box = QCheckBox()
        self.box.toggled.connect(lambda on: self.edited.emit(bool(on), None))
        self.layout_.addWidget(self.box)
        self.layout_.addStretch(1)

    def _show(self, value) -> None:
        self.box.setChecked(bool(value))


class EnumEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.combo = QComboBox()
        for choice in param.choices:  # the label is shown, the id is what an edit sets (and the file keeps)
            self.combo.addItem(param.choice_label(choice), choice)
        self.combo.currentIndexChanged.connect(
            lambda index: self.edited.emit(self.combo.itemData(index), None) if index >= 0 else None)
        self.unavailable: dict[str, str] = {}  # choice -> why it cannot render now
        self.combo.currentIndexChanged.connect(lambda _index: self._show_reason())
        self.layout_.addWidget(self.combo, 1)

    def set_unavailable(self, reasons: dict[str, str]) -> None:
        """Grey out the choices that cannot render now, with the reason as their tooltip; they stay
        selectable (a project may be set up before its model is installed)."""
        self.unavailable = dict(reasons)
        for index in range(self.combo.count()):
            reason = self.unavailable.get(self.combo.itemData(index))
            self.combo.setItemData(index, QColor(TEXT_DIM) if reason else None, Qt.ForegroundRole)
            self.combo.setItemData(index, f"Unavailable: {reason}" if reason else None, Qt.ToolTipRole)
        self._show_reason()

    def _show_reason(self) -> None:
        reason = self.unavailable.get(self.combo.currentData())
        self.combo.setToolTip(f"Unavailable: {reason}" if reason else "")

    def _show(self, value) -> None:
        index = self.combo.findData(value)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        self._show_reason()


class StringEditor(ParamEditor):
    """One line of text; with suggestions (installed voices, say) an editable list to pick from."""

    def __init__(self, param: Param, parent=None, suggestions: list[str] = ()):
        super().__init__(param, parent)
        self.combo = None
        if suggestions:
            self.combo = QComboBox()
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.NoInsert)  # typing a name does not add it to the list
            self.combo.addItems(list(suggestions))
            self.combo.textActivated.connect(lambda text: self.edited.emit(text, None))
            self.line = self.combo.lineEdit()
            self.layout_.addWidget(self.combo, 1)
        else:
            self.line = QLineEdit()
            self.layout_.addWidget(self.line, 1)
        self.line.editingFinished.connect(lambda: self.edited.emit(self.line.text(), None))

    def _show(self, value) -> None:
        self.line.setText(value)


class TextEditor(ParamEditor):
    """Multi-line text; everything typed between focusing the box and leaving it is one undo step."""

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.edit = QPlainTextEdit()
        self.edit.setFixedHeight(72)
        self.edit.installEventFilter(self)
        self._key = gesture_key(param)
        self.edit.textChanged.connect(lambda: self.edited.emit(self.edit.toPlainText(), self._key))
        self.layout_.addWidget(self.edit, 1)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.FocusOut:
            self.new_gesture()
        return False

    def new_gesture(self) -> None:
        self._key = gesture_key(self.param)

    def _show(self, value) -> None:
        if self.edit.toPlainText() != value:
            self.edit.setPlainText(value)


class PathEditor(ParamEditor):
    """A path field and a browse button: an open, save or folder dialog filtered by the parameter's file_filter."""

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.line = QLineEdit()
        self.line.editingFinished.connect(lambda: self.edited.emit(self.line.text(), None))
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.setToolTip({"open": "Choose a file", "save": "Choose where to write",
                           "folder": "Choose a folder"}[param.path_mode])
        browse.clicked.connect(self.browse)
        self.layout_.addWidget(self.line, 1)
        self.layout_.addWidget(browse)

    def browse(self) -> None:
        title, start, filt = self.param.display_name, self.line.text(), self.param.file_filter
        if self.param.path_mode == "folder":
            chosen = QFileDialog.getExistingDirectory(self, title, start)
        elif self.param.path_mode == "save":
            chosen, _ = QFileDialog.getSaveFileName(self, title, start, filt)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, title, start, filt)
        if chosen:
            self.line.setText(chosen)
            self.edited.emit(chosen, None)

    def _show(self, value) -> None:
        self.line.setText(value)


class ColorEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.button = QPushButton()
        self.button.setFixedHeight(22)
        self.button.clicked.connect(self.pick)
        self.layout_.addWidget(self.button, 1)
        self.value = list(param.default)

    def pick(self) -> None:
        chosen = QColorDialog.getColor(self._qcolor(), self, self.param.display_name)
        if chosen.isValid():
            value = [chosen.redF(), chosen.greenF(), chosen.blueF()] + self.value[3:]
            self._show(value)
            self.edited.emit(value, None)

    def _qcolor(self) -> QColor:
        return QColor.fromRgbF(*(min(max(c, 0.0), 1.0) for c in self.value[:3]))

    def _show(self, value) -> None:
        self.value = list(value)
        color = self._qcolor()
        text = "#000" if color.lightnessF() > 0.5 else "#fff"
        self.button.setStyleSheet(f"background: {color.name()}; color: {text}; border: 1px solid #555;")
        self.button.setText(", ".join(f"{c:.2f}" for c in value))


class SeedEditor(ParamEditor):
    """A seed: its number, "New seed", and a lock that keeps it through New Seeds (app.ui.seed_locks)."""

    lock_toggled = Signal(bool)

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.spin = QDoubleSpinBox()  # QSpinBox stops at 2**31 - 1; seeds go to 2**32 - 1
        self.spin.setDecimals(0)
        self.spin.setRange(0, SEED_MAX)
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(lambda v: self.edited.emit(int(v), None))
        self.dice = QPushButton("New seed")
        self.dice.setToolTip("Pick a new random seed")
        self.dice.clicked.connect(self.new_seed)
        self.lock = QToolButton()
        self.lock.setCheckable(True)
        self.lock.toggled.connect(self._lock_changed)
        self.layout_.addWidget(self.spin, 1)
        self.layout_.addWidget(self.dice)
        self.layout_.addWidget(self.lock)
        self.set_locked(False)

    def new_seed(self) -> None:
        self.spin.setValue(random.randint(0, SEED_MAX))

    def _show(self, value) -> None:
        self.spin.setValue(value)

    def set_locked(self, locked: bool) -> None:
        """Show the lock state without reporting it as a change."""
        was = self.lock.blockSignals(True)
        self.lock.setChecked(locked)
        self.lock.blockSignals(was)
        self._show_lock(locked)

    def _lock_changed(self, locked: bool) -> None:
        self._show_lock(locked)
        self.lock_toggled.emit(locked)

    def _show_lock(self, locked: bool) -> None:
        self.lock.setText("Locked" if locked else "Lock")  # words: emoji glyphs are missing from many fonts
        self.lock.setToolTip("Locked: this seed is kept when new seeds are rolled; click to unlock" if locked
                             else "Lock this seed, so New Seeds (Edit menu) leaves it as it is")
        self.spin.setEnabled(not locked)
        self.dice.setEnabled(not locked)


class TimeEditor(NumberEditor):
    """A time: seconds in a spin box marked "s" (a time is saved as seconds; see engine.schema.TimeParam)."""

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.spin.setSuffix(" s")


EDITORS = {"float": NumberEditor, "int": NumberEditor, "bool": BoolEditor, "enum": EnumEditor,
           "string": StringEditor, "text": TextEditor, "path": PathEditor, "color": ColorEditor, "seed": SeedEditor,
           "time": TimeEditor}


def make_editor(param: Param, value, suggestions: list[str] = (), unavailable: dict[str, str] | None = None) -> ParamEditor:
    if param.kind == "string" and suggestions:
        editor = StringEditor(param, suggestions=suggestions)
    elif param.kind == "table":
        from .table_editor import TableEditor  # it builds on ParamEditor, defined above

        editor = TableEditor(param)
    elif param.kind == "color" and param.wheel:
        from .color_wheel import ColorWheelEditor  # it builds on ParamEditor too

        editor = ColorWheelEditor(param)
    else:
        editor = EDITORS[param.kind](param)
    if unavailable and isinstance(editor, EnumEditor):
        editor.set_unavailable(unavailable)
    editor.set_value(value)
    return editor
