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
