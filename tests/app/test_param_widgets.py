"""Each parameter kind's editor reports (value, merge key) and shows values without echoing them back."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QFileDialog

from app.ui.param_widgets import make_editor
from engine.schema import (SEED_MAX, BoolParam, ColorParam, EnumParam, FloatParam, IntParam, PathParam, SeedParam,
                           StringParam)


def _recorder(editor):
    seen = []
    editor.edited.connect(lambda value, key: seen.append((value, key)))
    return seen


def test_set_value_does_not_report_an_edit(qtbot):
    for param, value in ((FloatParam("gain", 1.0, min=0, max=4), 2.5), (IntParam("count", 3), 7),
                         (BoolParam("on", False), True), (EnumParam("mode", "a", ("a", "b")), "b"),
                         (StringParam("name", "x"), "y"), (StringParam("body", "", multiline=True), "two\nlines"),
                         (PathParam("file", ""), "a.png"), (ColorParam("tint", (1, 0, 0)), [0.0, 1.0, 0.0]),
                         (SeedParam(), 12345)):
        editor = make_editor(param, param.default)
        qtbot.addWidget(editor)
        seen = _recorder(editor)
        editor.set_value(value)
        assert seen == [], param.kind


def test_int_and_float_spin_boxes_commit_typed_values(qtbot):
    editor = make_editor(IntParam("count", 3, min=0, max=10), 3)
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    editor.spin.setValue(8)
    assert seen == [(8, None)] and editor.slider is not None
    unbounded = make_editor(FloatParam("value", 0.0), 0.0)
    qtbot.addWidget(unbounded)
    assert unbounded.slider is None  # no range, no slider
    seen = _recorder(unbounded)
    unbounded.spin.setValue(1234.5)
    assert seen == [(1234.5, None)]


def test_slider_drag_reports_one_merge_key_per_gesture(qtbot):
    editor = make_editor(FloatParam("gain", 1.0, min=0.0, max=2.0), 1.0)
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    for gesture in range(2):
        editor.slider.setSliderDown(True)
        editor._start_drag()
        editor.slider.setValue(100 + gesture)
        editor.slider.setValue(200 + gesture)
        editor.slider.setSliderDown(False)
    keys = [key for _, key in seen]
    assert len(seen) == 4 and keys[0] == keys[1] and keys[2] == keys[3] and keys[0] != keys[2]
    assert abs(seen[1][0] - 0.4) < 1e-9


def test_bool_enum_string(qtbot):
    for param, poke, expected in (
            (BoolParam("on", False), lambda e: e.box.setChecked(True), True),
            (EnumParam("mode", "a", ("a", "b")), lambda e: e.combo.setCurrentText("b"), "b"),
            (StringParam("name", ""), lambda e: (e.line.setText("hi"), e.line.editingFinished.emit()), "hi")):
        editor = make_editor(param, param.default)
        qtbot.addWidget(editor)
        seen = _recorder(editor)
        poke(editor)
        assert seen == [(expected, None)]


def test_path_editor_uses_the_dialog_for_its_mode(qtbot, monkeypatch):
    calls = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: calls.append(("open", a[3])) or ("/in.png", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: calls.append(("save", a[3])) or ("/out.png", ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: calls.append(("folder", None)) or "/dir")
    results = []
    for mode, expected in (("open", "/in.png"), ("save", "/out.png"), ("folder", "/dir")):
        editor = make_editor(PathParam("file", "", file_filter="Images (*.png)", mode=mode), "")
        qtbot.addWidget(editor)
        seen = _recorder(editor)
        editor.browse()
        results.append(seen)
        assert seen == [(expected, None)] and editor.line.text() == expected
    assert calls == [("open", "Images (*.png)"), ("save", "Images (*.png)"), ("folder", None)]


def test_color_and_seed(qtbot, monkeypatch):
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a: QColor.fromRgbF(0.0, 0.5, 1.0))
    editor = make_editor(ColorParam("tint", (1.0, 1.0, 1.0)), [2.0, 1.0, 1.0])  # scene-linear may exceed 1
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    editor.pick()
    (value, key), = seen
    assert key is None and value[0] == 0.0 and abs(value[1] - 0.5) < 0.01 and value[2] == 1.0
    seed = make_editor(SeedParam(), 0)
    qtbot.addWidget(seed)
    seen = _recorder(seed)
    seed.set_value(SEED_MAX)
    assert seed.spin.value() == SEED_MAX  # beyond a QSpinBox's 2**31 - 1
    seed.new_seed()
    assert len(seen) == 1 and 0 <= seen[0][0] <= SEED_MAX and isinstance(seen[0][0], int)
