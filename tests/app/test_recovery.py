"""Crash recovery: a session that did not close cleanly leaves a marker; its autosave is offered back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from app import settings
from engine.commands import AddNode
from engine.project import project_to_data


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _crashed_session(window, project_path=None, name="Untitled"):
    """Build a graph in `window`, autosave it, and leave a marker of a process that died."""
    text = window.actions_.add_node("value.text", (0, 0))
    card = window.actions_.add_node("image.title_card", (300, 0))
    window.actions_.connect_ports(text, "text", card, "text")
    window.actions_.set_param(card, "size", 11.0)
    autosave = window.document.autosave()
    expected = json.loads(autosave.read_text())
    marker = settings.data_dir() / "sessions" / "crashed.json"
    marker.write_text(json.dumps({"pid": _dead_pid(), "host": socket.gethostname(), "project": project_path,
                                  "name": name, "autosave": str(autosave)}))
    window.document.new()  # what the next start sees is only the files
    return marker, autosave, expected


def test_a_crashed_sessions_autosave_is_offered_and_restored_unsaved(window, tmp_path):
    marker, autosave, expected = _crashed_session(window)
    offered = []
    window.prompt_recover = lambda found: offered.append(found) or True
    assert window.offer_recovery()
    assert offered and offered[0].autosave == autosave and "did not close cleanly" in offered[0].describe()
    restored = project_to_data(window.document.project, window.document.project.folder)
    assert restored["nodes"] == expected["nodes"] and restored["links"] == expected["links"]
    assert window.document.is_dirty and window.windowTitle().startswith("Untitled *")
    assert window.document.path is None and len(window.scene.nodes) == 2
    assert not marker.exists()  # asked once
    window.offer_recovery()
    assert len(offered) == 1


def test_declining_forgets_the_marker_and_keeps_the_project(window):
    marker, _, _ = _crashed_session(window)
    window.prompt_recover = lambda found: False
    assert not window.offer_recovery()
    assert not marker.exists() and not window.document.graph.nodes


def test_no_offer_when_the_project_was_saved_after_the_autosave_or_the_session_lives(window, tmp_path):
    project = tmp_path / "film.aiprod"
    marker, autosave, _ = _crashed_session(window, str(project), "film")
    project.write_text("{}")
    later = time.time() + 5
    os.utime(project, (later, later))
    asked = []
    window.prompt_recover = lambda found: asked.append(found) or True
    assert not window.offer_recovery() and not asked and not marker.exists()
    marker.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "project": None,
                                  "name": "Untitled", "autosave": str(autosave)}))
    assert not window.offer_recovery() and marker.exists()  # a window still open in a running editor


def test_a_clean_close_removes_the_sessions_marker(window):
    marker = window.session.path
    assert marker.is_file() and json.loads(marker.read_text())["pid"] == os.getpid()
    window.close()
    assert not marker.exists()


def test_open_window_offers_recovery_before_opening_the_project(qtbot, sample_path, monkeypatch):
    from app.editor import open_window
    from app.nodes import build_registry
    from app.ui.main_window import MainWindow

    from tests.app.conftest import _window

    crashed = _window(qtbot, build_registry())
    _, _, expected = _crashed_session(crashed)
    crashed.document.stack.set_clean()
    monkeypatch.setattr(MainWindow, "prompt_recover", lambda self, found: True)
    window = open_window(str(sample_path))
    qtbot.addWidget(window)
    window.prompt_unsaved = lambda: "discard"
    restored = project_to_data(window.document.project, window.document.project.folder)
    assert restored["nodes"] == expected["nodes"] and window.document.is_dirty
    assert window.document.path is None  # the restored work, not the project named on the command line


def test_two_untitled_windows_or_two_films_of_one_name_keep_separate_autosaves(qtbot, tmp_path):
    from app.nodes import build_registry
    from app.ui.document import ProjectDocument

    registry = build_registry()
    first, second = ProjectDocument(registry), ProjectDocument(registry)
    for document, label in ((first, "one"), (second, "two")):
        document.stack.push(AddNode("value.text", (0, 0), {"text": label}))
    assert first.display_name == second.display_name  # both "Untitled"
    assert first.autosave() != second.autosave()
    assert "one" in first.autosave_path().read_text() and "two" in second.autosave_path().read_text()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first.save(tmp_path / "a" / "trailer.aiprod")
    second.save(tmp_path / "b" / "trailer.aiprod")
    assert first.autosave_path() != second.autosave_path()
    assert first.autosave_path().name.startswith("trailer-")


def test_a_restored_autosave_holds_the_path_values_the_user_chose(window, tmp_path):
    """A chosen (absolute) path stays absolute and a typed-relative one relative to the project,
    though the autosave lives in another folder than the project."""
    film = tmp_path / "film"
    (film / "shots").mkdir(parents=True)
    chosen = window.actions_.add_node("media.import_image", (0, 0))
    window.actions_.set_param(chosen, "path", str(film / "shots" / "a.png"))
    typed = window.actions_.add_node("media.import_image", (0, 300))
    window.actions_.set_param(typed, "path", "shots/b.png")
    window._save_to(film / "film.aiprod")
    window.actions_.set_param(typed, "path", "shots/c.png")  # unsaved: only the autosave has it
    values = {n: node.params["path"] for n, node in window.document.graph.nodes.items()}
    autosave = window.document.autosave()
    marker = settings.data_dir() / "sessions" / "crashed.json"
    marker.write_text(json.dumps({"pid": _dead_pid(), "host": socket.gethostname(),
                                  "project": str(film / "film.aiprod"), "name": "film", "autosave": str(autosave)}))
    window.document.new()
    window.prompt_recover = lambda found: True
    assert window.offer_recovery()
    restored = {n: node.params["path"] for n, node in window.document.graph.nodes.items()}
    assert restored == values
    assert window.document.project.paths.file(restored[typed]) == film / "shots" / "c.png"
