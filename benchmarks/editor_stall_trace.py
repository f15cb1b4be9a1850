"""What the GUI thread was doing in each event-loop stall while the sample film renders: a diagnosis
of benchmarks/editor.py's max_stall_ms, not a benchmark of its own.

    QT_QPA_PLATFORM=offscreen python benchmarks/editor_stall_trace.py [--renders 4] [--over-ms 25]

For every gap of the 5 ms GUI timer longer than --over-ms it prints when it began, how long the
GUI thread was on a CPU and how long it waited for one in that gap (Linux's schedstat; on CPU
means the GUI's own work, waiting means the render took the cores), the render events that
arrived around it, and the Qt event deliveries over 2 ms inside it (paints, timers, queued
calls). Garbage-collector passes over 5 ms are listed too. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCHEDSTAT = Path("/proc/thread-self/schedstat")  # on-CPU and run-queue nanoseconds of the calling thread


def thread_times() -> tuple[float, float]:
    """(seconds on a CPU, seconds waiting for one) of this thread so far; zeros where unknown."""
    try:
        on_cpu, waiting = SCHEDSTAT.read_text().split()[:2]
        return int(on_cpu) / 1e9, int(waiting) / 1e9
    except (OSError, ValueError):
        return time.thread_time(), 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=4)
    parser.add_argument("--over-ms", type=float, default=25.0)
    args = parser.parse_args(argv)
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    recording = {"on": False}
    deliveries, collections, arrivals = [], [], []

    class TimedApplication(QApplication):
        def notify(self, receiver, event):
            started = time.perf_counter()
            handled = super().notify(receiver, event)
            took = time.perf_counter() - started
            if took > 0.002 and recording["on"]:
                deliveries.append((started, took, type(receiver).__name__, event.type().name))
            return handled

    gc_started = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif recording["on"] and time.perf_counter() - gc_started[0] > 0.005:
            collections.append((gc_started[0], time.perf_counter() - gc_started[0], info["generation"]))

    gc.callbacks.append(on_gc)
    TimedApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="aiprod-trace-") as tmp:
        os.environ["AIPROD_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ["AIPROD_DATA_DIR"] = str(Path(tmp) / "data")
        from app.editor import make_app, warm_up
        from app.ui import render_controller
        from app.ui.main_window import MainWindow

        real_on_event = render_controller.RenderController._on_event

        def noted(self, number, event):
            arrivals.append((time.perf_counter(), type(event).__name__, getattr(event, "node_id", "")))
            real_on_event(self, number, event)

        render_controller.RenderController._on_event = noted
        app = make_app()
        window = MainWindow()
        window.prompt_unsaved = lambda: "discard"
        window.exec_dialog = lambda dialog: None
        window.resize(1600, 1000)
        window.show()
        shutil.copytree(ROOT / "resources" / "examples", Path(tmp) / "examples")
        warm_up().join()
        summary = []
        for run in range(args.renders):
            window.renderer.set_cache_location(Path(tmp) / f"cache{run}", window.renderer.cache_limit)
            window.open_project(Path(tmp) / "examples" / "sample.aiprod")
            settled = time.perf_counter() + 0.5
            while time.perf_counter() < settled:
                app.processEvents()
                time.sleep(0.005)
            gaps, last = [], [time.perf_counter(), thread_times()]

            def tick() -> None:
                now, times = time.perf_counter(), thread_times()
                gaps.append((last[0], now - last[0], times[0] - last[1][0], times[1] - last[1][1]))
                last[0], last[1] = now, times

            timer = QTimer()
            timer.setInterval(5)
            timer.timeout.connect(tick)
            deliveries.clear(), collections.clear(), arrivals.clear()
            loop = QEventLoop()
            window.renderer.finished.connect(loop.quit)
            timer.start()
            started = last[0] = time.perf_counter()
            last[1] = thread_times()
            recording["on"] = True
            window.render_all()
            loop.exec()
            recording["on"] = False
            timer.stop()
            window.renderer.finished.disconnect(loop.quit)
            stalls = [g for g in gaps if g[1] * 1000 > args.over_ms]
            print(f"render {run}: {time.perf_counter() - started:.1f} s, longest gap "
                  f"{max(g[1] for g in gaps) * 1000:.1f} ms, GUI on CPU {sum(g[2] for g in gaps) * 1000:.0f} ms, "
                  f"waiting for a CPU {sum(g[3] for g in gaps) * 1000:.0f} ms")
            for begin, wall, on_cpu, waiting in stalls:
                end = begin + wall
                print(f"  stall at {begin - started:.2f} s: {wall * 1000:.0f} ms, on CPU {on_cpu * 1000:.0f}, "
                      f"waiting {waiting * 1000:.0f}")
                print("    events:", [(round(t - started, 3), kind, node) for t, kind, node in arrivals
                                      if begin - 0.15 <= t <= end])
                print("    deliveries:", [(round(t - started, 3), round(d * 1000, 1), receiver, kind)
                                          for t, d, receiver, kind in deliveries if begin - 0.01 <= t <= end])
            for begin, took, generation in collections:
                print(f"  gc generation {generation} at {begin - started:.2f} s: {took * 1000:.1f} ms")
            summary.append({"max_stall_ms": round(max(g[1] for g in gaps) * 1000, 1), "stalls": len(stalls),
                            "gui_cpu_ms": round(sum(g[2] for g in gaps) * 1000),
                            "cpu_wait_ms": round(sum(g[3] for g in gaps) * 1000)})
        window.close()
    print(json.dumps({"over_ms": args.over_ms, "renders": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
