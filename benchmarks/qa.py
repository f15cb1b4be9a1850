"""What the automatic QA adds to an export the size of the sample film (432 frames at 1280x720, 18 s of
stereo at -23 LUFS): the Export node run with its QA and with the QA taken out, alternately.

The frames are precomputed and cycled, so making them costs nothing and the export is as fast as it
can be: the QA's share is as large as it will ever be (in a real film the per-frame work dominates).
Also timed alone: the meter per frame and the sound checks.

    .venv/bin/python benchmarks/qa.py [--repeats 3]

The last line of stdout is one JSON object: {added_ms, added_cpu_ms, export_s, export_without_qa_s,
meter_ms_per_frame, sound_ms, qa_work_ms}. qa_work_ms (meter x frames + sound, timed alone) is what
the QA costs; on a machine shared with other work the wall-clock difference of whole exports swings
by tens of seconds, and the CPU difference (all threads) holds better.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import app.nodes.export as export_module  # noqa: E402
from app.nodes.export import Export  # noqa: E402
from engine.audio.buffer import Audio  # noqa: E402
from engine.audio.loudness import normalise  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.media.clip import ClipInfo, FunctionClip  # noqa: E402
from engine.ports import AUDIO, FRAMES  # noqa: E402
from engine.qa.film import FilmCheck, FilmPlan  # noqa: E402
from engine.qa.report import Report  # noqa: E402
from engine.qa.sound import sound_findings  # noqa: E402
from engine.registry import Registry  # noqa: E402
from engine.schema import NodeSchema, NodeType, Port  # noqa: E402

WIDTH, HEIGHT, FPS, FRAMES_IN_FILM, SECONDS = 1280, 720, Fraction(24), 432, 18
DISTINCT = 8


def pictures() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    frames = []
    for index in range(DISTINCT):
        base = np.stack([0.1 + 0.3 * x / WIDTH, 0.1 + 0.2 * y / HEIGHT, 0.2 + 0.0 * x], axis=-1)
        shift = np.roll(base, index * 8, axis=1)
        frames.append((shift * (1 + rng.normal(0, 0.03, (HEIGHT, WIDTH, 1)))).astype(np.float32))
    return frames


def mix() -> Audio:
    t = np.arange(48000 * SECONDS) / 48000
    wave = (0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t))
            + 0.05 * np.random.default_rng(1).standard_normal(t.size)).astype(np.float32)
    samples, _, _ = normalise(np.stack([wave, wave]), -23.0)
    return Audio(samples.astype(np.float32))


class Film(NodeType):
    pool: list[np.ndarray] = []
    sound: Audio | None = None
    schema = NodeSchema(type_id="bench.film", title="Film", category="Bench", cache_outputs=False,
                        outputs=(Port("frames", FRAMES), Port("audio", AUDIO)))

    def execute(self, ctx, inputs, params):
        info = ClipInfo(WIDTH, HEIGHT, FPS, FRAMES_IN_FILM)
        return {"frames": FunctionClip(info, lambda i: Film.pool[i % DISTINCT]), "audio": Film.sound}


class NoQA:
    """The export's QA taken out: frames pass straight through, nothing is written."""

    def __init__(self, *args):
        pass

    def watched(self, clip):
        return clip

    def finished(self, written):
        return written


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread: the encoder's, the prefetch worker's
    return usage.ru_utime + usage.ru_stime


def export_seconds(folder: Path, with_qa: bool) -> tuple[float, float]:
    export_module.ExportQA = QA if with_qa else NoQA
    graph = Graph(Registry((Film, Export)))
    stack = UndoStack(graph)
    stack.push(AddNode("bench.film", node_id="film"))
    stack.push(AddNode("output.export", params={"path": str(folder / "film.mp4")}, node_id="export"))
    stack.push(Connect("film", "frames", "export", "frames"))
    stack.push(Connect("film", "audio", "export", "audio"))
    start, cpu = time.perf_counter(), cpu_seconds()
    report = Executor(events=None, project_dir=folder).run(graph, ["export"])
    assert report.status == "finished", report.results["export"].message
    return time.perf_counter() - start, cpu_seconds() - cpu


QA = export_module.ExportQA


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    Film.pool, Film.sound = pictures(), mix()
    check = FilmCheck(FPS, FilmPlan())
    start = time.perf_counter()
    for index in range(FRAMES_IN_FILM):
        check.measure(Film.pool[index % DISTINCT])
    meter_ms = (time.perf_counter() - start) * 1000 / FRAMES_IN_FILM
    start = time.perf_counter()
    sound_findings(Report(FPS, FRAMES_IN_FILM, SECONDS), Film.sound, [])
    sound_ms = (time.perf_counter() - start) * 1000
    with_qa, without = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for on, times in ((True, with_qa), (False, without)):
                folder = Path(tmp) / f"{repeat}-{on}"
                folder.mkdir()
                times.append(export_seconds(folder, on))
                print(f"run {repeat + 1} {'with' if on else 'without'} QA: {times[-1][0]:.2f} s "
                      f"({times[-1][1]:.1f} s CPU)", file=sys.stderr)

    def median(runs, which):
        return statistics.median(run[which] for run in runs)
    summary = {"added_ms": round((median(with_qa, 0) - median(without, 0)) * 1000),
               "added_cpu_ms": round((median(with_qa, 1) - median(without, 1)) * 1000),
               "export_s": round(median(with_qa, 0), 2), "export_without_qa_s": round(median(without, 0), 2),
               "meter_ms_per_frame": round(meter_ms, 2), "sound_ms": round(sound_ms),
               "qa_work_ms": round(meter_ms * FRAMES_IN_FILM + sound_ms)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
