"""The editor's first seconds: a node selected as the window appears, how long the preview takes to answer.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/preview_first.py [--runs 3]

Each run is a fresh editor process (offscreen) on the sample film with an empty cache and its own
user folder, so it meets what a user meets on opening: the render process starting and the warm-up
importing the render libraries on 2 cores. The node is selected the moment the window is shown, and
the time is taken until the preview's caption is no longer "loading…". Two nodes:
- `unrendered_scene_s`: Dawn, a Scene not rendered yet, whose answer is "render it to see its output"
  (the preview stops at the plan: engine.events.RunPlanned);
- `still_s`: Dawn still, an Import Image, whose picture needs colour-science's sRGB curve (the
  warm-up imports it before torch).
The peer, in the same process once the warm-up has finished: `warm_*_s`, the same answer with every
library already imported. Each list holds one figure a run; `*_median_s` their medians.
The last line of stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "resources" / "examples"
NODES = {"unrendered_scene": "dawn", "still": "dawn_still"}

# Run in a process of its own: select the node as the window appears, then again after the warm-up.
PROBE = r"""
import json, sys, threading, time
from app.editor import make_app, open_window
from PySide6.QtWidgets import QApplication

app = make_app()
window = open_window(sys.argv[1], interactive=False)
preview = window.preview


def answer(node):
    preview.show_node(None)
    started = time.monotonic()
    preview.show_node(node)
    while "loading" in preview.caption.text() and time.monotonic() - started < 60:
        QApplication.processEvents()
        time.sleep(0.002)
    return round(time.monotonic() - started, 3), preview.caption.text()


first = answer(sys.argv[2])
for thread in threading.enumerate():
    if thread.name == "aiprod-warm-up":
        thread.join(120)
warm = answer(sys.argv[2])
print(json.dumps({"first": first, "warm": warm}))
"""


def one_run(node: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="aiprod-preview-first-") as folder:
        project = Path(folder) / "film"
        shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("*.mp4", "*.qa.json"))
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": folder, "AIPROD_DATA_DIR": f"{folder}/data",
               "PYTHONPATH": str(REPO_ROOT)}
        done = subprocess.run([sys.executable, "-c", PROBE, str(project / "sample.aiprod"), node], env=env,
                              capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
        if done.returncode != 0:
            raise SystemExit(f"the editor probe failed:\n{done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    result: dict = {"cores": os.cpu_count(), "runs": args.runs}
    for label, node in NODES.items():
        firsts, warms = [], []
        for run in range(args.runs):
            seen = one_run(node)
            firsts.append(seen["first"][0])
            warms.append(seen["warm"][0])
            print(f"{label} run {run + 1}: first {seen['first'][0]} s, warm {seen['warm'][0]} s "
                  f"({seen['first'][1]!r})", file=sys.stderr)
        result.update({f"{label}_s": firsts, f"{label}_median_s": statistics.median(firsts),
                       f"warm_{label}_s": warms, f"warm_{label}_median_s": statistics.median(warms)})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
