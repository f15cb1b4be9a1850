"""The history and the log speak of nodes by their labels or titles and of parameters by their labels,
never by type ids, node ids or link ids."""

from __future__ import annotations

import re

from engine import events as ev


def test_history_entries_are_in_words(window):
    actions, graph = window.actions_, window.document.graph
    night = actions.add_node("media.import_video", (0, 0))
    actions.rename(night, "Night")
    title = actions.add_node("title.overlay", (300, 0))
    actions.rename(title, "Lower third")
    assert actions.connect_ports(night, "frames", title, "frames")
    actions.set_param(title, "text", "Hello")

    entries = window.history.entries()
    assert entries == ["Opened", "Add Import Video", "Rename Import Video to Night", "Add Title",
                       "Rename Title to Lower third", "Connect Night frames → Lower third frames",
                       "Set Lower third: Text"]
    ids = {*graph.nodes, *graph.links, "title.overlay", "media.import_video"}
    for entry in entries:
        assert not any(re.search(rf"\b{re.escape(i)}\b", entry) for i in ids), entry
    assert window.menu_actions["undo"].text() == "&Undo Set Lower third: Text"


def test_log_names_no_run_id(window):
    window.event_log.on_event(ev.RunStarted("d482b1bb75f3", ("a", "b")))
    window.event_log.on_event(ev.RunFinished("d482b1bb75f3", "finished", 1.5))
    window.event_log.flush()
    text = window.event_log.toPlainText()
    assert "d482b1bb75f3" not in text
    assert "render started: 2 node(s)" in text and "render finished in 1.50 s" in text
