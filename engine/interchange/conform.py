"""Shots an imported timeline cut from media that was not on this disk, re-cut once the media is found.

An edit list counts a clip's source frames in the file's own terms, often a camera's timecode
(01:00:10:00), and an EDL does not say how long the file is. When the file is on disk at import,
import_timeline works out the Sequence's Trims row for the shot there and then. When it is not, the
head can only be the source frame as written and the tail is unknown, so the shot would play from the
wrong frame to the end of the file once relinked. The import therefore keeps each such shot's source
range in the project's settings (CONFORM_KEY, saved with the project), and relinking the file
(app/ui/relink.py) re-cuts the shot to that range from the file found: its start timecode taken off
the head, its length giving the tail. The range is then dropped (in the same undo step), so that a
later relink never overrides trims made by hand.

The settings come from a project file, so anything read from them is checked: an entry that is not a
well-formed range is ignored, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from engine.timebase import frames_from_timecode

CONFORM_KEY = "timeline_conform"  # project settings: {node id: source range}


@dataclass(frozen=True)
class SourceRange:
    """The frames of a file an edit list used for one shot."""

    sequence: str  # the Sequence node the shot is linked into
    start: int  # first frame used, as the timeline counted it
    frames: int  # frames used
    fps: Fraction
    timecode: bool  # `start` is a source timecode: the file's own start timecode comes off it

    def to_data(self) -> dict:
        return {"sequence": self.sequence, "start": self.start, "frames": self.frames, "fps": str(self.fps),
                "timecode": self.timecode}


def _range_from_data(data) -> SourceRange | None:
    try:
        fps = Fraction(str(data["fps"]))
        start, frames, sequence = data["start"], data["frames"], data["sequence"]
        counts = all(isinstance(n, int) and not isinstance(n, bool) for n in (start, frames))
        if counts and isinstance(sequence, str) and start >= 0 and frames > 0 and 0 < fps <= 1000:
            return SourceRange(sequence, start, frames, fps, data.get("timecode") is True)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        pass
    return None


def source_ranges(settings) -> dict[str, SourceRange]:
    """node id -> its shot's source range, for the well-formed entries of a project's settings."""
    entries = settings.get(CONFORM_KEY) if isinstance(settings, dict) else None
    if not isinstance(entries, dict):
        return {}
    ranges = {node_id: _range_from_data(data) for node_id, data in entries.items() if isinstance(node_id, str)}
    return {node_id: found for node_id, found in ranges.items() if found is not None}


def without_range(settings, node_id: str) -> dict:
    """The settings' source ranges less node `node_id`'s (a new dict: the old one stays for undo)."""
    entries = settings.get(CONFORM_KEY) if isinstance(settings, dict) else None
    return {k: v for k, v in entries.items() if k != node_id} if isinstance(entries, dict) else {}


def movie_start_timecode(path: Path) -> str | None:
    """The timecode a movie's first frame carries (QuickTime tmcd, MXF), as its container says, or None."""
    import av

    try:
        with av.open(str(path)) as container:
            streams = [container] + list(container.streams)
            return next((s.metadata["timecode"] for s in streams if s.metadata.get("timecode")), None)
    except (av.FFmpegError, OSError):
        return None


def file_start_frame(path: Path, fps: Fraction) -> int:
    """The frame, counted in timecode at `fps`, that a movie's first frame carries (0 without one)."""
    timecode = movie_start_timecode(path)
    try:
        return frames_from_timecode(timecode, fps) if timecode else 0
    except ValueError:  # a timecode the file holds but we cannot read: counted from 0, as without one
        return 0


def movie_frames(path: Path) -> int | None:
    """How many frames a movie on disk has (an EDL does not say), or None when it cannot be read."""
    from engine.media.video_io import VideoFileClip

    try:
        return VideoFileClip(path).frame_count
    except Exception:  # not a movie we can open: the caller says so
        return None


def cell_seconds(frames: int, fps: Fraction) -> float:
    """Frames as a table cell's seconds; read back by the time model's rounding rule they are the same frame."""
    return float(Fraction(frames) / fps)


def conformed_trims(graph, settings, node_id: str, path: Path) -> tuple[list[dict] | None, str | None]:
    """(the Sequence's Trims rows with node `node_id`'s shot cut to its source range in the file at
    `path`, a line for the user), or (None, why not) where there is nothing to re-cut or it cannot be;
    (None, None) where the node has no source range kept."""
    source = source_ranges(settings).get(node_id)
    if source is None:
        return None, None
    sequence = graph.nodes.get(source.sequence)
    shots = [link.src_node for link in graph.links_into(source.sequence, "shots")] if sequence else []
    if node_id not in shots:
        return None, f"{path.name}: its shot is no longer linked into the imported Sequence; trim it by hand"
    number = shots.index(node_id) + 1
    available = movie_frames(path)
    if available is None:
        return None, f"{path.name} cannot be read as a movie; its shot was not re-cut"
    first = file_start_frame(path, source.fps) if source.timecode else 0
    head = source.start - first
    tail = available - head - source.frames
    if head < 0 or tail < 0:
        return None, (f"{path.name} does not hold the frames the timeline used ({source.frames} from frame "
                      f"{source.start}; the file has {available} from frame {first}); trim its shot by hand")
    rows = [dict(row) for row in sequence.params.get("trims", []) if isinstance(row, dict)]
    row = next((r for r in rows if r.get("shot") == number), None)
    if row is None:
        row = {"shot": number, "head": 0.0, "tail": 0.0, "gap": 0.0}
        rows.append(row)
    row["head"], row["tail"] = cell_seconds(head, source.fps), cell_seconds(tail, source.fps)
    return rows, f"shot {number} re-cut to the timeline's frames {head}..{head + source.frames - 1} of {path.name}"
