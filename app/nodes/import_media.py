"""Import nodes: a still image, a numbered image sequence or a movie file, into scene-linear pixels.

Each names the colour space its file is encoded in; pixels come out linear in the chosen working
space. Frames stay on disk and are decoded as they stream, so these nodes do not copy footage
into the cache (cache_outputs=False): opening the file again is as cheap as reading a copy.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import NodeExecutionError
from engine.image import WORKING_SPACES, Image
from engine.media.clip import as_fps
from engine.media.colorspaces import INPUT_SPACE_CHOICES, INPUT_SPACE_RENAMED, to_working
from engine.media.image_io import READ_EXTENSIONS, read_image
from engine.media.image_sequence import ImageSequenceClip, find_frames, sequence_fingerprint
from engine.media.video_io import VIDEO_EXTENSIONS, VideoFileClip
from engine.ports import FRAMES, IMAGE
from engine.schema import EnumParam, NodeSchema, NodeType, PathParam, Port, StringParam

AUTO = "auto"
# What a file of each type most likely holds when the user has not said otherwise.
AUTO_SPACE = {".exr": "lin_rec709", ".dpx": "rec709"}  # others (PNG, JPEG, TIFF): sRGB
IMAGE_FILTER = "Images (" + " ".join(f"*{e}" for e in READ_EXTENSIONS) + ")"
VIDEO_FILTER = "Movies (" + " ".join(f"*{e}" for e in VIDEO_EXTENSIONS) + ")"


def _color_param(default: str = AUTO) -> EnumParam:
    return EnumParam("color_space", default, ((AUTO, "auto (by file type)"), *INPUT_SPACE_CHOICES),
                     renamed={**INPUT_SPACE_RENAMED, "auto (by file type)": AUTO},
                     help="How the file encodes colour. Auto: sRGB for PNG/JPEG/TIFF, linear Rec.709 for EXR, "
                          "Rec.709 for DPX and video.")


def _working_param() -> EnumParam:
    return EnumParam("working_space", "lin_rec709", WORKING_SPACES,
                     help="The scene-linear space the pixels are converted to.")


def input_space(choice: str, path: Path) -> str:
    if choice != AUTO:
        return choice
    if path.suffix.lower() in VIDEO_EXTENSIONS:
        return "rec709"
    return AUTO_SPACE.get(path.suffix.lower(), "srgb")


def _resolve_existing(ctx, params) -> Path:
    if not params["path"]:
        raise NodeExecutionError("no file chosen; set the path parameter")
    return ctx.resolve_path(params["path"])


class ImportImage(NodeType):
    schema = NodeSchema(
        type_id="media.import_image", title="Import Image", category="Media", cache_outputs=False,
        outputs=(Port("image", IMAGE),),
        params=(PathParam("path", "", file_filter=IMAGE_FILTER, help="A PNG, JPEG, TIFF, DPX or EXR file.",
                          required=True),
                _color_param(), _working_param()),
        help="Reads a still picture and converts it to scene-linear light.",
        opens_files=(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".dpx"), opens_files_param="path",
    )

    def execute(self, ctx, inputs, params):
        path = _resolve_existing(ctx, params)
        try:
            encoded = read_image(path)
            pixels = to_working(encoded, input_space(params["color_space"], path), params["working_space"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"image": Image(pixels, params["working_space"])}


class ImportSequence(NodeType):
    schema = NodeSchema(
        type_id="media.import_sequence", title="Import Image Sequence", category="Media", cache_outputs=False,
        outputs=(Port("frames", FRAMES),),
        params=(PathParam("path", "", mode="folder", file_filter=IMAGE_FILTER, required=True,
                          help="A folder of numbered frames, or a pattern: shot_%04d.exr, shot_####.exr, shot_*.exr."),
                StringParam("fps", "24", help="Frame rate: 24, 25, 30, 24000/1001, 23.976, 29.97 ..."),
                _color_param(), _working_param()),
        help="Reads numbered image files as one shot.",
    )

    def _files(self, ctx, params) -> list[Path]:
        try:
            return [p for _, p in find_frames(_resolve_existing(ctx, params))]
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc

    def fingerprint(self, params, ctx):
        try:  # names and contents of the frames: a re-rendered or added frame re-runs what uses them
            return {"path": sequence_fingerprint(self._files(ctx, params))}
        except NodeExecutionError:
            return {"path": "missing"}

    def execute(self, ctx, inputs, params):
        files = self._files(ctx, params)
        try:
            text = params["fps"].strip()
            # "23.976" means the NTSC 24000/1001, as a float does; "24000/1001" is taken exactly.
            fps = as_fps(text if "/" in text else float(text))
        except (ValueError, ZeroDivisionError) as exc:
            raise NodeExecutionError(f"fps {params['fps']!r} is not a frame rate; write 24, 25, 24000/1001 "
                                     "or 29.97") from exc
        try:
            clip = ImageSequenceClip(files, fps, input_space(params["color_space"], files[0]),
                                     params["working_space"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"frames": clip}


class ImportVideo(NodeType):
    schema = NodeSchema(
        type_id="media.import_video", title="Import Video", category="Media", cache_outputs=False,
        outputs=(Port("frames", FRAMES),),
        params=(PathParam("path", "", file_filter=VIDEO_FILTER, help="A movie file (MP4, MOV, MKV, WebM, MXF).",
                          required=True),
                _color_param("rec709"), _working_param()),
        help="Reads a movie's picture at its exact frame rate, decoding frames as they are needed.",
        opens_files=(".mp4", ".mov", ".mkv", ".webm", ".mxf"), opens_files_param="path",
    )

    def execute(self, ctx, inputs, params):
        path = _resolve_existing(ctx, params)
        try:
            return {"frames": VideoFileClip(path, input_space(params["color_space"], path), params["working_space"])}
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
