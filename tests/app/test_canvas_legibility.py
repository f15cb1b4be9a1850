"""The sample film framed whole in a 1600x1000 window reads: every node's title is drawn at 9 px or more
on screen, however far Frame All zooms out; long captions never widen a dock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication

from tests.app.conftest import ROOT

MIN_TITLE_PX = 9.0


def _framed_sample(window, qtbot, size=(1600, 1000)):
    assert window.open_project(ROOT / "resources" / "examples" / "sample.aiprod")
    window.resize(*size)
    for _ in range(5):
        QApplication.processEvents()
    window.view.frame_all()
    window.view.viewport().grab()  # paints every node at this zoom
    return window.view


def test_frame_all_draws_every_title_legibly(window, qtbot):
    view = _framed_sample(window, qtbot)
    assert view.zoom < 0.75  # zoomed out far enough that a 12 px title would be under 9 px
    for node_id, item in window.scene.nodes.items():
        font, lines = item.drawn_title
        on_screen = QFontInfo(font).pixelSize() * view.transform().m22()
        assert on_screen >= MIN_TITLE_PX, (node_id, on_screen)
        shown = "".join(lines).replace("…", "")
        assert len(shown) >= min(5, len(item.title)), (node_id, lines)  # more than an ellipsis


def test_titles_stay_legible_when_docks_are_wide(window, qtbot):
    window.resizeDocks([window.docks["preview"]], [620], Qt.Horizontal)
    view = _framed_sample(window, qtbot)
    for item in window.scene.nodes.values():
        font, _lines = item.drawn_title
        assert QFontInfo(font).pixelSize() * view.zoom >= MIN_TITLE_PX


def test_long_captions_do_not_widen_docks(window, qtbot):
    _framed_sample(window, qtbot)
    settle = lambda: [QApplication.processEvents() for _ in range(5)]  # noqa: E731
    widths = {name: dock.width() for name, dock in window.docks.items()}
    window_width = window.width()
    long = "A caption far longer than any dock is wide " * 8
    window.actions_.rename("dawn", long)
    window.scene.select_nodes(["dawn"])  # the Inspector shows its name as a title
    window.show_message(long)
    window.timeline.info.setText(long)
    settle()
    assert {name: dock.width() for name, dock in window.docks.items()} == widths
    assert window.width() == window_width


def _repaints_when_every_badge_changes(window, monkeypatch) -> set[str]:
    """The nodes a render's first events (every badge to "queued", then "running") ask to repaint."""
    from app.ui.node_item import NodeItem
    from app.ui.render_controller import NodeStatus

    asked: set[str] = set()
    monkeypatch.setattr(NodeItem, "update", lambda item, *args: asked.add(item.node_id))
    for state in ("queued", "running"):
        for item in window.scene.nodes.values():
            item.set_status(NodeStatus(state, message="frame 1/432"))
    return asked


def test_a_render_starting_repaints_no_node_whose_title_is_drawn_over_its_body(window, qtbot, monkeypatch):
    """Zoomed out, the title leaves the badge no room, so a new badge moves nothing: a 500-node graph
    repainted every node when its render started (~150 ms of the editor's time)."""
    view = _framed_sample(window, qtbot)
    overview = [i for i in window.scene.nodes.values() if i._painted_badge_room is None]
    assert overview, "Frame All of the sample draws titles over the bodies"
    asked = _repaints_when_every_badge_changes(window, monkeypatch)
    assert not asked & {i.node_id for i in overview}
    assert view.zoom < 0.75


def test_at_full_size_a_wider_badge_elides_the_title_anew(window, qtbot, monkeypatch):
    view = _framed_sample(window, qtbot)
    view.resetTransform()  # 100 %
    view.centerOn(window.scene.nodes["dawn"])
    view.viewport().grab()
    assert window.scene.nodes["dawn"]._painted_badge_room == 0.0  # idle: no badge, the title's full width
    assert "dawn" in _repaints_when_every_badge_changes(window, monkeypatch)
