"""Lift, gamma and gain are colour wheels in the inspector: the puck shifts the balance at the same
level, the slider the level at the same balance, the numbers stay editable, and a drag is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt

from app.ui.color_wheel import ColorWheelEditor, from_wheel, to_wheel
from engine.commands import AddNode


@pytest.mark.parametrize("value", [(1.0, 1.0, 1.0), (1.2, 0.9, 0.95), (0.8, 0.8, 1.1)])
def test_wheel_position_and_level_round_trip(value):
    assert from_wheel(*to_wheel(value)) == pytest.approx(list(value))


def test_red_is_to_the_right_and_green_up_left():
    x, y, level = to_wheel((1.25, 0.875, 0.875))  # more red, the level unchanged
    assert level == pytest.approx(1.0) and x > 0.4 and y == pytest.approx(0.0, abs=1e-9)
    x, y, _ = to_wheel((0.9, 1.2, 0.9))
    assert x < 0 and y > 0  # green at 120°


def test_a_drag_on_the_gain_wheel_is_one_undo_step(window, qtbot):
    window.document.stack.push(AddNode("color.grade", (0, 0), node_id="grade"))
    window.scene.select_nodes(["grade"])
    editor = next(e for e in window.inspector.findChildren(ColorWheelEditor) if e.param.name == "gain")
    disc = editor.disc
    steps = len(window.document.stack.history())
    centre = QPointF(disc.width() / 2, disc.height() / 2)
    qtbot.mousePress(disc, Qt.LeftButton, pos=centre.toPoint())
    for dx in (10, 20, 30):  # towards red (right)
        qtbot.mouseMove(disc, (centre + QPointF(dx, 0)).toPoint())
        editor.disc.moved.emit(dx / (disc.width() / 2), 0.0)  # offscreen moves carry no buttons: drive the signal
    qtbot.mouseRelease(disc, Qt.LeftButton, pos=(centre + QPointF(30, 0)).toPoint())
    gain = window.document.graph.nodes["grade"].params["gain"]
    assert gain[0] > 1.0 > gain[1] and gain[1] == pytest.approx(gain[2])
    assert sum(gain[:3]) / 3 == pytest.approx(1.0, abs=1e-3)  # the level is kept
    assert len(window.document.stack.history()) == steps + 1  # the whole drag: one step
    editor.spins[2].setValue(1.5)  # the numbers are still typed
    assert window.document.graph.nodes["grade"].params["gain"][2] == pytest.approx(1.5)
