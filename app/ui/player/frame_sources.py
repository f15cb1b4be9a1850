"""What the player's workers turn into pictures: an engine clip, or a movie file decoded directly.

An engine clip goes through the colour-managed viewer path (scene-linear float, the viewer
transform, then fitted). A movie file (an Export's result) is display-referred 8-bit already, so
it is decoded with FFmpeg's threads and converted to 32-bit RGB at the view size inside swscale,
one pass, which is what lets 1080p H.264 play at speed on two cores.

Both read under a lock (clips such as a Sequence stream sequentially and are not thread-safe;
a decoder is one stream) and convert outside it, so two workers overlap conversion with reading.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PySide6.QtGui import QImage

from engine.media.video_io import VideoFileClip

from ..preview_load import Viewer, display_image, fitted
from .clock import SAMPLE_RATE, playback_samples


def fit_size(width: int, height: int, into_w: int, into_h: int) -> tuple[int, int]:
    """width×height scaled to fit into_w×into_h, aspect kept, never enlarged (even sizes for swscale)."""
    if into_w <= 0 or into_h <= 0:
        return width, height
    scale = min(1.0, into_w / width, into_h / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class ClipFrames:
    """An engine clip shown through the viewer transform.

    `reopen`, when given, makes another instance of the same clip (the node's output read again:
    cheap, the frames are lazy): each worker thread then reads its own, so two workers make two
    frames at once instead of queueing on the one clip's lock. A Sequence's shots made on the fly
    (a still through a camera move) need that to play at speed on two cores.
    """

    def __init__(self, clip, viewer: Viewer = Viewer(), reopen=None):
        self.clip, self.viewer, self.reopen = clip, viewer, reopen
        self.fps: Fraction = clip.fps
        self.frame_count, self.width, self.height = clip.frame_count, clip.width, clip.height
        self._lock = threading.Lock()
        self._own = threading.local()
        self._owner = threading.get_ident()  # the thread that may use `clip` without the lock: none yet

    def with_viewer(self, viewer: Viewer) -> "ClipFrames":
        return ClipFrames(self.clip, viewer, self.reopen)

    def _read(self, index: int):
        if self.reopen is not None:
            clip = getattr(self._own, "clip", None)
            if clip is None:
                try:
                    clip = self._own.clip = self.reopen() or self.clip
                except Exception:  # read again it failed (the cache was cleared): share the first one
                    clip = self._own.clip = self.clip
            if clip is not self.clip:
                return clip.frame(index)
        with self._lock:
            return self.clip.frame(index)

    def image(self, index: int, width: int, height: int) -> QImage:
        pixels = self._read(index)
        # Shrunk to the view before the viewer transform, which costs per pixel: a 720p frame in a
        # dock a third as wide is transformed at a ninth of the work (area averaging, so no aliasing).
        out_w, out_h = fit_size(pixels.shape[1], pixels.shape[0], width, height)
        if out_w < pixels.shape[1]:
            pixels = cv2.resize(np.ascontiguousarray(pixels), (out_w, out_h), interpolation=cv2.INTER_AREA)
        return fitted(display_image(pixels, self.clip.color_space, self.viewer), width, height)


class MediaFrames:
    """A movie file's frames, decoded in order while playback goes forward and sought on a jump."""

    SKIP_AHEAD = 12  # decoding a few frames on is cheaper than seeking back to a keyframe

    def __init__(self, path: str | Path):
        probe = VideoFileClip(path)  # size, exact rate and frame count, with its clear errors
        self.path = Path(path)
        self.fps: Fraction = probe.fps
        self.frame_count, self.width, self.height = probe.frame_count, probe.width, probe.height
        self._time_base, self._start = probe._time_base, probe._start
        self._lock = threading.Lock()
        self._container = None
        self._decoded = None
        self._next = -1

    def _index_of(self, frame) -> int:
        ticks = (frame.pts if frame.pts is not None else 0) - self._start
        return round(ticks * self._time_base * self.fps)

    def _restart(self, index: int) -> None:
        if self._container is None:
            self._container = av.open(str(self.path))
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"  # frame threads: several times faster than one thread
        target = self._start + int(Fraction(index) / self.fps / self._time_base)
        self._container.seek(max(self._start, target), stream=self._stream, backward=True, any_frame=False)
        self._decoded = self._container.decode(self._stream)
        self._next = -1

    def _frame_at(self, index: int):
        sought = self._decoded is None or not self._next <= index <= self._next + self.SKIP_AHEAD
        if sought:
            self._restart(index)
        while (frame := next(self._decoded, None)) is not None:
            found = self._index_of(frame)
            self._next = found + 1
            if found < index:
                continue  # between the keyframe and the frame wanted
            if found > index and sought and index > 0:
                # Some files seek imprecisely and land past the frame: decode from the top instead.
                self._restart(0)
                sought = False
                continue
            return frame
        self._decoded = None
        raise ValueError(f"{self.path.name} has no frame {index}; the file is truncated")

    def image(self, index: int, width: int, height: int) -> QImage:
        with self._lock:
            try:
                frame = self._frame_at(index)
            except av.FFmpegError as exc:
                self._decoded = None
                raise ValueError(f"{self.path.name} is damaged near frame {index}: {exc}") from exc
        out_w, out_h = fit_size(self.width, self.height, width, height)
        # "bgra" is QImage's RGB32 byte order on little-endian machines: no conversion after swscale.
        pixels = frame.reformat(width=out_w, height=out_h, format="bgra", interpolation="BILINEAR").to_ndarray()
        pixels = np.ascontiguousarray(pixels)
        return QImage(pixels.data, out_w, out_h, pixels.strides[0], QImage.Format_RGB32).copy()

    def close(self) -> None:
        with self._lock:
            if self._container is not None:
                self._container.close()
                self._container, self._decoded = None, None


def media_audio(path: str | Path) -> np.ndarray | None:
    """A movie file's sound as 48 kHz stereo float32 (frames x 2), or None when it has none."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=SAMPLE_RATE)
        chunks = []
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1, 2))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1, 2))
    if not chunks:
        return None
    return playback_samples(np.concatenate(chunks).T.astype(np.float32))
