"""The editor's timeline interchange: File ▸ Export Timeline writes the panel's Sequence (saying what the
format drops), and File ▸ Import Timeline opens another editor's timeline as a new unsaved project."""

from __future__ import annotations

from engine.interchange.formats import WHAT_EACH_FORMAT_DROPS
from tests.app.conftest import wait_render
from tests.timeline_project import save_timeline_project


def test_export_then_import_a_timeline_through_the_menus(window, qtbot, tmp_path):
    assert window.open_project(save_timeline_project(tmp_path / "film"))
    window.renderer.run_to("cut")
    wait_render(qtbot, window)
    window.menu_actions["export_timeline"].trigger()
    dialog = window.dialogs[-1]
    dialog.path.setText(str(tmp_path / "cut.fcpxml"))
    assert dialog.drops.text() == WHAT_EACH_FORMAT_DROPS[".fcpxml"]  # said before anything is written
    dialog.path.setText(str(tmp_path / "cut.otio"))
    assert dialog.format.currentData() == ".otio"
    dialog.start()
    qtbot.waitUntil(lambda: dialog.status.text().startswith(("Written", "Not exported")), timeout=30_000)
    assert dialog.status.text().startswith("Written"), dialog.status.text()
    assert (tmp_path / "cut.otio").is_file()

    window.choose_file = lambda *args: str(tmp_path / "cut.otio")
    assert window.import_timeline()
    graph = window.document.graph
    assert window.document.is_dirty and window.document.path is None  # a new project, not yet saved
    from engine.timeline.model import build_timeline, sequences

    sequence, = sequences(graph)
    assert [s.name for s in build_timeline(graph, sequence).shots] == ["Shot A", "Shot B", "Shot C"]
    assert window.timeline.view.timeline is not None


def test_a_timeline_that_does_not_read_is_one_clear_line(window, tmp_path):
    bad = tmp_path / "broken.edl"
    bad.write_text("this is not an EDL\n\x00\x01")
    assert not window.import_timeline(str(bad))
    (title, text), = window.errors
    assert title == "Cannot import the timeline" and "\n" not in text and "Traceback" not in text
