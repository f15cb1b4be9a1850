"""D bypasses the selected nodes on the canvas (faded and crossed out, one undo step) and again
enables them; what they feed is stale until rendered again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from engine.commands import AddNode, Connect


def test_d_bypasses_and_enables_the_selection(window, qtbot):
    stack = window.document.stack
    stack.push(AddNode("image.color_bars", (0, 0), node_id="bars"))
    stack.push(AddNode("color.grade_image", (250, 0), {"exposure": 1.0}, node_id="grade"))
    stack.push(Connect("bars", "image", "grade", "image"))
    window.scene.select_nodes(["grade"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_D)
    graph = window.document.graph
    assert graph.nodes["grade"].bypassed
    assert window.scene.nodes["grade"].opacity() < 1.0
    assert stack.undo_text.startswith("Bypass")
    qtbot.keyClick(window.view, Qt.Key_D)
    assert not graph.nodes["grade"].bypassed and window.scene.nodes["grade"].opacity() == 1.0
    stack.undo()
    assert graph.nodes["grade"].bypassed
