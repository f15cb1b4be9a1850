"""The player: a node's frames shown in time with its sound, the sound card being the master clock.

A QTimer polls the clock every few milliseconds; the frame due is floor(seconds × fps) of the
clock's exact time. If that frame is in the RAM cache it is shown; if not, the picture on screen
stays and, once the clock has moved past it, the frame counts as dropped: a frame is never shown
late. Frames are made ahead of the playhead by the FramePrefetcher's workers.

Frame numbers are the clip's, 0-based. The timeline panel drives the player through seek(),
play(), pause(), is_playing and position_changed (emitted on every frame shown and every seek).
"""

from __future__ import annotations

import math
import threading
import time
from fractions import Fraction

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from . import clock as clocks
from .clock import SAMPLE_RATE
from .frame_cache import DEFAULT_BUDGET, FrameCache
from .prefetch import FramePrefetcher

A, B = "a", "b"  # the shown node, and the node it is compared with
SPEEDS = (1, 2, 4)  # J/L shuttle steps
READ_AHEAD_LIMIT = 96  # frames asked for ahead of the playhead at most (4 s at 24 fps)
TICK_MS = 4
# Pre-roll: on Play the clock waits (at most PREROLL_SECONDS) until the first PREROLL_FRAMES are made,
# as a deck pre-rolls; starting at once would drop the first frames while the workers warm up.
PREROLL_FRAMES = 4
PREROLL_SECONDS = 0.5


class Player(QObject):
    position_changed = Signal(int)  # the frame shown, or sought to
    frame_shown = Signal()  # image / image_b changed
    state_changed = Signal()  # playing, speed, in/out, loop, dropped or notice changed
    cache_changed = Signal()  # frames became ready (the cache bar repaints)
    error = Signal(str)  # a frame could not be made: one line for the caption
    clock_started = Signal()  # Play's pre-roll is over: the clock runs from here

    def __init__(self, clock_factory=None, cache_budget: int = DEFAULT_BUDGET, workers: int = 2,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._clock_factory = clock_factory  # None: the sound card's clock, or a silent one (clock.open_clock)
        self._clock = None
        self._opened_clock = None  # opened by prepare_clock on a worker, not yet taken by the GUI thread
        self._clock_lock = threading.Lock()
        self.cache = FrameCache(cache_budget)
        self.prefetcher = FramePrefetcher(self.cache, workers, self)
        self.prefetcher.ready.connect(self._on_ready)
        self.prefetcher.failed.connect(self._on_failed)
        self.source = self.source_b = None
        self.frame = 0  # the playhead: the frame on screen, or asked for while paused
        self.image = self.image_b = None
        self.shown_frame: int | None = None
        self.is_playing = False
        self.speed = 1
        self.in_point: int | None = None
        self.out_point: int | None = None
        self.loop = False
        self.dropped = 0
        self._size = self._size_b = (0, 0)
        self._target: int | None = None  # the frame the clock is in, while playing
        self._target_shown = False
        self._preroll_until: float | None = None  # while pre-rolling: when the clock starts anyway
        self.preroll_frames = PREROLL_FRAMES
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    # ---- the clock -------------------------------------------------------------------------------

    def prepare_clock(self) -> None:
        """Open the clock now, on the calling worker thread (a preview loading a clip calls it): finding
        the sound devices and opening a stream can take a good part of a second on a workstation, which
        the GUI thread would otherwise spend when the clip is shown."""
        with self._clock_lock:
            if self._clock is None and self._opened_clock is None:
                self._opened_clock = (self._clock_factory or clocks.open_clock)()

    @property
    def clock(self):
        if self._clock is None:  # opened on first use (or taken from prepare_clock, waiting for it to end)
            with self._clock_lock:
                opened, self._opened_clock = self._opened_clock, None
                self._clock = opened or (self._clock_factory or clocks.open_clock)()
            self.state_changed.emit()
        return self._clock

    @property
    def notice(self) -> str:
        return self._clock.notice if self._clock is not None else ""

    @property
    def fps(self) -> Fraction:
        return self.source.fps if self.source is not None else Fraction(24)

    def sample_of(self, frame: int) -> int:
        """The first sample inside frame `frame` (ceil), so floor(sample × fps / rate) is that frame."""
        fps = self.fps
        return -((-frame * SAMPLE_RATE * fps.denominator) // fps.numerator)

    def frame_of(self, sample: int) -> int:
        fps = self.fps
        return (sample * fps.numerator) // (SAMPLE_RATE * fps.denominator)

    # ---- what is shown ---------------------------------------------------------------------------

    def set_source(self, frames, audio=None, first=None) -> None:
        """Play `frames` (ClipFrames, MediaFrames; None clears) with `audio` (frames x 2 at 48 kHz, or
        None); `first`, frame 0 already made by the loader, is shown without being made again."""
        self.pause()
        self.source, self.frame, self.shown_frame, self.image = frames, 0, None, None
        self.in_point = self.out_point = None
        self.dropped = 0
        self.prefetcher.set_source(A, frames, self._size)
        if first is not None:
            self.cache.put(A, 0, first, first.sizeInBytes())
            self._show_if_ready(0)
        if frames is not None or self._clock is not None:
            self.clock.set_audio(audio)
            self.clock.seek(0)
        self.state_changed.emit()
        if frames is not None:
            self._request()

    def replace_frames(self, frames) -> None:
        """The same clip made differently (another viewer transform): the playhead stays where it is."""
        self.source = frames
        self.prefetcher.set_source(A, frames, self._size)
        self._request()

    def set_compare(self, frames) -> None:
        """Show `frames` beside or over the main picture (an A/B compare); None ends it."""
        self.source_b, self.image_b = frames, None
        self.prefetcher.set_source(B, frames, self._size_b)
        self._request()

    def set_view_size(self, size: tuple[int, int], size_b: tuple[int, int] | None = None) -> None:
        """The device pixels frames are fitted to; a change makes them again for the new size."""
        size_b = size_b or size
        if size != self._size:
            self._size = size
            self.prefetcher.set_source(A, self.source, size)
        if size_b != self._size_b:
            self._size_b = size_b
            self.prefetcher.set_source(B, self.source_b, size_b)
        self._request()

    @property
    def frame_count(self) -> int:
        return self.source.frame_count if self.source is not None else 0

    def play_range(self) -> tuple[int, int]:
        """First and last frame played: in to out when set, else the whole clip."""
        last = max(0, self.frame_count - 1)
        first = self.in_point if self.in_point is not None else 0
        end = self.out_point if self.out_point is not None else last
        return min(first, last), min(end, last)

    # ---- transport -------------------------------------------------------------------------------

    def play(self) -> None:
        if self.source is None or self.frame_count < 1:
            return
        first, last = self.play_range()
        if self.speed > 0 and (self.frame >= last or self.frame < first) and (self.loop or self.frame >= last):
            self.frame = first  # play from the top when at the end (or outside a loop)
        elif self.speed < 0 and (self.frame <= first or self.frame > last) and (self.loop or self.frame <= first):
            self.frame = last
        self.dropped = 0
        self._target, self._target_shown = None, False
        clock = self.clock
        clock.seek(self.sample_of(self.frame))
        clock.set_rate(self.speed)
        self._preroll_until = time.monotonic() + PREROLL_SECONDS  # the clock starts in _tick
        self.is_playing = True
        self.prefetcher.max_in_flight = self.prefetcher.workers + 1
        self._timer.start()
        self.state_changed.emit()
        self._tick()

    def pause(self) -> None:
        self._timer.stop()
        self._preroll_until = None
        if self._clock is not None:
            self._clock.stop()
        was = self.is_playing
        self.is_playing = False
        self.prefetcher.max_in_flight = 1  # paused, only the frame asked for last is worth making
        if was:
            if self.shown_frame is not None:
                self.frame = self.shown_frame
            self.state_changed.emit()
            self._request()

    def toggle(self) -> None:
        """Space: play at 1x, or pause."""
        if self.is_playing:
            self.pause()
        else:
            self._set_speed(1)
            self.play()

    def shuttle(self, direction: int) -> None:
        """J (-1) and L (+1): play that way at 1x; pressed again, 2x then 4x (silent above 1x)."""
        if self.is_playing and (self.speed > 0) == (direction > 0):
            step = SPEEDS[min(SPEEDS.index(abs(self.speed)) + 1, len(SPEEDS) - 1)]
        else:
            step = 1
        self._set_speed(step * direction)
        if self.is_playing:
            self.clock.seek(self.clock.position_samples())
            self.clock.set_rate(self.speed)
            self.state_changed.emit()
        else:
            self.play()

    def stop_shuttle(self) -> None:
        """K: pause, and the next play is at 1x forward."""
        self.pause()
        self._set_speed(1)

    def _set_speed(self, speed: int) -> None:
        if speed != self.speed:
            self.speed = speed
            self.state_changed.emit()

    def seek(self, frame: int) -> None:
        """Show frame `frame` (clamped to the clip); playback, if on, goes on from there."""
        if self.source is None:
            return
        frame = max(0, min(int(frame), self.frame_count - 1))
        self.frame = frame
        self._target, self._target_shown = None, False
        if self.is_playing:
            self.clock.seek(self.sample_of(frame))
        self.position_changed.emit(frame)
        if not self.is_playing:
            self._request()
            self._show_if_ready(frame)

    def scrub(self, frame: int) -> None:
        """A seek from dragging the playhead: a grain of sound about one frame long is heard there."""
        self.seek(frame)
        if not self.is_playing and self.source is not None:
            self.clock.scrub(self.sample_of(self.frame), self.sample_of(1))

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(self.frame + frames)

    def go_to_start(self) -> None:
        self.seek(self.play_range()[0] if self.in_point is not None and self.frame != self.in_point else 0)

    def go_to_end(self) -> None:
        last = self.frame_count - 1
        self.seek(self.out_point if self.out_point is not None and self.frame != self.out_point else last)

    def mark_in(self) -> None:
        self.in_point = self.frame
        if self.out_point is not None and self.out_point < self.in_point:
            self.out_point = None
        self.state_changed.emit()

    def mark_out(self) -> None:
        self.out_point = self.frame
        if self.in_point is not None and self.in_point > self.out_point:
            self.in_point = None
        self.state_changed.emit()

    def clear_in_out(self) -> None:
        self.in_point = self.out_point = None
        self.state_changed.emit()

    def set_loop(self, on: bool) -> None:
        self.loop = bool(on)
        self.state_changed.emit()

    # ---- the clocked display -----------------------------------------------------------------------

    def _tick(self) -> None:
        if not self.is_playing or self.source is None:
            return
        if self._preroll_until is not None:
            if not self._prerolled():
                self._request()
                return
            self._preroll_until = None
            self.clock.start()
            self.clock_started.emit()
        due = self.frame_of(self.clock.position_samples())
        first, last = self.play_range()
        ended = False
        if (self.speed > 0 and due > last) or (self.speed < 0 and due < first):
            if self.loop:
                self._count_missed(last if self.speed > 0 else first)
                self._target = None
                self.frame = first if self.speed > 0 else last
                self.clock.seek(self.sample_of(self.frame))
                due = self.frame
            else:
                due, ended = (last if self.speed > 0 else first), True
        if due != self._target:
            self._count_missed(due)
            self._target, self._target_shown = due, False
            self.frame = due
        if not self._target_shown:
            self._target_shown = self._show_if_ready(due)
        if ended:
            self.pause()
            self.frame = due
            self._request()
            return
        self._request()

    def _prerolled(self) -> bool:
        """Whether the first frames to play are made (or pre-roll has waited long enough)."""
        if self.preroll_frames <= 0 or time.monotonic() >= self._preroll_until:
            return True
        first, last = self.play_range()
        direction = 1 if self.speed > 0 else -1
        upcoming = [f for f in (self.frame + i * direction for i in range(self.preroll_frames)) if first <= f <= last]
        return all(self.cache.has(A, f) for f in upcoming)

    def _count_missed(self, due: int) -> None:
        """Frames whose time passed without being shown: the one left, and any jumped over."""
        if self._target is None:
            return
        missed = (0 if self._target_shown else 1) + max(0, abs(due - self._target) - 1)
        if missed:
            self.dropped += missed
            self.state_changed.emit()

    def _show_if_ready(self, frame: int) -> bool:
        image = self.cache.get(A, frame)
        if image is None:
            return False
        self.image, self.shown_frame = image, frame
        if self.source_b is not None:
            other = self.cache.get(B, min(frame, self.source_b.frame_count - 1))
            self.image_b = other if other is not None else self.image_b
        self.frame_shown.emit()
        self.position_changed.emit(frame)
        return True

    def _request(self) -> None:
        """Ask the workers for the frames about to be due (only the playhead's while paused)."""
        if self.source is None:
            return
        self.cache.playhead, self.cache.direction = self.frame, 1 if self.speed > 0 else -1
        if self.is_playing:
            wanted = self._ahead()
        else:
            wanted = [self.frame]
        self.prefetcher.want(A, wanted)
        if self.source_b is not None:
            count = self.source_b.frame_count
            self.prefetcher.want(B, list(dict.fromkeys(min(i, count - 1) for i in wanted)))

    def _ahead(self) -> list[int]:
        first, last = self.play_range()
        sample = self.cache.get(A, self.shown_frame) if self.shown_frame is not None else None
        per_frame = sample.sizeInBytes() if sample is not None else 4 * max(1, self._size[0] * self._size[1])
        layers = 2 if self.source_b is not None else 1
        count = min(READ_AHEAD_LIMIT, self.cache.room_for(per_frame * layers) - 2)
        direction = 1 if self.speed > 0 else -1
        index = self.frame
        if self._preroll_until is None and not self.cache.has(A, index):
            # Behind: a frame asked for now is ready only after one frame's making time, so ask for the
            # one due then; frames asked for at the playhead would all arrive late and be dropped.
            lead = self.prefetcher.seconds_per_frame * float(self.fps) * abs(self.speed) / self.prefetcher.workers
            index += direction * math.ceil(lead * 1.5)
        frames = []
        for _ in range(max(1, count)):
            if not first <= index <= last:
                if not self.loop:
                    break
                index = first if direction > 0 else last
            frames.append(index)
            index += direction
        return frames

    def _on_ready(self, layer: str, index: int) -> None:
        self.cache_changed.emit()
        if layer == B and self.shown_frame is not None and index == min(self.shown_frame, self.source_b.frame_count - 1):
            self.image_b = self.cache.get(B, index)
            self.frame_shown.emit()
        elif layer == A and not self.is_playing and index == self.frame:
            self._show_if_ready(index)
        elif layer == A and self.is_playing and index == self._target and not self._target_shown:
            if self.frame_of(self.clock.position_samples()) == index:  # still inside its own time: not late
                self._target_shown = self._show_if_ready(index)

    def _on_failed(self, layer: str, index: int, message: str) -> None:
        self.pause()
        self.error.emit(f"frame {index}{' of the compared node' if layer == B else ''} cannot be shown: {message}")

    def shutdown(self) -> None:
        self.pause()
        self.prefetcher.shutdown()
        with self._clock_lock:  # a clock a worker opened and nobody took is closed too
            for clock in (self._clock, self._opened_clock):
                if clock is not None:
                    clock.close()
            self._opened_clock = None
