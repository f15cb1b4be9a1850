"""Choices that cannot render are marked before a render, and a failed render names the node that failed first."""

from __future__ import annotations

from PySide6.QtCore import Qt

from engine.models.families import FIRST_LAST_VIDEO, IMAGE_TO_VIDEO
from tests.app.conftest import wait_render


def test_video_methods_without_a_video_model_are_greyed_with_the_reason(window, qtbot):
    assert not any(window.renderer.models.library().for_task(t) for t in (IMAGE_TO_VIDEO, FIRST_LAST_VIDEO))
    scene = window.actions_.add_node("shot.scene", (0, 0))
    window.scene.select_nodes([scene])
    combo = window.inspector.editors["method"].combo
    tips = {combo.itemData(i): combo.itemData(i, Qt.ToolTipRole) for i in range(combo.count())}
    greys = {combo.itemData(i): combo.itemData(i, Qt.ForegroundRole) for i in range(combo.count())}
    for method in ("first/last-frame video", "full video diffusion"):
        assert "no video model is installed" in tips[method] and "Help ▸ Models" in tips[method]
        assert greys[method] is not None
    assert tips["still + camera"] is None and greys["still + camera"] is None
    assert combo.toolTip() == ""  # the chosen method can render
    window.actions_.set_param(scene, "method", "full video diffusion")
    window.scene.select_nodes([scene])
    combo = window.inspector.editors["method"].combo
    assert combo.currentData() == "full video diffusion" and "no video model is installed" in combo.toolTip()


def test_a_failed_render_names_the_node_that_failed_first(stub_window, qtbot):
    window = stub_window
    actions = window.actions_
    failing = actions.add_node("test.fail", (0, 0))
    after = actions.add_node("test.add", (300, 0))
    actions.connect_ports(failing, "value", after, "a")
    window.render_all()
    wait_render(qtbot, window)
    graph = window.document.graph
    assert window.renderer.last_report.status == "failed"
    message = window.status_label.text()
    assert f"{graph.display_name(failing)} failed: boom" in message
    assert graph.display_name(after) not in message
    last_line = window.event_log.toPlainText().strip().splitlines()[-1]
    assert graph.display_name(failing) in last_line and "boom" in last_line
