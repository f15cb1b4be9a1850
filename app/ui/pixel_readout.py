"""The pixel under the mouse in the preview: its position, the display value shown (8-bit, through the
viewer transform) and, for an engine clip, its scene-linear value (float, what the grade works on).

The scene-linear value is read from the clip's frame on a worker thread: the frame on show is read
once and kept, so moving the mouse over it costs a lookup; only the newest hover is answered.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy

from engine.priority import BACKGROUND_NICENESS, lower_thread_priority

from .theme import mono_font


def readout_text(pixel, shown, linear=None) -> str:
    """"x 512 y 288 · display 201 143 96 · linear 0.612 0.274 0.118" (the linear part when known)."""
    text = f"x {pixel[0]} y {pixel[1]}"
    if shown is not None:
        text += " · display " + " ".join(f"{c:3d}" for c in shown)
    if linear is not None:
        text += " · linear " + " ".join(f"{c:.4f}" for c in linear[:3])
        if len(linear) > 3:
            text += f" α {linear[3]:.3f}"
    return text


class PixelReadout(QObject):
    """Follows a PictureView's hover; `label` shows the values. `frames` gives the clip frame on show."""

    _linear = Signal(int, object)  # request number, (pixel, values) from the worker

    def __init__(self, picture, frame_source, parent=None):
        super().__init__(parent)
        self.picture, self.frame_source = picture, frame_source  # frame_source() -> (clip, index) or None
        self.label = QLabel()
        self.label.setFont(mono_font(9))
        self.label.setObjectName("hint")
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        # Always there, empty off the picture: showing and hiding it would move the picture under the mouse.
        self.label.setFixedHeight(self.label.fontMetrics().height() + 2)
        self._request = 0
        self._kept: tuple[object, int, object] | None = None  # (clip, frame index, its pixels)
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiprod-readout",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self._linear.connect(self._on_linear, Qt.QueuedConnection)
        picture.hovered.connect(self.hover)

    def hover(self, pixel) -> None:
        if pixel is None:
            self.label.setText("")
            with self._lock:
                self._request += 1  # an answer on its way is for a pixel no longer pointed at
            return
        shown = self.picture.shown_rgb(pixel)
        self.label.setText(readout_text(pixel, shown))
        source = self.frame_source()
        if source is None:
            return
        clip, index = source
        with self._lock:
            self._request += 1
            number = self._request

        def work():
            if number != self._request:
                return  # the mouse has moved on
            kept = self._kept
            if kept is None or kept[0] is not clip or kept[1] != index:
                kept = self._kept = (clip, index, clip.frame(index))
            pixels = kept[2]
            if pixel[1] < pixels.shape[0] and pixel[0] < pixels.shape[1]:
                self._linear.emit(number, (pixel, shown, tuple(float(v) for v in pixels[pixel[1], pixel[0]])))

        self._pool.submit(work)

    def _on_linear(self, number: int, result) -> None:
        if number == self._request:
            self.label.setText(readout_text(*result))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
