"""An Export's film in the preview: played from the written file, and offered to the system's player
and file manager; the viewer controls show only where they change what is seen."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from app.ui.player.frame_sources import MediaFrames
from tests.app.conftest import wait_render
from tests.app.test_preview_modes import _sine_wav


def _rendered_export(window, qtbot, path):
    actions = window.actions_
    title = actions.add_node("title.overlay", (0, 0))
    for name, value in (("resolution", "640x360"), ("duration", 1.0), ("text", "Hi")):
        actions.set_param(title, name, value)
    export = actions.add_node("output.export", (300, 0))
    actions.set_param(export, "path", str(path))
    actions.connect_ports(title, "frames", export, "frames")
    window.scene.select_nodes([export])
    window.run_selected()
    wait_render(qtbot, window, timeout_ms=60_000)
    assert window.renderer.last_report.results[export].status == "ran" and path.is_file()
    return export


def test_a_rendered_export_plays_its_file_and_offers_it_to_the_system(window, qtbot, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    film = tmp_path / "out" / "film.mp4"
    film.parent.mkdir()
    _rendered_export(window, qtbot, film)
    preview = window.preview
    qtbot.waitUntil(lambda: isinstance(preview.player.source, MediaFrames), timeout=10_000)
    assert preview.player.frame_count == 24 and "file" in preview.caption.text()
    preview.player.seek(12)  # a frame decoded back from the file
    qtbot.waitUntil(lambda: preview.player.shown_frame == 12, timeout=10_000)
    image = preview.player.image
    assert image is not None and not image.isNull() and image.width() > 0
    assert preview.open_file.isVisible() and preview.show_folder.isVisible() and preview.open_file.isEnabled()
    assert not preview.transform.isVisible()  # the file is display-referred already
    preview.open_file.click()
    preview.show_folder.click()
    assert opened == [QUrl.fromLocalFile(str(film)), QUrl.fromLocalFile(str(film.parent))]


def test_the_file_buttons_show_only_for_an_export(window, qtbot, tmp_path):
    export = _rendered_export(window, qtbot, tmp_path / "film.mp4")
    preview = window.preview
    qtbot.waitUntil(lambda: preview.open_file.isVisible(), timeout=10_000)
    title = window.document.graph.links_into(export, "frames")[0].src_node
    window.scene.select_nodes([title])
    qtbot.waitUntil(lambda: preview.clip is not None, timeout=10_000)
    assert not preview.open_file.isVisible() and not preview.show_folder.isVisible()
    assert preview.transform.isVisible() and preview.exposure.isVisible()  # a scene-linear clip


def test_the_viewer_controls_hide_for_a_sound_and_for_text(window, qtbot, tmp_path):
    preview = window.preview
    music = window.actions_.add_node("sound.music_file", (0, 0))
    window.actions_.set_param(music, "path", str(_sine_wav(tmp_path / "tone.wav")))
    window.scene.select_nodes([music])
    window.run_selected()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: preview.waveform.peaks is not None, timeout=10_000)
    assert not preview.transform.isVisible() and not preview.exposure.isVisible()
    text = window.actions_.add_node("value.text", (0, 200))
    window.actions_.set_param(text, "text", "a line")
    window.scene.select_nodes([text])
    window.run_selected()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: "a line" in preview.text.toPlainText(), timeout=10_000)
    assert not preview.transform.isVisible() and not preview.exposure.isVisible()
