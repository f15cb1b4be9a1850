"""The Tab search ranks what the user most likely means first: the title's exact and prefix matches,
then its word starts, then substrings, then category and help; recent choices first for an empty query."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest


def test_title_matches_rank_first(window):
    popup = window.view.open_node_search(QPointF(0, 0))
    QTest.keyClicks(popup.search, "Title")
    shown = popup.visible_type_ids()
    assert shown[0] == "title.overlay" and popup.current_type_id() == "title.overlay"
    assert shown.index("image.title_card") < shown.index("sound.burn_subtitles")
    popup.search.clear()
    QTest.keyClicks(popup.search, "seq")
    shown = popup.visible_type_ids()
    assert shown[0] == "edit.sequence"
    assert shown.index("media.import_sequence") == 1  # a word of its title starts with "seq"
    popup.close()


def test_recent_choice_comes_first_for_an_empty_query(window):
    view = window.view
    popup = view.open_node_search(QPointF(0, 0))
    QTest.keyClicks(popup.search, "mix")
    QTest.keyClick(popup.search, Qt.Key_Return)
    assert [n.type_id for n in window.document.graph.nodes.values()] == ["sound.mix"]
    popup = view.open_node_search(QPointF(0, 300))
    assert popup.visible_type_ids()[0] == "sound.mix" and popup.current_type_id() == "sound.mix"
    QTest.keyClicks(popup.search, "grade")  # the recent choice breaks ties only: it does not match here
    assert popup.visible_type_ids()[0] == "color.grade"
    popup.close()
