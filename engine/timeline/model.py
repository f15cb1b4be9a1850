"""The timeline of a Sequence, read from the graph: what the timeline panel draws and interchange writes.

The timeline holds no state of its own. It is worked out from the Sequence node (its shots in link
order, their trims and gaps, its joins and markers), the nodes linked into it (each shot's length
and frame rate), and the Mix that reaches the same Export (one track per bus: each sound at its
Place's offset, with its fades). Edits go back to the graph as commands (engine/timeline/edits.py),
and the timeline is worked out again from the graph's events.

A shot's length is known once its node has run (the caller measures it from the output: `material`);
before that it is planned from the node's parameters (NodeType.planned_frames) and marked so.
Positions follow the Sequence's own rules (engine/media/sequence.py): a dissolve overlaps the shots
it joins, a fade through black does not, and a gap is black between two cuts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from engine.graph import Graph
from engine.media.sequence import Join
from engine.media.sequence_joins import overrides_from_rows
from engine.media.sequence_trims import ShotTrim, trims_from_rows
from engine.ports import FRAMES
from engine.timebase import as_rate, frames_from_seconds

SEQUENCE_TYPE = "edit.sequence"
SCENE_TYPE = "shot.scene"
PLACE_TYPE = "sound.place"
MIX_TYPE = "sound.mix"
EXPORT_TYPE = "output.export"
BUSES = ("dialogue", "music", "ambience", "fx")
DEFAULT_FPS = Fraction(24)


@dataclass(frozen=True)
class Material:
    """What a node linked into the Sequence gives: its frame count and rate, and whether that was
    measured from its output (True) or planned from its parameters."""

    frames: int
    fps: Fraction
    known: bool = True


# (node id, output port) -> the material of that output, or None when it cannot be known cheaply.
MaterialOf = Callable[[str, str], "Material | None"]
# (node id, output port) -> the length of a sound in seconds, or None when not known yet.
SoundLengthOf = Callable[[str, str], "Fraction | None"]


@dataclass(frozen=True)
class ShotItem:
    number: int  # 1-based, in link order
    link_id: str
    node_id: str  # the node linked into the Sequence (a Scene, or a title or grade over one)
    shot_id: str  # the node the shot is named after: the Scene upstream, else node_id
    name: str
    material: Material  # the whole shot as made
    head: int  # frames trimmed off its start
    tail: int  # frames trimmed off its end
    gap: int  # frames of black before it
    start: int  # its first frame on the timeline
    join: Join  # how it is joined to the shot before (a cut for the first, and after a gap)

    @property
    def frames(self) -> int:
        return max(0, self.material.frames - self.head - self.tail)

    @property
    def end(self) -> int:
        """The frame after its last one."""
        return self.start + self.frames


@dataclass(frozen=True)
class SoundItem:
    bus: str
    number: int  # 1-based, in link order on the bus
    link_id: str  # the link into the Mix
    node_id: str  # the node linked into the Mix: a Place, or a sound linked directly
    place_id: str | None  # the Place that positions it (None: linked directly, at 0 s)
    source: tuple[str, str] | None  # (node, port) of the sound itself
    name: str
    offset: Fraction  # seconds from the start of the film
    trim_start: Fraction
    length: Fraction | None  # seconds heard; None: not known until the sound has been made
    fade_in: Fraction
    fade_out: Fraction
    known: bool = True  # the length was measured from the sound (else planned from parameters, or None)

    @property
    def end(self) -> Fraction | None:
        return None if self.length is None else self.offset + self.length


@dataclass(frozen=True)
class MarkerItem:
    row: int  # 1-based row of the Markers table
    seconds: Fraction
    frame: int
    name: str
    color: str


@dataclass(frozen=True)
class Timeline:
    sequence_id: str
    name: str
    fps: Fraction
    shots: tuple[ShotItem, ...]
    sounds: dict[str, tuple[SoundItem, ...]]  # bus -> its sounds, in link order
    markers: tuple[MarkerItem, ...]
    mix_id: str | None
    fade_in: int
    fade_out: int
    frame_count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame_count", self.shots[-1].end if self.shots else 0)

    def shot(self, number: int) -> ShotItem:
        return self.shots[number - 1]

    def shot_at(self, frame: int) -> ShotItem | None:
        """The shot showing at `frame` (the incoming one inside a dissolve), or None in a gap or past the end."""
        for shot in reversed(self.shots):
            if shot.start <= frame < shot.end:
                return shot
        return None

    def seconds_of(self, frame: int) -> Fraction:
        return Fraction(frame) / self.fps

    def frame_of(self, seconds) -> int:
        return frames_from_seconds(seconds, self.fps)

    def cut_points(self) -> list[int]:
        """Frames where something starts or ends: every shot's edges, for snapping."""
        points = {0, self.frame_count}
        for shot in self.shots:
            points.update((shot.start, shot.end))
        return sorted(points)

    def snap_points(self, playhead: int | None = None) -> list[int]:
        """Cuts, sound edges, markers and the playhead: what an edit snaps to."""
        points = set(self.cut_points())
        for sounds in self.sounds.values():
            for sound in sounds:
                points.add(self.frame_of(sound.offset))
                if sound.end is not None:
                    points.add(self.frame_of(sound.end))
        points.update(marker.frame for marker in self.markers)
        if playhead is not None:
            points.add(playhead)
        return sorted(points)


def snap(frame: int, points: list[int], tolerance: int) -> int:
    """`frame` moved to the nearest of `points` within `tolerance` frames (itself when none is)."""
    near = [p for p in points if abs(p - frame) <= tolerance]
    return min(near, key=lambda p: (abs(p - frame), p)) if near else frame


# ---- reading the graph --------------------------------------------------------------------------

def sequences(graph: Graph) -> list[str]:
    """The Sequence nodes of the graph, in the order they were added."""
    return [node_id for node_id, node in graph.nodes.items() if node.type_id == SEQUENCE_TYPE and not node.is_unknown]


def shot_node(graph: Graph, node_id: str) -> str:
    """The Scene a shot comes from, found upstream through nodes that pass frames on; else node_id."""
    seen, current = set(), node_id
    while current not in seen:
        seen.add(current)
        node = graph.nodes[current]
        if node.type_id == SCENE_TYPE:
            return current
        frames_in = _frames_input(graph, current)
        if frames_in is None:
            break
        current = frames_in.src_node
    return node_id


def _frames_input(graph: Graph, node_id: str):
    """The first link into a FRAMES input of the node (what a grade or title works on), or None."""
    schema = graph.schema_of(node_id)
    if schema is None:
        return None
    for port in schema.inputs:
        if port.type == FRAMES:
            links = graph.links_into(node_id, port.name)
            if links:
                return links[0]
    return None


def planned_material(graph: Graph, node_id: str) -> Material | None:
    """A node's frames worked out from parameters (not run), following frame-passing nodes upstream."""
    seen, current = set(), node_id
    while current not in seen:
        seen.add(current)
        asked = _planning(graph, current)
        if asked is None:
            return None
        node_type, params, linked = asked
        planned = node_type.planned_frames(params, linked)
        if planned is not None:
            return Material(planned[0], as_rate(planned[1]), known=False)
        frames_in = _frames_input(graph, current)
        if frames_in is None:
            return None
        current = frames_in.src_node
    return None


def _planning(graph: Graph, node_id: str):
    """(node type, its parameters, its linked inputs): what a plan from parameters is asked with; None
    for a node kept as saved (its type not installed)."""
    schema = graph.schema_of(node_id)
    if schema is None:
        return None
    node = graph.nodes[node_id]
    params = {p.name: _coerced(p, node.params) for p in schema.params}
    linked = {link.dst_port for link in graph.links_into(node_id)}
    return graph.registry.get(node.type_id)(), params, linked


def _coerced(param, params: dict):
    try:
        return param.coerce(params.get(param.name, param.default))
    except Exception:  # a bad saved value: the default, for a drawing only (loading already warned)
        return param.default


def node_name(graph: Graph, node_id: str) -> str:
    node = graph.nodes[node_id]
    schema = graph.schema_of(node_id)
    return node.label or (schema.title if schema else node.type_id)


def mix_for(graph: Graph, sequence_id: str) -> str | None:
    """The Mix heard with the Sequence: the one linked into the same Export, else the only Mix."""
    for export_id in graph.downstream([sequence_id]):
        if graph.nodes[export_id].type_id != EXPORT_TYPE:
            continue
        for node_id in graph.upstream([export_id]):
            if graph.nodes[node_id].type_id == MIX_TYPE:
                return node_id
    mixes = [n for n, node in graph.nodes.items() if node.type_id == MIX_TYPE]
    return mixes[0] if len(mixes) == 1 else None


def build_timeline(graph: Graph, sequence_id: str, material: MaterialOf | None = None,
                   sound_length: SoundLengthOf | None = None) -> Timeline:
    """The timeline of the Sequence `sequence_id`: its shots placed as the Sequence plays them, the
    sounds of its Mix, and its markers. `material` measures a linked output (None: plan it)."""
    node = graph.nodes[sequence_id]
    schema = graph.schema_of(sequence_id)
    params = {p.name: _coerced(p, node.params) for p in schema.params}
    links = graph.links_into(sequence_id, "shots")
    materials = []
    for link in links:
        measured = material(link.src_node, link.src_port) if material else None
        materials.append(measured or planned_material(graph, link.src_node) or Material(0, DEFAULT_FPS, False))
    fps = next((m.fps for m in materials if m.known), materials[0].fps if materials else DEFAULT_FPS)
    shots = _place_shots(graph, links, materials, params, fps)
    markers = tuple(MarkerItem(row, Fraction(repr(float(m["seconds"]))), frames_from_seconds(m["seconds"], fps),
                               m["name"], m["color"])
                    for row, m in enumerate(params["markers"], start=1))
    mix_id = mix_for(graph, sequence_id)
    sounds = _sounds(graph, mix_id, sound_length) if mix_id else {bus: () for bus in BUSES}
    return Timeline(sequence_id, node_name(graph, sequence_id), fps, tuple(shots), sounds,
                    tuple(sorted(markers, key=lambda m: (m.frame, m.row))), mix_id,
                    frames_from_seconds(params["fade_in"], fps), frames_from_seconds(params["fade_out"], fps))


def _place_shots(graph: Graph, links, materials: list[Material], params: dict, fps: Fraction) -> list[ShotItem]:
    try:
        trims = trims_from_rows(params["trims"])
        overrides = overrides_from_rows(params["joins"])
    except Exception:  # duplicated rows: drawn untrimmed; the node's own run names the row
        trims, overrides = {}, {}
    shots: list[ShotItem] = []
    for number, (link, stuff) in enumerate(zip(links, materials), start=1):
        trim = trims.get(number, ShotTrim(0, number))
        head, tail = frames_from_seconds(trim.head, fps), frames_from_seconds(trim.tail, fps)
        gap = frames_from_seconds(trim.gap, fps)
        join = Join("cut", 0)
        if number > 1 and gap == 0:
            override = overrides.get(number - 1)
            kind = override.kind if override else params["transition"]
            seconds = override.seconds if override and override.seconds is not None else params["transition_seconds"]
            join = Join(kind, 0 if kind == "cut" else frames_from_seconds(seconds, fps))
        previous_end = shots[-1].end if shots else 0
        start = previous_end + gap - (join.frames if join.kind == "dissolve" else 0)
        shot_id = shot_node(graph, link.src_node)
        shots.append(ShotItem(number, link.id, link.src_node, shot_id, node_name(graph, shot_id), stuff,
                              head, tail, gap, max(0, start), join))
    return shots


def _sounds(graph: Graph, mix_id: str, sound_length: SoundLengthOf | None) -> dict[str, tuple[SoundItem, ...]]:
    tracks = {}
    for bus in BUSES:
        items = []
        for number, link in enumerate(graph.links_into(mix_id, bus), start=1):
            items.append(_sound(graph, bus, number, link, sound_length))
        tracks[bus] = tuple(items)
    return tracks


def planned_sound_seconds(graph: Graph, node_id: str) -> Fraction | None:
    """A sound node's length worked out from its parameters (NodeType.planned_seconds), or None."""
    asked = _planning(graph, node_id)
    if asked is None:
        return None
    node_type, params, linked = asked
    seconds = node_type.planned_seconds(params, linked)
    return Fraction(repr(float(seconds))) if seconds else None


def _length_of(graph: Graph, source: tuple[str, str], sound_length: SoundLengthOf | None) -> tuple[Fraction | None, bool]:
    """A sound's length in seconds and whether it was measured (else planned, or None when unknown)."""
    measured = sound_length(*source) if sound_length else None
    if measured is not None:
        return measured, True
    return planned_sound_seconds(graph, source[0]), False


def _sound(graph: Graph, bus: str, number: int, link, sound_length: SoundLengthOf | None) -> SoundItem:
    src = graph.nodes[link.src_node]
    zero = Fraction(0)
    if src.type_id != PLACE_TYPE or src.is_unknown:
        length, known = _length_of(graph, (link.src_node, link.src_port), sound_length)
        return SoundItem(bus, number, link.id, link.src_node, None, (link.src_node, link.src_port),
                         node_name(graph, link.src_node), zero, zero, length, zero, zero, known)
    schema = graph.schema_of(link.src_node)
    p = {param.name: Fraction(repr(float(_coerced(param, src.params)))) for param in schema.params
         if param.kind in ("float", "time")}
    feeds = graph.links_into(link.src_node, "audio")
    source = (feeds[0].src_node, feeds[0].src_port) if feeds else None
    whole, known = _length_of(graph, source, sound_length) if source is not None else (None, False)
    rest = max(zero, whole - p["trim_start"]) if whole is not None else None
    length = min(p["length"], rest) if p["length"] and rest is not None else p["length"] or rest
    name = src.label or (node_name(graph, source[0]) if source else node_name(graph, link.src_node))
    return SoundItem(bus, number, link.id, link.src_node, link.src_node, source, name, p["offset"],
                     p["trim_start"], length, p["fade_in"], p["fade_out"], known)
