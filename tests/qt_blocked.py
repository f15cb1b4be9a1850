"""A pytest plugin that makes Qt unimportable, so `pytest -p tests.qt_blocked tests/engine` proves the
engine, the node types and the CLI's headless paths run where PySide6 is not installed.

Loaded with `-p`, it is imported before any conftest or test module, so a Qt import anywhere below
fails as it would on a render farm without Qt. pytest-qt is switched off too: it imports PySide6
while pytest starts, and engine tests have no business with its `qtbot`.
"""

from __future__ import annotations

import importlib.abc
import sys

import pytest

BLOCKED = ("PySide6", "shiboken6")


class QtBlocker(importlib.abc.MetaPathFinder):
    """Refuses PySide6 and shiboken6 (and their submodules) as if they were not installed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (Qt is blocked in the engine tests: "
                                      "tests/qt_blocked.py; a test that needs Qt belongs in tests/app)",
                                      name=fullname)
        return None


def _install() -> None:
    already = [name for name in sys.modules if name.split(".")[0] in BLOCKED]
    if already:  # loaded before us: a "blocked" run would prove nothing
        raise RuntimeError(f"Qt was imported before tests/qt_blocked.py was loaded: {', '.join(sorted(already))}")
    if not any(isinstance(finder, QtBlocker) for finder in sys.meta_path):
        sys.meta_path.insert(0, QtBlocker())


_install()


def pytest_addoption(parser, pluginmanager):
    # Called as this plugin registers, before pytest loads installed plugins: block pytest-qt the way
    # `-p no:pytest-qt` does, since it imports PySide6 when pytest configures itself.
    pluginmanager.set_blocked("pytest-qt")  # the name of its entry point
    parser.addini("qt_api", "read by pytest-qt, which is off here")  # so pyproject's line is not "unknown"


def pytest_collection_modifyitems(config, items):
    """A test marked needs_qt is expected to fail here, strictly: once it passes without Qt, the run
    fails until the mark is removed, so a known exception never outlives its cause."""
    for item in items:
        mark = item.get_closest_marker("needs_qt")
        if mark is not None:
            why = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "it needs Qt")
            item.add_marker(pytest.mark.xfail(raises=ImportError, strict=True,
                                              reason=f"Qt is blocked and {why}; remove its needs_qt mark "
                                                     "once it passes without Qt"))
