"""The timeline files interchange reads and writes: the OpenTimelineIO adapter behind each extension,
and what each one loses, in words the export dialog and the CLI print.

Each line of WHAT_EACH_FORMAT_DROPS was found by writing a timeline with every feature (gaps,
dissolves, a fade through black, markers, audio tracks) and reading it back with the same adapter
(tests/engine/test_interchange_roundtrip.py checks each line still holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import AiprodError


class InterchangeError(AiprodError):
    """A timeline file that cannot be written or read, with what to do about it."""


@dataclass(frozen=True)
class TimelineFormat:
    extension: str
    name: str
    adapter: str  # the OpenTimelineIO adapter name
    drops: str  # what an editor loses in this format (empty: nothing)
    audio: bool = True  # whether audio tracks are written at all


FORMATS: dict[str, TimelineFormat] = {f.extension: f for f in (
    TimelineFormat(".otio", "OpenTimelineIO", "otio_json", ""),
    TimelineFormat(".otioz", "OpenTimelineIO with media", "otioz",
                   "OTIOZ: clips whose media file is not on disk lose their path (the bundle holds only files there are)"),
    TimelineFormat(".edl", "CMX 3600 EDL", "cmx_3600",
                   "EDL: audio tracks and timeline markers are dropped, and a fade through black is written as a cut "
                   "(one video track, cuts and dissolves only); file lengths are not written, so a shot's tail trim "
                   "comes back only when its file is on disk",
                   audio=False),
    TimelineFormat(".xml", "Final Cut Pro 7 XML", "fcp_xml",
                   "FCP 7 XML: audio track names are dropped (sounds come back on the fx bus) and marker colours "
                   "come back red; a fade through black is kept as a Dip to Color Dissolve"),
    TimelineFormat(".fcpxml", "Final Cut Pro X XML", "fcpx_xml",
                   "FCPXML: transitions, timeline markers and audio track names are dropped (the adapter writes "
                   "none of them); each transition becomes a cut at its middle"),
)}

WHAT_EACH_FORMAT_DROPS: dict[str, str] = {ext: f.drops or f"{f.name}: nothing" for ext, f in FORMATS.items()}


def format_for(path: str | Path) -> TimelineFormat:
    """The format of a timeline file, from its extension; an unknown one names those there are."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InterchangeError(f"{Path(path).name}: {suffix or 'no extension'} is not a timeline format; "
                               f"use {', '.join(FORMATS)}")
    return FORMATS[suffix]
