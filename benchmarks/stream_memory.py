"""Peak memory of a long render: memory must not grow with the length of the film.

    .venv/bin/python benchmarks/stream_memory.py [--durations 60 600] [--fps 24]

Each duration renders, in a fresh process, a 720p sequence of two shots (a still through a camera
move, and a second shot with a lower-third title), dissolved, graded with a built-in look and
exported to H.264, then reports that process's peak resident memory. The last line of stdout is
one JSON object with rss_60s_mb, rss_600s_mb and their ratio (target: 600 s <= 1.2 x 60 s).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from app.nodes import build_registry
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph

root, out, seconds, fps = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
graph = Graph(build_registry())
stack = UndoStack(graph)
def node(type_id, node_id, **params):
    stack.push(AddNode(type_id, params=params, node_id=node_id))
def wire(a, ap, b, bp):
    stack.push(Connect(a, ap, b, bp))
shot = {"resolution": "1280x720", "fps": fps, "duration": seconds / 2 + 0.5}
node("media.import_image", "still_a", path=f"{root}/resources/examples/stills/dawn.jpg")
node("media.import_image", "still_b", path=f"{root}/resources/examples/stills/night.jpg")
node("shot.camera_path", "push", move="push in", amount=0.2)
node("shot.camera_path", "pan", move="pan right", amount=0.1)
node("shot.scene", "a", **shot)
node("shot.scene", "b", **shot)
node("title.overlay", "lower", text="Streaming test", placement="lower third", size=5.0)
node("edit.sequence", "seq", transition="dissolve", transition_seconds=1.0)
node("color.grade", "grade", look="teal_orange")
node("output.export", "export", path=out, format="h264")
wire("still_a", "image", "a", "keyframes"); wire("push", "path", "a", "camera")
wire("still_b", "image", "b", "keyframes"); wire("pan", "path", "b", "camera")
wire("b", "frames", "lower", "frames")
wire("a", "frames", "seq", "shots"); wire("lower", "frames", "seq", "shots")
wire("seq", "frames", "grade", "frames"); wire("grade", "frames", "export", "frames")
started = time.perf_counter()
report = Executor().run(graph)
assert report.status == "finished", {n: r.message for n, r in report.results.items() if r.message}
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def render(seconds: float, fps: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="aiprod-stream-") as tmp:
        out = Path(tmp) / "film.mp4"
        done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(out), str(seconds), fps],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"render of {seconds} s failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        import av

        with av.open(str(out)) as container:
            result["frames"] = container.streams.video[0].frames
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--durations", type=float, nargs=2, default=[60.0, 600.0], metavar=("SHORT", "LONG"))
    parser.add_argument("--fps", default="24")
    args = parser.parse_args()
    short, long = args.durations
    started = time.perf_counter()
    runs = {seconds: render(seconds, args.fps) for seconds in (short, long)}
    for seconds, run in runs.items():
        print(f"{seconds:.0f} s film: {run['frames']} frames in {run['seconds']:.0f} s, "
              f"peak RSS {run['peak_rss_mb']:.0f} MB")
    ratio = runs[long]["peak_rss_mb"] / runs[short]["peak_rss_mb"]
    print(json.dumps({f"rss_{short:.0f}s_mb": round(runs[short]["peak_rss_mb"], 1),
                      f"rss_{long:.0f}s_mb": round(runs[long]["peak_rss_mb"], 1), "ratio": round(ratio, 3),
                      "target_ratio": 1.2, "meets_target": ratio <= 1.2,
                      "frames": {f"{s:.0f}s": r["frames"] for s, r in runs.items()},
                      "render_s": {f"{s:.0f}s": round(r["seconds"], 1) for s, r in runs.items()},
                      "fps": args.fps, "total_s": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
