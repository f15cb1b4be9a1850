"""A render's events reach the window in bounded turns of the event loop, so input is served between them.

A large graph starting to render turns every badge "queued" at once; the badges follow over a few
turns, and all of them, and every log line, are shown by the time the render's end is.
"""

from __future__ import annotations

from app.ui.render_controller import PUBLISH_LIMIT
from engine import events as ev
from tests.app.conftest import paint_counter, states, wait_render

NODES = 2 * PUBLISH_LIMIT + 50


def _many_numbers(window) -> list[str]:
    return [window.actions_.add_node("test.number", (i % 25 * 250.0, i // 25 * 150.0)) for i in range(NODES)]


def test_a_burst_of_badge_changes_is_shown_over_several_turns(stub_window, qtbot):
    window = stub_window
    ids = _many_numbers(window)
    renderer = window.renderer
    for node_id in ids:  # as a render's start sends them: one event per node, all in one batch
        renderer._post(renderer._run_number, ev.NodeQueued("run", node_id))
    shown = []
    renderer.status_changed.connect(shown.append)
    renderer._take_batch()
    assert len(shown) == PUBLISH_LIMIT  # this turn; the rest in the next ones
    qtbot.waitUntil(lambda: len(shown) == NODES, timeout=5000)
    assert sorted(shown) == sorted(ids)
    assert {window.scene.nodes[n].status.state for n in ids} == {"queued"}


def test_every_badge_and_log_line_is_shown_when_the_render_ends(stub_window, qtbot):
    window = stub_window
    ids = _many_numbers(window)
    at_end = {}

    def on_finished(_report) -> None:
        at_end["badges"] = {window.scene.nodes[n].status.state for n in ids}
        at_end["log"] = window.event_log.toPlainText()

    window.renderer.finished.connect(on_finished)
    window.render_all()
    wait_render(qtbot, window, timeout_ms=60_000)
    assert at_end["badges"] == {"done"} and set(states(window).values()) == {"done"}
    assert at_end["log"].count(" done in ") == NODES and "finished in" in at_end["log"]


def test_a_renders_log_lines_come_together_and_messages_at_once(window, qtbot):
    log = window.event_log
    log.on_event(ev.NodeStarted("run", "first"))
    log.on_event(ev.NodeFinished("run", "first", 1.5))
    assert "first running" not in log.toPlainText()  # not inside the batch that brought it
    qtbot.waitUntil(lambda: "first done in 1.50 s" in log.toPlainText(), timeout=2000)
    text = log.toPlainText()
    assert text.index("first running") < text.index("first done in")
    log.on_event(ev.NodeStarted("run", "second"))
    log.log("warning: a message of the editor's own")  # shown at once, after the render's line before it
    text = log.toPlainText()
    assert text.index("second running") < text.index("warning: a message")
    assert log.blockCount() == len(text.splitlines())  # one block per line, as appended one by one


def test_the_progress_bar_is_painted_with_the_window_not_inside_the_batch(window, qtbot):
    bar = window.progress_bar
    bar.show()
    qtbot.wait(20)
    counter = paint_counter(bar)
    window._render_progress(0.5, "Title card")
    assert bar.value() == 500 and counter.count == 0  # QProgressBar.setValue alone would paint here
    qtbot.waitUntil(lambda: counter.count > 0, timeout=2000)
