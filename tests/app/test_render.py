"""Rendering from the editor: off the GUI thread, badges follow the engine's events, cancel works."""

from __future__ import annotations

import threading

from tests.app.conftest import states, wait_preview, wait_render
from tests.engine.stub_nodes import Slow


def test_render_sample_badges_done_then_cached(window, qtbot, sample_path):
    assert window.open_project(sample_path)
    assert set(states(window).values()) == {"idle"}
    window.menu_actions["render"].trigger()
    assert window.renderer.is_running and window.progress_bar.isVisible()
    wait_render(qtbot, window)
    assert states(window) == {"bars": "done", "title_text": "done", "title": "done", "save": "done"}
    assert (sample_path.parent / "sample.png").is_file()
    assert "Render finished" in window.status_label.text() and not window.progress_bar.isVisible()
    assert "render" in window.event_log.toPlainText() and "done in" in window.event_log.toPlainText()
    badge = window.scene.nodes["title"].status
    assert badge.state == "done" and badge.seconds > 0
    window.render_all()
    wait_render(qtbot, window)
    assert states(window)["save"] == "cached"
    assert window.renderer.last_report.ran == []


def test_an_edit_makes_downstream_badges_idle(window, qtbot, sample_path):
    window.open_project(sample_path)
    window.render_all()
    wait_render(qtbot, window)
    window.actions_.set_param("title", "size", 12.0)
    assert states(window) == {"bars": "done", "title_text": "done", "title": "idle", "save": "idle"}
    window.render_all()
    wait_render(qtbot, window)
    assert window.renderer.last_report.ran == ["title", "save"]


def test_run_to_selected_and_preview_shows_the_picture(window, qtbot, sample_path):
    window.open_project(sample_path)
    window.scene.select_nodes(["title"])
    window.menu_actions["run_selected"].trigger()
    wait_render(qtbot, window)
    assert states(window)["save"] == "idle" and states(window)["title"] == "done"
    wait_preview(qtbot, window)
    image = window.preview.picture.image
    assert image is not None and (image.width(), image.height()) == (1280, 720)
    assert "1280×720" in window.preview.caption.text()
    window.scene.select_nodes(["title_text"])
    wait_preview(qtbot, window)
    qtbot.waitUntil(lambda: "sample project" in window.preview.text.toPlainText(), timeout=5000)


def test_cancel_a_render(stub_window, qtbot):
    window = stub_window
    actions = window.actions_
    slow = actions.add_node("test.slow", (0, 0))
    actions.set_param(slow, "steps", 2000)  # 20 s unless cancelled
    after = actions.add_node("test.add", (300, 0))
    actions.connect_ports(slow, "value", after, "a")
    Slow.started = threading.Event()
    try:
        window.render_all()
        assert Slow.started.wait(10)
        qtbot.waitUntil(lambda: window.renderer.status(slow).state == "running", timeout=5000)
        assert window.menu_actions["cancel"].isEnabled()
        window.menu_actions["cancel"].trigger()
        wait_render(qtbot, window, timeout_ms=10_000)
    finally:
        Slow.started = None
    assert window.renderer.last_report.status == "cancelled"
    assert states(window) == {slow: "cancelled", after: "cancelled"}
    assert "cancelled" in window.status_label.text()


def test_a_failed_node_shows_its_message(stub_window, qtbot):
    window = stub_window
    failing = window.actions_.add_node("test.fail", (0, 0))
    window.render_all()
    wait_render(qtbot, window)
    status = window.renderer.status(failing)
    assert status.state == "failed" and "boom" in status.message
    assert "boom" in window.scene.nodes[failing].toolTip()
    window.scene.select_nodes([failing])
    assert "boom" in window.preview.text.toPlainText()


def test_editing_while_rendering_does_not_change_the_render(stub_window, qtbot):
    window = stub_window
    slow = window.actions_.add_node("test.slow", (0, 0))
    window.actions_.set_param(slow, "steps", 30)
    window.render_all()
    window.actions_.set_param(slow, "steps", 40)  # the worker renders its own snapshot
    window.actions_.add_node("test.number", (0, 200))
    wait_render(qtbot, window)
    assert window.renderer.last_report.results[slow].status == "ran"
    assert len(window.renderer.last_report.results) == 1
    assert window.renderer.status(slow).state == "idle"  # it ran with 30 steps; the node now says 40


def test_opening_another_project_during_a_render_ignores_the_old_render(stub_window, qtbot, tmp_path):
    window = stub_window
    slow = window.actions_.add_node("test.slow", (0, 0))
    window.actions_.set_param(slow, "steps", 100)
    window._save_to(tmp_path / "a.aiprod")
    window.render_all()
    window.menu_actions["new"].trigger()
    other = window.actions_.add_node("test.slow", (0, 0))
    assert other == slow  # same id in the new project: the old render's events must not reach it
    wait_render(qtbot, window)
    assert window.renderer.status(other).state == "idle"


def test_the_render_thread_runs_below_the_gui_threads_priority():
    import os
    import sys
    import threading

    import pytest

    from app.ui.render_controller import RENDER_NICENESS, lower_thread_priority

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread nice values are a Linux feature")
    seen = {}

    def work():
        lower_thread_priority()
        seen["render"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        child = threading.Thread(target=lambda: seen.update(child=os.getpriority(os.PRIO_PROCESS,
                                                                                  threading.get_native_id())))
        child.start()
        child.join()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen["render"] == max(gui, RENDER_NICENESS) > gui or gui >= RENDER_NICENESS
    assert seen["child"] == seen["render"]  # threads the render starts (encoders, pools) inherit it
    assert gui == os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # the GUI thread is untouched
