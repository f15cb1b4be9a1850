"""The editor asks before a render replaces a file AIPROD Studio did not write, and replaces only that one."""

from __future__ import annotations

from PIL import Image
from PySide6.QtWidgets import QMessageBox

from engine.media.authorship import written_by_aiprod
from tests.app.conftest import states, wait_render


def answering(monkeypatch, answer):
    """QMessageBox.question answers `answer[0]`; the questions asked are kept."""
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_replacing_a_file_aiprod_did_not_write_waits_for_the_users_yes(window, qtbot, sample_path, monkeypatch):
    target = sample_path.parent / "sample.png"
    target.write_bytes(b"their picture")
    answer = [QMessageBox.No]
    asked = answering(monkeypatch, answer)
    assert window.open_project(sample_path)
    window.render_all()
    wait_render(qtbot, window)
    question = f"Replace {target}?\n\nIt was not written by AIPROD Studio."
    assert asked == [question]
    assert target.read_bytes() == b"their picture"
    assert states(window)["save"] == "failed"
    assert "not written by AIPROD Studio" in window.renderer.status("save").message
    assert f"kept {target}" in window.event_log.toPlainText()

    answer[0] = QMessageBox.Yes
    window.render_all()
    qtbot.waitUntil(lambda: len(asked) == 2 and not window.renderer.is_running
                    and states(window)["save"] == "done", timeout=30_000)
    assert asked == [question, question]
    assert window.renderer.last_report.status == "finished"
    assert Image.open(target).size == (1280, 720) and written_by_aiprod(target)
    window.actions_.set_param("title", "size", 12.0)  # now AIPROD's: a re-render replaces it without asking
    window.render_all()
    wait_render(qtbot, window)
    assert len(asked) == 2 and states(window)["save"] == "done"


def test_opening_a_project_sweeps_what_killed_renders_left_beside_its_outputs(window, qtbot, sample_path):
    from tests.engine.test_killed_export import dead_writers_temporary

    left = dead_writers_temporary(sample_path.parent / "sample.png")
    assert window.open_project(sample_path)
    qtbot.waitUntil(lambda: not left.exists(), timeout=5000)
