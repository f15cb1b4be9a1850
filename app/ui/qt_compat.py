"""A guard against a PySide6 bug that would crash the editor on Python 3.11.

PySide6-Essentials 6.12.0 returns None from every void method (QPainter.drawRect, QWidget.update,
...) without taking a reference to it. From Python 3.12 None is immortal and this is harmless;
on 3.11 each call lowers None's reference count by one, and after a few thousand calls (one
repaint of a large graph) Python aborts with "none_dealloc: deallocating None".

`guard_none()` measures whether the installed binding has the bug and, only if it does, gives
None a reference count no session can exhaust. The real fixes are Python >= 3.12 or a PySide6
release without the bug; this keeps the editor usable until then.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 60  # ~10^18 void calls; ob_refcnt is a Py_ssize_t


def binding_leaks_none() -> bool:
    """True if a void PySide6 call drops a reference to None (measured, not assumed from versions)."""
    from PySide6.QtCore import QRectF

    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(100):
        rect.setX(0.0)
    return sys.getrefcount(None) - before <= -50


def guard_none() -> bool:
    """Apply the guard where it is needed; True if it was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or not binding_leaks_none():
        return False
    # ob_refcnt is the first field of every object in a release build of CPython 3.11.
    ctypes.c_ssize_t.from_address(id(None)).value += _HEADROOM
    return True
