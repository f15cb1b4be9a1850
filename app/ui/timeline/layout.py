"""Where things are on the timeline panel: frames to pixels and back, the rows, and what is under the mouse.

Rows from the top: the ruler (timecode and frames, markers), the picture track, then one track per
Mix bus. Hit testing names the thing under a point and the part of it (a clip's body or one of its
edges, a join's handle, a sound, a marker, the ruler), which decides what a drag does.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.timeline.model import BUSES, ShotItem, SoundItem, Timeline

RULER_HEIGHT = 42
PICTURE_HEIGHT = 74
SOUND_HEIGHT = 32
HEADER_WIDTH = 86  # track names on the left
EDGE_GRAB = 6  # pixels either side of a clip's edge that grab the edge (a trim), not the body
JOIN_HANDLE = 7  # half-width of a join's handle
MIN_PIXELS_PER_FRAME = 0.02
MAX_PIXELS_PER_FRAME = 40.0
BUS_TITLES = {"dialogue": "Dialogue", "music": "Music", "ambience": "Ambience", "fx": "Effects"}


@dataclass(frozen=True)
class Hit:
    kind: str  # "shot", "head", "tail", "join", "sound", "marker", "ruler", "empty"
    shot: ShotItem | None = None
    sound: SoundItem | None = None
    marker: int | None = None  # the marker's row


class TimelineLayout:
    """Pixels per frame and the scroll position; everything else follows from them and the timeline."""

    def __init__(self):
        self.pixels_per_frame = 4.0
        self.scroll = 0.0  # frames scrolled off the left edge

    def x_of(self, frame: float) -> float:
        return HEADER_WIDTH + (frame - self.scroll) * self.pixels_per_frame

    def frame_at(self, x: float) -> int:
        """The frame under x (its left half rounds down, as a playhead lands on the frame clicked)."""
        return max(0, int((x - HEADER_WIDTH) / self.pixels_per_frame + self.scroll))

    def frames_in(self, pixels: float) -> float:
        return pixels / self.pixels_per_frame

    def zoom_to(self, pixels_per_frame: float, anchor_x: float | None = None) -> None:
        """Zoom keeping the frame under `anchor_x` where it is (the mouse, when zooming with the wheel)."""
        anchor = HEADER_WIDTH if anchor_x is None else anchor_x
        frame = (anchor - HEADER_WIDTH) / self.pixels_per_frame + self.scroll
        self.pixels_per_frame = min(MAX_PIXELS_PER_FRAME, max(MIN_PIXELS_PER_FRAME, pixels_per_frame))
        self.scroll = max(0.0, frame - (anchor - HEADER_WIDTH) / self.pixels_per_frame)

    def fit(self, frames: int, width: int) -> None:
        """The whole timeline in `width` pixels."""
        usable = max(50, width - HEADER_WIDTH - 16)
        self.pixels_per_frame = min(MAX_PIXELS_PER_FRAME, max(MIN_PIXELS_PER_FRAME, usable / max(1, frames)))
        self.scroll = 0.0

    @staticmethod
    def picture_top() -> int:
        return RULER_HEIGHT

    @staticmethod
    def sound_top(bus: str) -> int:
        return RULER_HEIGHT + PICTURE_HEIGHT + BUSES.index(bus) * SOUND_HEIGHT

    @staticmethod
    def height() -> int:
        return RULER_HEIGHT + PICTURE_HEIGHT + len(BUSES) * SOUND_HEIGHT

    def bus_at(self, y: float) -> str | None:
        top = RULER_HEIGHT + PICTURE_HEIGHT
        if y < top:
            return None
        index = int((y - top) // SOUND_HEIGHT)
        return BUSES[index] if 0 <= index < len(BUSES) else None

    def hit(self, timeline: Timeline | None, x: float, y: float) -> Hit:
        if timeline is None or x < HEADER_WIDTH:
            return Hit("empty")
        if y < RULER_HEIGHT:
            for marker in timeline.markers:
                if abs(self.x_of(marker.frame) - x) <= 5 and y >= RULER_HEIGHT - 14:
                    return Hit("marker", marker=marker.row)
            return Hit("ruler")
        if y < RULER_HEIGHT + PICTURE_HEIGHT:
            return self._hit_picture(timeline, x)
        bus = self.bus_at(y)
        if bus is None:
            return Hit("empty")
        for sound in reversed(timeline.sounds[bus]):
            start = self.x_of(timeline.frame_of(sound.offset))
            end = self.x_of(timeline.frame_of(sound.end)) if sound.end is not None else start + 60
            if start <= x <= end:
                return Hit("sound", sound=sound)
        return Hit("empty")

    def _hit_picture(self, timeline: Timeline, x: float) -> Hit:
        for shot in timeline.shots[1:]:  # a join's handle sits on the cut (the middle of a transition)
            if shot.gap:
                continue
            centre = self.x_of(shot.start + (shot.join.frames / 2 if shot.join.kind == "dissolve" else 0))
            if abs(centre - x) <= JOIN_HANDLE and shot.join.kind != "cut":
                return Hit("join", shot=shot)
        # At a cut the outgoing tail and the incoming head meet: the side of the cut the mouse is on decides.
        for shot in timeline.shots:
            if 0 <= self.x_of(shot.end) - x <= EDGE_GRAB:
                return Hit("tail", shot=shot)
            if 0 <= x - self.x_of(shot.start) <= EDGE_GRAB:
                return Hit("head", shot=shot)
        for shot in reversed(timeline.shots):  # the later shot is on top inside a dissolve
            if self.x_of(shot.start) <= x <= self.x_of(shot.end):
                return Hit("shot", shot=shot)
        for shot in timeline.shots:  # just outside a clip with nothing beside it: still its edge
            if 0 < x - self.x_of(shot.end) <= EDGE_GRAB:
                return Hit("tail", shot=shot)
            if 0 < self.x_of(shot.start) - x <= EDGE_GRAB:
                return Hit("head", shot=shot)
        return Hit("empty")
