"""The preview shows what the cache holds: after reopening, and mid-render; and a reload keeps the frame on show."""

from __future__ import annotations

from tests.app.conftest import wait_render


def _started_renders(window) -> list:
    started = []
    window.renderer.started.connect(lambda: started.append(True))
    return started


def test_a_reopened_projects_intermediate_node_previews_from_the_cache(window, qtbot, sample_path):
    assert window.open_project(sample_path)
    window.render_all()
    wait_render(qtbot, window)
    assert window.renderer.last_report.status == "finished"
    assert window.open_project(sample_path)  # the badges start idle again
    started = _started_renders(window)
    preview = window.preview
    window.scene.select_nodes(["title"])  # a title card in the middle of the graph
    qtbot.waitUntil(lambda: preview.picture.image is not None, timeout=10_000)
    assert "render it" not in preview.caption.text()
    assert "1280×720" in preview.caption.text()
    assert not started and window.renderer.status("title").state == "idle"


def test_a_node_not_in_the_cache_still_asks_for_a_render(window, qtbot, sample_path):
    assert window.open_project(sample_path)
    window.scene.select_nodes(["title"])
    qtbot.waitUntil(lambda: "render it" in window.preview.caption.text(), timeout=10_000)
    assert window.preview.picture.image is None


def _graded_title(window, qtbot):
    actions = window.actions_
    title = actions.add_node("title.overlay", (0, 0))
    for name, value in (("resolution", "640x360"), ("duration", 2.0), ("text", "Hi")):
        actions.set_param(title, name, value)
    grade = actions.add_node("color.grade", (300, 0))
    actions.connect_ports(title, "frames", grade, "frames")
    window.scene.select_nodes([grade])
    window.run_selected()
    wait_render(qtbot, window)
    preview = window.preview
    qtbot.waitUntil(lambda: preview.player.source is not None, timeout=10_000)
    return grade, preview


def _at_frame(preview, frame: int) -> bool:
    return preview.player.source is not None and preview.player.frame == frame and preview.slider.value() == frame


def test_toggling_before_and_rendering_again_keep_the_frame_and_zoom(window, qtbot):
    grade, preview = _graded_title(window, qtbot)
    assert preview.player.frame_count == 48
    preview.player.seek(20)
    preview.picture.set_zoom(2.0)
    old = preview.player.source
    preview.before.setChecked(True)
    qtbot.waitUntil(lambda: preview.player.source not in (None, old), timeout=10_000)
    assert _at_frame(preview, 20) and "before" in preview.caption.text()
    preview.before.setChecked(False)
    qtbot.waitUntil(lambda: preview.player.source is not None and "before" not in preview.caption.text(),
                    timeout=10_000)
    assert _at_frame(preview, 20)
    old = preview.player.source
    window.run_selected()  # a finished render reloads the output on show
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: preview.player.source not in (None, old), timeout=10_000)
    assert _at_frame(preview, 20) and preview.picture.zoom == 2.0


def test_a_reload_clamps_the_kept_frame_to_the_new_length(window, qtbot):
    grade, preview = _graded_title(window, qtbot)
    preview.player.seek(40)
    title = window.document.graph.links_into(grade, "frames")[0].src_node
    window.actions_.set_param(title, "duration", 1.0)
    window.run_selected()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: preview.player.source is not None and preview.player.frame_count == 24, timeout=10_000)
    assert _at_frame(preview, 23)


def test_the_before_toggle_looks_different_when_on(window, qtbot, qapp):
    from app.ui.theme import STYLESHEET

    previous = qapp.styleSheet()
    qapp.setStyleSheet(STYLESHEET)  # as the editor runs
    try:
        _compare_the_toggles_looks(window)
    finally:
        qapp.setStyleSheet(previous)


def _compare_the_toggles_looks(window):
    actions = window.actions_
    bars = actions.add_node("image.color_bars", (0, 0))
    grade = actions.add_node("color.grade_image", (300, 0))
    actions.connect_ports(bars, "image", grade, "image")
    window.scene.select_nodes([grade])
    button = window.preview.before
    off_text, off = button.text(), button.grab().toImage()
    button.setChecked(True)
    on_text, on = button.text(), button.grab().toImage()
    assert on_text != off_text and "✓" in on_text
    middle = (2, on.height() // 2)  # beside the text: the background
    assert on.pixelColor(*middle) != off.pixelColor(*middle)


def test_a_node_finished_mid_render_previews_while_another_still_runs(stub_window, qtbot):
    window = stub_window
    actions = window.actions_
    number = actions.add_node("test.number", (0, 0))
    actions.set_param(number, "value", 7)
    slow = actions.add_node("test.slow", (300, 0))
    actions.set_param(slow, "steps", 2000)  # 20 s unless cancelled
    actions.connect_ports(number, "value", slow, "a")
    window.scene.select_nodes([number])
    window.render_all()
    qtbot.waitUntil(lambda: window.renderer.status(slow).state == "running", timeout=15_000)
    preview = window.preview
    qtbot.waitUntil(lambda: "7" in preview.text.toPlainText(), timeout=10_000)
    assert window.renderer.is_running and "render it" not in preview.caption.text()
    window.renderer.cancel()
    wait_render(qtbot, window)
