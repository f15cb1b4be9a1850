"""Export speed: frames per second writing a 1080p clip through the Export node, beside the ffmpeg CLI.

The clip is scene-linear float32 (gradients, moving shapes and film grain, like a graded shot).
Export runs its whole path: linear float -> output transform (Rec.709) -> 16-bit RGB -> swscale to
YUV -> encoder -> file. The ffmpeg command line is fed the same frames already output-transformed
(raw rgb48le through a pipe), so it does the same YUV conversion and encoding and nothing else:
the ratio is what the node's colour conversion and Python cost on top of the encoder.

    .venv/bin/python benchmarks/export.py [--frames 48] [--repeats 3]

The last line of stdout is one JSON object: per codec {fps, ffmpeg_fps, ratio, cpu_ratio}, and the
H.264 figures again at the top level. cpu_ratio is ffmpeg's CPU seconds over ours (all threads):
on a machine shared with other work, wall-clock fps swing by 2x between runs while CPU time holds.
Needs the ffmpeg CLI on PATH (apt-get install ffmpeg).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app.nodes.export import Export  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.media.clip import ClipInfo, FunctionClip  # noqa: E402
from engine.media.transfer_fast import encode_output_uint16  # noqa: E402
from engine.ports import FRAMES  # noqa: E402
from engine.registry import Registry  # noqa: E402
from engine.schema import NodeSchema, NodeType, Port  # noqa: E402

WIDTH, HEIGHT, FPS = 1920, 1080, Fraction(24)
DISTINCT_FRAMES = 8  # frames are precomputed (then cycled) so that making them costs neither side anything
TARGET_RATIO = 0.85
CODECS = {  # name: (Export format, extension, ffmpeg encoder arguments)
    "h264": ("h264", ".mp4", ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p"]),
    "prores_hq": ("prores_422_hq", ".mov", ["-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0",
                                            "-pix_fmt", "yuv422p10le"]),
}


def synthetic_frames(count: int) -> list[np.ndarray]:
    """Linear-light pictures: a sky-like gradient, a moving lit disc and a shadow band, with film grain."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    u, v = x / WIDTH, y / HEIGHT
    frames = []
    for index in range(count):
        phase = index / count * 2 * np.pi
        sky = np.stack([0.05 + 0.25 * u, 0.08 + 0.2 * (1 - v), 0.15 + 0.35 * (1 - v) * (0.5 + 0.5 * u)], axis=-1)
        cx, cy = 0.5 + 0.25 * np.cos(phase), 0.5 + 0.2 * np.sin(phase)
        disc = np.exp(-(((u - cx) * 16 / 9) ** 2 + (v - cy) ** 2) / 0.02)[..., None] * np.float32([1.6, 1.2, 0.7])
        band = (0.6 + 0.4 * np.clip(np.abs(v - 0.75 - 0.05 * np.sin(8 * u + phase)) * 8, 0, 1))[..., None]
        grain = 1 + rng.normal(0, 0.03, (HEIGHT, WIDTH, 1)).astype(np.float32)
        frames.append(((sky + disc) * band * grain).astype(np.float32))
    return frames


class BenchClip(NodeType):
    pool: list[np.ndarray] = []
    count = 48
    schema = NodeSchema(type_id="bench.clip", title="Bench clip", category="Bench", outputs=(Port("frames", FRAMES),))

    def execute(self, ctx, inputs, params):
        pool = BenchClip.pool
        return {"frames": FunctionClip(ClipInfo(WIDTH, HEIGHT, FPS, BenchClip.count), lambda i: pool[i % len(pool)])}


def export_fps(fmt: str, path: Path, frames: int) -> tuple[float, float]:
    """Frames per second, and CPU seconds of this process (every thread: ours, swscale's, the encoder's)."""
    graph = Graph(Registry([BenchClip, Export]))
    stack = UndoStack(graph)
    stack.push(AddNode("bench.clip", node_id="clip"))
    stack.push(AddNode("output.export", params={"path": str(path), "format": fmt, "quality": 18}, node_id="export"))
    stack.push(Connect("clip", "frames", "export", "frames"))
    started, cpu = time.perf_counter(), time.process_time()
    report = Executor().run(graph)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if report.status != "finished":
        raise RuntimeError(f"export failed: {report.results['export'].message}")
    return frames / seconds, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ffmpeg_fps(args: list[str], path: Path, raw: list[bytes], frames: int) -> tuple[float, float]:
    """Frames per second of the ffmpeg CLI, and its CPU seconds."""
    command = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb48le",
               "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-", *args, str(path)]
    started, cpu = time.perf_counter(), _children_cpu()
    process = subprocess.Popen(command, stdin=subprocess.PIPE)
    for index in range(frames):
        process.stdin.write(raw[index % len(raw)])
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {' '.join(command)}")
    return frames / (time.perf_counter() - started), _children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--codecs", default=",".join(CODECS), help="comma-separated: " + ", ".join(CODECS))
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        print("the ffmpeg CLI is not on PATH; install it (apt-get install ffmpeg) to compare", file=sys.stderr)
        return 2
    BenchClip.count = args.frames
    BenchClip.pool = synthetic_frames(DISTINCT_FRAMES)
    raw = [encode_output_uint16(f, "lin_rec709", "rec709", alpha=False).tobytes() for f in BenchClip.pool]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.codecs.split(","):
            fmt, extension, ffmpeg_args = CODECS[name]
            ours, theirs = [], []
            for repeat in range(args.repeats):  # interleaved, so drift in machine load hits both alike
                ours.append(export_fps(fmt, Path(folder) / f"aiprod{extension}", args.frames))
                theirs.append(ffmpeg_fps(ffmpeg_args, Path(folder) / f"ffmpeg{extension}", raw, args.frames))
                print(f"{name} run {repeat + 1}: export {ours[-1][0]:.2f} fps ({ours[-1][1]:.1f} s CPU), "
                      f"ffmpeg {theirs[-1][0]:.2f} fps ({theirs[-1][1]:.1f} s CPU)", file=sys.stderr)
            fps, reference = statistics.median(o[0] for o in ours), statistics.median(t[0] for t in theirs)
            cpu, reference_cpu = statistics.median(o[1] for o in ours), statistics.median(t[1] for t in theirs)
            results[name] = {"fps": round(fps, 2), "ffmpeg_fps": round(reference, 2), "ratio": round(fps / reference, 3),
                             "cpu_ratio": round(reference_cpu / cpu, 3)}
    summary = {**results.get("h264", {}), **results, "frames": args.frames, "size": f"{WIDTH}x{HEIGHT}",
               "repeats": args.repeats, "target_ratio": TARGET_RATIO}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
