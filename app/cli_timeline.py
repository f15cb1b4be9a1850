"""`aiprod timeline export|import`: a Sequence's timeline for other editors, and their timelines as projects.

Lengths come from the shots as rendered (the editor's cache, as `aiprod render` uses it), so the
timeline written has the frames the film has. Every problem is one line, as elsewhere in the CLI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import AiprodError
from engine.executor import Executor
from engine.interchange.export_job import export_timeline_file
from engine.interchange.finishing import CODECS, DEFAULT_HANDLES
from engine.interchange.formats import FORMATS, WHAT_EACH_FORMAT_DROPS, format_for
from engine.interchange.import_timeline import import_timeline
from engine.project import save_project
from engine.timeline.model import node_name, sequences


def _refuse_existing(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise AiprodError(f"{path} exists; choose another path or add --overwrite to replace it")


def _sequence(project, node: str | None) -> str:
    graph = project.graph
    found = sequences(graph)
    if node is not None:
        if node not in found:
            raise AiprodError(f"{node!r} is not a Sequence of the project; its Sequences: "
                              + (", ".join(f"{s} ({node_name(graph, s)})" for s in found) or "none"))
        return node
    if not found:
        raise AiprodError("the project has no Sequence; add one and link shots into it")
    if len(found) > 1:
        raise AiprodError("the project has several Sequences; choose one with --node: "
                          + ", ".join(f"{s} ({node_name(graph, s)})" for s in found))
    return found[0]


def _executor(project) -> Executor:
    from .cli import user_preferences

    prefs = user_preferences()
    executor = Executor(project_dir=project.folder, paths=project.paths, models=prefs.model_locator())
    executor.cache = prefs.cache_settings().open()
    return executor


def cmd_timeline_export(args: argparse.Namespace) -> int:
    from .cli import _load
    from .nodes import build_registry

    output = Path(args.output)
    fmt = format_for(output)  # an unknown extension is refused before anything renders
    _refuse_existing(output, args.overwrite)
    project = _load(args.project, build_registry())
    sequence_id = _sequence(project, args.node)
    executor = _executor(project)
    finishing = Path(args.finishing) if args.finishing else None
    media, warnings = export_timeline_file(project.graph, sequence_id, output, executor, project.paths, finishing,
                                           args.codec, args.handles, progress=None if args.quiet else _progress_line)
    if finishing is not None and not args.quiet:
        print(file=sys.stderr)  # ends the progress line
    for path in media:
        print(path)
    for warning in warnings:
        print(f"aiprod: warning: {warning}", file=sys.stderr)
    if fmt.drops:
        print(f"aiprod: note: {WHAT_EACH_FORMAT_DROPS[fmt.extension]}", file=sys.stderr)
    print(output)
    return 0


def _progress_line(fraction: float, message: str) -> None:
    print(f"\r{fraction * 100:5.1f}% {message[:60]:<60}", end="", file=sys.stderr, flush=True)


def cmd_timeline_import(args: argparse.Namespace) -> int:
    from .nodes import build_registry

    output = Path(args.output)
    if output.suffix != ".aiprod":
        raise AiprodError(f"{output.name}: a project file ends in .aiprod")
    _refuse_existing(output, args.overwrite)
    result = import_timeline(args.file, build_registry())
    output.parent.mkdir(parents=True, exist_ok=True)
    save_project(result.project, output)
    for line in result.describe():
        print(line)
    for warning in result.warnings:
        print(f"aiprod: warning: {warning}", file=sys.stderr)
    print(output)
    return 0


def add_timeline_parser(sub) -> None:
    timeline = sub.add_parser("timeline", help="export a Sequence's timeline for other editors, or import theirs")
    verbs = timeline.add_subparsers(dest="verb", required=True)
    export = verbs.add_parser("export", help="write a Sequence's timeline: " + ", ".join(FORMATS),
                              epilog="What each format drops: " + " | ".join(WHAT_EACH_FORMAT_DROPS.values()))
    export.add_argument("project", help="the .aiprod project file")
    export.add_argument("-o", "--output", required=True, help="the timeline file; its extension picks the format")
    export.add_argument("--node", help="the Sequence's node id (needed when the project has several)")
    export.add_argument("--finishing", metavar="FOLDER",
                        help="also render each shot (with handles) and the stems into FOLDER, referenced by the timeline")
    export.add_argument("--codec", choices=tuple(CODECS), default="prores", help="per-shot codec for --finishing")
    export.add_argument("--handles", type=int, default=DEFAULT_HANDLES,
                        help=f"frames of handle each side of a shot for --finishing (default {DEFAULT_HANDLES})")
    export.add_argument("--overwrite", action="store_true", help="replace the timeline file if it exists")
    export.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    export.set_defaults(func=cmd_timeline_export)
    imported = verbs.add_parser("import", help="make a project from a timeline file: " + ", ".join(FORMATS))
    imported.add_argument("file", help="the timeline file")
    imported.add_argument("-o", "--output", required=True, help="the project file to write (.aiprod)")
    imported.add_argument("--overwrite", action="store_true", help="replace the project file if it exists")
    imported.set_defaults(func=cmd_timeline_import)
