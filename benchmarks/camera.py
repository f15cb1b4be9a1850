"""Camera resample cost per frame: the renderer as it is beside the affine_grid path it replaced.

    .venv/bin/python benchmarks/camera.py [--repeats 9]

A held still (resources/examples/stills/dawn.jpg, 1920x1080, sRGB decoded to float32 linear) seen
through the sample film's push-in at mid-shot, resampled to 1280x720 and 1920x1080, bilinear and
bicubic, on this machine's torch device. "old" is the previous CameraRenderer.sample
(F.affine_grid, torch's default threads, a divide then a CHW -> HWC copy), kept as the reference in
tests/engine/test_camera_render_speed_paths.py; "new" is CameraRenderer.sample. The prefiltered
source is cached for both, as for a still in a film. Old and new run in turns, so load from other
processes falls on both alike; each figure is the median over the repeats. wall_ms: elapsed;
thread_cpu_ms: time.thread_time of the calling thread; cpu_ms: time.process_time, which also
counts torch's OpenMP worker threads (the old path's second thread shows only there; an idle OpenMP
worker also spins on for a while after the old path, so the new path's cpu_ms in these turns runs a
little over its thread_cpu_ms, which is its whole cost: run alone, the two are equal).
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from app.nodes.camera import path_from_params  # noqa: E402
from engine.color import srgb_to_linear  # noqa: E402
from engine.media.camera_render import CameraRenderer  # noqa: E402
from engine.media.image_io import read_image  # noqa: E402
from tests.engine.test_camera_render_speed_paths import reference_sample  # noqa: E402

STILL = REPO_ROOT / "resources" / "examples" / "stills" / "dawn.jpg"
SAMPLE = REPO_ROOT / "resources" / "examples" / "sample.aiprod"
SIZES = ((1280, 720), (1920, 1080))


def sample_push_in():
    """The sample film's first camera path (the slow push-in)."""
    data = json.loads(SAMPLE.read_text())
    params = next(node["params"] for node in data["nodes"] if node["type"] == "shot.camera_path")
    return path_from_params(params)


def measure(function) -> tuple[float, float, float]:
    wall, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
    function()
    return time.perf_counter() - wall, time.thread_time() - thread, time.process_time() - process


def median_ms(samples: list[tuple[float, float, float]]) -> dict:
    return {name: round(statistics.median(s[k] for s in samples) * 1000, 1)
            for k, name in enumerate(("wall_ms", "thread_cpu_ms", "cpu_ms"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    pixels = srgb_to_linear(read_image(STILL))
    path = sample_push_in()
    pose = path.pose_at(0.5)
    results = {}
    for width, height in SIZES:
        for sampling in ("bilinear", "bicubic"):
            renderer = CameraRenderer(path, width, height, 48, Fraction(24), "cover", sampling)

            def old():
                reference_sample(renderer, pixels, [pose], "still")

            def new():
                renderer.sample(pixels, [pose], "still")

            old(), new()  # warm-up: prefilter cache, thread pool, first-touch allocations
            timings = {"old": [], "new": []}
            for _ in range(args.repeats):
                timings["old"].append(measure(old))
                timings["new"].append(measure(new))
            row = {version: median_ms(samples) for version, samples in timings.items()}
            results[f"{width}x{height} {sampling}"] = row
            print(f"{width}x{height} {sampling:8s}  old {row['old']}  new {row['new']}", flush=True)
    print(json.dumps({
        "frames": results,
        "still": f"{STILL.name} {pixels.shape[1]}x{pixels.shape[0]}",
        "pose": "sample push-in at t=0.5",
        "device": str(renderer.device),
        "torch_threads_default": torch.get_num_threads(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "repeats": args.repeats,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
