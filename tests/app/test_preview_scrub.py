"""Scrubbing a clip in the preview: only the latest frame asked for is worked out, it arrives
fitted to the picture area, and the preview's work runs below the GUI's priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtGui import QImage

from engine.priority import BACKGROUND_NICENESS
from tests.app.conftest import preview_title_clip


def _title_clip(window, qtbot):
    """A rendered 1280x720 title in a preview dock narrower than it: frames are shrunk to fit."""
    window.resize(900, 700)
    return preview_title_clip(window, qtbot, "1280x720")


def test_a_drag_works_out_only_the_latest_frame_fitted_to_the_picture(window, qtbot, monkeypatch):
    preview = _title_clip(window, qtbot)
    # Each player worker may read its own instance of the clip (ClipFrames.reopen): the frames worked
    # out are counted where every worker reads them.
    source, read = preview.player.source, []
    release = threading.Event()
    real_read = source._read

    def frame(index):  # the first frame asked for holds the worker while the slider moves on
        read.append(index)
        if len(read) == 1:
            release.wait(10)
        return real_read(index)

    monkeypatch.setattr(source, "_read", frame)
    shown = preview.picture.image
    preview.slider.setValue(5)
    qtbot.waitUntil(lambda: read == [5], timeout=10_000)  # the worker is busy with frame 5
    for index in (10, 15, 20):
        preview.slider.setValue(index)
    release.set()
    qtbot.waitUntil(lambda: read == [5, 20] and preview.picture.image is not shown, timeout=10_000)
    qtbot.wait(100)  # nothing queued behind it
    assert read == [5, 20], "frames 10 and 15 were superseded while queued and must not be worked out"
    assert preview.frame_label.text() == "20 / 23"
    image = preview.picture.image
    width, height = preview.picture.pixel_size()
    assert width < 1280, "the test needs a picture area narrower than the clip"
    assert image.format() == QImage.Format_RGB32  # drawn without a conversion per paint
    assert image.width() <= width and image.height() <= height
    assert image.width() >= width - 1 or image.height() >= height - 1  # fills the area, aspect kept
    assert abs(image.width() / image.height() - 1280 / 720) < 0.02


def test_a_larger_picture_area_gets_the_frame_worked_out_again(window, qtbot):
    preview = _title_clip(window, qtbot)
    preview.slider.setValue(12)
    qtbot.waitUntil(lambda: preview.picture.image is not None and preview.picture.image.width() < 1280,
                    timeout=10_000)
    small = preview.picture.image
    window.resize(2600, 1800)
    qtbot.waitUntil(lambda: preview.picture.image is not small, timeout=10_000)
    assert preview.picture.image.width() > small.width()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_preview_and_thumbnail_workers_run_below_the_gui(window):
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def niceness():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    expected = max(gui, BACKGROUND_NICENESS)
    assert window.preview._pool.submit(niceness).result(timeout=10) == expected
    assert window.scene.thumbnails._pool.submit(niceness).result(timeout=10) == expected
    assert niceness() == gui  # the GUI thread itself is left alone
