"""Keys 1–9 send the selected node to a viewer slot and show it; with nothing selected they show the
slot's node again, so stages are compared one key each."""

from __future__ import annotations

from PySide6.QtCore import Qt

from engine.commands import AddNode


def test_number_keys_fill_and_recall_viewer_slots(window, qtbot):
    stack = window.document.stack
    stack.push(AddNode("image.color_bars", (0, 0), node_id="bars"))
    stack.push(AddNode("value.text", (0, 200), node_id="words"))
    window.view.setFocus()
    window.scene.select_nodes(["bars"])
    qtbot.keyClick(window.view, Qt.Key_1)
    window.scene.select_nodes(["words"])
    qtbot.keyClick(window.view, Qt.Key_2)
    assert window.viewer_slots.slots == {1: "bars", 2: "words"}
    window.scene.select_nodes([])
    qtbot.keyClick(window.view, Qt.Key_1)
    assert window.preview.node_id == "bars"
    qtbot.keyClick(window.view, Qt.Key_2)
    assert window.preview.node_id == "words"
    qtbot.keyClick(window.view, Qt.Key_5)
    assert "slot 5 is empty" in window.status_label.toolTip()
