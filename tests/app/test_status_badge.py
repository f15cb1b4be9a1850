"""The status badge is an item of its own: a render's progress repaints the badge, not the whole node."""

from __future__ import annotations

from app.ui.render_controller import NodeStatus
from app.ui.status_badge import StatusBadge, badge_text


def test_badge_texts():
    assert badge_text(NodeStatus("running", 0.426)) == "running 43%"
    assert badge_text(NodeStatus("done", 1.0, 2.345)) == "done 2.35s"
    assert badge_text(NodeStatus("cached")) == "cached" and badge_text(NodeStatus()) == ""


def test_a_denoising_node_counts_its_steps_on_the_badge(qtbot):
    running = NodeStatus("running", 0.5, message="step 12/28")
    assert badge_text(running) == "step 12/28"
    assert badge_text(NodeStatus("running", 0.02, message="loading sdxl-base")) == "running 2%"  # the tooltip's
    badge = StatusBadge(200, 0)
    # One width while it runs, whatever the step: the node's title is not elided anew at every step.
    widths = {badge.width_for(NodeStatus("running", f, message=m))
              for f, m in ((0.1, "step 1/8"), (0.5, "step 128/200"), (0.9, ""), (0.2, "loading x"))}
    assert len(widths) == 1


def test_progress_ticks_repaint_the_badge_and_not_the_node(window, sample_path, qtbot, monkeypatch):
    from app.ui.node_item import NodeItem

    window.open_project(sample_path)
    item = window.scene.nodes["title"]
    viewport = window.view.viewport()
    painted = []

    def recording(kind, real, node_id_of):
        def paint(self, *args):
            painted.append((kind, node_id_of(self)))
            real(self, *args)
        return paint

    monkeypatch.setattr(NodeItem, "paint", recording("node", NodeItem.paint, lambda item: item.node_id))
    monkeypatch.setattr(StatusBadge, "paint", recording("badge", StatusBadge.paint, lambda b: b.parentItem().node_id))
    assert not item.badge.isVisible()
    item.set_status(NodeStatus("running", 0.0))  # a badge appears: the title makes room once
    viewport.repaint()
    assert ("node", "title") in painted and ("badge", "title") in painted and item.badge.isVisible()
    painted.clear()
    for fraction in (0.2, 0.5, 0.9):
        item.set_status(NodeStatus("running", fraction, message="frame"))
        viewport.repaint()
    assert painted.count(("badge", "title")) == 3 and ("node", "title") not in painted
    painted.clear()
    item.set_status(NodeStatus("done", 1.0, 1.5))  # another width: the title is elided anew
    viewport.repaint()
    assert ("node", "title") in painted and item.badge.width == item.badge.width_for(NodeStatus("done", 1.0, 1.5))
    item.set_status(NodeStatus())
    assert not item.badge.isVisible() and item.badge.width == 0


def test_the_badge_lets_clicks_through_to_its_node(window, sample_path):
    from PySide6.QtCore import Qt

    window.open_project(sample_path)
    badge = window.scene.nodes["title"].badge
    assert badge.acceptedMouseButtons() == Qt.NoButton
