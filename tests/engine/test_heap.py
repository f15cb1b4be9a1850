"""engine.heap: a render process's C heap keeps freed frame buffers (see its docstring for why).

Each check runs in a fresh interpreter: the policy is process-wide and one-way, and what it changes
(where glibc serves a large block, how many heaps threads get) shows only from a clean start."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                                reason="the policy is glibc's malloc tuning; elsewhere it does nothing")

# mallinfo2().hblks: blocks glibc holds as mmaps of their own. Heaps: malloc_info's <heap nr=...> entries.
PROBE = textwrap.dedent("""
    import ctypes, os, re, sys, tempfile, threading
    from engine.heap import keep_freed_buffers

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                     "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
    libc.free.argtypes = (ctypes.c_void_p,)
    libc.fdopen.restype, libc.fdopen.argtypes = ctypes.c_void_p, (ctypes.c_int, ctypes.c_char_p)
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.fflush.argtypes = (ctypes.c_void_p,)
    applied = keep_freed_buffers() if sys.argv[1] == "on" else False

    before = libc.mallinfo2().hblks
    frame = libc.malloc(1280 * 720 * 3 * 4)  # a 720p float frame
    mapped = libc.mallinfo2().hblks - before
    libc.free(frame)

    def worker():  # threads that allocate, as an export's workers do
        block = libc.malloc(1 << 20)
        libc.free(block)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with tempfile.TemporaryFile() as report:
        libc.fflush(None)
        stream = libc.fdopen(os.dup(report.fileno()), b"w")
        libc.malloc_info(0, stream)
        libc.fclose.argtypes = (ctypes.c_void_p,)
        libc.fclose(stream)
        report.seek(0)
        heaps = len(re.findall(rb"<heap nr=", report.read()))
    print(applied, mapped, heaps)
""")


def probe(policy: str) -> tuple[bool, int, int]:
    result = subprocess.run([sys.executable, "-c", PROBE, policy], capture_output=True, text=True, timeout=60,
                            cwd=__file__.rsplit("/tests/", 1)[0])
    assert result.returncode == 0, result.stderr
    applied, mapped, heaps = result.stdout.split()
    return applied == "True", int(mapped), int(heaps)


def test_without_the_policy_a_frame_is_its_own_mmap_and_threads_get_heaps_of_their_own():
    applied, mapped, heaps = probe("off")
    assert (applied, mapped) == (False, 1)
    assert heaps > 1


def test_with_it_a_frame_comes_from_the_heap_and_threads_share_it():
    assert probe("on") == (True, 0, 1)


def test_it_is_applied_once():
    from engine import heap

    heap.keep_freed_buffers()
    assert heap.keep_freed_buffers() is True
