"""The automatic QA pass of every export: the frames the Export writes are measured on their way to
the encoder (no frame is made twice), the sound once at the end, and the report is written beside
the film as `<name>.qa.json` (engine.qa). A failing check warns; with the run's `qa_fails_render`
set (`aiprod render --qa-strict`) it fails the Export, after the film is written, so it can be seen.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import NodeExecutionError
from engine.media.clip import Clip, MapClip
from engine.qa.film import FilmCheck
from engine.qa.report import FAILED, Report, read_report, report_path, write_report

from .qa_plan import film_plan, graph_of_run

QA_FAILS_RENDER = "qa_fails_render"  # run_metadata key: a failing QA fails the render
EXPORT_TYPES = ("output.export",)
QA_TYPE = "output.qa"


def summary(report: Report) -> str:
    """The findings in one line, for a warning: '3 QA findings (black, flicker)'."""
    kinds = sorted({f.check for f in report.findings})
    count = len(report.findings)
    return f"{count} QA finding{'s' if count != 1 else ''} ({', '.join(kinds)})"


class ExportQA:
    """The QA of frames first..last of `clip`, as an Export writes them."""

    def __init__(self, ctx, clip: Clip, audio, first: int, last: int):
        self.ctx, self.audio = ctx, audio
        plan = film_plan(graph_of_run(ctx.run_metadata), ctx.node_id, clip)
        self.check = FilmCheck(clip.fps, plan, first, clip.frame_count)

    def measure(self, pixels, finite: bool | None = None) -> None:
        """Measure one frame written (or its grid: see FrameMeter.measure); frames come in order."""
        self.check.measure(pixels, finite)

    def watched(self, clip: Clip) -> Clip:
        """`clip`, each frame measured as the export reads it (in its worker thread, in order)."""
        def measure(pixels, index):
            self.check.measure(pixels)
            return pixels

        return MapClip(clip, measure)

    def finished(self, written: dict) -> dict:
        """Write the report beside what the export wrote (`written`, its File output), and return that."""
        report = self.check.report(self.audio)
        path = report_path(Path(written["path"]))
        if not write_report(report, path):
            self.ctx.warn(f"QA report not written: {path} is a file AIPROD did not write; move it away")
        elif report.status == FAILED:
            self.ctx.warn(f"{summary(report)}; see {path.name}")
            if self.ctx.run_metadata.get(QA_FAILS_RENDER):
                raise NodeExecutionError(f"the film was written but fails its QA: {summary(report)}; see {path}")
        return written


def report_file(graph, node_id: str, paths) -> Path | None:
    """Where the report of an Export or QA node is (whether or not it was written yet), else None."""
    node = graph.nodes.get(node_id)
    if node is None or node.is_unknown or (node.type_id not in EXPORT_TYPES and node.type_id != QA_TYPE):
        return None
    try:
        written = paths.file(node.params.get("path", ""))
    except Exception:  # a path that does not resolve: nothing to show, the node's own run says why
        return None
    return written if node.type_id == QA_TYPE else report_path(written)


def cached_failures(run, project) -> list[str]:
    """With a failing QA set to fail renders (--qa-strict, Preferences): a line for each Export the run
    served from the cache whose report (from the render that wrote the film) failed. An export that ran
    this time has failed the render itself (ExportQA.finished)."""
    graph, lines = project.graph, []
    for node_id in run.with_status("cached"):
        if node_id not in graph.nodes or graph.nodes[node_id].type_id not in EXPORT_TYPES:
            continue
        path = report_file(graph, node_id, project.paths)
        report = read_report(path) if path is not None else None
        if report is not None and report.status == FAILED:
            lines.append(f"{graph.display_name(node_id)} failed: the film (unchanged since the render that wrote "
                         f"it) fails its QA: {summary(report)}; see {path}")
    return lines
