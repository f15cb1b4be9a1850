"""F5 or Run with an output that cannot be written where it points: the editor says so before the
shots are made, and the user chooses between fixing the path and rendering the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import wait_render
from tests.film_project import save_film_project

NO_NEW_FILES = Path("/proc")  # exists, takes no new files, root included


@pytest.mark.skipif(not NO_NEW_FILES.is_dir(), reason="needs Linux's /proc")
def test_an_unwritable_export_is_asked_about_before_the_render_and_no_keeps_it_from_starting(window, qtbot,
                                                                                            tmp_path):
    assert window.open_project(save_film_project(tmp_path / "p", str(NO_NEW_FILES / "film.mp4"), seconds=0.5))
    asked = []
    window.confirm_unwritable_outputs = lambda text: asked.append(text) or False
    window.render_all()
    assert not window.renderer.is_running and window.renderer.status("bars").state == "idle"
    assert len(asked) == 1 and asked[0].startswith(f"Export (export): cannot write in {NO_NEW_FILES}: ")
    assert "Render not started: Export (export): cannot write in" in window.status_label.text()

    window.scene.select_nodes(["export"])
    window.run_selected()  # Run to selected asks too
    assert len(asked) == 2 and not window.renderer.is_running

    window.confirm_unwritable_outputs = lambda text: asked.append(text) or True  # render the rest
    window.render_all()
    wait_render(qtbot, window)
    assert window.renderer.status("shot").state in ("done", "cached")
    assert window.renderer.status("export").state == "failed"


def test_writable_outputs_ask_nothing(window, qtbot, tmp_path):
    (tmp_path / "out").mkdir()
    assert window.open_project(save_film_project(tmp_path / "p", str(tmp_path / "out" / "film.mp4"), seconds=0.5))
    window.confirm_unwritable_outputs = lambda text: pytest.fail(f"asked: {text}")
    window.render_all()
    wait_render(qtbot, window)
    status = window.renderer.status("export")
    assert status.state == "done", status.message
    assert (tmp_path / "out" / "film.mp4").is_file()


def test_a_screenshot_run_with_an_unwritable_output_renders_the_rest_and_asks_no_one(tmp_path):
    """`aiprod PROJECT --screenshot PNG` has nobody to answer a modal question: it must not wait for one."""
    import os
    import subprocess
    import sys

    project = save_film_project(tmp_path / "p", str(tmp_path / "missing" / "film.mp4"), seconds=0.5)
    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "from app.cli import run; run()", str(project), "--screenshot",
                           str(shot)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert shot.is_file() and not (tmp_path / "missing").exists()
