"""The mark every file AIPROD writes carries, and the check that a file on disk has it.

A render may replace a file AIPROD Studio wrote (a re-render of the same export) but never one it
did not, unless the user says so (engine.output_target). The mark is the writer's name, "AIPROD
Studio", stored where each format keeps its writer:

* movies and audio files (MP4, MOV, Matroska, WebM, WAV, FLAC): `written_by` in the JSON of the
  `comment` tag, beside the project graph; MXF, whose muxer keeps no free-text tag, `product_name`;
* pictures (PNG, TIFF, JPEG): the EXIF `Software` tag;
* .cube LUTs and WebVTT subtitles: a comment line; image sequences: their provenance sidecar;
* formats that hold no comment at all (SRT): a hidden sidecar `.<name>.aiprod.json` with the
  file's hash, so the sidecar cannot vouch for a file put there later under the same name.

Exports made before the mark existed are recognised by the provenance they already carried.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MARK = "AIPROD Studio"
KEY = "written_by"
EXIF_SOFTWARE = 305
TEXT_MARK = f"Written by {MARK}"  # the comment line of .cube and WebVTT files
_CONTAINERS = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".mxf", ".wav", ".flac")
_PICTURES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")
_COMMENT_LINES = {".cube": "# ", ".vtt": "NOTE "}


def stamp(provenance: dict) -> dict:
    """A provenance record (what made a file) with the mark at its top."""
    return {KEY: MARK, **provenance}


def container_tags(provenance: dict, suffix: str) -> dict[str, str]:
    """The container metadata of a movie or audio file: provenance (marked) as JSON in `comment`."""
    tags = {"comment": json.dumps(stamp(provenance), sort_keys=True)}
    if suffix.lower() == ".mxf":
        tags["product_name"] = MARK
    return tags


def picture_exif() -> bytes:
    """EXIF to save with a PNG, TIFF or JPEG through Pillow (its `exif=` option)."""
    from PIL import Image

    exif = Image.Exif()
    exif[EXIF_SOFTWARE] = MARK
    return exif.tobytes()


def marked_provenance(text: str) -> bool:
    """Whether a provenance record (JSON text) says AIPROD wrote the file it describes."""
    try:
        record = json.loads(text)
    except ValueError:
        return False
    # "aiprod_export": the provenance of exports made before the mark was added.
    return isinstance(record, dict) and (record.get(KEY) == MARK or "aiprod_export" in record)


def sidecar_path(path: str | os.PathLike) -> Path:
    """Where the mark of a file that cannot hold one lives: `.<name>.aiprod.json` beside it."""
    path = Path(path)
    return path.with_name(f".{path.name}.aiprod.json")


def _digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sidecar(path: str | os.PathLike) -> None:
    """Mark `path` (already written) as AIPROD's in its sidecar, with its hash."""
    from ..atomic import atomic_write_text
    from ..leftovers import sweep_beside

    path = Path(path)
    sweep_beside(sidecar_path(path))
    atomic_write_text(sidecar_path(path), json.dumps({KEY: MARK, "file": path.name, "blake2b": _digest(path)}))


def _sidecar_vouches(path: Path) -> bool:
    try:
        record = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
        return record.get(KEY) == MARK and record.get("blake2b") == _digest(path)
    except (OSError, ValueError, AttributeError):
        return False


def _container_marked(path: Path) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            tags = {k.lower(): v for k, v in container.metadata.items()}
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return False
    return tags.get("product_name") == MARK or marked_provenance(tags.get("comment", ""))


def _picture_marked(path: Path) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            return picture.getexif().get(EXIF_SOFTWARE) == MARK or picture.info.get("Software") == MARK
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        return False


def _text_marked(path: Path, prefix: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            head = [f.readline().strip() for _ in range(8)]  # the mark sits in the first lines
    except (OSError, UnicodeDecodeError):
        return False
    return f"{prefix}{TEXT_MARK}" in head


def written_by_aiprod(path: str | os.PathLike) -> bool:
    """Whether the file at `path` carries AIPROD's mark (False for a link: the user made it)."""
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix in _CONTAINERS:
        return _container_marked(path)
    if suffix in _PICTURES:
        return _picture_marked(path)
    if suffix in _COMMENT_LINES:
        return _text_marked(path, _COMMENT_LINES[suffix])
    return _sidecar_vouches(path)
