"""The player on a clock the test moves by hand and frame sources that the test controls: what is
shown when, the transport, and frames that come too late (dropped, never shown late)."""

from __future__ import annotations

import sys
import threading
from fractions import Fraction

import pytest
from PySide6.QtGui import QImage

from app.ui.player import clock as clocks
from app.ui.player.clock import WallClock
from app.ui.player.player import Player


class HandTime:
    """perf_counter_ns for a WallClock, moved only by the test."""

    def __init__(self):
        self.ns = 0

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: Fraction | float) -> None:
        self.ns += -(-Fraction(seconds) * 1_000_000_000 // 1)  # rounded up: a whole frame's time is in it


class Frames:
    """A frame source whose frame i is a tiny picture; frames in `slow` wait for `release`."""

    def __init__(self, count: int = 48, fps=Fraction(24), slow=()):
        self.fps, self.frame_count, self.width, self.height = Fraction(fps), count, 64, 36
        self.slow, self.release = set(slow), threading.Event()
        self.made: list[int] = []

    def image(self, index: int, width: int, height: int) -> QImage:
        if index in self.slow:
            self.release.wait(10)
        self.made.append(index)
        image = QImage(8, 8, QImage.Format_RGB32)
        image.fill(index)
        return image


@pytest.fixture
def hand():
    return HandTime()


@pytest.fixture
def player(qtbot, hand):
    made = Player(clock_factory=lambda: WallClock(now_ns=hand))
    made.preroll_frames = 0  # the hand clock runs from Play (pre-roll has its own test)
    made.set_view_size((64, 36))
    shown = []  # (frame shown, frame due on the clock at that moment)
    made.frame_shown.connect(lambda: shown.append((made.shown_frame, made.frame_of(made.clock.position_samples()))))
    made.shown = shown
    yield made
    made.shutdown()


def _ready(qtbot, player, frames) -> None:
    qtbot.waitUntil(lambda: all(player.cache.has("a", i) for i in frames), timeout=5000)


def _at(qtbot, player, frame) -> None:
    qtbot.waitUntil(lambda: player.shown_frame == frame, timeout=5000)


def test_playing_shows_the_frame_the_clock_is_in(qtbot, player, hand):
    player.set_source(Frames(fps=Fraction(24000, 1001)))
    player.play()
    _ready(qtbot, player, range(30))
    for seconds, due in ((Fraction(1, 2), 11), (Fraction(1001, 2400), 21), (Fraction(1, 10), 23)):
        hand.advance(seconds)  # 0.5 s at 23.976 is frame 11 (11.988); +0.417 s is exactly frame 22 - …
        qtbot.wait(20)
        expected = Fraction(hand.ns, 1_000_000_000) * Fraction(24000, 1001)
        assert player.shown_frame == int(expected)
    assert all(shown == due for shown, due in player.shown), "a frame was shown at a time not its own"


def test_pause_holds_the_frame_and_play_goes_on_from_it(qtbot, player, hand):
    player.set_source(Frames())
    player.play()
    _ready(qtbot, player, range(20))
    hand.advance(Fraction(10, 24))
    _at(qtbot, player, 10)
    player.pause()
    assert not player.is_playing
    hand.advance(1)
    qtbot.wait(30)
    assert player.shown_frame == 10 and player.frame == 10
    player.play()
    hand.advance(Fraction(3, 24))
    _at(qtbot, player, 13)


def test_jkl_shuttle_doubles_up_to_4x_and_k_pauses(qtbot, player, hand):
    player.set_source(Frames(count=400))
    player.shuttle(1)
    assert player.is_playing and player.speed == 1
    player.shuttle(1)
    assert player.speed == 2 and player.clock.rate == 2
    _ready(qtbot, player, range(0, 40))
    hand.advance(Fraction(10, 24))
    _at(qtbot, player, 20)  # twice as fast
    player.shuttle(1)
    player.shuttle(1)
    assert player.speed == 4  # no faster than 4x
    player.stop_shuttle()
    assert not player.is_playing and player.speed == 1
    player.shuttle(-1)
    player.shuttle(-1)
    assert player.speed == -2 and player.is_playing
    _ready(qtbot, player, range(4, 20))
    hand.advance(Fraction(4, 24) - Fraction(1, 10**6))  # just short: backwards, the frame boundary is behind
    _at(qtbot, player, 12)  # backwards, at 2x: 20 - 8


def test_step_seek_start_and_end(qtbot, player):
    player.set_source(Frames())
    positions = []
    player.position_changed.connect(positions.append)
    player.step(1)
    player.step(1)
    player.step(-1)
    assert player.frame == 1
    player.seek(30)
    _at(qtbot, player, 30)
    player.go_to_end()
    assert player.frame == 47
    player.seek(500)
    assert player.frame == 47  # clamped to the clip
    player.go_to_start()
    assert player.frame == 0
    assert positions[:4] == [1, 2, 1, 30]


def test_in_out_loop_plays_the_range_again_and_without_loop_stops_at_out(qtbot, player, hand):
    player.set_source(Frames())
    player.seek(10)
    player.mark_in()
    player.seek(14)
    player.mark_out()
    assert player.play_range() == (10, 14)
    player.set_loop(True)
    player.seek(10)
    player.play()
    _ready(qtbot, player, range(10, 15))
    seen = set()
    for _ in range(12):
        hand.advance(Fraction(1, 24))
        qtbot.wait(15)
        seen.add(player.shown_frame)
    assert player.is_playing and seen == {10, 11, 12, 13, 14}, "the loop stays inside in..out"
    player.set_loop(False)
    player.pause()
    player.seek(12)
    player.play()
    hand.advance(1)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=2000)
    assert player.frame == 14  # stopped at the out point, not the end of the clip


def test_a_late_frame_is_dropped_and_never_shown(qtbot, player, hand):
    source = Frames(slow={3})
    player.set_source(source)
    player.play()
    _ready(qtbot, player, (0, 1, 2, 4))
    for frame in (1, 2):
        hand.advance(Fraction(1, 24))
        _at(qtbot, player, frame)
    hand.advance(Fraction(1, 24))  # frame 3 is due, but its worker is still making it
    qtbot.wait(30)
    assert player.shown_frame == 2 and player.dropped == 0  # within frame 3's own time: not dropped yet
    hand.advance(Fraction(1, 24))  # frame 4's time: 3 passed without being shown
    _at(qtbot, player, 4)
    assert player.dropped == 1
    source.release.set()  # frame 3 arrives now, a frame late
    _ready(qtbot, player, (3,))
    hand.advance(Fraction(1, 24))
    _at(qtbot, player, 5)
    shown = [frame for frame, _due in player.shown]
    assert 3 not in shown, "a late frame was shown"
    assert shown == [0, 1, 2, 4, 5]
    assert all(frame == due for frame, due in player.shown), "a frame was shown at a time not its own"
    assert player.dropped == 1


def test_scrubbing_plays_a_grain_about_a_frame_long(qtbot, player):
    grains = []
    player.set_source(Frames())
    player.clock.scrub = lambda sample, length: grains.append((sample, length))
    player.scrub(12)
    assert grains == [(24000, 2000)]  # 12/24 s at 48 kHz, one 24 fps frame of samples


def test_without_portaudio_the_clock_is_silent_and_says_so(no_portaudio):
    clock = clocks.open_clock()
    assert type(clock) is WallClock and clock.notice.startswith("no audio device: playing silently")


def test_with_no_output_device_the_clock_is_silent_and_says_so(monkeypatch):
    import types

    fake = types.SimpleNamespace(query_devices=lambda: [], OutputStream=None)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    clock = clocks.open_clock()
    assert type(clock) is WallClock and clock.notice == "no audio device: playing silently"


def test_play_pre_rolls_until_the_first_frames_are_made(qtbot, hand):
    made = Player(clock_factory=lambda: WallClock(now_ns=hand))
    made.set_view_size((64, 36))
    try:
        source = Frames(slow={1})
        made.set_source(source)
        _ready(qtbot, made, (0,))
        made.play()
        hand.advance(Fraction(3, 24))
        qtbot.wait(60)
        assert not made.clock.running and made.shown_frame in (None, 0)  # frame 1 is not made: the clock waits
        source.release.set()
        _ready(qtbot, made, (1, 2, 3))
        qtbot.waitUntil(lambda: made.clock.running, timeout=2000)
        hand.advance(Fraction(1, 24))
        qtbot.waitUntil(lambda: made.shown_frame == 1, timeout=2000)
        assert made.dropped == 0
    finally:
        made.shutdown()


FAKE_SOUNDDEVICE = '''
import threading

imported_in = threading.get_ident()  # the thread that imported this module


def query_devices():
    return [{"name": "card", "max_output_channels": 2}]


class OutputStream:
    latency = 0.01

    def __init__(self, **settings):
        self.settings, self.started = settings, False

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def close(self):
        pass
'''


def test_warm_up_loads_the_sound_library_off_the_gui_thread_and_the_player_plays_on_it(
        qtbot, monkeypatch, tmp_path):
    """The first clip shown opens the player's clock on the GUI thread; the library under it
    (PortAudio through sounddevice) was imported by the editor's warm-up thread, so the clock is
    built from that module and nothing is imported then."""
    from app import editor
    from engine import render_process

    monkeypatch.setattr(render_process, "start_spare", lambda: None)  # the audio step alone
    monkeypatch.setattr(render_process, "warm_imports", lambda: None)
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    (tmp_path / "sounddevice.py").write_text(FAKE_SOUNDDEVICE)
    monkeypatch.syspath_prepend(str(tmp_path))
    warming = editor.warm_up()
    warming.join(10)
    module = sys.modules["sounddevice"]
    assert module.imported_in == warming.ident != threading.get_ident()

    made = Player()  # no clock factory: the sound card's clock, as in the editor
    try:
        made.set_view_size((64, 36))
        made.set_source(Frames())
        clock = made.clock
        assert isinstance(clock, clocks.AudioClock) and clock.notice == ""
        assert isinstance(clock._stream, module.OutputStream) and clock._stream.started
        assert sys.modules["sounddevice"] is module  # not imported again on the GUI thread
    finally:
        made.shutdown()


def test_warm_up_without_portaudio_leaves_the_player_silent_and_saying_so(qtbot, monkeypatch, no_portaudio):
    from app import editor
    from engine import render_process

    monkeypatch.setattr(render_process, "start_spare", lambda: None)
    monkeypatch.setattr(render_process, "warm_imports", lambda: None)
    editor.warm_up().join(10)  # the missing library is no error here: the player says it
    made = Player()
    try:
        assert type(made.clock) is WallClock and made.notice.startswith("no audio device: playing silently")
    finally:
        made.shutdown()
