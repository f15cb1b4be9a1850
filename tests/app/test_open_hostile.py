"""File ▸ Open on damaged and hostile project files: a message, never a crash; what opens can be
inspected and saved back without losing what it holds."""

from __future__ import annotations

import json
import random
import shutil

import pytest

from tests.engine.project_mutations import (accepted_values, describe_case, edit_project, every_type_project, mutate,
                                            node_entry)
from tests.engine.stub_nodes import project_root
from tests.small_project import save_bars_project


REFUSED = {
    "nested 100,000 deep": lambda p: p.write_text('{"schema_version": 1, "nodes": ' + "[" * 100_000
                                                  + "]" * 100_000 + "}"),
    "a NaN seed": lambda p: p.write_text(p.read_text().replace('"placement": "lower third"',
                                                               '"placement": "lower third", "seed": NaN')),
    "object null": lambda p: edit_project(p, lambda d: node_entry(d, "save").update(object=None)),
    "type_version as text": lambda p: edit_project(p, lambda d: node_entry(d, "save").update(type_version="2")),
    "a link end as a list": lambda p: edit_project(p, lambda d: d["links"][0]["from"].update(node=["bars"])),
    "a lone surrogate": lambda p: edit_project(p, lambda d: node_entry(d, "title").update(label="\udcff")),
    "a 5,000-digit number": lambda p: p.write_text(p.read_text().replace('"size": 9.0', '"size": ' + "9" * 5000)),
}

OPENED = {
    "a parameter as a list": lambda d: node_entry(d, "save")["params"].update(path=["a.png", "b.png"]),
    "a NUL in a path": lambda d: node_entry(d, "save")["params"].update(path="out\u0000.png"),
    "a newer node version": lambda d: node_entry(d, "save").update(type_version=3),
    "a 100,000-character value and label": lambda d: (node_entry(d, "bars")["params"].update(resolution="x" * 100_000),
                                                      node_entry(d, "title").update(label="y" * 100_000)),
    "a huge seed and size": lambda d: node_entry(d, "title")["params"].update(size=10**30, seed=2**64),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_hostile_file_is_a_message_not_a_crash(window, tmp_path, case):
    path = save_bars_project(tmp_path)
    REFUSED[case](path)
    before = path.read_bytes()
    assert not window.open_project(path)
    (title, text), = window.errors
    assert title == "Cannot open the project" and "is not a valid AIPROD project" in text and len(text) < 400
    assert window.document.path is None and path.read_bytes() == before


@pytest.mark.parametrize("case", list(OPENED))
def test_a_file_with_hostile_values_opens_and_saves_back_what_it_holds(window, tmp_path, qtbot, case):
    path = save_bars_project(tmp_path)
    edit_project(path, OPENED[case])
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert window.open_project(path), window.errors
    assert window.document.project.warnings
    for node_id in window.document.graph.nodes:  # the inspector shows each node's values, wrong ones too
        window.scene.select_nodes([node_id])
        qtbot.wait(5)
    assert window._save_to(path)
    again = json.loads(path.read_text(encoding="utf-8"))
    for node in saved["nodes"]:  # every value the file held is written back as it was
        assert node_entry(again, node["id"])["params"] == node["params"], node["id"]


def test_damaged_variants_of_real_projects_open_or_are_refused_never_crash(window, tmp_path, qtbot):
    """A seeded sample of the engine fuzz test's files, through File > Open, the canvas, the inspector
    and the missing-media check (the engine test covers many more without the editor)."""
    examples = project_root() / "resources" / "examples"
    folder = tmp_path / "film"
    shutil.copytree(examples / "stills", folder / "stills")
    originals = [(examples / "sample.aiprod").read_bytes(), save_bars_project(tmp_path).read_bytes(),
                 every_type_project(window.registry), _annotated(save_bars_project(tmp_path))]
    pool, rng, path = accepted_values(window.registry), random.Random(1207), folder / "case.aiprod"
    for case in range(150):
        raw, log = mutate(rng, rng.choice(originals), pool)
        path.write_bytes(raw)
        window.errors.clear()
        try:
            if window.open_project(path):
                for node_id in list(window.document.graph.nodes)[:40]:
                    window.scene.select_nodes([node_id])
                qtbot.wait(1)
            else:
                (title, text), = window.errors
                assert len(text) < 600, text[:600]
        except Exception as exc:  # noqa: BLE001 - the case is what the failure must show
            pytest.fail(describe_case(case, log, raw, f"{type(exc).__name__}: {exc}"))


def _annotated(path) -> bytes:
    """The bars project with the annotations the editor saves: a backdrop, a reroute dot, a seed lock."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update({
        "backdrops": [{"object": "Backdrop.1", "id": "b1", "title": "Titles", "color": "#445566",
                       "rect": [-20.0, -40.0, 400.0, 300.0]}],
        "reroutes": [{"object": "Reroute.1", "link": data["links"][0]["id"], "points": [[150.0, 40.0]]}],
        "seed_locks": [{"object": "SeedLock.1", "node": "bars", "param": "seed"}]})
    return json.dumps(data).encode()
