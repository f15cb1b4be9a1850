"""F5 renders what feeds an output; the status bar says which nodes it left out and how to render them."""

from __future__ import annotations

from tests.app.conftest import states, wait_render


def test_render_all_names_nodes_that_feed_no_output(window, qtbot, sample_path):
    assert window.open_project(sample_path)
    loose = [window.actions_.add_node("title.overlay", (0, 600)), window.actions_.add_node("value.text", (0, 800))]
    window.menu_actions["render"].trigger()
    wait_render(qtbot, window)
    message = window.status_label.text()
    assert message.startswith("Render finished")
    assert "2 nodes feed no output and were not rendered: Run to Selected renders them" in message
    assert all(states(window)[n] != "done" for n in loose)
    assert "Title (" in window.event_log.toPlainText().split("not rendered")[-1]

    window.scene.select_nodes([loose[1]])
    window.run_selected()  # Run to Selected: nothing is said about the others
    wait_render(qtbot, window)
    assert "feed no output" not in window.status_label.text()


def test_render_menu_shows_f5_and_f6(window):
    acts = window.menu_actions
    assert acts["render"].shortcut().toString() == "F5" and "Ctrl+R" in [s.toString() for s in acts["render"].shortcuts()]
    assert acts["run_selected"].shortcut().toString() == "F6"
