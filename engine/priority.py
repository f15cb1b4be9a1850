"""CPU priorities below the GUI's, for the work that must never make the editor wait.

The editor's GUI thread runs at normal priority. A render runs in its own process at the lowest
priority the system offers; the editor's own background threads (previews, thumbnails, a render
that could not go to a process) run a little below the GUI. On Linux each thread has its own nice
value and the threads it starts later inherit it, so lowering the thread that starts torch's,
OpenCV's or an encoder's pool lowers the pool too.
"""

from __future__ import annotations

import os
import sys

RENDER_NICENESS = 10  # below the GUI: the editor answers first, the render takes the rest
# The editor's own background work (previews, thumbnails): below the GUI, whose thread it shares
# the interpreter lock with, but above a render, so a preview asked for during one still comes quickly.
BACKGROUND_NICENESS = 5


def _nice_down(who: int, niceness: int = RENDER_NICENESS) -> None:
    """Raise the nice value of `who` (0: the calling thread on Linux, the process elsewhere) to `niceness`."""
    try:
        os.setpriority(os.PRIO_PROCESS, who, max(os.getpriority(os.PRIO_PROCESS, who), niceness))
    except OSError:  # not permitted here: run at normal priority
        pass


def lower_thread_priority(niceness: int = RENDER_NICENESS) -> None:
    """Give the calling thread (and the threads it starts afterwards: torch's and OpenCV's pools,
    encoders, OpenColorIO workers) a lower CPU priority than the GUI: for a render in a thread of
    the editor's process, or (with BACKGROUND_NICENESS) the editor's previews and thumbnails.
    On Linux each thread has its own nice value and new threads inherit it; elsewhere this does
    nothing. Not SCHED_IDLE: a thread of the editor's process holds the interpreter lock the GUI
    needs, and an idle-policy thread holding it could be kept off the CPU for long."""
    if sys.platform.startswith("linux"):
        _nice_down(0, niceness)


def lower_process_priority() -> None:
    """Called first thing in a render process: the lowest CPU priority for it and every thread it starts.

    A nice value alone is not enough on 2 cores: the kernel lets a running nice-10 thread finish
    its slice before the woken GUI thread gets the core, and with a dozen render threads (x264,
    OpenCV, torch) those waits added up to 20-40 ms stalls. Linux's SCHED_IDLE policy is
    preempted at once by any normal thread that wakes, and costs the render nothing while the
    editor idles (other busy programs do take precedence over it). Elsewhere: a nice value for
    the whole process (macOS, the BSDs), or the below-normal priority class (Windows).
    """
    if sys.platform == "win32":
        try:
            import ctypes

            below_normal = 0x00004000  # BELOW_NORMAL_PRIORITY_CLASS
            kernel32 = ctypes.windll.kernel32
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)
        except (AttributeError, OSError):
            pass
        return
    if hasattr(os, "setpriority"):
        _nice_down(0)  # on Linux the calling thread, whose later threads inherit it
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            pass


_REALTIME = tuple(getattr(os, name) for name in ("SCHED_FIFO", "SCHED_RR") if hasattr(os, name))
_CAP_SYS_NICE = 23  # the capability bit that lets a process choose real-time scheduling (linux/capability.h)


def realtime_permitted() -> bool:
    """Whether this process may put a thread on a real-time policy (Linux): an rtprio limit above 0, or
    the CAP_SYS_NICE capability (root has it). True where it cannot tell."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_RTPRIO)[0]
        if soft == resource.RLIM_INFINITY or soft > 0:
            return True
    except (ImportError, AttributeError, ValueError, OSError):
        return True
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> _CAP_SYS_NICE & 1)
    except (OSError, ValueError, IndexError):
        pass
    return True


class SchedulingKeeper:
    """Puts back the CPU scheduling that an encoder library changes behind our back.

    SVT-AV1 (the AV1 encoder PyAV bundles) moves the thread that opens it onto the real-time SCHED_FIFO
    policy at priority 99, and starts its own threads there, wherever the system allows it: as root,
    or for a user with an rtprio limit (common on audio workstations). A real-time thread that waits
    actively never lets an ordinary thread on its core run. So the editor could freeze during an AV1
    export. A render process that had lowered itself to SCHED_IDLE was lifted above everything. Two
    renders started from a process an AV1 export had left real-time spun for minutes without end.

    Made before the library starts (it notes the calling thread's policy and nice value); restore() then
    puts every real-time thread of the process back on them. A process started real-time on purpose
    is left as it is. Linux only; elsewhere restore() does nothing.
    """

    def __init__(self):
        # Where this process may not go real-time, no library can take it there: nothing to watch, and
        # restore() spares the scan of every thread after each frame (~0.2 ms).
        self._active = (sys.platform.startswith("linux") and bool(_REALTIME) and hasattr(os, "sched_getscheduler")
                        and realtime_permitted())
        if self._active:
            try:
                self._policy, self._param = os.sched_getscheduler(0), os.sched_getparam(0)
                self._niceness = os.getpriority(os.PRIO_PROCESS, 0)
            except OSError:
                self._active = False
            else:
                self._active = self._policy not in _REALTIME

    def restore(self) -> None:
        if not self._active:
            return
        try:
            threads = os.listdir("/proc/self/task")
        except OSError:
            return
        for name in threads:
            thread = int(name)
            try:
                if os.sched_getscheduler(thread) in _REALTIME:
                    os.sched_setscheduler(thread, self._policy, self._param)
                    os.setpriority(os.PRIO_PROCESS, thread, self._niceness)
            except OSError:  # the thread has ended meanwhile, or this is not permitted: leave it
                continue
