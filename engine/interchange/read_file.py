"""Reading a timeline file with OpenTimelineIO, and what its media references point at on this disk.

Readers' quirks are put right here, so the importer sees one kind of timeline: an EDL has no frame
rate (drop-frame timecode means 29.97, else the lowest of 24, 25, 30, 50 and 60 fps that its
timecodes' frame numbers fit, unless the caller says), and the CMX 3600 reader
gives the clip after a dissolve the outgoing clip's file (it reads "* FROM CLIP" and ignores
"* TO CLIP"), so the "TO CLIP" comments are applied to those clips again. An .otioz bundle is
unpacked beside itself, into a folder of its name, so its media can be found and relinked.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import opentimelineio as otio

from engine.errors import cut

from .formats import InterchangeError, format_for

_DROP_FRAME = re.compile(r"\d\d:\d\d:\d\d;\d\d")
_TO_CLIP = re.compile(r"^\*\s*TO CLIP:\s*(.+?)\s*$", re.MULTILINE)


_TIMECODE_FRAMES = re.compile(r"\b\d\d[:;]\d\d[:;]\d\d[:;](\d\d)\b")
# The rates an EDL is most likely cut at, lowest first: the first whose frame numbers its timecodes fit.
_EDL_RATES = (Fraction(24), Fraction(25), Fraction(30), Fraction(50), Fraction(60))


def _edl_fps(text: str, fps: Fraction | None) -> Fraction:
    """The rate to read an EDL at: the caller's, 29.97 for drop-frame timecode, else the lowest common
    rate its timecodes' frame numbers fit (a 25 fps EDL has frames up to 24, which 24 fps cannot hold)."""
    if fps is not None:
        return fps
    if _DROP_FRAME.search(text):
        return Fraction(30000, 1001)
    highest = max((int(frames) for frames in _TIMECODE_FRAMES.findall(text)), default=0)
    return next((rate for rate in _EDL_RATES if highest < rate), _EDL_RATES[-1])


def _apply_to_clips(timeline: otio.schema.Timeline, text: str) -> None:
    """The file each clip after a dissolve really comes from, from the EDL's "* TO CLIP" comments in order."""
    targets = iter(_TO_CLIP.findall(text))
    for track in timeline.video_tracks():
        items = list(track)
        for before, after in zip(items, items[1:]):
            if isinstance(before, otio.schema.Transition) and isinstance(after, otio.schema.Clip):
                target = next(targets, None)
                if target is None:
                    return
                after.media_reference = otio.schema.ExternalReference(target_url=target)


def read_otio(path: str | Path, fps: Fraction | None = None) -> tuple[otio.schema.Timeline, Path]:
    """The timeline in `path`, and the folder its relative media paths are read from."""
    path = Path(path)
    fmt = format_for(path)
    if not path.is_file():
        raise InterchangeError(f"cannot read {path}: there is no such file")
    base = path.parent
    try:
        if fmt.adapter == "cmx_3600":
            text = path.read_text(encoding="utf-8", errors="replace")
            timeline = otio.adapters.read_from_string(text, adapter_name="cmx_3600", rate=float(_edl_fps(text, fps)))
            _apply_to_clips(timeline, text)
        elif fmt.adapter == "otioz":
            base = path.parent / path.stem
            base.mkdir(exist_ok=True)
            unpacked = (base / "media").exists()  # imported before: the bundle's media is already there
            timeline = otio.adapters.read_from_file(str(path), adapter_name="otioz",
                                                    **({} if unpacked else {"extract_to_directory": str(base)}))
        else:
            timeline = otio.adapters.read_from_file(str(path), adapter_name=fmt.adapter)
    except InterchangeError:
        raise
    except OSError as exc:
        raise InterchangeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # each adapter fails in its own way on a damaged file: one line for all
        raise InterchangeError(f"{path.name} cannot be read as {fmt.name}: {cut(str(exc) or type(exc).__name__, 200)}"
                               ) from exc
    if isinstance(timeline, otio.schema.SerializableCollection):  # FCP XML may hold several sequences
        found = list(timeline.find_children(descended_from_type=otio.schema.Timeline))
        if not found:
            raise InterchangeError(f"{path.name} holds no sequence to import")
        timeline = found[0]
    if not isinstance(timeline, otio.schema.Timeline):
        raise InterchangeError(f"{path.name} holds a {type(timeline).__name__}, not a timeline")
    return timeline, base


def media_path(reference, base: Path) -> Path | None:
    """The file a media reference names, as a path here (None: it names no file).

    A relative path is read from `base`; an absolute one that is not there but has a file of its
    name in `base` is that file (a finishing folder moved to another disk or machine)."""
    url = getattr(reference, "target_url", None)
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(url2pathname(parsed.path))
    elif parsed.scheme and len(parsed.scheme) > 1:  # http: and the like: nothing on this disk
        return None
    else:
        path = Path(unquote(url))
    if not path.is_absolute():
        return base / path
    if not path.exists() and (base / path.name).exists():
        return base / path.name
    return path
