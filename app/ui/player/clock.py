"""The player's master clock: the sound card's sample position, or the wall clock when there is none.

Time is a whole number of samples at 48 kHz and becomes seconds as an exact fraction, so a frame
is floor(samples * fps / 48000) with no float time summed up anywhere. With a sound device, the
output stream's callback is the clock: it hands the card samples and advances the position, so
pictures follow what is heard. Without one (a server, CI, PortAudio missing) a WallClock on
time.perf_counter_ns plays the pictures silently, and the player says so.

At a shuttle speed other than 1x the sound is silent (the position moves at that speed): a sped
up or reversed dialogue track helps nobody find a cut, and pitch-shifting is not worth its cost.
"""

from __future__ import annotations

import threading
import time
from fractions import Fraction

import numpy as np

SAMPLE_RATE = 48000


def playback_samples(samples: np.ndarray) -> np.ndarray:
    """Engine audio (channels x frames, mono, stereo or 5.1) as the interleaved stereo a card plays."""
    if samples.shape[0] == 1:
        stereo = np.repeat(samples, 2, axis=0)
    elif samples.shape[0] == 6:  # L R C LFE Ls Rs folded down at -3 dB for the centre and surrounds
        left = samples[0] + 0.7071 * (samples[2] + samples[4])
        right = samples[1] + 0.7071 * (samples[2] + samples[5])
        stereo = np.stack([left, right])
    else:
        stereo = samples[:2]
    return np.ascontiguousarray(np.clip(stereo.T, -1.0, 1.0), dtype=np.float32)


class WallClock:
    """A silent clock on a monotonic counter: position = anchor + elapsed × rate, in whole samples."""

    notice = ""

    def __init__(self, now_ns=time.perf_counter_ns, sample_rate: int = SAMPLE_RATE):
        self.sample_rate = sample_rate
        self._now_ns = now_ns
        self._anchor, self._anchor_ns = 0, 0
        self.rate = 1
        self.running = False

    def position_samples(self) -> int:
        if not self.running:
            return self._anchor
        elapsed = self._now_ns() - self._anchor_ns
        return self._anchor + (elapsed * self.rate * self.sample_rate) // 1_000_000_000

    def seconds(self) -> Fraction:
        return Fraction(self.position_samples(), self.sample_rate)

    def _rebase(self) -> None:
        self._anchor, self._anchor_ns = self.position_samples(), self._now_ns()

    def start(self) -> None:
        if not self.running:
            self._anchor_ns, self.running = self._now_ns(), True

    def stop(self) -> None:
        if self.running:
            self._rebase()
            self.running = False

    def seek(self, sample: int) -> None:
        self._anchor, self._anchor_ns = int(sample), self._now_ns()

    def set_rate(self, rate: int) -> None:
        self._rebase()
        self.rate = rate

    def set_audio(self, samples: np.ndarray | None) -> None:
        """Nothing is heard on a wall clock."""

    def scrub(self, sample: int, length: int) -> None:
        """Nothing is heard on a wall clock."""

    def close(self) -> None:
        self.running = False


class AudioClock(WallClock):
    """The output stream's callback hands out samples and advances the position (the master clock).

    Between callbacks the position is interpolated on the wall clock, never past the block the card
    has, and the stream's output latency is taken off, so the picture matches what is heard now.
    """

    BLOCK = 512  # ~10.7 ms at 48 kHz: a quarter of a 24 fps frame between callbacks

    def __init__(self, sounddevice, sample_rate: int = SAMPLE_RATE, now_ns=time.perf_counter_ns):
        super().__init__(now_ns, sample_rate)
        self._lock = threading.Lock()
        self._audio: np.ndarray | None = None  # frames x 2 float32
        self._grain: np.ndarray | None = None  # a scrub's short sound, played once
        self._stamp_ns = 0
        self._started_at = 0  # where play began: latency is not taken off before it
        self._stream = sounddevice.OutputStream(samplerate=sample_rate, channels=2, dtype="float32",
                                                blocksize=self.BLOCK, latency="low", callback=self._callback)
        self._latency = int(round(float(self._stream.latency) * sample_rate))
        self._stream.start()  # runs for the player's life, silent when paused: starting a stream takes a while

    def _callback(self, outdata, frames, _time, _status) -> None:  # on PortAudio's thread
        with self._lock:
            outdata.fill(0.0)
            if self.running:
                if self.rate == 1 and self._audio is not None and 0 <= self._anchor < len(self._audio):
                    chunk = self._audio[self._anchor:self._anchor + frames]
                    outdata[:len(chunk)] = chunk
                self._anchor += frames * self.rate
                self._stamp_ns = self._now_ns()
            elif self._grain is not None:
                chunk, self._grain = self._grain[:frames], self._grain[frames:]
                outdata[:len(chunk)] = chunk
                if not len(self._grain):
                    self._grain = None

    def position_samples(self) -> int:
        with self._lock:
            if not self.running:
                return self._anchor
            elapsed = (self._now_ns() - self._stamp_ns) * self.sample_rate // 1_000_000_000
            ahead = min(elapsed, self.BLOCK) * self.rate - self._latency * self.rate
            return max(self._started_at, self._anchor + ahead) if self.rate > 0 else self._anchor + ahead

    def start(self) -> None:
        with self._lock:
            if not self.running:
                self._started_at, self._stamp_ns, self.running = self._anchor, self._now_ns(), True

    def stop(self) -> None:
        with self._lock:
            self.running = False

    def seek(self, sample: int) -> None:
        with self._lock:
            self._anchor = self._started_at = int(sample)
            self._stamp_ns = self._now_ns()

    def set_rate(self, rate: int) -> None:
        with self._lock:
            self.rate = rate

    def set_audio(self, samples: np.ndarray | None) -> None:
        with self._lock:
            self._audio = samples

    def scrub(self, sample: int, length: int) -> None:
        """A grain of sound at `sample` (about a frame long) while the playhead is dragged."""
        with self._lock:
            if self._audio is None or self.running:
                return
            grain = self._audio[max(0, sample):max(0, sample) + length].copy()
            fade = min(len(grain) // 4, 64)  # short ramps: no click at either end of the grain
            if fade:
                ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
                grain[:fade] *= ramp
                grain[-fade:] *= ramp[::-1]
            self._grain = grain

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # a card unplugged mid-session: there is nothing left to close
            pass


def load_audio_library() -> None:
    """Import sounddevice ahead of the first clip shown (app.editor.warm_up calls it off the GUI thread).

    The import loads cffi and the PortAudio library from disk and has PortAudio look for sound
    devices: 60 ms of the GUI thread's time on a busy machine with no sound card (a 440 ms stall
    mid-render when its pages came from disk), more where there are devices to probe. Done here,
    open_clock finds it imported. A missing PortAudio is left for open_clock to report."""
    try:
        import sounddevice  # noqa: F401
    except (OSError, ImportError):
        pass


def open_clock() -> WallClock:
    """The sound card's clock, or a silent wall clock whose `notice` says why there is no sound."""
    try:
        import sounddevice
    except (OSError, ImportError):  # PortAudio itself is missing (sounddevice raises OSError then)
        return _silent("no audio device: playing silently (the PortAudio library is not installed)")
    try:
        outputs = [d for d in sounddevice.query_devices() if d.get("max_output_channels", 0) > 0]
        if not outputs:
            return _silent("no audio device: playing silently")
        return AudioClock(sounddevice)
    except Exception as exc:  # PortAudioError: a device listed but busy or gone
        return _silent(f"no audio device: playing silently ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")


def _silent(notice: str) -> WallClock:
    clock = WallClock()
    clock.notice = notice
    return clock
