"""Sound into files: the film's soundtrack muxed beside its picture, and audio-only WAV / FLAC.

The soundtrack is cut to the picture exactly: the frames first..last play from sample
round(first * 48000 / fps) to round((last + 1) * 48000 / fps) (Fraction arithmetic, so 23.976
fps never drifts), padded with silence where the sound is shorter. It is encoded one video
frame's worth at a time as the picture is, stamped with its sample index in a 1/48000 time
base, so the muxer interleaves the two streams in time order and memory stays flat.

Samples reach the encoder in the format it takes: planar float for AAC, interleaved float for
Opus, and for PCM and FLAC integers quantised here (rounded to the nearest step, not truncated
as FFmpeg's float-to-integer conversion followed by the 24-bit packer would), so a 24-bit file
holds the input to within half a step. Encoder priming (AAC's 1024 samples, Opus's pre-skip)
is recorded by the container (an MP4/MOV edit list, Matroska's CodecDelay) and removed by
decoders, so a sound at time t plays at time t.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from engine.audio.buffer import LAYOUTS, SAMPLE_RATE, Audio
from engine.audio.dsp import resample
from engine.timebase import frames_between_rates

TIME_BASE = Fraction(1, SAMPLE_RATE)
CHUNK = SAMPLE_RATE  # audio-only files are encoded a second at a time


@dataclass(frozen=True)
class AudioEncoding:
    codec: str  # FFmpeg encoder name
    sample_format: str  # what the encoder is fed: "fltp" (AAC), "flt" (Opus), "s32" / "s16" (PCM, FLAC)
    bits: int = 0  # integer formats: the quantisation step is 2**-(bits - 1) of full scale; 0: float
    bitrates: dict[int, int] = field(default_factory=dict)  # lossy codecs: bits per second per channel count

    def bitrate(self, channels: int) -> int | None:
        return self.bitrates.get(channels)


# 256 kb/s is transparent for AAC stereo; 5.1 gets 448 kb/s (as Dolby Digital's top broadcast rate).
AAC = AudioEncoding("aac", "fltp", bitrates={1: 128_000, 2: 256_000, 6: 448_000})
# Opus is more efficient than AAC: 160 kb/s stereo is already transparent.
OPUS = AudioEncoding("libopus", "flt", bitrates={1: 96_000, 2: 160_000, 6: 384_000})
PCM24 = AudioEncoding("pcm_s24le", "s32", 24)  # FFmpeg's 24-bit PCM encoder takes the top 24 bits of s32
PCM16 = AudioEncoding("pcm_s16le", "s16", 16)
FLAC24 = AudioEncoding("flac", "s32", 24)  # s32 input with no bit depth set: FFmpeg's FLAC encodes 24 bits
ENCODINGS = {e.codec: e for e in (AAC, OPUS, PCM24, PCM16, FLAC24)}

# The audio-only formats: encoding and file extension.
AUDIO_FILE_FORMATS: dict[str, tuple[AudioEncoding, str]] = {  # id (saved in projects) -> encoding, suffix
    "wav24": (PCM24, ".wav"),
    "wav16": (PCM16, ".wav"),
    "flac24": (FLAC24, ".flac"),
}
AUDIO_FILE_FORMAT_LABELS = {"wav24": "WAV 24-bit", "wav16": "WAV 16-bit", "flac24": "FLAC 24-bit"}
# WAV's sizes are 32-bit: past 4 GB (a 2-hour 5.1 mix at 24 bits is 6 GB) FFmpeg switches to RF64.
_CONTAINER_OPTIONS = {".wav": {"rf64": "auto"}}


def sample_at(frame: int, fps: Fraction) -> int:
    """The audio sample that plays with the start of video frame `frame` (exact: no drift)."""
    return frames_between_rates(frame, fps, SAMPLE_RATE)


def engine_rate(audio: Audio) -> np.ndarray:
    """The samples at 48 kHz (a buffer made at another rate is converted, not sped up)."""
    return resample(audio.samples, audio.sample_rate, SAMPLE_RATE)


class FilmAudio:
    """The soundtrack cut to frames [first, stop) of the picture, silence where the sound has ended."""

    def __init__(self, audio: Audio, fps: Fraction, first: int, stop: int):
        self.fps = Fraction(fps)
        self.first = first
        self.channels = audio.channels
        self._samples = engine_rate(audio)
        self.start, self.stop = sample_at(first, self.fps), sample_at(stop, self.fps)

    @classmethod
    def whole(cls, audio: Audio) -> "FilmAudio":
        """All of `audio`, on a clock whose "frames" are its samples at 48 kHz."""
        samples = engine_rate(audio)
        return cls(Audio(samples), Fraction(SAMPLE_RATE), 0, samples.shape[1])

    @property
    def frames(self) -> int:
        return self.stop - self.start

    def span(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of the sound on the film's clock (from its frame 0), padded with silence."""
        have = self._samples[:, max(0, start):max(0, min(stop, self._samples.shape[1]))]
        if have.shape[1] == stop - start:
            return have
        out = np.zeros((self.channels, stop - start), np.float32)
        begin = max(0, -start)
        out[:, begin:begin + have.shape[1]] = have
        return out

    def for_frame(self, frame: int) -> np.ndarray:
        """What plays during video frame `frame` (numbered as in the clip)."""
        return self.span(sample_at(frame, self.fps), sample_at(frame + 1, self.fps))

    def chunks(self, size: int = CHUNK):
        """The whole cut, a piece at a time."""
        for start in range(self.start, self.stop, size):
            yield self.span(start, min(start + size, self.stop))


def quantise(samples: np.ndarray, bits: int) -> np.ndarray:
    """Float (-1..1) to integers of `bits` bits, rounded and clipped (NaN becomes silence)."""
    scale = float(1 << (bits - 1))
    clean = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(np.rint(clean * scale), -scale, scale - 1).astype(np.int32)


class AudioTrack:
    """One audio stream of an output container, fed float samples (channels x frames) in order."""

    def __init__(self, container: av.container.OutputContainer, encoding: AudioEncoding, channels: int,
                 metadata: dict[str, str] | None = None):
        if channels not in LAYOUTS:
            raise ValueError(f"audio must have 1, 2 or 6 channels, not {channels}")
        self.encoding, self.channels, self.layout = encoding, channels, LAYOUTS[channels]
        self._container = container
        stream = container.add_stream(encoding.codec, rate=SAMPLE_RATE, layout=self.layout)
        stream.format = encoding.sample_format
        stream.time_base = TIME_BASE
        bitrate = encoding.bitrate(channels)
        if bitrate:
            stream.bit_rate = bitrate
        for key, value in (metadata or {}).items():
            stream.metadata[key] = value
        self.stream = stream
        self.position = 0  # samples written so far: the next frame's pts

    def write(self, samples: np.ndarray) -> None:
        if samples.shape[0] != self.channels:
            raise ValueError(f"audio chunk has {samples.shape[0]} channels; the stream has {self.channels}")
        count = samples.shape[1]
        if count == 0:
            return
        frame = av.AudioFrame.from_ndarray(self._as_encoder_input(samples), format=self.encoding.sample_format,
                                           layout=self.layout)
        frame.sample_rate, frame.time_base, frame.pts = SAMPLE_RATE, TIME_BASE, self.position
        self.position += count
        self._container.mux(self.stream.encode(frame))

    def _as_encoder_input(self, samples: np.ndarray) -> np.ndarray:
        bits, planar = self.encoding.bits, self.encoding.sample_format.endswith("p")
        if bits == 0:
            data = np.nan_to_num(samples.astype(np.float32, copy=False))
        elif bits == 16:
            data = quantise(samples, 16).astype(np.int16)
        else:  # 24 bits in the top of a 32-bit word, as FFmpeg's s32 carries them
            data = quantise(samples, bits) << (32 - bits)
        # Planar formats take (channels, frames); packed ones (1, frames * channels), interleaved.
        return np.ascontiguousarray(data if planar else data.T.reshape(1, -1))

    def finish(self) -> None:
        """Flush what the encoder holds (AAC and Opus keep a frame or more)."""
        self._container.mux(self.stream.encode(None))


def write_audio_file(path: str | Path, audio: FilmAudio, encoding: AudioEncoding,
                     metadata: dict[str, str] | None = None,
                     progress: Callable[[float, str], None] | None = None) -> None:
    """Write `audio` alone as a WAV / FLAC file (the container chosen from the extension), a chunk at a time.

    `progress(fraction, message)` is called after each chunk; raising from it (a cancel) stops the write.
    """
    path = Path(path)
    container = av.open(str(path), "w", options=_CONTAINER_OPTIONS.get(path.suffix.lower(), {}))
    try:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        track = AudioTrack(container, encoding, audio.channels)
        total = max(audio.frames, 1)
        for chunk in audio.chunks():
            track.write(chunk)
            if progress is not None:
                progress(track.position / total, f"{track.position / SAMPLE_RATE:.0f} s")
        track.finish()
    finally:
        container.close()
