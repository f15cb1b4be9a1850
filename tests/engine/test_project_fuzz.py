"""Fuzzing the project loader and `aiprod validate`: thousands of damaged and hostile variants of real
projects, made from a fixed seed so a failure here fails the same way on every machine.

Whatever the file holds, opening it ends in a project or in one AiprodError line; it never changes
the file, never writes beside it, and never reaches the command line's internal-error handler.
"""

from __future__ import annotations

import random
import shutil
import time

import pytest

from app import cli
from app.nodes import build_registry
from engine.errors import AiprodError
from engine.project import load_project, project_from_data
from tests.engine.project_mutations import accepted_values, describe_case, every_type_project, mutate
from tests.engine.stub_nodes import project_root

SEED = 1207
CASES = 1500
MESSAGE_LIMIT = 600  # characters: a value quoted in a message is cut, however long it is in the file
EXAMPLES = project_root() / "resources" / "examples"


def test_no_hostile_project_escapes_as_anything_but_a_project_error(tmp_path, monkeypatch, capsys):
    registry = build_registry()
    monkeypatch.setattr(cli, "build_registry", lambda: registry)  # built once, not once per case

    def internal_error(exc, argv):
        raise AssertionError(f"the internal-error handler was reached: {type(exc).__name__}: {exc}") from exc

    monkeypatch.setattr(cli, "record_internal_error", internal_error)
    folder = tmp_path / "film"
    shutil.copytree(EXAMPLES / "stills", folder / "stills")  # the sample's stills, so its paths resolve
    from tests.small_project import save_bars_project

    originals = [(EXAMPLES / "sample.aiprod").read_bytes(), save_bars_project(tmp_path).read_bytes(),
                 every_type_project(registry)]
    pool = accepted_values(registry)
    rng = random.Random(SEED)
    path = folder / "case.aiprod"
    started, opened = time.monotonic(), 0
    for case in range(CASES):
        raw, log = mutate(rng, rng.choice(originals), pool)
        path.write_bytes(raw)
        listing = sorted(p.name for p in folder.iterdir())
        try:
            messages = cli.validate_project(load_project(path, registry))
            opened += 1
        except AiprodError as exc:
            messages = [str(exc)]
        except Exception as exc:
            pytest.fail(describe_case(case, log, raw, f"{type(exc).__name__}: {exc}"))
        long = [m for m in messages if len(m) > MESSAGE_LIMIT]
        assert not long, describe_case(case, log, raw, f"a message of {len(long[0])} characters: {long[0][:300]}")
        try:
            code = cli.main(["validate", str(path)])
        except AssertionError as exc:
            pytest.fail(describe_case(case, log, raw, str(exc)))
        err = capsys.readouterr().err
        assert code in (0, 1, 2) and "Traceback" not in err, describe_case(case, log, raw, err[-2000:])
        assert path.read_bytes() == raw, describe_case(case, log, raw, "the file was changed")
        assert sorted(p.name for p in folder.iterdir()) == listing, describe_case(case, log, raw, "a file was written")
    seconds = time.monotonic() - started
    print(f"{CASES} hostile projects in {seconds:.1f} s; {opened} opened, {CASES - opened} refused")
    assert 0 < opened < CASES  # both sides are exercised: projects that open, and files refused


def test_every_parameter_of_every_type_takes_every_hostile_value(tmp_path):
    """Each value in turn in each parameter of each installed node type: the loader and each type's
    own checks answer with a project error or a problem, never an exception, and cut what they quote."""
    from tests.engine.project_mutations import HOSTILE_VALUES, is_raw

    registry = build_registry()
    values = [v for v in HOSTILE_VALUES if not is_raw(v)]
    values += random.Random(SEED).sample(accepted_values(registry), 40)
    cases = 0
    for node_type in registry.types():
        schema = node_type.schema
        for param in schema.params:
            for value in values:
                params = {**schema.default_params(), param.name: value}
                data = {"schema_version": 1, "nodes": [{"object": "Node.1", "id": "n", "type": schema.type_id,
                                                        "params": params}], "links": []}
                what = f"{schema.type_id}.{param.name} = {str(value)[:60]!r}"
                try:
                    messages = cli.validate_project(project_from_data(data, registry, str(tmp_path / "p.aiprod")))
                except AiprodError as exc:
                    messages = [str(exc)]
                except Exception as exc:
                    pytest.fail(f"{what}: {type(exc).__name__}: {str(exc)[:300]}")
                long = [m for m in messages if len(m) > MESSAGE_LIMIT]
                assert not long, f"{what}: a message of {len(long[0])} characters: {long[0][:300]}"
                cases += 1
    assert cases > 5000
