"""Real-time factor of the procedural sound: compute seconds per second of audio for music and ambience.

    .venv/bin/python benchmarks/sound_music.py [--seconds 60] [--repeats 2]

Music is composed at full intensity (every layer playing: the slowest case) for each mood;
ambience beds at intensity 0.8. Target: music_rtf <= 0.1. The last line of stdout is one JSON
object (music_rtf = the worst mood's best-of-repeats wall-clock RTF, music_cpu_rtf = the same in
process time, which other jobs on the machine do not inflate; music_rtf_by_mood, ambience_rtf, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from engine.audio.ambience import BEDS, EFFECTS, bed, effect  # noqa: E402
from engine.audio.music import MOOD_NAMES, compose  # noqa: E402

TARGET_MUSIC_RTF = 0.1


CPU = {}  # case -> best process-time RTF: robust when other jobs share the machine


def best_of(repeats: int, seconds: float, make, case: str = "") -> float:
    """Best wall-clock RTF over the repeats (the process-time RTF goes to CPU[case])."""
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        make()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    CPU[case] = min(cpus) / seconds
    return min(walls) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each rendered piece")
    parser.add_argument("--repeats", type=int, default=2, help="renders per case; the fastest counts")
    args = parser.parse_args()
    compose(2.0, "warm", 120)  # warm-up: imports, FFT plans

    music = {m: best_of(args.repeats, args.seconds, lambda m=m: compose(args.seconds, m, 120, "D", intensity=1.0,
                                                                         seed=1), m)
             for m in MOOD_NAMES}
    for m, rtf in music.items():
        print(f"music {m:12s} rtf {rtf:.4f} (cpu {CPU[m]:.4f})")
    ambience = {b: best_of(args.repeats, args.seconds, lambda b=b: bed(b, args.seconds, 0.8, seed=1), b)
                for b in BEDS}
    for b, rtf in ambience.items():
        print(f"ambience {b:13s} rtf {rtf:.4f} (cpu {CPU[b]:.4f})")
    fx = {e: best_of(args.repeats, 2.0, lambda e=e: effect(e, 2.0, seed=1)) for e in EFFECTS}
    result = {
        "music_rtf": round(max(music.values()), 4),
        "music_cpu_rtf": round(max(CPU[m] for m in MOOD_NAMES), 4),
        "music_rtf_by_mood": {m: round(v, 4) for m, v in music.items()},
        "ambience_rtf": round(max(ambience.values()), 4),
        "ambience_cpu_rtf": round(max(CPU[b] for b in BEDS), 4),
        "ambience_rtf_by_bed": {b: round(v, 4) for b, v in ambience.items()},
        "fx_rtf_by_type": {e: round(v, 4) for e, v in fx.items()},
        "seconds": args.seconds,
        "target_music_rtf": TARGET_MUSIC_RTF,
        "music_ok": max(music.values()) <= TARGET_MUSIC_RTF,
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
