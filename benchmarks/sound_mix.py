"""Real-time factor of the Mix node: seconds of CPU per second of soundtrack (target <= 0.1).

A synthetic 4-track scene (a voice-like line every few seconds, a sustained chord, a noise
bed, effect hits), each track through Place, then Mix with ducking, loudness normalisation
and the true-peak limiter, in stereo and in 5.1.

    .venv/bin/python benchmarks/sound_mix.py [--seconds 120] [--repeats 3] [--target "streaming"]

The last line of stdout is one JSON object (mix_rtf, mix_rtf_5_1, their CPU-time twins, place_rtf, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import signal

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app.nodes.mix import LOUDNESS_TARGETS, Mix, Place  # noqa: E402
from engine.audio.buffer import SAMPLE_RATE, Audio  # noqa: E402
from engine.context import CancelToken, RunContext  # noqa: E402
from engine.events import EventEmitter  # noqa: E402

TARGET_RTF = 0.1


def scene(seconds: float, seed: int = 0) -> dict[str, Audio]:
    """Four tracks of `seconds`: mono dialogue, stereo music and ambience, mono effects."""
    rng = np.random.default_rng(seed)
    frames = round(seconds * SAMPLE_RATE)
    t = np.arange(frames) / SAMPLE_RATE
    # Dialogue: band-limited noise in syllables (5 per second) grouped into lines with pauses.
    voice = signal.sosfilt(signal.butter(4, (250, 3500), "bandpass", fs=SAMPLE_RATE, output="sos"),
                           rng.standard_normal(frames))
    syllables = np.abs(np.sin(np.pi * 5 * t)) ** 0.5
    lines = (np.sin(2 * np.pi * t / 9.0) > -0.2).astype(float)
    dialogue = 0.3 * voice * syllables * lines
    chord = sum(np.sin(2 * np.pi * f * t + p) for f, p in ((220.0, 0), (277.2, 1), (329.6, 2)))
    music = np.stack([0.15 * chord, 0.15 * np.roll(chord, 240)])
    ambience = 0.05 * signal.lfilter([1], [1, -0.95], rng.standard_normal((2, frames)), axis=1) / 5
    fx = np.zeros(frames)
    for hit in rng.uniform(0, seconds - 1, size=max(1, int(seconds / 5))):
        start = int(hit * SAMPLE_RATE)
        fx[start:start + SAMPLE_RATE // 2] += rng.standard_normal(SAMPLE_RATE // 2) * np.exp(-np.arange(
            SAMPLE_RATE // 2) / 2400) * 0.8
    return {"dialogue": Audio(dialogue[None].astype(np.float32)), "music": Audio(music.astype(np.float32)),
            "ambience": Audio(ambience.astype(np.float32)), "fx": Audio(fx[None].astype(np.float32))}


def timed(function, repeats: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of `function`, and its last result.

    CPU time is reported too because on a shared machine the wall clock also counts other
    processes' turns; this process's work is single-threaded, so CPU time is what it costs.
    """
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="soundtrack length (default 120)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions per measurement (default 3)")
    parser.add_argument("--target", default="streaming", choices=tuple(LOUDNESS_TARGETS)[:2],
                        help="loudness target (default streaming: the limiter works hardest there)")
    args = parser.parse_args(argv)
    if args.seconds <= 1 or args.repeats < 1:
        parser.error("--seconds must be over 1 and --repeats at least 1")

    ctx = RunContext("bench", "bench", EventEmitter(), CancelToken())
    tracks = scene(args.seconds)
    place, mix = Place(), Mix()
    place_params = Place.schema.default_params()
    pans = {"dialogue": 0.0, "music": 0.0, "ambience": 0.0, "fx": 0.4}

    def place_all():
        return {bus: place.execute(ctx, {"audio": audio}, dict(place_params, pan=pans[bus], fade_in=1.0))["audio"]
                for bus, audio in tracks.items()}

    place_seconds, _, placed = timed(place_all, args.repeats)
    inputs = {bus: [audio] for bus, audio in placed.items()} | {"length": None}
    results = {}
    for layout in ("stereo", "5.1"):
        params = dict(Mix.schema.default_params(), layout=layout, loudness_target=args.target)
        wall, cpu, out = timed(lambda: mix.execute(ctx, inputs, params), args.repeats)
        results[layout] = (wall, cpu, out["loudness"])

    def rtf(seconds: float) -> float:
        return round(seconds / args.seconds, 4)

    result = {
        "mix_rtf": rtf(results["stereo"][0]),
        "mix_rtf_5_1": rtf(results["5.1"][0]),
        "mix_cpu_rtf": rtf(results["stereo"][1]),
        "mix_cpu_rtf_5_1": rtf(results["5.1"][1]),
        "place_rtf": rtf(place_seconds),
        "mix_seconds": round(results["stereo"][0], 3),
        "mix_seconds_5_1": round(results["5.1"][0], 3),
        "loudness_lufs": round(results["stereo"][2], 2),
        "loudness_lufs_5_1": round(results["5.1"][2], 2),
        "target": args.target,
        "tracks": len(tracks),
        "audio_seconds": args.seconds,
        "target_rtf": TARGET_RTF,
        # Judged on CPU time: the work is single-threaded, so on an idle machine wall time is the same,
        # and on a shared one the wall clock also counts other processes' turns.
        "meets_target": max(results["stereo"][1], results["5.1"][1]) / args.seconds <= TARGET_RTF,
        "runs": args.repeats,
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(f"{args.seconds:g} s, {len(tracks)} tracks, median of {args.repeats}: "
          f"Mix stereo {results['stereo'][0]:.2f} s "
          f"(RTF {result['mix_rtf']}, CPU {result['mix_cpu_rtf']}), 5.1 {results['5.1'][0]:.2f} s "
          f"(RTF {result['mix_rtf_5_1']}, CPU {result['mix_cpu_rtf_5_1']}); Place x4 RTF {result['place_rtf']}; "
          f"load average {result['load_average']}.")
    print(f"target RTF {TARGET_RTF} (CPU time): {'met' if result['meets_target'] else 'NOT met'}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
