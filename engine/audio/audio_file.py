"""Importing sound files: anything PyAV (FFmpeg) decodes, as float32 stereo at the engine's 48 kHz.

FFmpeg's resampler does the rate conversion and the channel mapping (mono is spread to both
sides, 5.1 is folded down with the standard matrix), so WAV, FLAC, MP3, AAC and Opus all come
in the same shape. A file that stops short of the length its header declares is reported as
truncated rather than silently imported shorter, since a cue that ends early breaks an edit.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import av
import numpy as np

from .buffer import SAMPLE_RATE, Audio

SEAM_S = 0.05  # crossfade where a loop repeats and fade where a cut ends: no clicks


def load_audio(path: str | os.PathLike) -> Audio:
    """Decode the first audio stream of `path` to stereo float32 at 48 kHz; ValueError if it cannot."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"audio file {path} does not exist; check the path or choose another file")
    missing = _wav_missing_bytes(path)
    if missing:
        raise ValueError(f"audio file {path} is truncated: {missing} bytes of its sound data are missing; "
                         "re-export or copy the file again")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise ValueError(f"{path} has no audio stream; choose a sound file (WAV, FLAC, MP3, AAC, Opus)")
            stream = container.streams.audio[0]
            declared = _declared_seconds(container, stream)
            # Mono is decoded as mono and copied to both sides at full level, as an editor plays a
            # mono clip on a stereo track; FFmpeg's own upmix would lower it by 3 dB.
            mono = stream.channels == 1
            resampler = av.AudioResampler(format="fltp", layout="mono" if mono else "stereo", rate=SAMPLE_RATE)
            chunks = []
            for frame in container.decode(stream):
                chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray() for out in resampler.resample(None))  # what the resampler still holds
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot decode audio file {path}: {exc}; the file is damaged or not audio — "
                         "re-export it or choose another file") from exc
    if not chunks or sum(c.shape[1] for c in chunks) == 0:
        raise ValueError(f"audio file {path} contains no sound samples; re-export it or choose another file")
    samples = np.concatenate(chunks, axis=1)
    samples = np.ascontiguousarray(np.repeat(samples, 2, axis=0) if mono else samples[:2], dtype=np.float32)
    decoded = samples.shape[1] / SAMPLE_RATE
    if declared is not None and decoded < 0.9 * declared and declared - decoded > 0.25:
        raise ValueError(f"audio file {path} is truncated: its header says {declared:.2f} s but only "
                         f"{decoded:.2f} s could be decoded; re-export or copy the file again")
    return Audio(samples)


def _declared_seconds(container, stream) -> float | None:
    """The length the file claims (stream header first, container second), if it claims one."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE microseconds
    return None


def _wav_missing_bytes(path: Path) -> int:
    """For a RIFF/WAVE file, how many bytes of the declared data chunk are not in the file (0: complete).

    FFmpeg estimates a WAV's length from the file size, so a cut-off copy decodes "fine" and
    shorter; the header's data-chunk size is the only record of how long it should be.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return 0
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return 0
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"data":
                if length in (0, 0xFFFFFFFF):  # written by a streaming recorder: no length promised
                    return 0
                return max(0, f.tell() + length - size)
            f.seek(length + (length & 1), 1)  # chunks are padded to even sizes


def fit_length(audio: Audio, seconds: float, loop: bool = True) -> Audio:
    """`audio` cut or extended to exactly round(seconds * rate) frames.

    Longer than the source: loop it with a short crossfade at each seam (or pad with silence).
    Shorter: cut it, with a short fade so the cut does not click.
    """
    if not seconds > 0:
        raise ValueError(f"length must be positive, got {seconds!r}")
    target = max(1, round(seconds * audio.sample_rate))
    x = audio.samples
    n = x.shape[1]
    seam = min(int(SEAM_S * audio.sample_rate), n // 4)
    if target <= n:
        out = x[:, :target].copy()
        if target < n:
            fade = min(seam, target)
            out[:, target - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        return Audio(out, audio.sample_rate)
    if not loop or seam < 1:
        out = np.zeros((x.shape[0], target), np.float32)
        out[:, :n] = x
        return Audio(out, audio.sample_rate)
    # Each repeat overlaps the previous one by `seam` frames, faded out/in (equal power).
    fade_in = np.sin(np.linspace(0.0, np.pi / 2, seam, dtype=np.float32)) if seam else np.zeros(0, np.float32)
    fade_out = fade_in[::-1]
    period = n - seam
    out = np.zeros((x.shape[0], target + n), np.float32)
    start = 0
    while start < target:
        piece = x.copy()
        if start > 0:
            piece[:, :seam] *= fade_in
        piece[:, n - seam:] *= fade_out
        out[:, start:start + n] += piece
        start += period
    result = out[:, :target]
    tail = min(seam, target)
    result[:, target - tail:] *= np.linspace(1.0, 0.0, tail, dtype=np.float32)
    return Audio(np.ascontiguousarray(result), audio.sample_rate)
