"""A Sequence's timeline as an OpenTimelineIO timeline: one video track of shots, gaps and transitions,
one audio track per bus, and the markers; written to any format of engine/interchange/formats.py.

How our joins become OTIO transitions. OTIO puts a transition ON a cut between two clips: it lasts
`in_offset` before the cut and `out_offset` after it, and the clips' own ranges end and start at the
cut, so the frames under the transition beyond each clip are that clip's handles. Our dissolve of D
frames overlaps the outgoing shot's last D frames with the incoming shot's first D; written with the
cut in its middle (in_offset D // 2, out_offset the rest) the outgoing clip ends out_offset frames
before its last frame and the incoming clip starts in_offset frames after its first, so an editor
that plays the transition from the handles shows exactly our overlap, and a format that drops
transitions (FCPXML) is left with a cut in the middle of the dissolve and the same length.

A fade through black does not overlap: the outgoing shot fades out over its last D // 2 frames and
the incoming one in over its first D - D // 2. It is written as a transition of the same offsets on
the cut between the two whole clips (OTIO's Custom_Transition, named "fade through black", and FCP 7's
"Dip to Color Dissolve", whose colour is black by default), which an editor plays the same way and
which our importer reads back as a fade (a reader that sees only a dissolve gets a dissolve).
"""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio import opentime

from engine.atomic import atomic_write
from engine.timebase import frames_from_seconds
from engine.timeline.model import ShotItem, Timeline

from .formats import InterchangeError, format_for
from .graph_media import MediaFile

MARKER_COLORS = {"blue": otio.schema.MarkerColor.BLUE, "green": otio.schema.MarkerColor.GREEN,
                 "yellow": otio.schema.MarkerColor.YELLOW, "red": otio.schema.MarkerColor.RED,
                 "purple": otio.schema.MarkerColor.PURPLE, "cyan": otio.schema.MarkerColor.CYAN}
FADE_NAME = "fade through black"
FCP7_DIP = "Dip to Color Dissolve"
OURS = "aiprod"  # our key in OTIO metadata: what a reader that knows us can use, others ignore


def transition_offsets(frames: int) -> tuple[int, int]:
    """(in_offset, out_offset) of a D-frame join: the cut in its middle, the odd frame after it."""
    return frames // 2, frames - frames // 2


class _Frames:
    """Whole frames at the timeline's exact rate, as OTIO times (OTIO rates are floats)."""

    def __init__(self, fps: Fraction):
        self.fps, self.rate = fps, float(fps)

    def time(self, frames: int) -> opentime.RationalTime:
        return opentime.RationalTime(frames, self.rate)

    def range(self, start: int, duration: int) -> opentime.TimeRange:
        return opentime.TimeRange(self.time(start), self.time(duration))


def _reference(media: MediaFile | None, available: int | None, at: _Frames, name: str):
    if media is None:
        return otio.schema.MissingReference(name=name)
    return otio.schema.ExternalReference(target_url=Path(media.path).absolute().as_uri(),
                                         available_range=at.range(0, available) if available else None)


def _shot_clip(shot: ShotItem, cut_in: int, cut_out: int, media: MediaFile | None, at: _Frames) -> otio.schema.Clip:
    """The shot between its cuts: `cut_in` frames after its first trimmed frame to `cut_out` before its last."""
    first = media.first if media else 0
    available = media.frames if media and media.frames is not None else shot.material.frames - first
    start = shot.head + cut_in - first
    clip = otio.schema.Clip(name=shot.name, media_reference=_reference(media, available, at, shot.name),
                            source_range=at.range(start, shot.frames - cut_in - cut_out))
    clip.metadata[OURS] = {"node": shot.shot_id, "shot": shot.number}
    return clip


def _transition(kind: str, frames: int, at: _Frames) -> otio.schema.Transition:
    before, after = transition_offsets(frames)
    if kind == "dissolve":
        return otio.schema.Transition(name="Dissolve", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                      in_offset=at.time(before), out_offset=at.time(after),
                                      metadata={OURS: {"transition": kind}})
    return otio.schema.Transition(name=FADE_NAME, transition_type=otio.schema.TransitionTypes.Custom,
                                  in_offset=at.time(before), out_offset=at.time(after),
                                  metadata={OURS: {"transition": kind}, "fcp_xml": {"effectid": FCP7_DIP}})


def video_track(timeline: Timeline, shot_media: dict[int, MediaFile], at: _Frames) -> otio.schema.Track:
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    shots = timeline.shots
    for index, shot in enumerate(shots):
        if shot.gap:
            track.append(otio.schema.Gap(source_range=at.range(0, shot.gap)))
        joined_before = index > 0 and shot.join.kind != "cut" and shot.join.frames > 0
        after = shots[index + 1].join if index + 1 < len(shots) else None
        joined_after = after is not None and after.kind != "cut" and after.frames > 0
        # Only a dissolve's clips give up frames to the transition; a fade's clips meet whole.
        cut_in = transition_offsets(shot.join.frames)[0] if joined_before and shot.join.kind == "dissolve" else 0
        cut_out = transition_offsets(after.frames)[1] if joined_after and after.kind == "dissolve" else 0
        if joined_before:
            track.append(_transition(shot.join.kind, shot.join.frames, at))
        track.append(_shot_clip(shot, cut_in, cut_out, shot_media.get(shot.number), at))
    return track


def audio_tracks(timeline: Timeline, sound_media: dict[tuple[str, str], MediaFile], at: _Frames,
                 warnings: list[str]) -> list[otio.schema.Track]:
    """One track per bus that has sounds (a second, "dialogue 2", where sounds on a bus overlap)."""
    tracks = []
    for bus, sounds in timeline.sounds.items():
        lanes: list[list[tuple[int, int, object]]] = []
        for sound in sorted(sounds, key=lambda s: s.offset):
            if sound.length is None:
                warnings.append(f"{sound.name} is left out: its length is not known until it has been made")
                continue
            start, frames = frames_from_seconds(sound.offset, at.fps), frames_from_seconds(sound.length, at.fps)
            lane = next((lane for lane in lanes if lane[-1][0] + lane[-1][1] <= start), None)
            if lane is None:
                lanes.append(lane := [])
            lane.append((start, frames, sound))
        for number, lane in enumerate(lanes, start=1):
            track = otio.schema.Track(name=bus if number == 1 else f"{bus} {number}", kind=otio.schema.TrackKind.Audio)
            position = 0
            for start, frames, sound in lane:
                if start > position:
                    track.append(otio.schema.Gap(source_range=at.range(0, start - position)))
                media = sound_media.get(sound.source) if sound.source else None
                trim = frames_from_seconds(sound.trim_start, at.fps)
                # FCP 7 XML needs a file's length: at least what is heard of it when it is not known
                available = media.frames if media and media.frames else trim + frames
                clip = otio.schema.Clip(name=sound.name, media_reference=_reference(media, available, at, sound.name),
                                        source_range=at.range(trim, frames))
                clip.metadata[OURS] = {"node": sound.node_id, "bus": bus}
                track.append(clip)
                position = start + frames
            tracks.append(track)
    return tracks


def stem_tracks(stems: dict[str, MediaFile], frame_count: int, at: _Frames) -> list[otio.schema.Track]:
    """A track per stem file, the stem lasting the whole film."""
    tracks = []
    for name, media in stems.items():
        track = otio.schema.Track(name=name, kind=otio.schema.TrackKind.Audio)
        track.append(otio.schema.Clip(name=Path(media.path).stem, media_reference=_reference(media, frame_count, at, name),
                                      source_range=at.range(0, frame_count)))
        tracks.append(track)
    return tracks


def timeline_to_otio(timeline: Timeline, shot_media: dict[int, MediaFile] | None = None,
                     sound_media: dict[tuple[str, str], MediaFile] | None = None,
                     stems: dict[str, MediaFile] | None = None,
                     warnings: list[str] | None = None) -> otio.schema.Timeline:
    """The timeline for another editor. Shots reference `shot_media` (shot number -> file) where given;
    sounds their `sound_media` file; with `stems` (track name -> WAV) the audio is the stems instead."""
    if not timeline.shots:
        raise InterchangeError(f"{timeline.name} has no shots linked; link shots into it before exporting")
    at = _Frames(timeline.fps)
    result = otio.schema.Timeline(name=timeline.name, global_start_time=at.time(0))
    result.metadata[OURS] = {"sequence": timeline.sequence_id, "fps": str(timeline.fps)}
    result.tracks.append(video_track(timeline, shot_media or {}, at))
    if stems:
        result.tracks.extend(stem_tracks(stems, timeline.frame_count, at))
    else:
        result.tracks.extend(audio_tracks(timeline, sound_media or {}, at, warnings if warnings is not None else []))
    for marker in timeline.markers:
        result.tracks.markers.append(otio.schema.Marker(name=marker.name, marked_range=at.range(marker.frame, 0),
                                                        color=MARKER_COLORS.get(marker.color, "BLUE")))
    return result


def _for_edl(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """A copy an EDL can hold: the video track alone (the writer refuses more), and each fade through
    black made a cut. An EDL event's dissolve starts the incoming source early, into frames before the
    clip; a fade's clips have none there, so the writer would refuse it, and a cut keeps every shot in place."""
    timeline = copy.deepcopy(timeline)
    for track in [t for t in timeline.tracks if t.kind != otio.schema.TrackKind.Video]:
        timeline.tracks.remove(track)
    for track in timeline.tracks:
        for item in [i for i in track if isinstance(i, otio.schema.Transition)
                     and i.metadata.get(OURS, {}).get("transition") == "fade through black"]:
            track.remove(item)
    return timeline


def write_timeline(timeline: otio.schema.Timeline, path: str | Path) -> Path:
    """Write `timeline` in the format its extension names (replacing the file in one step)."""
    fmt = format_for(path)
    if fmt.adapter == "cmx_3600":
        timeline = _for_edl(timeline)
    options = {}
    if fmt.adapter == "otioz":  # bundle the media files there are; clips without one stay without
        options["media_policy"] = otio.adapters.file_bundle_utils.MediaReferencePolicy.MissingIfNotFile

    def write(tmp: Path) -> None:
        if fmt.adapter == "otioz":
            tmp.unlink(missing_ok=True)  # the bundle writer will not replace a file, even our empty temporary
        try:
            otio.adapters.write_to_file(timeline, str(tmp), adapter_name=fmt.adapter, **options)
        except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
            raise InterchangeError(f"cannot write {Path(path).name} as {fmt.name}: {exc}") from exc

    return atomic_write(Path(path), write)
