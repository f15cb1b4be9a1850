"""Early abort: how much of a failing take's denoising is saved. A batch of Keyframe takes on a tiny
SDXL pipeline, some with failures injected (NaN latents from a chosen step, a black preview), with
Early abort at 20 % and 40 % of the steps and one retry each.

    .venv/bin/python benchmarks/abort.py [--steps 10] [--size 16] [--takes 6]

The last line of stdout is one JSON object: abort_saved_fraction (the steps saved over the steps the
failing takes would have run; target >= 0.7), the counts of takes, failing takes, retries made and
takes recovered by a retry, and the seconds spent. benchmarks/cost.py reads measure_abort().
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app.nodes import build_registry  # noqa: E402
from engine.commands import AddNode, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.models import ModelLocator  # noqa: E402
from engine.models.loading import RESIDENT_PIPELINES  # noqa: E402
from tests import tiny_models  # noqa: E402
from tests.tiny_models.faults import failing_takes  # noqa: E402

TARGET_SAVED_FRACTION = 0.7


def _render(locator: ModelLocator, seed: int, steps: int, size: int):
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("shot.keyframe", node_id="key", params={
        "model": "bench-sdxl", "prompt": "a red fox at dawn", "width": size, "height": size, "steps": steps,
        "guidance": 5.0, "seed": seed, "early_abort": "20,40", "retries": 1}))
    return Executor(models=locator).run(graph).results["key"]


def measure_abort(steps: int = 10, size: int = 16, takes: int = 6) -> dict:
    """Render `takes` keyframes (seeds 100, 200, ...): a third get NaN latents from the first step, a
    third NaN latents from 30 % of the steps (caught at the 40 % check), the rest a black preview on
    their first seed; every failing take's next seed is clean."""
    seeds = [100 * (n + 1) for n in range(takes)]
    nan_early, nan_late, black = seeds[0::3], seeds[1::3], seeds[2::3]
    late_step = max(2, round(0.3 * steps))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        tiny_models.build("sdxl", root / "bench-sdxl")
        locator = ModelLocator(Path(tmp) / "data", (root,))
        results, started = [], time.perf_counter()
        with failing_takes(nan=tuple(nan_early), black=tuple(black)):
            results += [_render(locator, seed, steps, size) for seed in (*nan_early, *black)]
        with failing_takes(nan=tuple(nan_late), nan_from_step=late_step):
            results += [_render(locator, seed, steps, size) for seed in nan_late]
        seconds = time.perf_counter() - started
        RESIDENT_PIPELINES.unload()
    rejected = [r for result in results for r in result.stats.get("rejected_takes", [])]
    saved = sum(r["steps_saved"] for r in rejected)
    would_have_run = sum(r["steps"] for r in rejected)
    return {
        "abort_saved_fraction": round(saved / would_have_run, 3) if would_have_run else 0.0,
        "target_abort_saved_fraction": TARGET_SAVED_FRACTION,
        "takes": len(results), "failing_takes": len(rejected), "retries": len(rejected),
        "recovered": sum(1 for r in results if r.status == "ran" and r.stats.get("rejected_takes")),
        "failed_nodes": sum(1 for r in results if r.status != "ran"),
        "steps_saved": saved, "steps_of_failing_takes": would_have_run,
        "checks_failed": sorted({r["check"] for r in rejected}),
        "steps": steps, "size": size, "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--takes", type=int, default=6)
    args = parser.parse_args()
    result = measure_abort(args.steps, args.size, args.takes)
    print(f"{result['failing_takes']} failing takes of {result['takes']} stopped early: "
          f"{result['steps_saved']} of {result['steps_of_failing_takes']} steps saved "
          f"({result['abort_saved_fraction']:.0%}), {result['recovered']} recovered by a retry")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
