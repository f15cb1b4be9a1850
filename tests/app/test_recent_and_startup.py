"""File > Open Recent lists the last projects newest first; the editor refuses to start without a display."""

from __future__ import annotations

import shutil

from app import editor
from app.ui.recent_files import recent_projects


def _entries(window) -> list[str]:
    menu = window.recent_menu
    menu.aboutToShow.emit()  # what opening the submenu does
    return [a.data() for a in menu.actions() if a.data()]


def test_open_recent_lists_projects_newest_first_and_opens_one(window, sample_path, tmp_path):
    other = tmp_path / "other" / "second.aiprod"
    other.parent.mkdir()
    shutil.copy(sample_path, other)
    assert window.open_project(sample_path) and window.open_project(other)
    entries = _entries(window)
    assert entries == [str(other.resolve()), str(sample_path.resolve())]
    first = next(a for a in window.recent_menu.actions() if a.data() == str(sample_path.resolve()))
    first.trigger()
    assert window.document.path.resolve() == sample_path.resolve()
    assert _entries(window)[0] == str(sample_path.resolve())  # reopened: on top again


def test_a_missing_project_is_greyed_out_and_clear_empties_the_list(window, sample_path, tmp_path):
    gone = tmp_path / "gone.aiprod"
    shutil.copy(sample_path, gone)
    window.open_project(gone)
    window.open_project(sample_path)
    gone.unlink()
    _entries(window)
    actions = {a.data(): a for a in window.recent_menu.actions() if a.data()}
    assert not actions[str(gone.resolve())].isEnabled() and actions[str(sample_path.resolve())].isEnabled()
    clear = next(a for a in window.recent_menu.actions() if "Clear" in a.text())
    clear.trigger()
    assert recent_projects() == [] and _entries(window) == []


def test_saving_adds_the_project_to_the_recent_list(window, tmp_path):
    window._save_to(tmp_path / "saved.aiprod")
    assert recent_projects() == [str((tmp_path / "saved.aiprod").resolve())]


def test_no_display_gives_a_clear_message_instead_of_an_abort(monkeypatch, capsys):
    assert "aiprod render PROJECT" in editor.display_problem({}, "linux")
    assert editor.display_problem({"DISPLAY": ":0"}, "linux") is None
    assert editor.display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert editor.display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert editor.display_problem({}, "win32") is None and editor.display_problem({}, "darwin") is None
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(editor.sys, "platform", "linux")
    monkeypatch.setattr(editor, "run_editor", lambda *a: (_ for _ in ()).throw(AssertionError("Qt started")))
    assert editor.main([]) == 2
    assert "no display found" in capsys.readouterr().err


def test_a_screenshot_frames_the_whole_graph_at_its_final_size(window, tmp_path):
    from PySide6.QtGui import QImage

    from tests.app.conftest import ROOT

    window.exec_dialog = lambda dialog: None
    assert window.open_project(ROOT / "resources" / "examples" / "sample.aiprod")
    window.resize(700, 500)
    window.view.frame_all()  # framed at a small size, as a window just shown is
    path = editor.screenshot(window, tmp_path / "shot.png", size=(1600, 1000))
    picture = QImage(str(path))
    assert (picture.width(), picture.height()) == (1600, 1000)
    view = window.view
    graph = None
    for item in window.scene.nodes.values():
        graph = item.sceneBoundingRect() if graph is None else graph.united(item.sceneBoundingRect())
    shown = view.mapFromScene(graph).boundingRect()
    viewport = view.viewport().rect()
    assert viewport.adjusted(-2, -2, 2, 2).contains(shown), "part of the graph is outside the screenshot"
    assert shown.width() > 0.8 * viewport.width() or shown.height() > 0.8 * viewport.height(), \
        f"the graph fills only {shown.width()}x{shown.height()} of a {viewport.width()}x{viewport.height()} canvas"
