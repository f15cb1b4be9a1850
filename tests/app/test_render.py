"""Rendering from the editor: in a render process, badges follow the engine's events, cancel works."""

from __future__ import annotations

from tests.app.conftest import states, wait_preview, wait_render


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


def test_run_to_selected_renders_every_selected_node_and_nothing_downstream(window, qtbot, sample_path):
    window.open_project(sample_path)
    window.scene.select_nodes(["bars", "title_text"])  # the two inputs of the title, not the title
    assert window.menu_actions["run_selected"].isEnabled()
    window.menu_actions["run_selected"].trigger()
    wait_render(qtbot, window)
    assert states(window) == {"bars": "done", "title_text": "done", "title": "idle", "save": "idle"}
    assert "not rendered" not in window.status_label.text()  # it rendered what was asked, no more
    window.scene.select_nodes([])
    assert not window.menu_actions["run_selected"].isEnabled()


def test_cancel_a_render(stub_window, qtbot):
    window = stub_window
    actions = window.actions_
    slow = actions.add_node("test.slow", (0, 0))
    actions.set_param(slow, "steps", 2000)  # 20 s unless cancelled
    after = actions.add_node("test.add", (300, 0))
    actions.connect_ports(slow, "value", after, "a")
    window.render_all()
    qtbot.waitUntil(lambda: window.renderer.status(slow).state == "running", timeout=15_000)
    assert window.menu_actions["cancel"].isEnabled()
    window.menu_actions["cancel"].trigger()
    wait_render(qtbot, window, timeout_ms=10_000)
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


def start_long_render(window, qtbot) -> str:
    """A slow node rendering (20 s unless cancelled); its id once its badge says running."""
    slow = window.actions_.add_node("test.slow", (0, 0))
    window.actions_.set_param(slow, "steps", 2000)
    window.render_all()
    qtbot.waitUntil(lambda: window.renderer.status(slow).state == "running", timeout=15_000)
    return slow


def test_the_render_runs_in_another_process_below_the_gui_priority(stub_window, qtbot):
    import os

    from engine.priority import RENDER_NICENESS

    window = stub_window
    start_long_render(window, qtbot)
    pid = window.renderer.render_pid
    assert pid is not None and pid != os.getpid()
    if hasattr(os, "getpriority"):
        gui = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, pid) == max(gui, RENDER_NICENESS)
    if hasattr(os, "SCHED_IDLE"):  # Linux: preempted at once by the GUI thread waking
        assert os.sched_getscheduler(pid) == os.SCHED_IDLE
    window.renderer.cancel()
    wait_render(qtbot, window)


def test_a_killed_render_process_fails_the_render_and_the_next_render_works(stub_window, qtbot):
    import os
    import signal

    window = stub_window
    slow = start_long_render(window, qtbot)
    killed = window.renderer.render_pid
    os.kill(killed, signal.SIGKILL)
    wait_render(qtbot, window)
    report = window.renderer.last_report
    assert isinstance(report, Exception) and "SIGKILL" in str(report) and "render again" in str(report)
    assert "Render stopped" in window.status_label.text()
    window.actions_.set_param(slow, "steps", 3)
    window.render_all()
    assert window.renderer.render_pid not in (None, killed)  # a fresh process
    wait_render(qtbot, window)
    assert window.renderer.last_report.ran == [slow] and window.renderer.status(slow).state == "done"


def test_node_types_that_cannot_go_to_another_process_render_in_a_thread(qtbot):
    from engine.ports import INT
    from engine.registry import Registry
    from engine.schema import IntParam, NodeSchema, NodeType, Port
    from tests.app.conftest import _window

    class Local(NodeType):  # defined in a function: pickle cannot name it
        schema = NodeSchema("test.local", "Local", "Test", outputs=(Port("value", INT),),
                            params=(IntParam("value", 4, min=0, max=10),))

        def execute(self, ctx, inputs, params):
            return {"value": params["value"] * 2}

    window = _window(qtbot, Registry([Local]))
    node = window.actions_.add_node("test.local", (0, 0))
    window.render_all()
    assert window.renderer.render_pid is None  # in this process
    wait_render(qtbot, window)
    assert window.renderer.last_report.ran == [node] and window.renderer.status(node).state == "done"


def test_badges_follow_a_render_in_batches_not_event_by_event(stub_window, qtbot):
    from app.ui.render_controller import BATCH_MS

    window = stub_window
    slow = window.actions_.add_node("test.slow", (0, 0))
    window.actions_.set_param(slow, "steps", 100)  # 1 s, a progress event every 10 ms
    changes, log_lines = [], []
    window.renderer.status_changed.connect(lambda node_id: changes.append(window.renderer.status(node_id).state))
    window.renderer.event.connect(log_lines.append)
    window.render_all()
    wait_render(qtbot, window)
    assert sum(1 for e in log_lines if type(e).__name__ == "NodeProgress") == 100  # the log sees every event
    assert changes[-1] == "done" and "running" in changes
    assert len(changes) <= 1000 / BATCH_MS + 10  # not one badge change per event (over 100)
