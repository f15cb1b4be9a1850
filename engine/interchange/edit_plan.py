"""An OTIO timeline read as our edit: shots (material range, gap, join) in the order they play, sounds
on buses, markers at frames, at the timeline's exact rate. engine/interchange/import_timeline.py
turns the plan into nodes.

Clip ranges are turned back into our model by the rule engine/interchange/export_timeline.py writes
by: across a dissolve's cut the outgoing clip gets back `out_offset` frames at its end and the
incoming one `in_offset` frames at its start (the overlap), wherever the writer put the cut; a fade
through black (a Custom transition named so, or FCP 7's Dip to Color Dissolve) leaves the clips whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio import opentime

from engine.timebase import as_rate, frames_of

from .export_timeline import FADE_NAME, FCP7_DIP, OURS
from .read_file import media_path

FADE_WORDS = ("fade through black", "dip to black", "dip to color", "fade to black")
MARKER_COLORS = {"RED": "red", "GREEN": "green", "YELLOW": "yellow", "BLUE": "blue", "PURPLE": "purple",
                 "MAGENTA": "purple", "PINK": "red", "CYAN": "cyan", "ORANGE": "yellow"}
BUS_WORDS = (("dialog", "dialogue"), ("voice", "dialogue"), ("music", "music"), ("ambi", "ambience"),
             ("room", "ambience"), ("effect", "fx"), ("fx", "fx"))
DEFAULT_BUS = "fx"  # never ducked, so a sound from another editor keeps the level it had there


@dataclass
class PlannedShot:
    name: str
    path: Path | None  # the media file as named (None: the clip names none)
    written: str  # the reference as the file wrote it, for messages
    start: int  # first frame used, counted in the media file
    frames: int  # frames used
    available: int | None  # frames in the media file, when known
    gap: int = 0  # frames of black before it
    join: tuple[str, int] = ("cut", 0)  # (kind, frames) into it from the shot before
    # `start` is a source timecode (an EDL's), not counted from the file's first frame: the file's
    # own start timecode is taken off once the file is found (import_timeline._from_file_start).
    timecode_start: bool = False


@dataclass
class PlannedSound:
    name: str
    path: Path | None
    written: str
    bus: str
    offset: Fraction  # seconds
    trim_start: Fraction
    length: Fraction


@dataclass
class EditPlan:
    name: str
    fps: Fraction
    shots: list[PlannedShot] = field(default_factory=list)
    sounds: list[PlannedSound] = field(default_factory=list)
    markers: list[tuple[int, str, str]] = field(default_factory=list)  # (frame, name, colour)
    warnings: list[str] = field(default_factory=list)


class _Clock:
    """OTIO times as whole frames at the timeline's exact rate. A time at the same nominal rate is
    taken by its value, as FCP 7 XML writes 29.97 for 30000/1001 and an hour of frames would drift."""

    def __init__(self, fps: Fraction):
        self.fps = fps

    def frames(self, time: opentime.RationalTime) -> int:
        if abs(time.rate - float(self.fps)) < 0.01:
            return round(time.value)
        return frames_of(time, self.fps)

    def seconds(self, time: opentime.RationalTime) -> Fraction:
        return Fraction(self.frames(time)) / self.fps


def timeline_rate(timeline: otio.schema.Timeline, default: Fraction = Fraction(24)) -> Fraction:
    ours = timeline.metadata.get(OURS, {})
    if isinstance(ours, otio._otio.AnyDictionary) and "fps" in ours:
        return Fraction(ours["fps"])
    for clip in timeline.find_clips():
        if clip.source_range is not None:
            return as_rate(clip.source_range.start_time.rate)
    return default


def transition_kind(transition: otio.schema.Transition) -> str:
    ours = transition.metadata.get(OURS, {})
    if "transition" in ours:
        return str(ours["transition"])
    effect = str(transition.metadata.get("fcp_xml", {}).get("effectid", ""))
    text = f"{transition.name} {effect}".lower()
    if effect == FCP7_DIP or transition.name == FADE_NAME or any(word in text for word in FADE_WORDS):
        return "fade through black"
    return "dissolve"


def _media(item: otio.schema.Clip, base: Path, clock: _Clock) -> tuple[Path | None, str, int, int | None]:
    """(path, as written, first frame used in the file, frames in the file when known)."""
    reference = item.media_reference
    written = getattr(reference, "target_url", "") or ""
    path = media_path(reference, base)
    if path is None and _names_a_file(item.name):
        # An EDL event often names only its clip ("* FROM CLIP NAME: beach.mov"): the file of that
        # name beside the timeline, or listed as missing, so the relink dialog can look for it.
        written = item.name.strip()
        path = base / Path(written).name
    available = reference.available_range if reference is not None else None
    start = clock.frames(item.source_range.start_time)
    if available is not None:
        return path, written, start - clock.frames(available.start_time), clock.frames(available.duration)
    return path, written, start, None


def _names_a_file(name: str) -> bool:
    """Whether a clip's name is a media file's name (a movie or a picture), as editors often make it."""
    from engine.media.image_io import READ_EXTENSIONS
    from engine.media.video_io import VIDEO_EXTENSIONS

    return bool(name) and Path(name.strip()).suffix.lower() in (*VIDEO_EXTENSIONS, *READ_EXTENSIONS)


def _video(plan: EditPlan, track: otio.schema.Track, base: Path, clock: _Clock) -> None:
    items = list(track)
    gap = 0
    for index, item in enumerate(items):
        if isinstance(item, otio.schema.Gap):
            gap += clock.frames(item.source_range.duration)
            continue
        if not isinstance(item, otio.schema.Clip):
            continue
        path, written, start, available = _media(item, base, clock)
        frames = clock.frames(item.source_range.duration)
        shot = PlannedShot(item.name or (path.stem if path else f"Shot {len(plan.shots) + 1}"), path, written,
                           start, frames, available, gap, timecode_start=item.media_reference is None
                           or item.media_reference.available_range is None)
        before = items[index - 1] if index > 0 else None
        after = items[index + 1] if index + 1 < len(items) else None
        if isinstance(before, otio.schema.Transition):
            kind = transition_kind(before)
            length = clock.frames(before.in_offset) + clock.frames(before.out_offset)
            if not plan.shots or gap or isinstance(items[index - 2], otio.schema.Gap):
                plan.warnings.append(f"the transition into {shot.name} comes from black, which a Sequence cannot "
                                     "make; it is a cut")
            elif length > 0:
                shot.join = (kind, length)
                if kind == "dissolve":
                    into = clock.frames(before.in_offset)
                    shot.start -= into
                    shot.frames += into
        if (isinstance(after, otio.schema.Transition) and transition_kind(after) == "dissolve"
                and index + 2 < len(items) and isinstance(items[index + 2], otio.schema.Clip)):
            shot.frames += clock.frames(after.out_offset)
        if shot.start < 0:
            plan.warnings.append(f"{shot.name} starts {-shot.start} frames before its media does (its dissolve "
                                 "needs handles the file lacks); it starts at the file's first frame")
            shot.frames += shot.start
            shot.start = 0
        plan.shots.append(shot)
        gap = 0


def _bus(name: str) -> str | None:
    lowered = name.lower()
    return next((bus for word, bus in BUS_WORDS if word in lowered), None)


def _audio(plan: EditPlan, track: otio.schema.Track, base: Path, clock: _Clock) -> None:
    bus = _bus(track.name)
    if bus is None:
        bus = DEFAULT_BUS
        plan.warnings.append(f"audio track {track.name or '(unnamed)'!r} names no bus (dialogue, music, ambience, "
                             f"fx); its sounds go to {DEFAULT_BUS}, which is never ducked")
    for item in track:
        if isinstance(item, otio.schema.Transition):
            plan.warnings.append(f"a cross-fade on audio track {track.name!r} is left out; set fades on the Place")
        if not isinstance(item, otio.schema.Clip):
            continue
        path, written, start, _ = _media(item, base, clock)
        where = track.range_of_child(item)
        plan.sounds.append(PlannedSound(item.name or (path.stem if path else "Sound"), path, written, bus,
                                        clock.seconds(where.start_time), Fraction(start) / clock.fps,
                                        clock.seconds(item.source_range.duration)))


def _markers(plan: EditPlan, timeline: otio.schema.Timeline, video: otio.schema.Track | None, clock: _Clock) -> None:
    found = [(m, 0) for m in timeline.tracks.markers]
    for track in timeline.tracks:
        found += [(m, 0) for m in track.markers]
    if video is not None:  # a clip's markers are in its media's frames: placed where the clip plays them
        for item in video:
            if isinstance(item, otio.schema.Clip) and item.markers:
                offset = clock.frames(video.range_of_child(item).start_time) - clock.frames(item.source_range.start_time)
                found += [(m, offset) for m in item.markers]
    for marker, offset in found:
        frame = clock.frames(marker.marked_range.start_time) + offset
        plan.markers.append((max(0, frame), marker.name, MARKER_COLORS.get(str(marker.color).upper(), "blue")))
    plan.markers.sort(key=lambda m: m[0])


def plan_edit(timeline: otio.schema.Timeline, base: Path, fps: Fraction | None = None) -> EditPlan:
    """Our edit of an OTIO timeline; media paths relative to `base`; what cannot be kept is in .warnings."""
    plan = EditPlan(timeline.name or "Imported timeline", fps or timeline_rate(timeline))
    clock = _Clock(plan.fps)
    videos = [t for t in timeline.video_tracks() if any(isinstance(i, otio.schema.Clip) for i in t)]
    if len(videos) > 1:
        plan.warnings.append(f"only the first of {len(videos)} video tracks is imported (a Sequence is one track); "
                             f"{sum(len(t.find_clips()) for t in videos[1:])} clips above it are left out")
    if videos:
        _video(plan, videos[0], base, clock)
    for track in timeline.audio_tracks():
        _audio(plan, track, base, clock)
    _markers(plan, timeline, videos[0] if videos else None, clock)
    return plan
