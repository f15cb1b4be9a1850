"""The timeline panel driven with the mouse and keys as an editor would: drag a shot to reorder it,
drag its edges to trim, split at the playhead, drag a dissolve's handle, slide a sound, add and move
markers; each edit is one undo step on the graph, and the clips follow the canvas selection."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from engine.timeline.model import build_timeline
from tests.app.conftest import wait_render
from tests.timeline_project import save_timeline_project


@pytest.fixture
def panel(window, qtbot, tmp_path):
    window.resize(1400, 900)
    assert window.open_project(save_timeline_project(tmp_path / "film"))
    panel = window.timeline
    panel.parentWidget().raise_()
    panel.resize(1300, 320)
    panel.view.resize(1280, 260)
    qtbot.waitUntil(lambda: panel.view.timeline is not None, timeout=5_000)
    assert not any(s.material.known for s in panel.view.timeline.shots)  # planned until rendered
    window.renderer.run_to("cut")  # the shots and the Sequence; no film is written
    wait_render(qtbot, window)
    # After the render the probe measures each shot's output: every length is known.
    qtbot.waitUntil(lambda: panel.view.timeline is not None
                    and all(s.material.known for s in panel.view.timeline.shots), timeout=20_000)
    panel.zoom_to(10.0)  # 10 pixels a frame from frame 0: positions below are x_of(frame)
    return panel


def _send(view, kind, x, y, buttons=Qt.LeftButton, modifiers=Qt.NoModifier):
    button = Qt.NoButton if kind == QEvent.MouseMove else Qt.LeftButton
    event = QMouseEvent(kind, QPointF(x, y), view.mapToGlobal(QPointF(x, y)), button, buttons, modifiers)
    QApplication.sendEvent(view, event)


def drag(view, start, end, steps=6):
    (x0, y0), (x1, y1) = start, end
    _send(view, QEvent.MouseButtonPress, x0, y0)
    for i in range(1, steps + 1):
        _send(view, QEvent.MouseMove, x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
    _send(view, QEvent.MouseButtonRelease, x1, y1, buttons=Qt.NoButton)


def picture_y(view):
    from app.ui.timeline.layout import PICTURE_HEIGHT, RULER_HEIGHT
    return RULER_HEIGHT + PICTURE_HEIGHT / 2


def spans(graph):
    return [(s.name, s.start, s.end) for s in build_timeline(graph, "cut").shots]


def settle(qtbot, panel):
    qtbot.waitUntil(lambda: not panel._refresh_timer.isActive(), timeout=5_000)


def test_the_panel_shows_the_sequence_and_the_mix(panel):
    timeline = panel.view.timeline
    assert [s.name for s in timeline.shots] == ["Shot A", "Shot B", "Shot C"]
    assert timeline.frame_count == 96
    assert [s.name for s in timeline.sounds["dialogue"]] == ["Line at 0.5 s"]
    assert "3 shots · 96 frames" in panel.info.text()


def test_dragging_a_shot_past_another_reorders_them_in_one_undo_step(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    y = picture_y(view)
    drag(view, (layout.x_of(12), y), (layout.x_of(60), y))  # shot A's middle past shot B's
    settle(qtbot, panel)
    graph = window.document.graph
    assert [s.name for s in build_timeline(graph, "cut").shots] == ["Shot B", "Shot A", "Shot C"]
    assert [s.name for s in view.timeline.shots] == ["Shot B", "Shot A", "Shot C"]  # the view redrew from the graph
    window.document.stack.undo()
    settle(qtbot, panel)
    assert [s.name for s in view.timeline.shots] == ["Shot A", "Shot B", "Shot C"]


def test_dragging_an_edge_trims_with_and_without_ripple(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    graph = window.document.graph
    y = picture_y(view)
    drag(view, (layout.x_of(24) - 2, y), (layout.x_of(18) - 2, y))  # A's tail in by 6 frames
    settle(qtbot, panel)
    assert spans(graph)[:2] == [("Shot A", 0, 18), ("Shot B", 18, 66)]
    window.document.stack.undo()
    panel.ripple.setChecked(False)
    settle(qtbot, panel)
    drag(view, (layout.x_of(24) + 2, y), (layout.x_of(30) + 2, y))  # B's head in by 6: a gap is left
    settle(qtbot, panel)
    assert spans(graph)[:2] == [("Shot A", 0, 24), ("Shot B", 30, 72)]
    assert build_timeline(graph, "cut").shot(2).gap == 6


def test_an_edge_snaps_to_the_playhead(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    view.set_playhead(20)
    y = picture_y(view)
    drag(view, (layout.x_of(24) - 2, y), (layout.x_of(20.6) - 2, y))  # released near the playhead
    settle(qtbot, panel)
    assert spans(window.document.graph)[0] == ("Shot A", 0, 20)


def test_split_at_the_playhead_with_the_s_key(panel, window, qtbot):
    view = panel.view
    view.set_playhead(40)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_S)
    settle(qtbot, panel)
    assert spans(window.document.graph) == [("Shot A", 0, 24), ("Shot B", 24, 40), ("Shot B (2)", 40, 72),
                                            ("Shot C", 60, 96)]
    assert window.document.stack.undo_text.startswith("Split Shot B")


def test_dragging_a_dissolve_handle_changes_its_length(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    shot_c = view.timeline.shot(3)  # the dissolve B -> C, 12 frames, its handle mid-way
    handle_x = layout.x_of(shot_c.start + shot_c.join.frames / 2)
    from app.ui.timeline.layout import PICTURE_HEIGHT, RULER_HEIGHT
    y = RULER_HEIGHT + PICTURE_HEIGHT * 0.6
    assert view.layout.hit(view.timeline, handle_x, y).kind == "join"
    drag(view, (handle_x, y), (handle_x + layout.x_of(3) - layout.x_of(0), y))  # +3 frames: 6 more frames
    settle(qtbot, panel)
    join = build_timeline(window.document.graph, "cut").shot(3).join
    assert (join.kind, join.frames) == ("dissolve", 18)


def test_the_context_menu_turns_a_cut_into_a_fade(panel, window, qtbot):
    view = panel.view
    hit = view.layout.hit(view.timeline, view.layout.x_of(30), picture_y(view))
    menu = view.context_menu(hit, 30)
    into = next(a.menu() for a in menu.actions() if a.menu() and "into Shot B" in a.text())
    next(a for a in into.actions() if a.text() == "Fade through black").trigger()
    settle(qtbot, panel)
    join = build_timeline(window.document.graph, "cut").shot(2).join
    assert join.kind == "fade through black" and join.frames == 12


def test_sliding_a_sound_along_its_track(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    from app.ui.timeline.layout import SOUND_HEIGHT, TimelineLayout
    y = TimelineLayout.sound_top("dialogue") + SOUND_HEIGHT / 2
    panel.snapping.setChecked(False)
    drag(view, (layout.x_of(14), y), (layout.x_of(38), y))  # the line starts at 12 (0.5 s): 24 frames later
    settle(qtbot, panel)
    assert window.document.graph.nodes["line_at"].params["offset"] == pytest.approx(1.5)


def test_markers_from_the_m_key_are_dragged_and_renamed(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    view.set_playhead(30)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_M)
    settle(qtbot, panel)
    marker, = view.timeline.markers
    assert marker.frame == 30
    from app.ui.timeline.layout import RULER_HEIGHT
    panel.snapping.setChecked(False)
    drag(view, (layout.x_of(30), RULER_HEIGHT - 6), (layout.x_of(50), RULER_HEIGHT - 6))
    settle(qtbot, panel)
    assert view.timeline.markers[0].frame == 50
    view.ask_text = lambda *args: "Music in"
    qtbot.mouseDClick(view, Qt.LeftButton, pos=QPointF(layout.x_of(50), RULER_HEIGHT - 6).toPoint())
    settle(qtbot, panel)
    assert view.timeline.markers[0].name == "Music in"


def test_clip_and_canvas_selection_follow_each_other(panel, window, qtbot):
    view, layout = panel.view, panel.view.layout
    qtbot.mouseClick(view, Qt.LeftButton, pos=QPointF(layout.x_of(40), picture_y(view)).toPoint())
    assert window.scene.selected_node_ids() == ["shot_b"]
    assert window.inspector.isVisible()
    window.scene.select_nodes(["shot_c"])
    assert view.selected_nodes == {"shot_c"}


def test_a_selection_repaints_only_the_clips_it_outlines_and_outlines_them(panel, window, qtbot):
    from PySide6.QtCore import QObject

    from app.ui.theme import SELECTION
    from app.ui.timeline.painting import shot_box

    view = panel.view
    window.scene.select_nodes(["shot_b"])
    qtbot.waitUntil(lambda: view.selected_nodes == {"shot_b"})
    QApplication.processEvents()

    class Paints(QObject):
        regions = []

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Paint:
                self.regions.append(event.region())
            return False

    paints = Paints()
    view.installEventFilter(paints)
    window.scene.select_nodes(["shot_c"])
    QApplication.processEvents()
    view.removeEventFilter(paints)
    boxes = {name: shot_box(next(s for s in view.timeline.shots if s.node_id == name), view.layout).toAlignedRect()
             for name in ("shot_a", "shot_b", "shot_c")}
    painted = paints.regions[0]
    assert painted.intersects(boxes["shot_b"]) and painted.intersects(boxes["shot_c"])
    assert not painted.intersects(boxes["shot_a"].adjusted(3, 3, -3, -3))  # unchanged: not repainted
    picture = view.grab().toImage()
    c, b = boxes["shot_c"], boxes["shot_b"]
    assert picture.pixelColor(c.center().x(), c.top() + 1).name() == SELECTION.name()  # outlined
    assert picture.pixelColor(b.center().x(), b.top() + 1).name() != SELECTION.name()  # no longer


def test_the_playhead_and_the_player_follow_each_other(panel, window, qtbot):
    preview, view = window.preview, panel.view
    view.set_playhead(30)  # scrubbing the timeline shows it in the player, at that frame
    qtbot.waitUntil(lambda: preview.node_id == "cut" and preview.player.shown_frame == 30, timeout=10_000)
    preview.player.seek(50)  # and the player moves the playhead
    qtbot.waitUntil(lambda: view.playhead == 50, timeout=5_000)
    panel.play_button.click()
    qtbot.waitUntil(lambda: preview.player.is_playing, timeout=5_000)
    preview.player.pause()


def test_a_marker_leaves_what_was_rendered_rendered(panel, window, qtbot):
    assert window.renderer.status("cut").state in ("done", "cached")
    panel.view.set_playhead(12)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key_M)
    settle(qtbot, panel)
    assert len(panel.view.timeline.markers) == 1
    assert window.renderer.status("cut").state in ("done", "cached")  # a marker changes no frame
    panel.view.add_marker()  # a trim, by contrast, makes the Sequence stale
    from engine.timeline import edits
    window.document.stack.push(edits.trim_shot(window.document.graph, panel.view.timeline, 1, "tail", 2))
    assert window.renderer.status("cut").state == "idle"
