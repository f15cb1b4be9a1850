"""The editor's widgets (PySide6): canvas, palette, inspector, preview, render controller, main window.

Importing the package first guards against a PySide6 refcount bug on Python 3.11 (see qt_compat).
"""

from .qt_compat import guard_none

NONE_GUARDED = guard_none()
