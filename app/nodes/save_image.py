"""Writes a picture to PNG, TIFF or JPEG in sRGB, atomically; the file is what the render delivers.

The file's EXIF Software tag names AIPROD Studio, so a re-render may replace it; a file without
that mark is replaced only when the user allowed it (engine.output_target). Its render record (how
the picture was made, engine.render_record) and the project go beside it, in `<file>.record.json`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from engine.atomic import atomic_write
from engine.color import linear_to_srgb, to_8bit
from engine.errors import NodeExecutionError
from engine.fingerprint import file_fingerprint
from engine.media.authorship import picture_exif
from engine.output_target import claim_file
from engine.ports import FILE, IMAGE
from engine.render_record import sidecar_text
from engine.render_record_sidecar import claim_record_sidecar, write_record_sidecar
from engine.schema import IntParam, NodeSchema, NodeType, PathParam, Port

from .export import provenance_of

FORMATS = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".jpg": "JPEG", ".jpeg": "JPEG"}


class SaveImage(NodeType):
    schema = NodeSchema(
        type_id="output.save_image", title="Save Image", category="Output", is_output=True,
        inputs=(Port("image", IMAGE),),
        outputs=(Port("file", FILE, help="The written file."),),
        params=(
            PathParam("path", "render.png", mode="save", file_filter="Images (*.png *.tif *.tiff *.jpg *.jpeg)",
                      help="Where to write; relative paths are taken from the project folder. "
                           "The extension chooses the format."),
            IntParam("jpeg_quality", 95, min=50, max=100, help="JPEG quality (JPEG only)."),
        ),
        help="Writes a picture as an sRGB image file.",
    )

    def problems(self, params, paths):
        suffix = Path(params["path"]).suffix.lower()
        if suffix not in FORMATS:
            return [f"unsupported image extension {suffix or '(none)'!r}; use one of {', '.join(FORMATS)}"]
        return []

    def execute(self, ctx, inputs, params):
        path = ctx.resolve_path(params["path"])
        problem = self.problems(params, ctx.paths)
        if problem:
            raise NodeExecutionError(problem[0])
        image = inputs["image"]
        if image.color_space != "lin_rec709":
            raise NodeExecutionError(f"Save Image writes sRGB from linear Rec.709; the picture is {image.color_space}")
        if not path.parent.is_dir():
            raise NodeExecutionError(f"cannot write {path}: the folder {path.parent} does not exist")
        claim_file(ctx, path)
        claim_record_sidecar(ctx, path)
        rgb = to_8bit(linear_to_srgb(image.pixels[..., :3]))
        if image.pixels.shape[2] == 4 and FORMATS[path.suffix.lower()] != "JPEG":
            alpha = to_8bit(np.clip(image.pixels[..., 3:], 0, 1))
            picture = PILImage.fromarray(np.concatenate([rgb, alpha], axis=2), "RGBA")
        else:
            picture = PILImage.fromarray(rgb, "RGB")
        ctx.progress(0.5, f"writing {path.name}")
        save_options = {"exif": picture_exif()}
        if FORMATS[path.suffix.lower()] == "JPEG":
            save_options["quality"] = params["jpeg_quality"]
        try:
            atomic_write(path, lambda tmp: picture.save(tmp, FORMATS[path.suffix.lower()], **save_options))
            write_record_sidecar(path, sidecar_text(provenance_of(ctx, params)))
        except OSError as exc:
            raise NodeExecutionError(f"cannot write {path}: {exc.strerror or exc}. Choose another folder.") from exc
        return {"file": {"path": str(path), "fingerprint": file_fingerprint(path)}}

    def cache_is_current(self, outputs, params, ctx):
        written = outputs["file"]
        return (written["path"] == str(ctx.resolve_path(params["path"]))
                and file_fingerprint(written["path"]) == written["fingerprint"])
