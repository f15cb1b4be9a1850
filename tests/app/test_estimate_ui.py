"""Render ▸ Estimate in the editor: the shots' methods and costs before a render, the measured seconds
after it, the GPU budget (an undoable project setting) asked about before F5."""

from __future__ import annotations

from pathlib import Path

from engine.commands import AddNode, Connect
from tests.engine.test_scene_auto import keyframe_files


def build(window, folder: Path, **scene):
    stack = window.document.stack
    first, second = keyframe_files(folder, far=False)
    stack.push(AddNode("media.import_image", (0, 0), {"path": first}, node_id="a"))
    stack.push(AddNode("media.import_image", (0, 200), {"path": second}, node_id="b"))
    stack.push(AddNode("shot.scene", (300, 0), {"method": "auto", "duration": 1.0, "resolution": "640x360"} | scene,
                       node_id="shot"))
    stack.push(AddNode("output.export", (600, 0), {"path": str(folder / "film.mp4")}, node_id="export"))
    stack.push(Connect("a", "image", "shot", "keyframes"))
    stack.push(Connect("b", "image", "shot", "keyframes"))
    stack.push(Connect("shot", "frames", "export", "frames"))


def test_the_estimate_lists_each_shot_and_after_a_render_what_it_took(window, qtbot, tmp_path, monkeypatch):
    from tests.app.conftest import wait_render

    monkeypatch.setenv("AIPROD_DATA_DIR", str(tmp_path / "data"))
    build(window, tmp_path)
    dialog = window.show_estimate()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "auto → keyframes + interpolation"
    assert dialog.table.item(0, 2).text() == "0.0 *" and dialog.table.item(0, 5).text() == ""
    assert "Full video diffusion of every shot" in dialog.total.text()
    assert not (tmp_path / "film.mp4").exists()  # estimating ran nothing
    window.render_all()
    wait_render(qtbot, window, 120_000)
    assert (tmp_path / "film.mp4").exists()
    after = window.show_estimate()
    assert float(after.table.item(0, 5).text()) > 0  # measured beside the estimate
    assert "keyframes + interpolation" in window.renderer.last_report.results["shot"].stats["route"]


def test_a_render_over_the_budget_asks_first_and_the_budget_is_undoable(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("AIPROD_DATA_DIR", str(tmp_path / "data"))
    build(window, tmp_path, method="full video diffusion", video_model="some-video-model", steps=30)
    dialog = window.show_estimate()
    dialog.budget.setValue(5)
    dialog.budget.editingFinished.emit()
    settings = window.document.project.settings
    assert settings["gpu_budget_s"] == 5 and window.document.is_dirty
    asked = []
    window.confirm_over_budget = lambda text: asked.append(text) or False
    window.render_all()
    assert asked and "over the project's budget of 5 s" in asked[0]
    assert not window.renderer.is_running and not (tmp_path / "film.mp4").exists()
    window.document.stack.undo()
    assert "gpu_budget_s" not in settings
    asked.clear()
    window.render_all()  # no budget: no question
    assert not asked


def test_a_hand_edited_budget_that_is_not_one_opens_as_none_and_can_be_set(window, tmp_path, monkeypatch):
    monkeypatch.setenv("AIPROD_DATA_DIR", str(tmp_path / "data"))
    build(window, tmp_path)
    settings = window.document.project.settings
    settings["gpu_budget_s"] = "600s"  # as a text editor left it
    dialog = window.show_estimate()  # opened, not raised
    assert dialog.budget.value() == 0
    dialog.budget.setValue(600)
    dialog.budget.editingFinished.emit()
    assert settings["gpu_budget_s"] == 600
    window.document.stack.undo()
    assert settings["gpu_budget_s"] == "600s"  # undo puts back what was there
