"""Preview modes: before/after on grading nodes, and a waveform for nodes that output audio."""

from __future__ import annotations

import wave

import numpy as np

from app.ui.waveform import audio_peaks, column_peaks
from engine.media import colorspaces
from tests.app.conftest import wait_render


def _sine_wav(path, seconds=0.5, amplitude=0.5, rate=48000):
    t = np.arange(int(seconds * rate)) / rate
    samples = (amplitude * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def test_audio_output_shows_a_waveform(window, qtbot, tmp_path):
    music = window.actions_.add_node("sound.music_file", (0, 0))
    window.actions_.set_param(music, "path", str(_sine_wav(tmp_path / "tone.wav")))
    window.scene.select_nodes([music])
    window.run_selected()
    wait_render(qtbot, window)
    preview = window.preview
    qtbot.waitUntil(lambda: preview.waveform.peaks is not None, timeout=10_000)
    assert preview.stack.currentWidget() is preview.waveform and not preview.before.isVisible()
    assert "0.50 s" in preview.caption.text() and "audio" in preview.caption.text()
    columns = column_peaks(preview.waveform.peaks, 400)
    assert columns.shape == (2, 400)
    assert abs(columns[1].max() - 0.5) < 0.02 and abs(columns[0].min() + 0.5) < 0.02
    picture = preview.waveform.grab().toImage()  # painted: green columns about the middle line
    middle = picture.pixelColor(picture.width() // 2, picture.height() // 2)
    assert middle.green() > middle.red()


def test_peaks_are_exact_per_column():
    samples = np.zeros((2, 1000), np.float32)
    samples[0, 10], samples[1, 990] = 0.9, -0.7
    peaks = audio_peaks(samples, buckets=100)
    columns = column_peaks(peaks, 10)
    assert columns[1, 0] == np.float32(0.9) and columns[0, 9] == np.float32(-0.7)
    assert columns[1, 5] == 0.0 and columns[0, 5] == 0.0


def test_before_toggle_shows_the_grades_input(window, qtbot):
    actions = window.actions_
    bars = actions.add_node("image.color_bars", (0, 0))
    actions.set_param(bars, "resolution", "640x360")
    grade = actions.add_node("color.grade_image", (300, 0))
    actions.set_param(grade, "exposure", -3.0)
    actions.connect_ports(bars, "image", grade, "image")
    window.scene.select_nodes([grade])
    preview = window.preview
    assert preview.before.isVisible() and not preview.before.isChecked()
    window.run_selected()
    wait_render(qtbot, window, timeout_ms=60_000)
    qtbot.waitUntil(lambda: preview.picture.image is not None, timeout=10_000)
    after = preview.picture.image
    preview.before.setChecked(True)
    qtbot.waitUntil(lambda: preview.picture.image is not None and preview.picture.image is not after, timeout=10_000)
    before = preview.picture.image
    assert "before" in preview.caption.text()
    x, y = before.width() // 16, before.height() // 3  # the first (white/grey) bar
    assert before.pixelColor(x, y).lightness() > after.pixelColor(x, y).lightness() + 40
    preview.before.setChecked(False)
    qtbot.waitUntil(lambda: preview.picture.image is not None and preview.picture.image is not before,
                    timeout=10_000)
    assert "before" not in preview.caption.text()
    assert preview.picture.image.pixelColor(x, y) == after.pixelColor(x, y)
    window.scene.select_nodes([bars])
    assert not preview.before.isVisible()


def test_viewer_transforms_show_linear_grey_as_each_display_encodes_it():
    from app.ui.preview_load import Viewer, display_image

    grey = np.full((4, 4, 3), 0.18, np.float32)  # scene-linear 18 % grey
    def shown(viewer):
        return display_image(grey, "lin_rec709", viewer).pixelColor(1, 1).red()
    # Independent of the code: the sRGB curve, BT.1886's 1/2.4 power, and the raw number.
    srgb = 1.055 * 0.18 ** (1 / 2.4) - 0.055
    assert abs(shown(Viewer()) - srgb * 255) <= 1
    assert abs(shown(Viewer("Rec.709 (gamma 2.4)")) - 0.18 ** (1 / 2.4) * 255) <= 1
    assert abs(shown(Viewer("Raw values")) - 0.18 * 255) <= 1
    from engine.media import aces_output

    aces = np.full((1, 3), 0.18, np.float32) @ colorspaces.gamut_matrix("ITU-R BT.709", "ACEScg").T
    aces = np.ascontiguousarray(aces, np.float32)
    aces_output.exact_processor(aces_output.SRGB_DISPLAY).applyRGB(aces)  # OpenColorIO's exact ACES 2.0
    assert abs(shown(Viewer("ACES 2.0 SDR (sRGB)")) - aces[0, 0] * 255) <= 1.5
    brighter = 1.055 * 0.36 ** (1 / 2.4) - 0.055  # +1 stop doubles the light before the display curve
    assert abs(shown(Viewer("sRGB", 1.0)) - brighter * 255) <= 1
    assert np.allclose(grey, 0.18)  # the data itself is never changed


def test_changing_the_viewer_redraws_the_frame_shown_and_keeps_the_data(window, qtbot):
    actions = window.actions_
    bars = actions.add_node("image.color_bars", (0, 0))
    actions.set_param(bars, "resolution", "640x360")
    window.scene.select_nodes([bars])
    window.run_selected()
    wait_render(qtbot, window, timeout_ms=60_000)
    preview = window.preview
    qtbot.waitUntil(lambda: preview.picture.image is not None, timeout=10_000)
    srgb = preview.picture.image
    x, y = srgb.width() // 16, srgb.height() // 3
    preview.set_viewer("sRGB", -2.0)
    qtbot.waitUntil(lambda: preview.picture.image is not srgb, timeout=10_000)
    darker = preview.picture.image
    assert darker.pixelColor(x, y).lightness() < srgb.pixelColor(x, y).lightness() - 30
    assert preview.transform.currentText() == "sRGB" and preview.exposure.value() == -2.0
    preview.set_viewer("sRGB", 0.0)
    qtbot.waitUntil(lambda: preview.picture.image is not darker, timeout=10_000)
    assert preview.picture.image.pixelColor(x, y) == srgb.pixelColor(x, y)
