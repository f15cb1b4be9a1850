"""No thread of ours stays real-time after an encoder library made it so (engine.priority.SchedulingKeeper).

SVT-AV1 puts the thread that opens it, and its own threads, on SCHED_FIFO at priority 99 wherever the
system allows it. Both tests run where real-time scheduling is permitted (as root, or with an rtprio
limit) and are skipped elsewhere, where no library can do it either. The AV1 one runs in a process of
its own, so this test process is never left real-time.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.priority import SchedulingKeeper

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread policies are Linux's")


def realtime_permitted() -> bool:
    """Whether a thread here may go real-time (tried on a thread of its own, which then ends)."""
    result = []

    def attempt():
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return result[0]


@linux_only
def test_a_thread_made_real_time_behind_our_back_is_put_back_with_its_nice_value():
    if not realtime_permitted():
        pytest.skip("real-time scheduling is not permitted here")
    seen = {}

    def work():
        os.setpriority(os.PRIO_PROCESS, 0, 7)
        keeper = SchedulingKeeper()
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(99))  # what the library does
        keeper.restore()
        seen["policy"], seen["niceness"] = os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)

    thread = threading.Thread(target=work)  # a thread of its own: this one's policy is never touched
    thread.start()
    thread.join()
    assert seen == {"policy": os.SCHED_OTHER, "niceness": 7}


AV1_EXPORT = """
import json, os, sys
from fractions import Fraction
import numpy as np
from engine.media.colorspaces import OUTPUT_TRANSFORMS
from engine.media.export_formats import FORMATS
from engine.media.video_io import VideoEncoder

encoder = VideoEncoder(sys.argv[1], FORMATS["av1_svt"], 64, 64, Fraction(24), OUTPUT_TRANSFORMS["rec709"])
during = set()
for index in range(4):
    encoder.write(np.full((64, 64, 3), index * 4000, np.uint16))
    during |= {os.sched_getscheduler(int(t)) for t in os.listdir("/proc/self/task")}
encoder.finish()
after = {os.sched_getscheduler(int(t)) for t in os.listdir("/proc/self/task")}
print(json.dumps({"during": sorted(during), "after": sorted(after)}))
"""


@linux_only
def test_an_av1_export_leaves_no_thread_real_time(tmp_path):
    if not realtime_permitted():
        pytest.skip("real-time scheduling is not permitted here, so SVT-AV1 cannot change it either")
    done = subprocess.run([sys.executable, "-c", AV1_EXPORT, str(tmp_path / "film.mkv")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "SVT_LOG": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    policies = json.loads(done.stdout.strip().splitlines()[-1])
    realtime = {os.SCHED_FIFO, os.SCHED_RR}
    assert not realtime & set(policies["during"]) and not realtime & set(policies["after"]), policies


@linux_only
def test_where_a_thread_may_go_real_time_the_keeper_watches():
    """The keeper stands down only where real-time scheduling is not permitted: where a thread here
    can go real-time, engine.priority must say so (and a keeper made now is active)."""
    from engine import priority

    if not realtime_permitted():
        pytest.skip("real-time scheduling is not permitted here")
    assert priority.realtime_permitted()
    assert SchedulingKeeper()._active


def test_where_real_time_is_not_permitted_restore_scans_nothing(monkeypatch):
    from engine import priority

    monkeypatch.setattr(priority, "realtime_permitted", lambda: False)
    monkeypatch.setattr(priority.os, "listdir", lambda path: pytest.fail(f"scanned {path}"))
    keeper = SchedulingKeeper()
    keeper.restore()
    assert not keeper._active
