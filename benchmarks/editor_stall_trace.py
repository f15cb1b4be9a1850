"""What the GUI thread was doing in each event-loop stall while the sample film renders: a diagnosis
of benchmarks/editor.py's max_stall_ms, not a benchmark of its own.

    QT_QPA_PLATFORM=offscreen python benchmarks/editor_stall_trace.py [--renders 4] [--over-ms 25]
        [--stacks] [--perf] [--threads] [--scrub] [--big N] [--no-deliveries]

For every gap of the 5 ms GUI timer longer than --over-ms it prints when it began, how long the
GUI thread was on a CPU and how long it waited for one in that gap (its CPU clock and Linux's
schedstat; on CPU means the GUI's own work, waiting means the render took the cores), its user
and system time and page faults, the machine's steal time (the hypervisor taking the CPUs: this
guest charges much of a steal to the thread that was running, so a stall with ~100 ms of steal
may show tens of ms "on CPU" the GUI never used; a bare busy loop shows the same), the CPU time
of the editor's other threads, the render events that arrived around it, and the Qt event
deliveries over 2 ms inside it (paints, timers named by their owner, queued calls) with the
GUI's CPU time in each; --no-deliveries leaves them out. Garbage-collector passes over 5 ms are
listed too. --stacks samples the GUI thread's Python stack inside stalls; --perf records it with
Linux perf and names the native call chains in each stall; --threads names every
thread that ran in each (it reads them all at every tick, so the GUI's own CPU time doubles);
--scrub drags the preview's slider as editor.py's third render does; --big N renders its N-node
project instead of the sample, as its fourth render does. The last line is one JSON
object. The instrumentation costs the GUI time of its own: read stalls here as a diagnosis, and
take the figures from editor.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCHEDSTAT = Path("/proc/thread-self/schedstat")  # on-CPU and run-queue nanoseconds of the calling thread


def thread_times() -> tuple[float, float]:
    """(seconds on a CPU, seconds waiting for one) of this thread so far; zeros where unknown.

    On a CPU from the thread's CPU clock, not schedstat's first field: schedstat adds a running
    thread's time only at the scheduler's next tick or switch, so it credits work to the wrong
    gap (a stall of the hypervisor's showing the GUI busy, the next one "others" below zero)."""
    try:
        return time.thread_time(), int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return time.thread_time(), 0.0


def thread_faults() -> tuple[int, int, float, float]:
    """(minor faults, major faults, user s, system s) of this thread; zeros where unknown."""
    try:
        fields = Path("/proc/thread-self/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[7]), int(fields[9]), int(fields[11]) / tick, int(fields[12]) / tick
    except (OSError, ValueError, IndexError):
        return 0, 0, 0.0, 0.0


def machine_steal() -> float:
    """Seconds the hypervisor took this machine's CPUs from it so far (all CPUs); 0 where unknown."""
    try:
        return int(Path("/proc/stat").read_text().split()[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def task_times() -> dict[str, float]:
    """Seconds on a CPU of every thread of this process, Python's or native, by name and id."""
    times = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            times[f"{name}/{task.name}"] = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return times


class NativeSampler:
    """`perf record` on the GUI thread alone (call graphs, the monotonic clock that perf_counter
    reads), so the native code inside a stall can be named: Qt, the interpreter, a library."""

    def __init__(self, folder: Path, tid: int, hz: int = 997):
        import subprocess

        self.data = folder / "gui.perf"
        self.process = subprocess.Popen(["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-F", str(hz), "-g",
                                         "-t", str(tid), "-o", str(self.data)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)  # perf attaches before the render starts
        if self.process.poll() is not None:
            raise SystemExit(f"perf could not record: {self.process.stderr.read().decode().strip()}")

    def stop(self) -> list[tuple[float, list[str]]]:
        """The samples: (monotonic seconds, frames from the leaf outwards)."""
        import signal
        import subprocess

        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        script = subprocess.run(["perf", "script", "-i", str(self.data), "-F", "time,ip,sym,dso"],
                                capture_output=True, text=True, timeout=300).stdout
        samples, current = [], None
        for line in script.splitlines():
            if not line.strip():
                current = None
            elif current is None:
                current = (float(line.strip().rstrip(":")), [])
                samples.append(current)
            else:
                parts = line.split(None, 1)
                current[1].append(parts[1].strip() if len(parts) > 1 else parts[0])
        return samples


def native_summary(samples, begin: float, end: float, depth: int = 3) -> list[tuple[int, str]]:
    """The most frequent call chains (leaf and `depth` - 1 callers) among the samples in [begin, end]."""
    from collections import Counter

    chains = Counter(" < ".join(frames[:depth]) for t, frames in samples if begin <= t <= end)
    return [(count, chain) for chain, count in chains.most_common(6)]


class StackSampler:
    """A thread that, while the GUI thread has not ticked for `after` seconds, records the GUI
    thread's Python stack every 2 ms: which Python code (or which Qt call it made) a stall is in."""

    def __init__(self, gui_thread: int, last_tick: list, after: float = 0.015):
        self.gui, self.last_tick, self.after = gui_thread, last_tick, after
        self.samples: list[tuple[float, str]] = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            time.sleep(0.002)
            now = time.perf_counter()
            if now - self.last_tick[0] < self.after:
                continue
            self.samples.append((now, self._stack()))

    def _stack(self, depth: int = 4) -> str:
        """The GUI thread's innermost frames, read without keeping a reference to any of them: a
        frame held here keeps its locals alive, and a QPainter outliving its paintEvent makes Qt
        end the paint with the painter active and later crash. No file is read meanwhile (as
        traceback's line lookup would), so the GUI thread cannot run while the frames are held."""
        frame = sys._current_frames().get(self.gui)
        names = []
        while frame is not None and len(names) < depth:
            code = frame.f_code
            names.append(f"{code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno} {code.co_name}")
            frame = frame.f_back
        return " < ".join(names)


def receiver_name(receiver) -> str:
    """The receiver's class; a timer's with its owner's, so the slot it runs can be told apart."""
    name = type(receiver).__name__
    if name == "QTimer":
        owner = receiver.parent()
        name = f"QTimer of {type(owner).__name__}" if owner is not None else name
    return name


def editor_benchmark():
    """benchmarks/editor.py as a module (for its Scrubber and big_project): the folder is not a package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("editor_benchmark", Path(__file__).with_name("editor.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=4)
    parser.add_argument("--over-ms", type=float, default=25.0)
    parser.add_argument("--stacks", action="store_true", help="sample the GUI thread's Python stack in stalls")
    parser.add_argument("--threads", action="store_true",
                        help="read every thread's CPU time at each tick and show which ran in each stall")
    parser.add_argument("--perf", action="store_true",
                        help="record the GUI thread with Linux perf and name the native code in each stall")
    parser.add_argument("--scrub", action="store_true",
                        help="drag the preview's slider through the first shot once it is done, as editor.py's third render")
    parser.add_argument("--no-deliveries", action="store_true",
                        help="do not time Qt's event deliveries: PySide's notify override can crash a long run")
    parser.add_argument("--big", type=int, default=0, metavar="N",
                        help="render editor.py's N-node project instead of the sample, as its fourth render does")
    args = parser.parse_args(argv)
    if args.big and args.scrub:
        parser.error("--scrub drags the sample's first shot, which the --big project does not have")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    recording = {"on": False}
    deliveries, collections, arrivals = [], [], []

    class TimedApplication(QApplication):
        def notify(self, receiver, event):
            # The event's type is read before delivery: a delivered DeferredDelete has freed it.
            kind = event.type().name if recording["on"] else ""
            started, cpu = time.perf_counter(), time.thread_time()
            handled = super().notify(receiver, event)
            took = time.perf_counter() - started
            if took > 0.002 and recording["on"]:
                deliveries.append((started, took, time.thread_time() - cpu, receiver_name(receiver), kind))
            return handled

    gc_started = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif recording["on"] and time.perf_counter() - gc_started[0] > 0.005:
            collections.append((gc_started[0], time.perf_counter() - gc_started[0], info["generation"]))

    gc.callbacks.append(on_gc)
    (QApplication if args.no_deliveries else TimedApplication)([sys.argv[0]])
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
        project = Path(tmp) / "examples" / "sample.aiprod"
        if args.big:
            project = Path(tmp) / "big.aiprod"
            project.write_text(json.dumps(editor_benchmark().big_project(args.big)))
        warm_up().join()
        summary = []
        for run in range(args.renders):
            window.renderer.configure(window.renderer.models, dataclasses.replace(
                window.renderer.cache_settings, folder=Path(tmp) / f"cache{run}"))
            window.open_project(project)
            settled = time.perf_counter() + 0.5
            while time.perf_counter() < settled:
                app.processEvents()
                time.sleep(0.005)
            busy, last_tasks = {}, [task_times() if args.threads else {}]
            gaps, last = [], [time.perf_counter(), thread_times(), thread_faults(), machine_steal(), time.process_time()]

            def tick() -> None:
                now, times, faults, steal = time.perf_counter(), thread_times(), thread_faults(), machine_steal()
                process = time.process_time()
                gaps.append((last[0], now - last[0], times[0] - last[1][0], times[1] - last[1][1],
                             tuple(b - a for a, b in zip(last[2], faults)), steal - last[3],
                             process - last[4] - (times[0] - last[1][0])))
                last[0], last[1], last[2], last[3], last[4] = now, times, faults, steal, process
                if args.threads:  # every thread's CPU time at every tick: which ran during a stall
                    tasks = task_times()
                    if gaps[-1][1] * 1000 > args.over_ms:
                        busy[gaps[-1][0]] = {n: t - last_tasks[0].get(n, 0.0) for n, t in tasks.items()}
                    last_tasks[0] = tasks

            timer = QTimer()
            timer.setInterval(5)
            timer.timeout.connect(tick)
            deliveries.clear(), collections.clear(), arrivals.clear()
            loop = QEventLoop()
            window.renderer.finished.connect(loop.quit)
            timer.start()
            started = last[0] = time.perf_counter()
            last[1], last[2], last[3], last[4] = thread_times(), thread_faults(), machine_steal(), time.process_time()
            sampler = StackSampler(threading.get_ident(), last) if args.stacks else None
            native = NativeSampler(Path(tmp), threading.get_native_id()) if args.perf else None
            last[0] = time.perf_counter()  # perf's start is not a stall
            recording["on"] = True
            window.render_all()
            scrubber = editor_benchmark().Scrubber(window) if args.scrub else None
            loop.exec()
            if scrubber is not None:
                scrubber.stop()
                print(f"scrubbing from {scrubber.since - started:.1f} s")
            recording["on"] = False
            if sampler is not None:
                sampler.running = False
            timer.stop()
            native_samples = native.stop() if native is not None else []
            window.renderer.finished.disconnect(loop.quit)
            stalls = [g for g in gaps if g[1] * 1000 > args.over_ms]
            print(f"render {run}: {time.perf_counter() - started:.1f} s, longest gap "
                  f"{max(g[1] for g in gaps) * 1000:.1f} ms, GUI on CPU {sum(g[2] for g in gaps) * 1000:.0f} ms, "
                  f"waiting for a CPU {sum(g[3] for g in gaps) * 1000:.0f} ms")
            print("  threads:", [t.name for t in threading.enumerate()])
            for begin, wall, on_cpu, waiting, (minor, major, user, system), steal, others in stalls:
                end = begin + wall
                print(f"  stall at {begin - started:.2f} s: {wall * 1000:.0f} ms, on CPU {on_cpu * 1000:.0f}, "
                      f"waiting {waiting * 1000:.0f}; user {user * 1000:.0f} ms, system {system * 1000:.0f} ms, "
                      f"faults {minor} minor {major} major, machine steal {steal * 1000:.0f} ms, "
                      f"the editor's other threads on CPU {others * 1000:.0f} ms")
                if begin in busy:
                    names = {f"/{t.native_id}": t.name for t in threading.enumerate()}
                    print("    threads on a CPU (ms):", {
                        next((python for tid, python in names.items() if name.endswith(tid)), name): round(v * 1000, 1)
                        for name, v in sorted(busy[begin].items(), key=lambda kv: -kv[1]) if v > 0.0005})
                if sampler is not None:
                    print("    stacks:", [(round(t - started, 3), stack) for t, stack in sampler.samples
                                        if begin <= t <= end])
                if native is not None:
                    print("    native (samples, chain):", native_summary(native_samples, begin, end))
                print("    events:", [(round(t - started, 3), kind, node) for t, kind, node in arrivals
                                      if begin - 0.15 <= t <= end])
                print("    deliveries (at, ms, on CPU ms, receiver, event):",
                      [(round(t - started, 3), round(d * 1000, 1), round(c * 1000, 1), receiver, kind)
                       for t, d, c, receiver, kind in deliveries if begin - 0.01 <= t <= end])
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
