"""Fuzzing the project loader and `aiprod validate`: thousands of damaged and hostile variants of real
projects, made from a fixed seed so a failure here fails the same way on every machine.

Whatever the file holds, opening it ends in a project or in one AiprodError line; it never changes
the file, never writes beside it, and never reaches the command line's internal-error handler.
"""

from __future__ import annotations

import json
import random
import shutil
import time

import pytest

from app import cli
from app.nodes import build_registry
from engine.errors import AiprodError
from engine.project import load_project
from tests.engine.project_mutations import mutate
from tests.engine.stub_nodes import project_root

SEED = 1207
CASES = 1500
EXAMPLES = project_root() / "resources" / "examples"


def _every_type_project(registry) -> bytes:
    """One node of each installed type with its default values: every type's own checks get to run."""
    nodes = [{"object": "Node.1", "id": f"n{i}", "type": t.schema.type_id, "type_version": t.schema.version,
              "label": "", "position": [i * 10, 0], "params": t.schema.default_params()}
             for i, t in enumerate(registry.types())]
    return json.dumps({"schema_version": 1, "kind": "aiprod.project", "name": "Every type", "settings": {},
                       "nodes": nodes, "links": []}).encode()


def _accepted_values(registry) -> list:
    """Values some parameter accepts (defaults, bounds, choices): right types, often in the wrong place."""
    found = []
    for node_type in registry.types():
        for param in node_type.schema.params:
            found += [param.default, *param.choices, *(b for b in (param.min, param.max) if b is not None)]
    return found


def _report(case: int, log: list[str], raw: bytes, what: str) -> str:
    shown = raw[:1500].decode("utf-8", "backslashreplace")
    return f"case {case} ({'; '.join(log)}): {what}\n--- the file (cut) ---\n{shown}"


def test_no_hostile_project_escapes_as_anything_but_a_project_error(tmp_path, monkeypatch, capsys):
    registry = build_registry()
    monkeypatch.setattr(cli, "build_registry", lambda: registry)  # built once, not once per case

    def internal_error(exc, argv):
        raise AssertionError(f"the internal-error handler was reached: {type(exc).__name__}: {exc}") from exc

    monkeypatch.setattr(cli, "_internal_error", internal_error)
    folder = tmp_path / "film"
    shutil.copytree(EXAMPLES / "stills", folder / "stills")  # the sample's stills, so its paths resolve
    from tests.small_project import save_bars_project

    originals = [(EXAMPLES / "sample.aiprod").read_bytes(), save_bars_project(tmp_path).read_bytes(),
                 _every_type_project(registry)]
    pool = _accepted_values(registry)
    rng = random.Random(SEED)
    path = folder / "case.aiprod"
    started, opened = time.monotonic(), 0
    for case in range(CASES):
        raw, log = mutate(rng, rng.choice(originals), pool)
        path.write_bytes(raw)
        listing = sorted(p.name for p in folder.iterdir())
        try:
            cli.validate_project(load_project(path, registry))
            opened += 1
        except AiprodError:
            pass
        except Exception as exc:
            pytest.fail(_report(case, log, raw, f"{type(exc).__name__}: {exc}"))
        try:
            code = cli.main(["validate", str(path)])
        except AssertionError as exc:
            pytest.fail(_report(case, log, raw, str(exc)))
        err = capsys.readouterr().err
        assert code in (0, 1, 2) and "Traceback" not in err, _report(case, log, raw, err[-2000:])
        assert path.read_bytes() == raw, _report(case, log, raw, "the file was changed")
        assert sorted(p.name for p in folder.iterdir()) == listing, _report(case, log, raw, "a file was written")
    seconds = time.monotonic() - started
    print(f"{CASES} hostile projects in {seconds:.1f} s; {opened} opened, {CASES - opened} refused")
    assert 0 < opened < CASES  # both sides are exercised: projects that open, and files refused
