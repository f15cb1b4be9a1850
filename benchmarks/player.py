"""Sustained playback through the Preview player's real frame pipeline (decode, display transform,
fit, on its worker threads, clocked), A/V drift and seek time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/player.py [--seconds 10] [--drift-seconds 60]
                                                                     [--skip-cached]

Makes a 10 s 1080p H.264 file and a 1080p ProRes 422 HQ file with PyAV (a moving test pattern and a
tone), renders the sample film's Sequence into a temporary cache (about a minute on two cores), and
plays each in a 960x540 view. fps is frames shown per second of clock; a frame not ready when due is
dropped. av_drift_ms is the clock's time minus the shown frame's start after --drift-seconds of
playback (the wall clock stands in for the sound card where there is none, and the JSON says so).
seek_ms: a paused seek to random frames of the H.264 file until the frame is on screen.
Targets on two cores: >= 24 fps and 0 drops for H.264 and the cached sequence, drift < one frame,
seek < 100 ms. The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av  # noqa: E402
import numpy as np  # noqa: E402

VIEW = (960, 540)


def make_movie(path: Path, codec: str, pix_fmt: str, seconds: int = 10, fps: int = 24, options=None) -> Path:
    """A moving test pattern (bars sliding, a square crossing) with a 1 kHz tone."""
    with av.open(str(path), "w") as out:
        video = out.add_stream(codec, rate=fps, options=options or {})
        video.width, video.height, video.pix_fmt = 1920, 1080, pix_fmt
        audio = out.add_stream("aac" if path.suffix == ".mp4" else "pcm_s16le", rate=48000)
        audio.layout = "stereo"
        x = np.arange(1920)
        for index in range(seconds * fps):
            hue = ((x + index * 16) // 240) % 8
            row = np.stack([(hue & 1) * 255, (hue >> 1 & 1) * 255, (hue >> 2 & 1) * 255], -1).astype(np.uint8)
            picture = np.repeat(row[None], 1080, 0)
            left = (index * 37) % 1700
            picture[400:600, left:left + 200] = 255
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            for packet in video.encode(frame):
                out.mux(packet)
            t = (np.arange(2000) + index * 2000) / 48000
            tone = (0.2 * np.sin(2 * np.pi * 1000 * t) * 32767).astype(np.int16)
            sound = av.AudioFrame.from_ndarray(np.repeat(tone[None], 2, 0).T.reshape(1, -1).copy(), format="s16",
                                               layout="stereo")
            sound.sample_rate, sound.pts = 48000, index * 2000
            for packet in audio.encode(sound):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    return path


def play(app, frames, seconds: float, audio=None) -> dict:
    """Play `frames` for `seconds` of clock from frame 0; frames shown per second, drops and drift."""
    from app.ui.player.player import Player

    player = Player()
    player.set_view_size(VIEW)
    player.set_source(frames, audio)
    shown, times = [], []
    player.frame_shown.connect(lambda: (shown.append(player.shown_frame), times.append(time.perf_counter())))
    deadline = time.perf_counter() + 2.0
    while player.shown_frame is None and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.002)
    player.set_loop(True)  # a 10 s file played for 60 s loops, as a reviewer's loop would
    shown.clear()
    times.clear()
    player.play()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    clock_frame = player.frame_of(player.clock.position_samples())
    drift_frames = clock_frame - player.shown_frame if player.shown_frame is not None else 0
    notice = player.notice  # empty on a sound card's clock
    player.shutdown()
    # Frames shown per second of playback: from the first frame shown (after the pre-roll) to the last.
    played = times[-1] - times[0] if len(times) > 1 else seconds
    return {"fps": round((len(shown) - 1) / played, 2), "dropped": player.dropped,
            "drift_ms": round(float(Fraction(drift_frames) / frames.fps) * 1000, 1), "clock": notice}


def seek_times(app, frames, count: int = 30) -> list[float]:
    from app.ui.player.player import Player

    player = Player()
    player.set_view_size(VIEW)
    player.set_source(frames)
    rng, times = random.Random(7), []
    for _ in range(count):
        target = rng.randrange(frames.frame_count)
        began = time.perf_counter()
        player.seek(target)
        while player.shown_frame != target and time.perf_counter() - began < 5:
            app.processEvents()
            time.sleep(0.0005)
        times.append((time.perf_counter() - began) * 1000)
    player.shutdown()
    return times


def cached_sequence(folder: Path):
    """The sample film's Sequence rendered into a private cache, as the player reads it from there."""
    from app.nodes import build_registry
    from app.ui.player.frame_sources import ClipFrames
    from engine.cache import DiskCache
    from engine.executor import Executor
    from engine.project import load_project

    project = load_project(Path(__file__).resolve().parents[1] / "resources" / "examples" / "sample.aiprod",
                           build_registry())
    cache = DiskCache(folder)
    Executor(cache, project_dir=project.folder).run(project.graph, ["cut"])
    def read():
        return Executor(cache, project_dir=project.folder).run(project.graph, ["cut"],
                                                               load_outputs=True).outputs["cut"]["frames"]

    return ClipFrames(read(), reopen=read)  # each worker its own clip, as the preview plays it


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--drift-seconds", type=float, default=60.0)
    parser.add_argument("--skip-cached", action="store_true")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from app.ui.player.frame_sources import MediaFrames, media_audio

    app = QApplication.instance() or QApplication([])
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="aiprod-player-bench-") as tmp:
        tmp = Path(tmp)
        h264 = make_movie(tmp / "h264.mp4", "libx264", "yuv420p", options={"preset": "veryfast", "crf": "20"})
        prores = make_movie(tmp / "prores.mov", "prores_ks", "yuv422p10le", options={"profile": "3"})
        runs = {"h264": play(app, MediaFrames(h264), args.seconds, media_audio(h264)),
                "prores": play(app, MediaFrames(prores), args.seconds, media_audio(prores))}
        if not args.skip_cached:
            runs["cached"] = play(app, cached_sequence(tmp / "cache"), args.seconds)
        drift = play(app, MediaFrames(h264), args.drift_seconds, media_audio(h264))
        seeks = seek_times(app, MediaFrames(h264))
    for name, run in runs.items():
        result[f"{name}_fps"] = run["fps"]
    result["dropped_frames"] = {name: run["dropped"] for name, run in runs.items()}
    result["av_drift_ms"] = drift["drift_ms"]
    result["drift_after_s"] = args.drift_seconds
    result["clock"] = drift["clock"] or "sound card"
    result["seek_ms"] = {"median": round(statistics.median(seeks), 1), "worst": round(max(seeks), 1)}
    result["cores"] = os.cpu_count()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
