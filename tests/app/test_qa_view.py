"""The QA dock: the selected Export's report as a table, refreshed by a render; a double click plays
the film from the finding."""

from tests.app.conftest import wait_render
from tests.qa_project import black_film_project


def test_the_exports_report_is_listed_and_a_double_click_plays_from_the_finding(window, qtbot, tmp_path):
    assert window.open_project(black_film_project(tmp_path))
    view = window.qa_view
    window.scene.select_nodes(["export"])
    assert "no report yet" in view.status.text() and view.table.rowCount() == 0
    window.render_all()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=5000)  # the render wrote film.qa.json
    cells = [view.table.item(0, c).text() for c in range(view.table.columnCount())]
    assert cells == ["Night (night)", "00:00:00:00–00:00:02:00", "black", "2 s", "1 s",
                     "the picture is black where the edit plans none"]
    assert "1 finding" in view.status.text() and "film.qa.json" in view.status.text()
    assert "black where the edit plans none" in view.table.item(0, 2).toolTip()
    played = []
    window.preview.show_timeline = lambda node, frame=None, play=False: played.append((node, frame))
    view.table.cellDoubleClicked.emit(0, 1)
    assert played == [("night", 0)]
    window.scene.select_nodes(["still"])  # a node without a report leaves the last one on show
    assert view.table.rowCount() == 1
