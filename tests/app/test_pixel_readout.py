"""The preview reads out the pixel under the mouse: where it is in the source, the display value shown,
and for an engine clip the scene-linear value the grade works on (read from the clip's frame)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.ui.pixel_readout import readout_text
from tests.app.conftest import preview_title_clip


def move(widget, point: QPointF) -> None:
    event = QMouseEvent(QEvent.MouseMove, point, widget.mapToGlobal(point), Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def test_hovering_a_clip_reads_out_its_display_and_scene_linear_values(window, qtbot):
    preview = preview_title_clip(window, qtbot, "640x360")
    picture = preview.picture
    qtbot.waitUntil(lambda: preview.player.shown_frame is not None, timeout=10_000)
    clip = preview.player.source.clip
    frame = clip.frame(preview.player.shown_frame)
    # A pixel of the title's text (the brightest; the card around it is one flat colour), so a value read
    # from any other place would differ.
    y, x = np.unravel_index(np.argmax(frame[..., :3].sum(axis=2)), frame.shape[:2])
    target = picture._target()
    point = QPointF(target.left() + (x + 0.5) * target.width() / clip.width,
                    target.top() + (y + 0.5) * target.height() / clip.height)
    assert picture.source_pixel(point) == (x, y)
    move(picture, point)
    label = preview.readout.label
    qtbot.waitUntil(lambda: "linear" in label.text(), timeout=10_000)
    assert label.text().startswith(f"x {x} y {y} · display ")
    shown_linear = [float(v) for v in label.text().split("linear ")[1].split()[:3]]
    assert np.allclose(shown_linear, frame[y, x, :3], atol=1e-4)
    assert not np.allclose(frame[y, x, :3], frame[2, 2, :3], atol=1e-3)  # the test needs a telling pixel
    picture.leaveEvent(QEvent(QEvent.Leave))
    assert label.text() == ""  # nothing pointed at: the line stays, empty, so the picture does not move


def test_the_readout_text_shows_each_value_it_has():
    assert readout_text((3, 4), (10, 20, 30)) == "x 3 y 4 · display  10  20  30"
    assert readout_text((3, 4), (10, 20, 30), (0.5, 0.25, 0.125, 1.0)).endswith("linear 0.5000 0.2500 0.1250 α 1.000")
