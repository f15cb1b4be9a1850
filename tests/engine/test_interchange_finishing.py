"""Export for finishing and the `aiprod timeline` commands end to end: per-shot ProRes files with handles
decoded back, stems as long as the film, the timeline re-imported with nothing missing, and the CLI's
one-line errors."""

from __future__ import annotations

import av
import numpy as np
from scipy.io import wavfile

from app.cli import main
from app.nodes import build_registry
from engine.executor import Executor
from engine.interchange.finishing import export_for_finishing
from engine.interchange.import_timeline import import_timeline
from engine.project import load_project
from tests.timeline_project import build_timeline_graph, save_timeline_project


def decoded(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, sum(1 for _ in container.decode(stream))


def test_finishing_writes_shots_with_handles_and_stems_that_conform(tmp_path):
    graph, _ = build_timeline_graph(tmp_path)
    graph.nodes["cut"].params["trims"] = [{"shot": 2, "head": 0.5, "tail": 0.25, "gap": 0.0}]  # 12 and 6 frames
    progress = []
    result = export_for_finishing(graph, "cut", tmp_path / "finish", Executor(None, project_dir=tmp_path),
                                  handles=8, progress=lambda f, m: progress.append(f))
    assert progress[-1] == 1.0
    # Shot A is untrimmed (no handles exist); B has 12 frames before and 6 after: 8 and 6 of them are taken.
    expected = {1: (0, 24), 2: (12 - 8, 48 - 12 - 6 + 8 + 6), 3: (0, 36)}
    for number, (first, frames) in expected.items():
        media = result.shots[number]
        assert (media.first, media.frames) == (first, frames)
        assert decoded(media.path) == ("prores", frames)
    film_seconds = (24 + 30 + 36 - 12) / 24
    for name, path in result.stems.items():
        rate, samples = wavfile.read(path)
        assert rate == 48000 and samples.dtype == np.int32  # 24-bit PCM reads as int32
        assert len(samples) == round(film_seconds * 48000)
    _, dialogue = wavfile.read(result.stems["dialogue stem"])
    _, music = wavfile.read(result.stems["music stem"])
    assert np.abs(dialogue[:12000]).max() == 0 and np.abs(dialogue[24000:48000]).max() > 0  # the line at 0.5 s
    assert np.abs(music[:24000]).max() > 0
    for path in result.timelines:
        imported = import_timeline(path, build_registry())
        assert imported.missing == [], path
        if path.suffix == ".otio":
            trims = imported.project.graph.nodes[imported.sequence_id].params["trims"]
            assert {"shot": 2, "head": 8 / 24, "tail": 6 / 24, "gap": 0.0} in trims  # the handles, trimmed off again


def run_cli(*argv):
    return main(["timeline", *map(str, argv)])


def test_the_cli_exports_and_imports_and_says_what_went_wrong(tmp_path, capsys):
    project = save_timeline_project(tmp_path / "film")
    out = tmp_path / "cut.xml"
    assert run_cli("export", project, "-o", out, "-q") == 0
    assert "FCP 7 XML" in capsys.readouterr().err
    assert run_cli("export", project, "-o", out) == 2
    assert capsys.readouterr().err.strip().endswith("exists; choose another path or add --overwrite to replace it")
    assert run_cli("export", project, "-o", tmp_path / "cut.aaf") == 2
    assert "is not a timeline format; use .otio, .otioz, .edl, .xml, .fcpxml" in capsys.readouterr().err
    assert run_cli("import", out, "-o", tmp_path / "back.aiprod") == 0
    printed = capsys.readouterr()
    assert "3 shots in a Sequence" in printed.out
    back = load_project(tmp_path / "back.aiprod", build_registry())
    assert sorted(n.label for n in back.graph.nodes.values() if n.type_id == "sound.place") == ["Bed", "Line at 0.5 s"]
    (tmp_path / "bad.edl").write_text("this is not an EDL\n001 what\n")
    assert run_cli("import", tmp_path / "bad.edl", "-o", tmp_path / "bad.aiprod") == 2
    err = capsys.readouterr().err
    assert err.startswith("aiprod: error: bad.edl cannot be read as CMX 3600 EDL") and err.count("\n") == 1
    assert run_cli("import", tmp_path / "none.otio", "-o", tmp_path / "x.aiprod") == 2
    assert "there is no such file" in capsys.readouterr().err


def test_several_sequences_need_a_node(tmp_path, capsys):
    from engine.commands import AddNode, Connect
    from engine.project import Project, save_project

    graph, stack = build_timeline_graph(tmp_path)
    stack.push(AddNode("edit.sequence", (0, 0), label="Trailer", node_id="trailer"))
    stack.push(Connect("shot_a", "frames", "trailer", "shots"))
    project = save_project(Project(graph, "Two cuts"), tmp_path / "two.aiprod")
    assert run_cli("export", project, "-o", tmp_path / "t.otio") == 2
    assert "several Sequences; choose one with --node: cut (Edit), trailer (Trailer)" in capsys.readouterr().err
    assert run_cli("export", project, "-o", tmp_path / "t.otio", "--node", "trailer") == 0
