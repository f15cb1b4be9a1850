"""`aiprod render --reproduce FILE`: render an export again from the record it carries, and say per node
whether the second render gave the same bits.

The graph comes from the record alone (engine.render_reproduction), not from the project file, and is
rendered into a fresh temporary folder with a fresh cache, so every node runs again; nothing the
user has is read except the source files and models the record names, and nothing is written
beside the export. The table lists each node with its verdict; the exit code is 0 only when nothing
differs and nothing is unreproducible.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from engine.cache import DiskCache
from engine.commands import SetParam
from engine.errors import AiprodError, cut
from engine.executor import Executor, RunReport
from engine.media.image_sequence import frame_path
from engine.paths import PathResolver
from engine.project import Project
from engine.project_model import ProjectModel
from engine.render_record_file import (RecordedExport, movie_essence, read_recorded_export, sequence_essence,
                                       single_essence)
from engine.render_reproduction import (DIFFERS, IDENTICAL, NOT_REPRODUCIBLE, Verdict, judge, record_project,
                                        version_changes)

from .nodes import build_registry

_STYLE = {IDENTICAL: "green", DIFFERS: "red", NOT_REPRODUCIBLE: "red"}


def _retarget(project: Project, export_id: str, folder: Path) -> frozenset[str]:
    """Point every file the graph writes into `folder` (same file names), so the second render writes
    nothing beside the first (nor anywhere a record edited by hand names). Returns the nodes besides
    the export that write files (their cache keys name where, so they move with that)."""
    graph = project.graph
    path = graph.nodes[export_id].params.get("path")
    if not isinstance(path, str) or not path:
        raise AiprodError(f"the render record's export {cut(export_id)} names no file; the record was edited by hand")
    folder.mkdir()
    model = ProjectModel(graph)
    SetParam(export_id, "path", str(folder / Path(path).name)).do(model)
    writers = set()
    for index, node_id in enumerate(graph.nodes):
        schema = graph.schema_of(node_id)
        for param in schema.params if schema is not None and node_id != export_id else ():
            value = graph.nodes[node_id].params.get(param.name)
            if param.kind == "path" and param.path_mode == "save" and isinstance(value, str) and value:
                own = folder / f"node{index}"  # ids may be anything: the folder is named by position
                own.mkdir(exist_ok=True)
                SetParam(node_id, param.name, str(own / Path(value).name)).do(model)
                writers.add(node_id)
    return frozenset(writers)


def _written(report: RunReport, export_id: str) -> dict | None:
    value = report.outputs.get(export_id, {}).get("file")
    return value if isinstance(value, dict) and isinstance(value.get("path"), str) else None


def _essences(recorded: RecordedExport, written: dict) -> tuple[str, str]:
    """The essence of the first export and of the second (engine.render_record_file)."""
    if recorded.movie is not None:
        return movie_essence(recorded.movie), movie_essence(Path(written["path"]))
    if recorded.single is not None:
        return single_essence(recorded.single), single_essence(Path(written["path"]))
    pattern = Path(written["path"])
    numbers = range(written["first"], written["last"] + 1)
    again = sequence_essence([frame_path(pattern, n) for n in numbers], Path(written["audio"]) if "audio" in written
                             else None)
    original = recorded.folder / pattern.name
    audio = (recorded.folder / Path(written["audio"]).name) if "audio" in written else None
    return sequence_essence([frame_path(original, n) for n in numbers], audio), again


def _second_record(recorded: RecordedExport, written: dict) -> dict | None:
    """The record the second render's export wrote, read back the same way as the first's."""
    try:
        return read_recorded_export(written["path"] if recorded.folder is None
                                    else str(frame_path(Path(written["path"]), written["first"]))).record
    except AiprodError:
        return None


def reproduce(file: str, work_parent: str | None, models,
              say=lambda line: None) -> tuple[Project, dict, list[Verdict], RunReport]:
    """Render the export `file` again from its record in a temporary folder; the verdicts per node.
    `say` is told, in a line, what is about to run (it may take as long as the first render did)."""
    recorded = read_recorded_export(file)
    project = record_project(recorded, build_registry())
    record = recorded.record
    export_id = record["export"]
    if work_parent is not None and not Path(work_parent).is_dir():
        raise AiprodError(f"--cache-dir {cut(work_parent, 300)} is not a folder; create it or choose another")
    work = Path(tempfile.mkdtemp(prefix="aiprod-reproduce-", dir=work_parent))
    try:
        writers = _retarget(project, export_id, work / "export")
        executor = Executor(cache=DiskCache(work / "cache"), paths=PathResolver(None), models=models,
                            run_metadata={"project": json.dumps(recorded.project, ensure_ascii=False)})
        say(f"rendering {len(record['nodes'])} nodes again from the record of {cut(file, 300)} in {work}…")
        report = executor.run(project.graph, [export_id], load_outputs=True)
        written = _written(report, export_id)
        export_identical = None
        again = None
        if written is not None:
            first, second = _essences(recorded, written)
            export_identical = first == second
            again = _second_record(recorded, written)
        verdicts = judge(record, again, report.results, project.graph, export_identical, writers)
        executor.cache.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return project, record, verdicts, report


def cmd_reproduce(args: argparse.Namespace, models) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    project, record, verdicts, report = reproduce(args.reproduce, args.cache_dir, models,
                                                  say=lambda line: print(f"aiprod: {line}", file=sys.stderr))
    graph = project.graph
    title = f"{Path(args.reproduce).name}: rendered again from its record in {report.seconds:.2f} s"
    table = Table(title=escape(title))
    for column in ("node", "type", "verdict", "why"):
        table.add_column(column)
    for verdict in verdicts:
        style = _STYLE.get(verdict.outcome, "dim")
        table.add_row(escape(graph.display_name(verdict.node_id)), escape(graph.nodes[verdict.node_id].type_id),
                      f"[{style}]{verdict.outcome}[/]", escape(cut(verdict.why, 300)))
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)  # a pipe or log: wide rows
    console.print(table)
    for change in version_changes(record):
        console.print(f"version changed since the render: {change}", markup=False, highlight=False,
                      soft_wrap=True)
    bad = [v for v in verdicts if not v.passed]
    compared = sum(v.outcome == IDENTICAL for v in verdicts)
    if bad:
        counts = {o: sum(v.outcome == o for v in bad) for o in (DIFFERS, NOT_REPRODUCIBLE)}
        console.print(f"{args.reproduce}: NOT reproduced: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n),
                      markup=False, highlight=False, soft_wrap=True)
        return 1
    console.print(f"{args.reproduce}: reproduced bit-identically ({compared} of {len(verdicts)} nodes compared, "
                  "all identical)", markup=False, highlight=False, soft_wrap=True)
    return 0

