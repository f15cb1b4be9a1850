"""QA: the quality checks of a film (engine.qa) as a node, with a report written where it says.

Linked after the Sequence (or its grade) and the Mix, it checks every shot and the sound and writes
the report as JSON; the editor's QA panel and `aiprod render` show it as a table. With "Fail render"
on, a finding fails the node, and so the render: a studio can refuse to deliver a film that fails.
Every Export also runs the same checks on what it writes (app/nodes/export_qa.py); this node is for
a check without an export, or a render that must stop on a fault.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import NodeExecutionError, short_repr
from engine.media.clip import Clip
from engine.output_target import still_as_written, written_file
from engine.ports import AUDIO, FILE, FRAMES
from engine.qa.film import FilmCheck
from engine.qa.report import FAILED, write_report
from engine.schema import BoolParam, NodeSchema, NodeType, PathParam, Port

from .export_qa import summary
from .qa_plan import film_plan, graph_of_run


class QualityCheck(NodeType):
    schema = NodeSchema(
        type_id="output.qa", title="QA", category="Output", is_output=True,
        inputs=(Port("frames", FRAMES, help="The film to check (a Sequence, or its grade)."),
                Port("audio", AUDIO, optional=True, help="Its sound (the Mix's mix): loudness, true peak, "
                                                         "clipping, silent dialogue, length.")),
        outputs=(Port("file", FILE, help="The report (JSON): each finding's shot, time, check, value and limit."),),
        params=(
            PathParam("path", "qa_report.json", mode="save", file_filter="QA reports (*.json)",
                      help="Where to write the report; relative paths are taken from the project folder."),
            BoolParam("fail_render", False, help="Fail the render when a check finds a fault (the report is "
                                                 "written first)."),
        ),
        help="Checks every shot (length and rate, black, frozen, flicker, NaN, exposure) and the sound "
             "(loudness, true peak, clipping, silent dialogue, A/V length) and writes a report.",
    )

    def problems(self, params, paths):
        if Path(params["path"]).suffix.lower() != ".json":
            return [f"the QA report is JSON: end the path with .json (it is {short_repr(params['path'])})"]
        return []

    def execute(self, ctx, inputs, params):
        problems = self.problems(params, ctx.paths)
        if problems:
            raise NodeExecutionError(problems[0])
        target = ctx.resolve_path(params["path"])
        if not target.parent.is_dir():
            raise NodeExecutionError(f"cannot write {target}: the folder {target.parent} does not exist; create it first")
        clip: Clip = inputs["frames"]
        check = FilmCheck(clip.fps, film_plan(graph_of_run(ctx.run_metadata), ctx.node_id, clip),
                          film_frames=clip.frame_count)
        count = max(1, clip.frame_count)
        for index, pixels in enumerate(clip.frames()):
            check.measure(pixels)
            ctx.progress((index + 1) / count, f"frame {index + 1}/{count}")
        ctx.progress(1.0, "sound")
        report = check.report(inputs.get("audio"))
        try:
            if not write_report(report, target):
                raise NodeExecutionError(f"cannot write {target}: a file AIPROD did not write is there; "
                                         "choose another path or move it away")
        except OSError as exc:
            raise NodeExecutionError(f"cannot write {target}: {exc.strerror or exc}. Choose a folder you can "
                                     "write to.") from exc
        if report.status == FAILED:
            if params["fail_render"]:
                raise NodeExecutionError(f"the film fails its QA: {summary(report)}; see {target}")
            ctx.warn(f"{summary(report)}; see {target.name}")
        return {"file": written_file(target)}

    def cache_is_current(self, outputs, params, ctx):
        return still_as_written(outputs["file"], ctx.resolve_path(params["path"]))
