"""Export LUT: writes a Grade's whole grade as a 33-point .cube LUT that Resolve and other graders load.

An output node of its own, so previewing or rendering a Grade writes no file: only a render that
asks for this node writes one. It bakes from the Grade's "grade" output (the grade as data). Its
render record and the project go beside it, in `<file>.record.json`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from engine.atomic import atomic_write
from engine.errors import NodeExecutionError, short_repr
from engine.media.authorship import TEXT_MARK
from engine.media.grade_math import build_ops
from engine.media.lut import write_cube
from engine.output_target import claim_file, still_as_written, written_file
from engine.ports import FILE, GRADE
from engine.render_record import sidecar_text
from engine.render_record_sidecar import claim_record_sidecar, write_record_sidecar
from engine.schema import NodeSchema, NodeType, PathParam, Port

from .export import provenance_of
from .grade import load_lut, bake_display_lut


def ops_of(grade: dict) -> list:
    """The operations a Grade's description stands for, with its LUT and look read from their files."""
    if not isinstance(grade, dict) or grade.get("kind") != "grade":
        kind = grade.get("kind") if isinstance(grade, dict) else type(grade).__name__
        raise NodeExecutionError(f"Export LUT takes the grade output of a Grade or Grade Image node, not a "
                                 f"{kind!r}; link a Grade's grade output into it")
    luts = []
    for stage, what in (("lut", "LUT"), ("look", f"look {(grade.get('look') or {}).get('name')!r}")):
        if grade.get(stage):
            luts.append((load_lut(Path(grade[stage]["path"]), what), grade[stage]["input_space"]))
    try:
        return build_ops(grade, grade["working_space"], luts)
    except ValueError as exc:
        raise NodeExecutionError(str(exc)) from exc


class ExportLut(NodeType):
    schema = NodeSchema(
        type_id="output.export_lut", title="Export LUT", category="Output", is_output=True,
        inputs=(Port("grade", GRADE, help="A Grade's grade output: the grade to bake."),),
        outputs=(Port("file", FILE, help="The written .cube file."),),
        params=(PathParam("path", "grade.cube", mode="save", file_filter="Cube LUTs (*.cube)",
                          help="Where to write the 33-point .cube LUT (Rec.709 gamma 2.4 in and out); relative "
                               "paths are taken from the project folder."),),
        help="Writes a grade as a 33-point .cube LUT (Rec.709 gamma 2.4 in and out) for DaVinci Resolve and "
             "other graders.",
    )

    def problems(self, params, paths):
        if Path(params["path"]).suffix.lower() != ".cube":
            return [f"a LUT is written as a .cube file; the path {short_repr(params['path'])} does not end in .cube"]
        return []

    def execute(self, ctx, inputs, params):
        problems = self.problems(params, ctx.paths)
        if problems:
            raise NodeExecutionError(problems[0])
        grade = inputs["grade"]
        ops = ops_of(grade)
        target = ctx.resolve_path(params["path"])
        if not target.parent.is_dir():
            raise NodeExecutionError(f"cannot write the LUT {target}: the folder {target.parent} does not exist")
        claim_file(ctx, target)
        claim_record_sidecar(ctx, target)
        baked = bake_display_lut(ops, grade["mix"], grade["working_space"])
        baked = replace(baked, comments=(*baked.comments, TEXT_MARK))  # so a re-render may replace it
        try:
            atomic_write(target, lambda temporary: write_cube(temporary, baked))
            # How the grade was made (engine.render_record): a .cube holds no such text, so beside it.
            write_record_sidecar(target, sidecar_text(provenance_of(ctx, params)))
        except OSError as exc:
            raise NodeExecutionError(f"cannot write the LUT {target}: {exc.strerror or exc}. "
                                     "Choose another folder.") from exc
        return {"file": written_file(target)}

    def cache_is_current(self, outputs, params, ctx):
        """A LUT deleted or changed since it was written is written again."""
        return still_as_written(outputs["file"], ctx.resolve_path(params["path"]))
