"""The `aiprod` command: render a project headless, list node types, validate a project, exchange timelines."""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
from pathlib import Path

from engine import events as ev
from engine.cache_settings import CacheSettings
from engine.commands import SetParam
from engine.project_model import ProjectModel
from engine.context import CancelToken
from engine.errors import AiprodError, cut, short_repr
from engine.executor import Executor, RunReport
from engine.models import ModelLocator
from engine.output_target import OVERWRITE
from engine.project import Project, load_project, project_to_data
from engine.registry import Registry

from .cli_cost import add_calibrate_parser, add_render_arguments, after_render, before_render
from .cli_log import engine_log_to_file, record_internal_error
from .cli_qa import print_qa_reports
from .cli_timeline import add_timeline_parser
from .cost_estimate import budget_problem
from .nodes import build_registry
from .nodes.export_qa import QA_FAILS_RENDER, cached_failures
from .nodes.planned_outputs import planned_outputs, sweep_output_leftovers, unwritable_problems


def user_preferences():
    """The editor's saved Preferences (a JSON file: no Qt needed); a damaged file is reported here."""
    from .preferences import Preferences

    warnings: list[str] = []
    prefs = Preferences.load(warnings)
    for warning in warnings:
        print(f"aiprod: warning: {warning}", file=sys.stderr)
    return prefs


def _fail(message: str, code: int = 2) -> int:
    print(f"aiprod: error: {message}", file=sys.stderr)
    return code


def _load(path: str, registry: Registry) -> Project:
    project = load_project(path, registry)
    for warning in project.warnings:
        print(f"aiprod: warning: {warning}", file=sys.stderr)
    return project


def _save_path_param(schema) -> str | None:
    return next((p.name for p in schema.params if p.kind == "path" and p.path_mode == "save"), None)


def _apply_output(project: Project, targets: list[str], output: str) -> None:
    """Point the one output node being rendered at `output` (in memory; the project file is unchanged)."""
    graph = project.graph
    writers = [n for n in targets if (s := graph.schema_of(n)) is not None and s.is_output and _save_path_param(s)]
    if not writers:
        raise AiprodError("-o needs an output node (such as Save Image or Export) among the nodes rendered")
    if len(writers) > 1:
        raise AiprodError(f"the project has {len(writers)} output nodes ({', '.join(writers)}); "
                          "choose one with --node to use -o")
    node_id = writers[0]
    target = Path(output).resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # `-o renders/film.mov` should just work
    except OSError as exc:
        raise AiprodError(f"cannot create the folder {target.parent} for -o: {exc.strerror}") from exc
    SetParam(node_id, _save_path_param(graph.schema_of(node_id)), str(target)).do(ProjectModel(graph))


class _ProgressView:
    """Turns engine events into a rich progress bar (the engine runs in a worker thread)."""

    def __init__(self, project: Project, progress, task) -> None:
        self.graph, self.progress, self.task = project.graph, progress, task
        self.done = 0

    def __call__(self, event) -> None:
        if isinstance(event, ev.NodeStarted):
            self.progress.update(self.task, description=self.graph.display_name(event.node_id))
        elif isinstance(event, ev.NodeProgress):
            self.progress.update(self.task, completed=self.done + event.fraction,
                                 description=f"{self.graph.display_name(event.node_id)} {event.message}")
        elif isinstance(event, ev.NodeWarning):  # printed above the bar, so it stays on screen
            self.progress.console.print(f"aiprod: warning: {self.graph.display_name(event.node_id)}: {event.message}")
        elif isinstance(event, ev.RunWarning):
            self.progress.console.print(f"aiprod: warning: {event.message}")
        elif isinstance(event, (ev.NodeFinished, ev.NodeCached, ev.NodeSkipped, ev.NodeFailed, ev.NodeCancelled)):
            self.done += 1
            self.progress.update(self.task, completed=self.done)


def describe_stats(stats: dict) -> str:
    """A generating node's figures in a few words: "sdxl-base, CUDA on GPU bfloat16, 30 steps, 8.1 GB peak VRAM"."""
    if not stats:
        return ""
    parts = [str(stats[k]) for k in ("route", "model", "device", "generated") if stats.get(k)]
    if stats.get("steps"):
        parts.append(f"{stats['steps']} steps in {stats.get('denoise_s', 0):.1f} s")
    if stats.get("peak_vram_gb"):
        parts.append(f"{stats['peak_vram_gb']:.1f} GB peak VRAM")
    if stats.get("rejected_takes"):  # early abort: which seed made it, and what the stopped takes saved
        parts.append(f"seed {stats['seed']} after {len(stats['rejected_takes'])} rejected take(s), "
                     f"{stats['steps_saved']} steps saved")
    return ", ".join(parts)


def _print_summary(project: Project, report: RunReport, console) -> None:
    from rich.table import Table

    table = Table(title=f"{project.name}: {report.status} in {report.seconds:.2f} s")
    for column in ("node", "type", "status", "seconds", "message"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    style = {"ran": "green", "cached": "cyan", "skipped": "dim", "failed": "red", "cancelled": "yellow"}
    for node_id, result in report.results.items():
        node = project.graph.nodes[node_id]
        table.add_row(project.graph.display_name(node_id), node.type_id,
                      f"[{style[result.status]}]{result.status}[/]",
                      f"{result.seconds:.2f}" if result.status == "ran" else "",
                      cut("; ".join(x for x in (result.message, describe_stats(result.stats)) if x), 300))
    console.print(table)
    counts = {s: len(report.with_status(s)) for s in ("ran", "cached", "skipped", "failed", "cancelled")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items() if n))


def cmd_render(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if args.reproduce:  # the export's own record, not a project file (app/cli_reproduce.py)
        if args.project or args.output or args.node:
            return _fail("--reproduce FILE takes no project, -o or --node: the record in FILE says what to render")
        from .cli_reproduce import cmd_reproduce

        return cmd_reproduce(args, user_preferences().model_locator())
    if not args.project:
        return _fail("give the .aiprod project to render (or --reproduce FILE to check an export)")
    registry = build_registry()
    project = _load(args.project, registry)
    # The editor's Preferences (model folders, cache folder and size) hold here too, so a headless
    # render finds the same models and reuses what the editor rendered; --cache-dir beats them.
    prefs = user_preferences()
    executor = Executor(events=None, project_dir=project.folder, paths=project.paths,
                        models=prefs.model_locator(), previews=False)  # a terminal shows no pictures
    if args.node:
        if args.node not in project.graph.nodes:
            return _fail(f"there is no node {args.node!r} in {args.project}; `aiprod validate` lists them")
        targets = [args.node]
    else:
        targets = executor.default_targets(project.graph)
    if args.output:
        _apply_output(project, targets, args.output)
    if args.budget is None and (budget := budget_problem(project.settings)) is not None:
        print(f"aiprod: warning: {budget}", file=sys.stderr)
    stop, film = before_render(args, project, executor, targets)  # --estimate, or over the GPU budget
    if stop is not None:
        return stop
    # Said before anything runs: a node whose input fails never runs, so it would never name its model.
    for line in missing_models_needed(project, targets, executor.models):
        print(f"aiprod: warning: {line}", file=sys.stderr)
    outputs = planned_outputs(project.graph, project.folder, targets)
    # Said before the shots are made, not minutes later by the output node.
    unwritable = unwritable_problems(project.graph, outputs)
    if unwritable:
        return _fail("; ".join(unwritable))
    # Outputs served from the cache do not run, so their folders are swept of killed renders' leftovers here.
    sweep_output_leftovers(outputs)
    if args.overwrite:
        executor.run_metadata[OVERWRITE] = True
    args.qa_strict = args.qa_strict or prefs.qa_fails_render  # Preferences may ask it of every render
    executor.run_metadata[QA_FAILS_RENDER] = args.qa_strict
    # Exports embed the graph they were rendered from, so a film can be traced back to its project.
    executor.run_metadata["project"] = json.dumps(project_to_data(project, project.folder), ensure_ascii=False)
    if not args.no_cache:
        cache = prefs.cache_settings()
        executor.cache = (CacheSettings(Path(args.cache_dir), cache.limit_bytes) if args.cache_dir else cache).open()
    # As the editor's render process does: the libraries imported now, then everything alive out of
    # the collector's sight for the render, so its full passes (~150 ms each over torch's and
    # colour-science's objects, 0.35 CPU-s of the sample's 12 s export) stop interrupting its threads.
    from engine.render_process import warm_imports  # here: the other commands need none of it

    warm_imports()
    console = Console(stderr=True)
    cancel = CancelToken()
    outcome: dict = {}
    try:
        with Progress(TextColumn("{task.description:<40.40}"), BarColumn(), TextColumn("{task.completed:.1f}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=False, disable=args.quiet) as progress:
            order = project.graph.topological_order(project.graph.upstream(targets))
            task = progress.add_task("render", total=len(order))
            executor.events.connect(_ProgressView(project, progress, task))

            def work() -> None:
                try:
                    outcome["report"] = executor.run(project.graph, targets, cancel, load_outputs=True)
                except BaseException as exc:  # shown below, in the main thread
                    outcome["error"] = exc

            worker = threading.Thread(target=work, name="aiprod-render", daemon=True)
            worker.start()
            try:
                while worker.is_alive():
                    worker.join(0.1)
            except KeyboardInterrupt:
                cancel.cancel()
                console.print("cancelling…")
                worker.join()
    finally:
        gc.unfreeze()  # main() may run in a process that goes on (tests, benchmarks): all collectable again
    if "error" in outcome:
        raise outcome["error"]
    report: RunReport = outcome["report"]
    if not args.quiet:
        _print_summary(project, report, console)
        print_qa_reports(report.outputs, console)
    after_render(film, report, console, args.quiet)
    for node_id, outputs in report.outputs.items():
        for value in outputs.values():
            if isinstance(value, dict) and "path" in value and "fingerprint" in value:
                print(value["path"])
    strict = cached_failures(report, project) if args.qa_strict else []
    for line in strict:
        print(f"aiprod: {cut(line, 600)}", file=sys.stderr)
    if report.status == "failed":
        for node_id in report.failed:
            # cut: a node's error may quote the system's words on a 100,000-character path
            print(f"aiprod: {project.graph.display_name(node_id)} failed: {cut(report.results[node_id].message, 600)}",
                  file=sys.stderr)
        return 1
    return 130 if report.status == "cancelled" else 1 if strict else 0


def cmd_nodes(args: argparse.Namespace) -> int:
    registry = build_registry()
    if args.json:
        listing = [{"type": t.schema.type_id, "title": t.schema.title, "category": t.schema.category,
                    "version": t.schema.version,
                    "inputs": [{"name": p.name, "type": p.type.name, "optional": p.optional,
                                **({"overrides": p.overrides} if p.overrides else {})} for p in t.schema.inputs],
                    "outputs": [{"name": p.name, "type": p.type.name} for p in t.schema.outputs],
                    "params": [{"name": p.name, "kind": p.kind, "default": p.default, "min": p.min, "max": p.max,
                                "choices": list(p.choices), "help": p.help,
                                **({"choice_labels": {c: p.choice_label(c) for c in p.choices}} if p.choices else {})}
                               for p in t.schema.params]}
                   for t in registry.types()]
        print(json.dumps(listing, indent=2))
        return 0
    for category, types in registry.categories().items():
        print(f"{category}")
        for node_type in types:
            s = node_type.schema
            print(f"  {s.type_id}  ({s.title}, v{s.version})  {s.help}")
            for port in s.inputs:
                overrides = f" (overrides param {port.overrides})" if port.overrides else ""
                print(f"      in   {port.name}: {port.type.name}{' (optional)' if port.optional else ''}{overrides}")
            for port in s.outputs:
                print(f"      out  {port.name}: {port.type.name}")
            for p in s.params:
                bounds = f" [{p.min}..{p.max}]" if p.min is not None or p.max is not None else ""
                # the id a project file holds, and in quotes the label the inspector shows
                choices = (" one of: " + ", ".join(c if p.choice_label(c) == c else f"{c} \"{p.choice_label(c)}\""
                                                   for c in p.choices)) if p.choices else ""
                print(f"      param {p.name}: {p.kind} = {p.default!r}{bounds}{choices}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """What the model library finds in the model folders, and what each model enables."""
    from engine.models.families import TASK_USES

    locator = user_preferences().model_locator()
    library = locator.library()
    models = library.scan()
    if args.json:
        print(json.dumps({"folders": [str(f) for f in locator.model_folders()], "models": library.describe_all(),
                          "problems": library.problems}, indent=2))
        return 0
    print("Model folders searched: " + (", ".join(str(f) for f in locator.model_folders()) or "none"))
    for model in models:
        uses = ", ".join(TASK_USES[t] for t in model.tasks) or (f"a {model.part}" if model.part else "nothing yet")
        print(f"  {model.describe()}\n      {model.path}\n      enables: {uses}"
              + (f"\n      licence: {model.licence}" if model.licence else ""))
    if not models:
        print("  no models found; " + locator.where_to_put("diffusers folders or .safetensors files"))
    for problem in library.problems:
        print(f"aiprod: unreadable: {problem}", file=sys.stderr)
    return 0


def validate_project(project: Project, models: ModelLocator | None = None) -> list[str]:
    """Everything that would stop a render, found without running anything; `models` says where
    models are looked for (None: only the built-in voice is installed)."""
    graph, problems = project.graph, []
    paths = project.paths  # what a render resolves with (cmd_render), so '~' and relative paths agree
    models = models if models is not None else ModelLocator()
    try:
        graph.topological_order()
    except AiprodError as exc:
        problems.append(str(exc))
    if (budget := budget_problem(project.settings)) is not None:  # a typo there would spend GPU time unchecked
        problems.append(budget)
    for node_id, node in graph.nodes.items():
        name = graph.display_name(node_id)
        schema = graph.schema_of(node_id)
        if schema is None:
            problems.append(f"{name}: {graph.unavailable_reason(node_id)}")
            continue
        for port in schema.inputs:
            if not port.optional and not graph.links_into(node_id, port.name):
                problems.append(f"{name}: input {port.name!r} ({port.type.name}) is not connected")
        params, wrong = {}, []
        for param in schema.params:
            try:
                params[param.name] = param.coerce(node.params.get(param.name, param.default))
            except AiprodError as exc:
                wrong.append(f"{name}: {exc}")
        if wrong:  # the node type's own checks below expect values of the right type and range
            problems += wrong
            continue
        for param in schema.params:
            value = params[param.name]
            if param.is_unset(value):
                problems.append(f"{name}: no file chosen for {param.name}; choose one in the inspector")
            elif param.kind == "path" and param.path_mode == "open" and value:
                path = paths.file(value)
                try:
                    found, why = path.exists(), "is missing"  # not a fingerprint: "/" would hash the whole disk
                    if found and not (path.is_file() or path.is_dir()):  # /dev/zero, a pipe: never read
                        found, why = False, "is a device, pipe or socket, not a file"
                except OSError as exc:  # a name too long for the file system, say
                    found, why = False, f"cannot be read ({exc.strerror})"
                if not found:
                    problems.append(f"{name}: {param.name} file {cut(str(path), 200)} {why}; relink it")
        node_type = graph.registry.get(node.type_id)()
        problems += [f"{name}: {p}" for p in node_type.problems(params, paths)]
        problems += [_missing_model_line(name, m) for m in node_type.missing_models(params, models)]
    return problems


def _missing_model_line(node_name: str, missing) -> str:
    return f"{node_name}: {missing.param} {short_repr(missing.name)} is not installed; {cut(missing.hint, 400)}"


def missing_models_needed(project: Project, targets: list[str], models: ModelLocator) -> list[str]:
    """One line per model that the nodes a render of `targets` runs name and that is not installed."""
    graph, lines = project.graph, []
    needed = graph.upstream(targets)
    for node_id, node in graph.nodes.items():
        schema = graph.schema_of(node_id)
        if node_id not in needed or schema is None:
            continue
        params = {p.name: node.params.get(p.name, p.default) for p in schema.params}
        try:
            missing = graph.registry.get(node.type_id)().missing_models(params, models)
        except Exception:  # a bad parameter: the node itself says so when it runs
            continue
        lines += [_missing_model_line(graph.display_name(node_id), m) for m in missing]
    return lines


def cmd_validate(args: argparse.Namespace) -> int:
    project = load_project(args.project, build_registry())  # its warnings are problems, listed once below
    problems = validate_project(project, user_preferences().model_locator())
    try:
        outputs = planned_outputs(project.graph, project.folder)
    except AiprodError:  # a cycle: validate_project has reported it
        outputs = []
    for output in outputs:  # where a render would write, before it does
        print(f"aiprod: {output.describe(project.graph)}")
    problems += [problem for o in outputs if (problem := o.problem(project.graph))]
    for problem in problems:
        print(f"aiprod: problem: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"{args.project}: OK ({len(project.graph.nodes)} nodes, {len(project.graph.links)} links)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiprod", description="AIPROD Studio: offline node-based AI film production. "
                                                 "Run `aiprod [PROJECT]` to open the editor.")
    sub = parser.add_subparsers(dest="command")
    render = sub.add_parser("render", help="render a project headless")
    render.add_argument("project", nargs="?", help="the .aiprod project file")
    render.add_argument("--reproduce", metavar="FILE",
                        help="render an export again from the record it carries and say, per node, whether the "
                             "bits are identical (--cache-dir: where the temporary render goes)")
    render.add_argument("-o", "--output", help="write the output node's file here instead of its saved path")
    render.add_argument("--node", help="render only up to this node id (and what it needs)")
    render.add_argument("--cache-dir", help="node-output cache folder (default: the editor's Preferences, "
                                            "else AIPROD_CACHE_DIR, else the user cache folder)")
    render.add_argument("--no-cache", action="store_true", help="run every node; read and write no cache")
    render.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    render.add_argument("--overwrite", action="store_true",
                        help="replace existing output files even if AIPROD Studio did not write them")
    add_render_arguments(render)
    render.add_argument("--qa-strict", action="store_true",
                        help="fail the render when an export fails its QA (Preferences can ask it of every render)")
    render.set_defaults(func=cmd_render)
    nodes = sub.add_parser("nodes", help="list the installed node types with their ports and parameters")
    nodes.add_argument("--json", action="store_true", help="machine-readable output")
    nodes.set_defaults(func=cmd_nodes)
    validate = sub.add_parser("validate", help="check a project without running it")
    validate.add_argument("project")
    validate.set_defaults(func=cmd_validate)
    models = sub.add_parser("models", help="list the generation models found in the model folders")
    models.add_argument("--json", action="store_true", help="machine-readable output")
    models.set_defaults(func=cmd_models)
    add_timeline_parser(sub)
    add_calibrate_parser(sub)
    return parser


_SUBCOMMANDS = ("render", "nodes", "validate", "models", "timeline", "calibrate")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in _SUBCOMMANDS and not argv[0].startswith("-")):
        from .editor import main as editor_main  # imported here so headless commands never load Qt

        return editor_main(argv)  # aiprod [PROJECT] [--screenshot PATH]
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with engine_log_to_file():
            return args.func(args)
    except AiprodError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(cut(str(exc), 400))  # the system's words may quote a 100,000-character path
    except Exception as exc:  # a bug, not a bad file: one line here, the traceback for the bug report
        where = record_internal_error(exc, argv)
        print(f"aiprod: internal error: {type(exc).__name__}: {cut(str(exc), 200)} ({where})", file=sys.stderr)
        return 2


def run() -> None:
    """Console-script entry point: the exit code of main().

    Everything alive is frozen before the interpreter exits, so its last collection skips the
    libraries' objects: ~0.15 s a pass after a render, which hands them back to the collector for
    callers that go on (tests, benchmarks)."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
