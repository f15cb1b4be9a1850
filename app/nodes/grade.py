"""Grade nodes: exposure, white balance, lift/gamma/gain, contrast, saturation, a LUT and a look.

One grade, two node types (a node must give a value on every output): "color.grade" on a shot
and "color.grade_image" on a picture. The math is engine.media.grade_math; on a CUDA GPU it runs in
torch, on the CPU as one OpenColorIO processor (engine.media.grade_ocio), both built from one list.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from engine.errors import NodeExecutionError, cut
from engine.image import Image
from engine.media.clip import Clip
from engine.media.grade_math import (DISPLAY_SPACE, LUT_INPUT_SPACE_LABELS, LUT_INPUT_SPACE_RENAMED, Grading,
                                     apply_ops, apply_ops_numpy, build_ops)
from engine.media.graded_clip import GradedClip
from engine.media.lut import Lut, device, identity_lut, read_cube
from engine.ports import FRAMES, GRADE, IMAGE
from engine.schema import ColorParam, EnumParam, FloatParam, NodeSchema, NodeType, PathParam, Port

EXPORT_LUT_SIZE = 33


def looks_folder() -> Path:
    """Where the built-in looks live: resources/luts in the repository (or the installed app)."""
    return Path(__file__).resolve().parents[2] / "resources" / "luts"


def look_names() -> tuple[str, ...]:
    folder = looks_folder()
    return tuple(sorted(p.stem for p in folder.glob("*.cube"))) if folder.is_dir() else ()


LOOK_CHOICES = ("none", *look_names())

GRADE_PARAMS = (
    FloatParam("exposure", 0.0, min=-10.0, max=10.0, step=0.1, help="Brightness in stops: +1 doubles the light."),
    FloatParam("temperature", 6504.0, min=2000.0, max=15000.0, step=50.0, label="Temperature (K)",
               help="Colour temperature of the light the shot was lit by; 6504 K is neutral. "
                    "Higher warms the picture (compensating bluer light), lower cools it."),
    FloatParam("tint", 0.0, min=-1.0, max=1.0, step=0.01,
               help="Green-magenta balance: positive adds magenta, negative adds green."),
    ColorParam("lift", (1.0, 1.0, 1.0), wheel=True, help="Shadows, 1 = neutral per channel: 0.9 darkens blacks by a tenth of "
                                             "the black-to-white range, 1.1 raises them."),
    ColorParam("gamma", (1.0, 1.0, 1.0), wheel=True, help="Mid-tones, 1 = neutral: above 1 brightens, below 1 darkens."),
    ColorParam("gain", (1.0, 1.0, 1.0), wheel=True, help="Highlights, 1 = neutral: scales the range above black."),
    ColorParam("offset", (1.0, 1.0, 1.0), wheel=True, keyed_at_default=False,
               help="Every level at once, 1 = neutral: 1.05 raises blacks, mid-tones and whites by a twentieth of "
                    "the black-to-white range (in log, like Resolve's Offset wheel), 0.95 lowers them."),
    FloatParam("contrast", 1.0, min=0.0, max=4.0, step=0.05, help="Contrast about the pivot, in log (ACEScct)."),
    FloatParam("pivot", 0.18, min=0.001, max=10.0, step=0.01,
               help="Scene-linear value that contrast leaves unchanged (0.18 = mid grey)."),
    FloatParam("saturation", 1.0, min=0.0, max=4.0, step=0.05, help="0 = black and white, 1 = unchanged."),
    EnumParam("look", "none", LOOK_CHOICES, help="A built-in creative look (resources/luts), applied last."),
    PathParam("lut_path", "", file_filter="Cube LUTs (*.cube)", help="A .cube LUT (1D or 3D) applied after the grade."),
    EnumParam("lut_input_space", DISPLAY_SPACE, tuple(LUT_INPUT_SPACE_LABELS.items()),
              renamed=LUT_INPUT_SPACE_RENAMED,
              help="The encoding the LUT expects at its input (its output is read back the same way)."),
    FloatParam("mix", 1.0, min=0.0, max=1.0, step=0.05, help="Blend of the graded picture over the original."),
)
# Grade wrote its LUT from inside execute until the Export LUT node took that over (so a preview
# writes no file); a project that set it is told to add the node rather than lose the export silently.
RETIRED_PARAMS = (("export_lut_path", "its LUT export is now an Export LUT node (Output > Export LUT); add one, "
                                      "link this node's grade output into it and set its path"),)

GRADE_HELP = ("Colour-grades scene-linear pictures: exposure, white balance and saturation, then lift/gamma/gain/offset and "
              "contrast in ACEScct, then an optional LUT and a built-in look.")


def load_lut(path: Path, what: str) -> Lut:
    try:
        stat = path.stat()
        return _read_cube_cached(str(path), stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        raise NodeExecutionError(f"{what}: the file {path} does not exist; check the path") from None
    except (ValueError, OSError) as exc:
        raise NodeExecutionError(f"{what}: {exc}") from exc


@lru_cache(maxsize=16)
def _read_cube_cached(path: str, mtime_ns: int, size: int) -> Lut:
    """Parsed LUTs kept while their file is unchanged: a grade re-runs on every preview."""
    return read_cube(path)


def grade_description(params: dict, working: str, lut_file: Path | None, look_file: Path | None) -> dict:
    """The GRADE value: everything needed to repeat the transform, as plain JSON."""
    description = {"kind": "grade", "working_space": working}
    description.update({name: params[name] for name in ("exposure", "temperature", "tint", "lift", "gamma", "gain",
                                                       "offset", "contrast", "pivot", "saturation", "mix")})
    description["lut"] = {"path": str(lut_file), "input_space": params["lut_input_space"]} if lut_file else None
    description["look"] = {"name": params["look"], "path": str(look_file), "input_space": DISPLAY_SPACE} \
        if look_file else None
    return description


def bake_display_lut(ops: list, mix: float, working: str, size: int = EXPORT_LUT_SIZE) -> Lut:
    """The grade as a 3D LUT from Rec.709 gamma 2.4 code values to Rec.709 gamma 2.4 code values."""
    import torch

    from engine.media.colorspaces import WORKING_GAMUTS, gamut_matrix

    into = torch.from_numpy(gamut_matrix("ITU-R BT.709", WORKING_GAMUTS[working]).astype(np.float64))
    grid = torch.from_numpy(identity_lut(size).table.reshape(-1, 3).astype(np.float64))
    linear = grid.pow(2.4) @ into.T
    graded = torch.lerp(linear, apply_ops(linear, ops), mix) @ torch.linalg.inv(into).T
    encoded = graded.clamp(0.0, 1.0).pow(1 / 2.4).reshape(size, size, size, 3).numpy()
    return Lut(encoded, title="AIPROD Studio grade - Rec.709 gamma 2.4 in and out",
               comments=("Input and output: Rec.709 primaries, pure 2.4 gamma display code values 0..1.",
                         "Baked by AIPROD Studio's Grade node; red changes fastest."))


def make_grader(ctx, params: dict, working: str) -> tuple[Callable[[np.ndarray], np.ndarray], dict, Grading]:
    """The per-frame function for these parameters, the GRADE description (it writes no file), and the
    grade as operations (which an 8-bit export folds into its output transform)."""
    luts, lut_file, look_file = [], None, None
    if params["lut_path"]:
        lut_file = ctx.resolve_path(params["lut_path"])
        luts.append((load_lut(lut_file, "LUT"), params["lut_input_space"]))
    if params["look"] != "none":
        look_file = looks_folder() / f"{params['look']}.cube"
        if not look_file.is_file():
            raise NodeExecutionError(f"look {params['look']!r} is missing from {looks_folder()}; "
                                     "regenerate it with resources/luts/make_looks.py or choose another look")
        luts.append((load_lut(look_file, f"look {params['look']!r}"), DISPLAY_SPACE))
    try:
        ops = build_ops(params, working, luts)
    except ValueError as exc:
        raise NodeExecutionError(str(exc)) from exc
    mix = params["mix"]
    if device().type == "cuda" or not ops:
        grader = lambda pixels: apply_ops_numpy(pixels, ops, mix)  # noqa: E731
    else:
        from engine.media.grade_ocio import apply_processor, cpu_processor

        processor = cpu_processor(ops)
        grader = lambda pixels: apply_processor(processor, pixels, mix)  # noqa: E731
    return grader, grade_description(params, working, lut_file, look_file), Grading(tuple(ops), mix)


class _GradeBase(NodeType):
    def problems(self, params, paths):
        found = []
        lut = params.get("lut_path") or ""
        if lut:
            path = paths.file(lut)
            try:
                present = path.is_file()
            except OSError:  # a name too long for the file system: no such file
                present = False
            if not present:
                found.append(f"LUT file {cut(str(path), 200)} does not exist; choose a .cube file or clear lut_path")
        look = params.get("look", "none")
        if look != "none" and not (looks_folder() / f"{look}.cube").is_file():
            found.append(f"look {look!r} is missing from {looks_folder()}; run resources/luts/make_looks.py")
        return found

    def fingerprint(self, params, ctx):
        """The look file too: a regenerated look re-runs what the grade feeds."""
        from engine.fingerprint import file_fingerprint

        prints = super().fingerprint(params, ctx)
        if params.get("look", "none") != "none":
            prints["look"] = file_fingerprint(looks_folder() / f"{params['look']}.cube")
        return prints


class Grade(_GradeBase):
    schema = NodeSchema(
        type_id="color.grade", title="Grade", category="Color", cache_outputs=False,
        inputs=(Port("frames", FRAMES, help="The shot to grade."),),
        outputs=(Port("frames", FRAMES, help="The graded shot, computed frame by frame as it streams."),
                 Port("grade", GRADE, help="The grade as data, to reuse or inspect.")),
        params=GRADE_PARAMS, help=GRADE_HELP, before_input="frames", retired_params=RETIRED_PARAMS,
        opens_files=(".cube",), opens_files_param="lut_path",
    )

    def execute(self, ctx, inputs, params):
        clip: Clip = inputs["frames"]
        grader, description, grading = make_grader(ctx, params, clip.color_space)
        return {"frames": GradedClip(clip, grader, grading), "grade": description}


class GradeImage(_GradeBase):
    schema = NodeSchema(
        type_id="color.grade_image", title="Grade Image", category="Color", cache_outputs=False,
        inputs=(Port("image", IMAGE, help="The picture to grade."),),
        outputs=(Port("image", IMAGE, help="The graded picture."),
                 Port("grade", GRADE, help="The grade as data, to reuse or inspect.")),
        params=GRADE_PARAMS, help=GRADE_HELP, before_input="image", retired_params=RETIRED_PARAMS,
    )

    def execute(self, ctx, inputs, params):
        image: Image = inputs["image"]
        grader, description, _ = make_grader(ctx, params, image.color_space)
        return {"image": Image(grader(image.pixels), image.color_space), "grade": description}
