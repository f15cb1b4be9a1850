"""Camera resample cost per frame: the CPU's cv2.warpAffine path beside the torch path (CUDA's) and the
affine_grid path before both.

    .venv/bin/python benchmarks/camera.py [--repeats 9] [--pose push-in|roll-edges] [--opencv-threads N]

A held still (resources/examples/stills/dawn.jpg, 1920x1080, sRGB decoded to float32 linear) seen
through the sample film's push-in at mid-shot (or, --pose roll-edges, rolled 12 degrees at zoom 0.9 so
the frame's edges show and the full coverage map is made), resampled to 1280x720 and 1920x1080, bilinear
and bicubic. "old" is the affine_grid CameraRenderer.sample (torch's default threads, a divide then a
CHW -> HWC copy), kept as the reference in tests/engine/test_camera_render_speed_paths.py; "torch" is
CameraRenderer.sample(backend="torch") (grid_sample on one torch thread); "cv2" is backend="cv2", what
the CPU runs: the warp kernel (engine/media/warp_kernel.c) for a bilinear pose without roll, else
cv2.warpAffine; "opencv_only" is that path with the kernel left out (every pose through warpAffine). The prefiltered source is cached for all, as for a still in a film. The three run in
turns, so load from other processes falls on all alike; each figure is the median over the repeats.
wall_ms: elapsed; thread_cpu_ms: time.thread_time of the calling thread; cpu_ms: getrusage of the whole
process, which also counts torch's OpenMP workers and OpenCV's pool (an idle OpenMP worker spins on for
a while after the old path, so the torch path's cpu_ms runs a little over its thread_cpu_ms; OpenCV's
pool splits a warp over cv2.getNumThreads() threads, and the caller waits actively on the others, so
cv2's cpu_ms is about threads x wall).

Measured here (opencv-python-headless 5.1.0, torch 2.13, 2 cores shared with other work, 9 repeats, one
run each; thread CPU / process CPU in ms):

    push-in (no edges)      old            torch          cv2, 2 OpenCV threads   cv2, 1 OpenCV thread
    720p bilinear           25.2 / 46.3    11.5 / 15.2    2.9 / 5.6               4.7 / 4.7
    720p bicubic            36.8 / 58.0    27.2 / 33.6    5.7 / 11.1              9.4 / 9.4
    1080p bilinear          76.9 / 129.1   30.6 / 30.7    7.0 / 13.7              9.8 / 9.8
    1080p bicubic           102.2 / 152.5  62.0 / 62.0    13.4 / 26.4             20.7 / 20.7
    roll-edges
    720p bilinear           28.4 / 54.5    17.5 / 22.2    13.0 / 23.5             17.0 / 17.0
    720p bicubic            48.3 / 73.7    35.1 / 39.3    15.9 / 29.4             27.2 / 27.2
    1080p bilinear          75.4 / 129.8   47.1 / 47.1    27.2 / 48.0             54.0 / 54.0 (torch 100.8: noisy run)
    1080p bicubic           143.0 / 205.1  95.4 / 95.4    30.0 / 54.9             65.3 / 65.3

(the 1-thread column from a second run with --opencv-threads 1, its own old and torch beside it within
~20% of the first run's except where noted.) A rolled bilinear frame with edges is cv2's worst case: the
warp itself costs ~9 ms at 720p on one thread (OpenCV's own kernel, not IPP's: see
camera_render._without_ipp) and the per-pixel coverage map ~3-5 ms more, about what torch spends.
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import cv2  # noqa: E402
import torch  # noqa: E402

from app.nodes.camera import path_from_params  # noqa: E402
from engine.color import srgb_to_linear  # noqa: E402
from engine.media import camera_render  # noqa: E402
from engine.media.camera import Pose  # noqa: E402
from engine.media.camera_render import CameraRenderer  # noqa: E402
from engine.media.image_io import read_image  # noqa: E402
from tests.engine.test_camera_render_speed_paths import reference_sample  # noqa: E402

STILL = REPO_ROOT / "resources" / "examples" / "stills" / "dawn.jpg"
SAMPLE = REPO_ROOT / "resources" / "examples" / "sample.aiprod"
SIZES = ((1280, 720), (1920, 1080))
POSES = {"push-in": None, "roll-edges": Pose(zoom=0.9, roll=12.0)}


def sample_push_in():
    """The sample film's first camera path (the slow push-in)."""
    data = json.loads(SAMPLE.read_text())
    params = next(node["params"] for node in data["nodes"] if node["type"] == "shot.camera_path")
    return path_from_params(params)


def process_cpu() -> float:
    """CPU seconds of every thread of this process (torch's OpenMP and OpenCV's pool included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(function) -> tuple[float, float, float]:
    wall, thread, process = time.perf_counter(), time.thread_time(), process_cpu()
    function()
    return time.perf_counter() - wall, time.thread_time() - thread, process_cpu() - process


def median_ms(samples: list[tuple[float, float, float]]) -> dict:
    return {name: round(statistics.median(s[k] for s in samples) * 1000, 1)
            for k, name in enumerate(("wall_ms", "thread_cpu_ms", "cpu_ms"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--pose", choices=POSES, default="push-in",
                        help="push-in: the sample's push-in at mid-shot; roll-edges: rolled 12 degrees and zoomed "
                             "out to 0.9, so the frame's edges show (the full-frame coverage map)")
    parser.add_argument("--opencv-threads", type=int, default=None,
                        help="cv2.setNumThreads first (default: OpenCV's own, one per core)")
    args = parser.parse_args()
    if args.opencv_threads is not None:
        cv2.setNumThreads(args.opencv_threads)
    pixels = srgb_to_linear(read_image(STILL))
    path = sample_push_in()
    pose = path.pose_at(0.5) if args.pose == "push-in" else POSES[args.pose]
    results = {}
    for width, height in SIZES:
        for sampling in ("bilinear", "bicubic"):
            renderer = CameraRenderer(path, width, height, 48, Fraction(24), "cover", sampling)

            def old():
                reference_sample(renderer, pixels, [pose], "still")

            def torch_path():
                renderer.sample(pixels, [pose], "still", backend="torch")

            def cv2_path():
                renderer.sample(pixels, [pose], "still", backend="cv2")

            def opencv_only():  # the CPU path with the warp kernel left out: every pose through warpAffine
                kernel, camera_render.WARP = camera_render.WARP, None
                try:
                    renderer.sample(pixels, [pose], "still", backend="cv2")
                finally:
                    camera_render.WARP = kernel

            versions = {"old": old, "torch": torch_path, "cv2": cv2_path, "opencv_only": opencv_only}
            for function in versions.values():  # warm-up: prefilter cache, thread pools, first-touch allocations
                function()
            timings = {version: [] for version in versions}
            for _ in range(args.repeats):
                for version, function in versions.items():
                    timings[version].append(measure(function))
            row = {version: median_ms(samples) for version, samples in timings.items()}
            results[f"{width}x{height} {sampling}"] = row
            print(f"{width}x{height} {sampling:8s}  " + "  ".join(f"{v} {row[v]}" for v in versions), flush=True)
    print(json.dumps({
        "frames": results,
        "still": f"{STILL.name} {pixels.shape[1]}x{pixels.shape[0]}",
        "pose": "sample push-in at t=0.5" if args.pose == "push-in" else f"{args.pose} {POSES[args.pose]}",
        "device": str(renderer.device),
        "torch_threads_default": torch.get_num_threads(),
        "opencv": cv2.__version__,
        "opencv_threads": cv2.getNumThreads(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "repeats": args.repeats,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
