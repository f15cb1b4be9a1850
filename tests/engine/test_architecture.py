"""The engine and the node types stay Qt-free, so they run headless, in tests and on a render farm."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.engine.stub_nodes import project_root

QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "qasync", "shiboken6")
QT_FREE = ("engine", "app/nodes")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_qt_import_in_engine_or_nodes_source():
    offenders = []
    for folder in QT_FREE:
        for path in (project_root() / folder).rglob("*.py"):
            for module in imported_modules(path):
                if module.split(".")[0] in QT_MODULES or (folder == "engine" and module.split(".")[0] == "app"):
                    offenders.append(f"{path.relative_to(project_root())}: {module}")
    assert offenders == []


def test_engine_and_nodes_import_without_loading_qt():
    code = ("import sys, pkgutil, importlib, engine, app.nodes\n"
            "for pkg in (engine, app.nodes):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=project_root(), env=dict(os.environ, PYTHONPATH=str(project_root())))
    assert out.stdout.strip() == "[]"


def test_import_linter_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(linter)], capture_output=True, text=True, cwd=project_root(),
                         env=dict(os.environ, PYTHONPATH=str(project_root())))
    assert out.returncode == 0, out.stdout + out.stderr
