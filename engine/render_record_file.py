"""Reading the render record back from an exported file, and what of the file a re-render must match.

A record is read from a movie's or sound file's comment (or the `<movie>.record.json` its comment
names), from an image sequence's `.aiprod.json` (given the sidecar or any of its frames), from the
`<file>.record.json` beside a picture or LUT, or from a record sidecar given directly. Everything in
it is checked before use: a damaged or hand-made record is one line naming the file and what is
wrong (engine.errors.AiprodError), never a traceback.

The export itself is compared by its essence, not its bytes: the picture and sound packets of a
movie or sound file (the container's metadata, which holds the record, is left out), the bytes of
each frame file of a sequence (its sidecar WAV by its packets too), a picture's pixels, or the
numbers of a LUT (its comment lines left out).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import AiprodError, cut, short_repr
from .project_checks import MAX_BYTES
from .render_record import POINTER_KEY, RECORD_FORMAT, RECORD_KEY, SIDECAR_SUFFIX, digest_text, record_sidecar

MOVIE_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".mxf", ".wav", ".flac")  # sound files too
FRAME_SUFFIXES = (".exr", ".dpx", ".png")
PICTURE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")  # Save Image's
LUT_SUFFIXES = (".cube",)
_SEQUENCE_SIDECAR = ".aiprod.json"
_NO_RECORD = ("carries no render record: it was exported by an AIPROD Studio older than render records, or by "
              "another program; render its project again to get one")


@dataclass
class RecordedExport:
    """A record as read from an exported file, and where that file's essence lies."""

    record: dict
    source: Path  # the file the record was read from (named in messages)
    movie: Path | None = None  # the movie or sound file, for such an export
    folder: Path | None = None  # the sequence's folder, for an image sequence export
    single: Path | None = None  # the picture or LUT, whose record is beside it
    project: object = None  # the project graph embedded beside the record


def _parse(text: str, where: Path) -> dict:
    try:
        data = json.loads(text)
    except RecursionError:
        raise AiprodError(f"{cut(str(where), 300)}: its render record nests lists or objects too deeply to read; "
                          "the file was damaged or made by hand") from None
    except ValueError as exc:
        raise AiprodError(f"{cut(str(where), 300)}: its render record is not valid JSON ({exc}); "
                          "the file was damaged or edited by hand") from None
    if not isinstance(data, dict):
        raise AiprodError(f"{cut(str(where), 300)}: its render record is not a JSON object; "
                          "the file was damaged or edited by hand")
    return data


def _read_text(path: Path, what: str) -> str:
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise AiprodError(f"{cut(str(path), 300)} is larger than {MAX_BYTES // 2**20} MiB, far more than "
                              "any render record holds; check that this is the file the export wrote")
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise AiprodError(f"{cut(str(path), 300)} does not exist; it holds the {what}: put it back "
                          "beside the export") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AiprodError(f"cannot read {cut(str(path), 300)} ({getattr(exc, 'strerror', None) or exc})") from None


def _movie_comment(movie: Path) -> str | None:
    import av

    try:
        with av.open(str(movie)) as container:
            tags = {k.lower(): v for k, v in container.metadata.items()}
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise AiprodError(f"{cut(str(movie), 300)} cannot be read as a movie ({cut(str(exc), 200)})") from None
    return tags.get("comment")


def _from_movie(movie: Path) -> RecordedExport:
    comment = _movie_comment(movie)
    sidecar = record_sidecar(movie)
    if comment is None:  # MXF keeps no comment: its record is only ever beside it
        if movie.suffix.lower() == ".mxf" and sidecar.exists():
            return _from_provenance(_parse(_read_text(sidecar, "render record"), sidecar), sidecar, movie=movie)
        raise AiprodError(f"{cut(str(movie), 300)} {_NO_RECORD}")
    provenance = _parse(comment, movie)
    pointer = provenance.get(POINTER_KEY)
    if pointer is not None:  # the record lives beside the movie; the comment names it and its hash
        if not isinstance(pointer, dict) or pointer.get("name") != sidecar.name:
            raise AiprodError(f"{cut(str(movie), 300)}: its comment names its record file wrongly "
                              f"({short_repr(pointer)}); the file was edited by hand")
        text = _read_text(sidecar, "render record")
        if digest_text(text) != pointer.get("blake2b"):
            raise AiprodError(f"{cut(str(sidecar), 300)} is not the record of {movie.name}: it changed since the "
                              "render (or belongs to another render of that name)")
        return _from_provenance(_parse(text, sidecar), sidecar, movie=movie)
    return _from_provenance(provenance, movie, movie=movie)


def _sequence_sidecar_of(frame: Path) -> Path:
    """shot_0001.exr -> shot.aiprod.json, the name engine's Export gives a sequence's sidecar."""
    stem = re.sub(r"\d+$", "", frame.stem).rstrip("._- ") or "render"
    return frame.with_name(stem + _SEQUENCE_SIDECAR)


def _from_sidecar_of(single: Path) -> RecordedExport:
    """The record beside a picture or LUT (Save Image, Export LUT write it there)."""
    sidecar = record_sidecar(single)
    if not sidecar.exists():
        raise AiprodError(f"{cut(str(single), 300)} has no {sidecar.name} beside it: {_NO_RECORD}")
    return _from_provenance(_parse(_read_text(sidecar, "render record"), sidecar), sidecar, single=single)


def _from_provenance(provenance: dict, source: Path, movie: Path | None = None,
                     folder: Path | None = None, single: Path | None = None) -> RecordedExport:
    record = provenance.get(RECORD_KEY)
    if record is None:
        raise AiprodError(f"{cut(str(source), 300)} {_NO_RECORD}")
    if not isinstance(record, dict):
        raise AiprodError(f"{cut(str(source), 300)}: its render record is not a JSON object; "
                          "the file was damaged or edited by hand")
    version = record.get("format")
    if isinstance(version, int) and not isinstance(version, bool) and version > RECORD_FORMAT:
        raise AiprodError(f"{cut(str(source), 300)}: its render record (format {version}) was written by a newer "
                          f"AIPROD Studio (this one reads format {RECORD_FORMAT}); update AIPROD Studio")
    if version != RECORD_FORMAT:
        raise AiprodError(f"{cut(str(source), 300)}: its render record has format {short_repr(version)}, "
                          f"expected {RECORD_FORMAT}; the file was damaged or edited by hand")
    return RecordedExport(record, source, movie=movie, folder=folder, single=single,
                          project=provenance.get("project"))


def read_recorded_export(path: str) -> RecordedExport:
    """The record an export carries: `path` is a movie or sound file, a sequence's frame or sidecar, a
    picture or LUT, or a record file."""
    file = Path(path).expanduser()
    if not file.exists():
        raise AiprodError(f"{cut(str(file), 300)} does not exist; give the exported movie, sound, picture or "
                          "LUT, a frame of the exported sequence or its .aiprod.json")
    name, suffix = file.name.lower(), file.suffix.lower()
    if name.endswith(SIDECAR_SUFFIX):
        written = file.with_name(file.name[: -len(SIDECAR_SUFFIX)])
        if written.suffix.lower() in PICTURE_SUFFIXES + LUT_SUFFIXES:
            return _from_sidecar_of(written)
        return _from_movie(written) if written.exists() else _from_provenance(
            _parse(_read_text(file, "render record"), file), file, movie=written)
    if suffix in MOVIE_SUFFIXES:
        return _from_movie(file)
    # A picture with a record beside it is Save Image's; a numbered PNG without one, a sequence's frame.
    if suffix in LUT_SUFFIXES or (suffix in PICTURE_SUFFIXES and
                                  (record_sidecar(file).exists() or suffix not in FRAME_SUFFIXES)):
        return _from_sidecar_of(file)
    if suffix in FRAME_SUFFIXES:
        file = _sequence_sidecar_of(file)
        name = file.name.lower()
    if name.endswith(_SEQUENCE_SIDECAR):
        provenance = _parse(_read_text(file, "sequence's provenance and render record"), file)
        return _from_provenance(provenance, file, folder=file.parent)
    raise AiprodError(f"{cut(str(file), 300)} is not a file AIPROD Studio delivers with a render record (a movie "
                      f"or sound: {', '.join(MOVIE_SUFFIXES)}; a sequence: {', '.join(FRAME_SUFFIXES)} with its "
                      f".aiprod.json; a picture: {', '.join(PICTURE_SUFFIXES)}; a LUT: .cube)")


# ---- the export's essence -------------------------------------------------------------------

def movie_essence(path: Path) -> str:
    """A digest of every picture and sound packet of a movie (time stamps and bytes), not its metadata."""
    import av

    digest = hashlib.blake2b(digest_size=16)
    try:
        with av.open(str(path)) as container:
            for packet in container.demux():
                if packet.size == 0:  # the flush packet each stream ends with
                    continue
                digest.update(f"{packet.stream.index}:{packet.pts}:{packet.dts}:{packet.size}|".encode())
                digest.update(bytes(packet))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise AiprodError(f"{cut(str(path), 300)} cannot be read ({cut(str(exc), 200)})") from None
    return digest.hexdigest()


def sequence_essence(frames: list[Path], audio: Path | None) -> str:
    """A digest of the bytes of every frame file in order, and of the sidecar WAV's sound."""
    digest = hashlib.blake2b(digest_size=16)
    for frame in frames:
        try:
            digest.update(hashlib.blake2b(frame.read_bytes(), digest_size=16).digest())
        except OSError as exc:
            raise AiprodError(f"frame {cut(str(frame), 300)} cannot be read ({exc.strerror or exc}); "
                              "the sequence is incomplete") from None
    if audio is not None:
        digest.update(movie_essence(audio).encode())
    return digest.hexdigest()


def picture_essence(path: Path) -> str:
    """A digest of a picture's pixels (its size and channels with them), not of its metadata."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            picture.load()
            digest = hashlib.blake2b(f"{picture.mode}:{picture.size}|".encode(), digest_size=16)
            digest.update(picture.tobytes())
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise AiprodError(f"{cut(str(path), 300)} cannot be read as a picture ({cut(str(exc), 200)})") from None
    return digest.hexdigest()


def lut_essence(path: Path) -> str:
    """A digest of a .cube file's table and settings, its comment lines (a title, a mark) left out."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AiprodError(f"{cut(str(path), 300)} cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    kept = "\n".join(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return digest_text(kept)


def single_essence(path: Path) -> str:
    """A picture's or LUT's essence, by its kind."""
    return lut_essence(path) if path.suffix.lower() in LUT_SUFFIXES else picture_essence(path)
