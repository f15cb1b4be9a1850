"""The engine tests run with Qt unimportable (tests/qt_blocked.py), and the CI command runs them so."""

import os
import re
import subprocess
import sys
import textwrap

from tests.engine.stub_nodes import project_root

_PROBES = '''
import pytest


def test_qt_cannot_be_imported():
    for name in ("PySide6", "PySide6.QtCore", "shiboken6"):
        with pytest.raises(ImportError, match="Qt is blocked in the engine tests"):
            __import__(name)


def test_pytest_qt_is_off(request):
    assert not request.config.pluginmanager.has_plugin("pytest-qt")


@pytest.mark.needs_qt("it reads the editor's settings")
def test_still_needing_qt():
    import PySide6.QtCore  # noqa: F401


@pytest.mark.needs_qt("it once needed Qt")
def test_no_longer_needing_qt():
    pass
'''


def test_the_blocker_refuses_qt_and_a_needs_qt_mark_must_go_once_qt_is_not_needed(tmp_path):
    (tmp_path / "test_probes.py").write_text(_PROBES)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rxX", "-p", "no:cacheprovider",
                          "-p", "tests.qt_blocked", "-W", "ignore::pytest.PytestUnknownMarkWarning", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(project_root())))
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert re.search(r"1 failed, 2 passed, 1 xfailed", out), out
    assert "XPASS(strict)" in out and "test_no_longer_needing_qt" in out and "remove its needs_qt mark" in out


def readme_test_command() -> str:
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\*\*Set up and run the whole test suite:\*\*\s*```bash\n(.+?)\n```", readme, re.S)
    assert block, "README.md lost its 'Set up and run the whole test suite' command"
    return block.group(1).strip()


def test_ci_runs_the_readme_command_with_the_engine_tests_blocked_from_qt_and_the_rest_once():
    command = readme_test_command()
    ci_script = (project_root() / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci_script[-1] == command  # CI runs exactly what the README tells a developer to run
    passes = [textwrap.dedent(p).split() for p in command.split("&&") if "pytest" in p]
    engine_pass = [p for p in passes if "tests/engine" in p and "--ignore=tests/engine" not in p]
    other_passes = [p for p in passes if p not in engine_pass]
    assert len(engine_pass) == 1 and "tests.qt_blocked" in engine_pass[0]
    assert engine_pass[0][engine_pass[0].index("tests.qt_blocked") - 1] == "-p"
    # Every other pass leaves tests/engine out, so no test runs twice; and one of them covers the rest.
    assert other_passes and all("--ignore=tests/engine" in p for p in other_passes)
