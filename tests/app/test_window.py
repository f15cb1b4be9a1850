"""The window around the canvas: clip preview, unsaved-changes prompt, autosave, the PySide6 None guard."""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF

from tests.app.conftest import preview_title_clip


def test_clip_preview_reads_frames_lazily_with_the_slider(window, qtbot):
    preview = preview_title_clip(window, qtbot, "640x360", fade_in=0.5)
    assert preview.clip.frame_count == 24 and preview.slider.maximum() == 23
    assert not preview.slider.isHidden()
    first = preview.picture.image
    assert (first.width(), first.height()) == (640, 360)
    preview.slider.setValue(20)
    qtbot.waitUntil(lambda: preview.picture.image is not first, timeout=5000)
    assert preview.frame_label.text() == "20 / 23"
    # The title fades in over 0.5 s: frame 0 has no text, frame 20 has it.
    assert preview.picture.image != first


def test_closing_with_unsaved_changes_asks(window):
    window.actions_.add_node("value.number", (0, 0))
    window.prompt_unsaved = lambda: "cancel"
    assert not window.close() and window.isVisible()
    asked = []
    window.prompt_unsaved = lambda: asked.append(1) or "discard"
    assert window.close()
    assert asked == [1]


def test_new_project_after_discarding(window):
    window.actions_.add_node("value.number", (0, 0))
    window.menu_actions["new"].trigger()
    assert not window.document.graph.nodes and not window.scene.nodes
    assert not window.document.is_dirty and not window.menu_actions["undo"].isEnabled()


def test_autosave_writes_unsaved_changes_beside_the_user_data(window, tmp_path):
    document = window.document
    assert document.autosave() is None  # nothing unsaved
    window.actions_.add_node("value.number", (0, 0))
    written = document.autosave()
    assert written is not None and written.is_file() and str(tmp_path) in str(written)
    document.save(tmp_path / "kept.aiprod")
    assert not written.exists()  # saved: the safety copy is no longer needed


def test_undo_menu_names_the_step(window):
    node = window.actions_.add_node("value.number", (0, 0))
    assert window.menu_actions["undo"].text() == "&Undo Add Number"
    window.actions_.set_param(node, "value", 2.0)
    assert window.menu_actions["undo"].text() == "&Undo Set Number: Value"
    window.menu_actions["undo"].trigger()
    assert window.menu_actions["redo"].text() == "&Redo Set Number: Value"


def test_void_calls_do_not_exhaust_none(window):
    """PySide6 6.12 on Python 3.11 drops a reference to None per void call; app.ui guards against it."""
    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(20_000):  # more than None's whole reference count without the guard
        rect.setX(0.0)
    assert sys.getrefcount(None) > 0 and before > 0


def test_run_editor_screenshot_mode_renders_and_writes_a_png(qapp, sample_path, tmp_path):
    from app.editor import run_editor

    shot = tmp_path / "shot.png"
    assert run_editor(str(sample_path), screenshot_path=str(shot)) == 0
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert (sample_path.parent / "sample.png").is_file()  # it rendered before grabbing


def test_aiprod_with_no_subcommand_opens_the_editor_on_the_project_given(monkeypatch):
    from app import cli, editor

    opened = []
    monkeypatch.setattr(editor, "main", lambda argv: opened.append(list(argv)) or 0)
    assert cli.main([]) == 0 and cli.main(["film.aiprod"]) == 0
    assert opened == [[], ["film.aiprod"]]  # no arguments: an empty project; a path: that project
    assert cli.main(["nodes"]) == 0 and len(opened) == 2  # a subcommand never starts the editor


def test_the_aiprod_command_opens_the_project_in_a_window(sample_path, tmp_path):
    """The real console entry point, in its own process: the window opens on the project, renders
    it and its picture is saved (the --screenshot mode quits instead of waiting for the user)."""
    import os
    import subprocess

    from PySide6.QtGui import QImage

    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", "from app.cli import run; run()", str(sample_path),
                           "--screenshot", str(shot)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 800
    assert (sample_path.parent / "sample.png").is_file()  # the project's own output was rendered


CLOSE_WHILE_WARMING = """
import sys, time
from app.editor import make_app, open_window

app = make_app()
window = open_window(None, interactive=False)
deadline = time.monotonic() + 60
# Quit while the warm-up thread is inside torch's import, defining its operators (torch._prims).
while "torch._prims" not in sys.modules and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
time.sleep(0.02)
print("quitting inside torch's import:", "torch._prims" in sys.modules, flush=True)
"""


def test_closing_the_editor_while_it_warms_up_prints_no_traceback(tmp_path):
    """Quit in the first seconds: the interpreter tears down torch's operator tables under the warm-up
    thread's import of torch, which then fails; that is nobody's business, least of all the terminal's."""
    import os
    import subprocess

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", CLOSE_WHILE_WARMING], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "quitting inside torch's import: True" in done.stdout
    assert "Traceback" not in done.stderr, done.stderr
