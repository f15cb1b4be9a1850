"""The player in the Preview dock: keys, a silent clock without PortAudio, the A/B wipe, and 5 s of
the sample film's Sequence played against the clock."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from app.ui.player.clock import WallClock
from tests.app.conftest import preview_title_clip, wait_render

ROOT = Path(__file__).resolve().parents[2]


def test_keys_drive_the_player_and_no_device_plays_silently(window, qtbot, no_portaudio):
    preview = preview_title_clip(window, qtbot, "640x360")
    player = preview.player
    preview.setFocus()
    qtbot.keyClick(preview, Qt.Key_Space)
    assert player.is_playing
    assert "no audio device: playing silently" in preview.transport.status.text()
    qtbot.keyClick(preview, Qt.Key_Space)
    assert not player.is_playing and not window.errors
    qtbot.keyClick(preview, Qt.Key_End)
    assert player.frame == 23 and preview.slider.value() == 23 and preview.frame_label.text() == "23 / 23"
    assert preview.transport.timecode.text() == "00:00:00:23"
    qtbot.keyClick(preview, Qt.Key_Home)
    qtbot.keyClick(preview, Qt.Key_Right)
    qtbot.keyClick(preview, Qt.Key_Right)
    assert player.frame == 2
    qtbot.keyClick(preview, Qt.Key_I)
    qtbot.keyClick(preview, Qt.Key_Right)
    qtbot.keyClick(preview, Qt.Key_O)
    assert player.play_range() == (2, 3)
    qtbot.keyClick(preview, Qt.Key_L)
    qtbot.keyClick(preview, Qt.Key_L)
    assert player.speed == 2 and "+2x, silent" in preview.transport.status.text()
    qtbot.keyClick(preview, Qt.Key_K)
    assert not player.is_playing
    qtbot.keyClick(preview, Qt.Key_F)
    assert preview.is_full_screen and preview.picture.window() is not window
    qtbot.keyClick(preview.picture.window(), Qt.Key_Escape)
    assert not preview.is_full_screen and preview.picture.window() is window
    qtbot.waitUntil(lambda: player.shown_frame == player.frame, timeout=5000)


def test_compare_with_the_grades_input_loads_it_as_b(window, qtbot):
    preview = preview_title_clip(window, qtbot, "640x360")
    actions = window.actions_
    title = window.scene.selected_node_ids()[0]
    grade = actions.add_node("color.grade", (300, 0))
    actions.set_param(grade, "exposure", -4.0)
    actions.connect_ports(title, "frames", grade, "frames")
    window.scene.select_nodes([grade])
    window.run_selected()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: preview.player.source is not None and preview.player.image is not None, timeout=10_000)
    preview._fill_compare_menu()
    menu = preview.transport.compare.menu()
    before = [a for a in menu.actions() if a.text().startswith("Compare with its input (before)")]
    assert before, "a grade offers its input as B"
    before[0].trigger()
    player = preview.player
    qtbot.waitUntil(lambda: player.image_b is not None, timeout=10_000)
    assert preview.picture.compare == "wipe" and "against" in preview.caption.text()
    assert preview.picture.image_b is player.image_b
    window.scene.select_nodes([title])
    assert preview.compare_node is None and preview.picture.compare == "off"  # a new node ends the compare


def test_the_wipe_paints_a_left_b_right_and_its_divider_drags(qtbot):
    from PySide6.QtGui import QColor, QImage

    from app.ui.player.picture import PictureView

    picture = PictureView()
    qtbot.addWidget(picture)
    picture.resize(400, 225)
    picture.show()
    white, black = QImage(160, 90, QImage.Format_RGB32), QImage(160, 90, QImage.Format_RGB32)
    white.fill(QColor("white"))
    black.fill(QColor("black"))
    picture.native = (1600, 900)
    picture.compare = "wipe"
    picture.set_image(white, black)

    def lightness(x_fraction):
        shot = picture.grab().toImage()
        return shot.pixelColor(int(shot.width() * x_fraction), shot.height() // 4).lightness()

    assert lightness(0.3) > 200 and lightness(0.7) < 50  # A left of the divider, B right of it
    y = picture.height() // 2
    qtbot.mousePress(picture, Qt.LeftButton, pos=QPoint(int(picture.divider_x()), y))
    qtbot.mouseMove(picture, QPoint(int(picture.width() * 0.1), y))
    qtbot.mouseRelease(picture, Qt.LeftButton, pos=QPoint(int(picture.width() * 0.1), y))
    assert 0.05 < picture.wipe < 0.15
    assert lightness(0.3) < 50 and lightness(0.05) > 200  # B from 10 % on
    qtbot.mousePress(picture, Qt.LeftButton, pos=QPoint(300, y))  # away from the divider: it stays
    qtbot.mouseMove(picture, QPoint(350, y))
    qtbot.mouseRelease(picture, Qt.LeftButton, pos=QPoint(350, y))
    assert 0.05 < picture.wipe < 0.15


def test_five_seconds_of_the_sample_film_play_on_time(window, qtbot, monkeypatch):
    """The Sequence "cut" is not rendered; its first shots (title, dawn still + camera) are cheap."""
    assert window.open_project(ROOT / "resources" / "examples" / "sample.aiprod")
    window.renderer.run_to("dawn")  # the still + camera move: a second; the lake shot is never rendered
    wait_render(qtbot, window, timeout_ms=60_000)
    preview = window.preview
    preview.player._clock_factory = WallClock  # silent and exact, whatever device this machine has
    preview.show_timeline("cut")
    player = preview.player
    qtbot.waitUntil(lambda: player.source is not None, timeout=30_000)
    assert "plays the first 2 of 4 shots" in preview.caption.text()
    fps = player.fps
    assert player.frame_count >= 5 * fps
    # (frame shown, the clock's time in seconds when the player chose to show it). Read as the player
    # decides, not in a frame_shown slot: the slots connected before the test's (the picture, the
    # timeline) paint first, and a machine stall during that paint would be counted as the player's.
    shown = []
    show_if_ready = player._show_if_ready

    def recording_show(frame: int) -> bool:
        at = player.clock.seconds()
        if not show_if_ready(frame):
            return False
        shown.append((frame, at))
        return True

    monkeypatch.setattr(player, "_show_if_ready", recording_show)
    qtbot.waitUntil(lambda: player.shown_frame == 0, timeout=10_000)
    began = []
    player.clock_started.connect(lambda: began.append(time.perf_counter()))
    player.play()
    qtbot.waitUntil(lambda: bool(began), timeout=2_000)  # after the pre-roll (half a second at most)
    started = began[0]
    qtbot.wait(5000 - round((time.perf_counter() - started) * 1000))
    player.pause()
    elapsed = time.perf_counter() - started
    due_at_end = player.frame_of(player.clock.position_samples())
    assert abs(due_at_end - elapsed * fps) <= 1  # the clock ran at the clip's rate
    frames = [frame for frame, _at in shown]
    # Shown within its own time: never before it starts, and never after it ends, but for a few
    # milliseconds of scheduling (the GUI thread is shared with the rest of the window on two cores).
    slack = 0.010
    early = [(f, at) for f, at in shown if f > 0 and at < f / fps - slack]
    late = [(f, at) for f, at in shown if at > (f + 1) / fps + slack]
    assert not early and not late, f"frames shown out of their time: early {early[:3]}, late {late[:3]}"
    assert frames == sorted(frames) and len(set(frames)) == len(frames)
    assert len(frames) + player.dropped >= frames[-1] - frames[0]  # every frame passed is shown or counted
    # The camera shot is rendered per frame on two shared cores: some frames drop, but playback keeps up
    # with the clock rather than falling behind it.
    assert frames[-1] >= due_at_end - 12 and len(frames) >= 24, f"{len(frames)} shown, {player.dropped} dropped"


def test_play_timeline_shows_the_cut_through_its_grade_as_it_is_exported(window, qtbot):
    """The sample's cut goes through the Warm look to the Export: the timeline plays the graded film,
    the shots that are ready of a cut not rendered yet, and the playhead follows it."""
    import numpy as np

    assert window.open_project(ROOT / "resources" / "examples" / "sample.aiprod")
    window.renderer.run_to("dawn")  # the title and the dawn shot are ready; the lake shot is not rendered
    wait_render(qtbot, window, timeout_ms=60_000)
    preview, panel = window.preview, window.timeline
    preview.player._clock_factory = WallClock
    assert panel.sequence_id == "cut"
    panel.play_timeline()
    qtbot.waitUntil(lambda: preview.player.source is not None, timeout=30_000)
    preview.player.pause()
    assert preview.node_id == "grade"
    assert "Warm look" in preview.caption.text() and "plays the first 2 of 4 shots" in preview.caption.text()
    assert preview.clip.frame_count > 130
    graded, cut = preview.clip.frame(130), preview.clip.source.frame(130)  # the dawn shot, through the look
    assert graded.shape == cut.shape and np.abs(graded - cut).mean() > 0.01
    preview.player.seek(40)
    qtbot.waitUntil(lambda: panel.view.playhead == 40, timeout=5_000)  # the playhead follows the graded film
    panel.view.set_playhead(70)  # and the graded film follows the playhead
    qtbot.waitUntil(lambda: preview.node_id == "grade" and preview.player.shown_frame == 70, timeout=10_000)


def test_a_narrow_preview_drops_transport_buttons_instead_of_widening_its_dock(window, qtbot):
    """With a Grade selected (its Before toggle, the viewer controls and a clip's transport all shown), the
    Preview asked for ~520 px and the dock took that room from the canvas; it now fits in 360 px."""
    from engine.commands import AddNode, Connect

    stack = window.document.stack
    stack.push(AddNode("image.color_bars", (0, 0), node_id="bars"))
    stack.push(AddNode("color.grade_image", (250, 0), {"exposure": 0.5}, node_id="grade"))
    stack.push(Connect("bars", "image", "grade", "image"))
    preview = window.preview
    window.scene.select_nodes(["grade"])
    preview._show_frames_controls(True)  # as for a clip: the transport row is on show
    qtbot.waitUntil(lambda: preview.before.isVisible(), timeout=3000)
    assert preview.minimumSizeHint().width() <= 360
    transport = preview.transport
    transport.resize(300, transport.height())
    transport.fit_buttons(300)
    shown = [b for b in transport.optional if not b.isHidden()]
    assert transport.play.isVisible() and transport.timecode.isVisible()
    assert transport.mark_in.isHidden() and len(shown) < len(transport.optional)
    assert sum(w.sizeHint().width() for w in (transport.back, transport.play, transport.forward,
                                               transport.timecode, *shown)) <= 300
    transport.fit_buttons(1200)
    assert not any(b.isHidden() for b in transport.optional)  # wide again: every button back


def test_the_sound_clock_opens_on_the_loading_worker_not_the_gui_thread(window, qtbot):
    """Finding sound devices and opening a stream may take a good part of a second: the preview's loader
    does it while the clip loads, and the GUI thread takes the clock ready."""
    import threading

    opened = []

    def clock():
        opened.append(threading.current_thread())
        return WallClock()

    window.preview.player._clock_factory = clock
    preview = preview_title_clip(window, qtbot, "640x360")
    assert preview.player.clock is not None
    assert len(opened) == 1 and opened[0] is not threading.main_thread()
    preview_title_clip(window, qtbot, "640x360", fade_in=0.5)  # another clip: the same clock plays it
    assert len(opened) == 1 and preview.player.clock is not None
