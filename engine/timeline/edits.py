"""Timeline edits as undoable commands on the graph: reorder, trim, split, delete, join, slide, markers.

Each function takes the Timeline as last drawn (engine/timeline/model.py) and returns one Command
(usually a CommandGroup of the graph's primitive commands) for the undo stack; nothing here
changes the graph itself. What an edit cannot do is refused with TimelineEditError, whose text
says why in the user's words, before anything changes.

Trims, gaps and joins are parameters of the Sequence (engine/media/sequence_trims.py), so a trim
never makes its shot again: the shot comes from the cache and only the Sequence and what follows
it re-run. A split makes a second node with the same parameters and inputs as the first, so it
has the same cache key and comes from the cache too; the two differ only in their trims.
"""

from __future__ import annotations

from fractions import Fraction

from engine.commands import AddNode, Command, CommandGroup, Connect, Disconnect, ReorderInputs, SetParam
from engine.errors import AiprodError
from engine.graph import Graph

from .model import PLACE_TYPE, SCENE_TYPE, ShotItem, SoundItem, Timeline

TRIM_EDGES = ("head", "tail")


class TimelineEditError(AiprodError):
    """An edit the timeline cannot make, with the reason."""


def _seconds(frames: int, timeline: Timeline) -> float:
    """Frames as the seconds a table cell stores; read back by the one rounding rule, it is the same frame."""
    return float(Fraction(frames) / timeline.fps)


def _trim_rows(graph: Graph, timeline: Timeline, changes: dict[int, dict[str, int]]) -> list[dict]:
    """The Trims table with `changes` (shot number -> {"head"/"tail"/"gap": frames}) applied to the shots as drawn."""
    rows = []
    for shot in timeline.shots:
        values = {"head": shot.head, "tail": shot.tail, "gap": shot.gap, **changes.get(shot.number, {})}
        if any(values.values()):
            rows.append({"shot": shot.number, **{k: _seconds(v, timeline) for k, v in values.items()}})
    return rows


def _join_rows(timeline: Timeline, joins: dict[int, tuple[str, int]]) -> list[dict]:
    """A Joins table that states every join (join n leads into shot n + 1) from `joins` (number -> kind, frames)."""
    return [{"join": number, "transition": kind, "seconds": _seconds(frames if kind != "cut" else 0, timeline)}
            for number, (kind, frames) in sorted(joins.items())]


def _current_joins(timeline: Timeline) -> dict[int, tuple[str, int]]:
    return {shot.number - 1: (shot.join.kind, shot.join.frames) for shot in timeline.shots[1:] if not shot.gap}


def _shot(timeline: Timeline, number: int) -> ShotItem:
    if not 1 <= number <= len(timeline.shots):
        raise TimelineEditError(f"{timeline.name} has no shot {number} (it has {len(timeline.shots)})")
    return timeline.shot(number)


# ---- shots --------------------------------------------------------------------------------------

def move_shot(timeline: Timeline, number: int, to: int) -> Command:
    """Shot `number` played at position `to` instead; the others keep their order."""
    shot = _shot(timeline, number)
    to = max(1, min(to, len(timeline.shots)))
    if to == number:
        raise TimelineEditError(f"{shot.name} is already shot {number}")
    order = [s.link_id for s in timeline.shots]
    order.insert(to - 1, order.pop(number - 1))
    command = ReorderInputs(timeline.sequence_id, "shots", order)
    command.text = f"Move {shot.name} to position {to}"
    return command


def trim_shot(graph: Graph, timeline: Timeline, number: int, edge: str, frames: int, ripple: bool = True) -> Command:
    """Cut `frames` more off the shot's `edge` ("head" or "tail"); negative frames give some back.

    Ripple: the shots after it move to close (or open) the difference. Without ripple they stay
    where they are: a black gap takes up what was cut, and giving frames back uses up that gap.
    """
    if edge not in TRIM_EDGES:
        raise TimelineEditError(f"a shot has a head and a tail, not {edge!r}")
    shot = _shot(timeline, number)
    trimmed = getattr(shot, edge) + frames
    if trimmed < 0 and edge == "tail" and _lengthens(graph, shot):
        return _lengthen_scene(graph, timeline, shot, -trimmed, frames, ripple)
    if trimmed < 0:
        where = "before its first frame" if edge == "head" else "after its last frame"
        raise TimelineEditError(f"{shot.name} has no more material {where}; lengthen the shot itself (its "
                                "Scene's duration) to give it more")
    if shot.material.frames - (shot.head + shot.tail + frames) < 1:
        raise TimelineEditError(f"{shot.name} has {shot.frames} frames; trimming {frames} leaves none; delete it instead")
    changes = {number: {edge: trimmed}}
    if not ripple:
        # The gap sits before this shot for a head trim, before the next one for a tail trim.
        gapped = number if edge == "head" else number + 1
        if gapped <= len(timeline.shots):
            gap = timeline.shot(gapped).gap + frames
            if gap < 0:
                raise TimelineEditError(f"there are only {timeline.shot(gapped).gap} frames of gap to fill; "
                                        "trim with ripple to push the other shots along")
            changes.setdefault(gapped, {})["gap"] = gap
    verb = "Trim" if frames > 0 else "Extend"
    command = SetParam(timeline.sequence_id, "trims", _trim_rows(graph, timeline, changes))
    command.text = f"{verb} {shot.name}'s {edge} by {abs(frames)} frames" + ("" if ripple else " (no ripple)")
    return command


def _lengthens(graph: Graph, shot: ShotItem) -> bool:
    """Whether the shot's Scene can be made longer: its length is its own parameter (not a linked line's)."""
    node = graph.nodes[shot.shot_id]
    return node.type_id == SCENE_TYPE and not graph.links_into(shot.shot_id, "duration")


def _lengthen_scene(graph: Graph, timeline: Timeline, shot: ShotItem, more: int, frames: int, ripple: bool) -> Command:
    """A tail dragged past the end of the material: the Scene is made `more` frames longer (it is made
    again, and so is what it feeds; the other shots come from the cache), and the tail trim is used up."""
    node = graph.nodes[shot.shot_id]
    fps = shot.material.fps
    duration = float(Fraction(str(node.params.get("duration", 5.0))) + Fraction(more) / fps)
    group = CommandGroup(f"Extend {shot.name}'s tail by {abs(frames)} frames (its Scene made longer)")
    if not ripple and shot.number < len(timeline.shots):
        following = timeline.shot(shot.number + 1)
        if following.gap < -frames:
            raise TimelineEditError(f"there are only {following.gap} frames of gap to fill; trim with ripple to "
                                    "push the other shots along")
        group.children.append(SetParam(timeline.sequence_id, "trims", _trim_rows(
            graph, timeline, {shot.number: {"tail": 0}, following.number: {"gap": following.gap + frames}})))
    elif shot.tail:
        group.children.append(SetParam(timeline.sequence_id, "trims", _trim_rows(graph, timeline,
                                                                                 {shot.number: {"tail": 0}})))
    group.children.append(SetParam(shot.shot_id, "duration", duration))
    return group


def split_shot(graph: Graph, timeline: Timeline, number: int, frame: int) -> Command:
    """Two shots from one at timeline frame `frame`: the first ends there, a copy of its node starts there.

    The copy has the same parameters and inputs, so it comes from the cache; a cut joins the halves.
    """
    shot = _shot(timeline, number)
    at = frame - shot.start
    if not 0 < at < shot.frames:
        raise TimelineEditError(f"the playhead is not inside {shot.name} (frames {shot.start} to {shot.end - 1}); "
                                "move it onto the shot to split it there")
    node = graph.nodes[shot.node_id]
    group = CommandGroup(f"Split {shot.name} at frame {frame}")
    copy = AddNode(node.type_id, (node.position[0], node.position[1] + 160.0), dict(node.params),
                   label=f"{node.label or shot.name} (2)")
    group.children.append(copy)
    feeds = graph.links_into(shot.node_id)
    link = graph.links[shot.link_id]
    # Ids are taken now (never reused, so one not used is only a gap) so the reorder can name the new link.
    copy.node_id = graph.new_node_id()
    for feed in feeds:
        group.children.append(Connect(feed.src_node, feed.src_port, copy.node_id, feed.dst_port,
                                      link_id=graph.new_link_id()))
    new_link = graph.new_link_id()
    group.children.append(Connect(copy.node_id, link.src_port, timeline.sequence_id, "shots", link_id=new_link))
    order = [s.link_id for s in timeline.shots]
    order.insert(number, new_link)
    group.children.append(ReorderInputs(timeline.sequence_id, "shots", order))
    # Trims and joins stated for the new numbering: the copy is shot number + 1, later shots move up one.
    trims = []
    for s in timeline.shots:
        new_number = s.number if s.number <= number else s.number + 1
        head, tail, gap = s.head, s.tail, s.gap
        if s.number == number:
            tail = shot.material.frames - shot.head - at
            trims.append((new_number + 1, shot.head + at, shot.tail, 0))
        trims.append((new_number, head, tail, gap))
    rows = [{"shot": n, "head": _seconds(h, timeline), "tail": _seconds(t, timeline), "gap": _seconds(g, timeline)}
            for n, h, t, g in sorted(trims) if h or t or g]
    group.children.append(SetParam(timeline.sequence_id, "trims", rows))
    joins = {(n if n < number else n + 1): j for n, j in _current_joins(timeline).items()}
    joins[number] = ("cut", 0)
    group.children.append(SetParam(timeline.sequence_id, "joins", _join_rows(timeline, joins)))
    return group


def delete_shot(graph: Graph, timeline: Timeline, number: int, ripple: bool = True) -> Command:
    """Take the shot out of the Sequence (its node stays on the canvas, unlinked).

    Ripple: the shots after it move up and a cut joins its neighbours. Without ripple, black fills
    its place so everything after it stays where it was.
    """
    shot = _shot(timeline, number)
    group = CommandGroup(f"Delete {shot.name}" + ("" if ripple else " (leave a gap)"))
    group.children.append(Disconnect(shot.link_id))
    joins = {}
    for n, join in _current_joins(timeline).items():
        if n < number - 1:
            joins[n] = join
        elif n > number:
            joins[n - 1] = join
    if number > 1 and number < len(timeline.shots):
        joins[number - 1] = ("cut", 0)  # the neighbours meet with a cut, whatever joined them to the shot
    trims = []
    for s in timeline.shots:
        if s.number == number:
            continue
        gap = s.gap
        if s.number == number + 1 and not ripple and number > 1:
            gap = max(0, s.start - timeline.shot(number - 1).end)  # black from where the shot before ends
        elif s.number == number + 1 and not ripple:
            gap = s.start
        trims.append((s.number if s.number < number else s.number - 1, s.head, s.tail, gap))
    rows = [{"shot": n, "head": _seconds(h, timeline), "tail": _seconds(t, timeline), "gap": _seconds(g, timeline)}
            for n, h, t, g in trims if h or t or g]
    group.children.append(SetParam(timeline.sequence_id, "trims", rows))
    group.children.append(SetParam(timeline.sequence_id, "joins", _join_rows(timeline, joins)))
    return group


def set_join(timeline: Timeline, join: int, kind: str, frames: int | None = None) -> Command:
    """Join `join` (between shots `join` and `join` + 1) made with `kind` over `frames` frames."""
    from engine.media.sequence import TRANSITIONS

    if kind not in TRANSITIONS:
        raise TimelineEditError(f"{kind!r} is not a transition; use one of {', '.join(TRANSITIONS)}")
    if not 1 <= join < len(timeline.shots):
        raise TimelineEditError(f"{timeline.name} has no join {join} (joins 1 to {len(timeline.shots) - 1})")
    incoming = timeline.shot(join + 1)
    if incoming.gap:
        raise TimelineEditError(f"black comes between shots {join} and {join + 1}; close the gap to join them")
    outgoing = timeline.shot(join)
    longest = min(outgoing.frames, incoming.frames)
    if frames is None:  # the length it has, or half a second for a cut becoming a transition
        frames = incoming.join.frames or min(longest, round(timeline.fps / 2))
    if kind != "cut" and not 1 <= frames <= longest:
        raise TimelineEditError(f"a {kind} between {outgoing.name} and {incoming.name} can last 1 to {longest} "
                                f"frames, not {frames}")
    joins = _current_joins(timeline)
    joins[join] = (kind, frames if kind != "cut" else 0)
    command = SetParam(timeline.sequence_id, "joins", _join_rows(timeline, joins))
    command.text = (f"Cut from {outgoing.name} to {incoming.name}" if kind == "cut" else
                    f"{kind.capitalize()} from {outgoing.name} to {incoming.name} over {frames} frames")
    return command


# ---- sounds -------------------------------------------------------------------------------------

def slide_sound(graph: Graph, timeline: Timeline, sound: SoundItem, offset_seconds: float) -> Command:
    """The sound starts `offset_seconds` into the film. A sound linked straight into the Mix gets a
    Place to hold its offset, taking its link's place on the bus."""
    offset = max(0.0, float(offset_seconds))
    if sound.place_id is not None:
        command = SetParam(sound.place_id, "offset", offset)
        command.text = f"Slide {sound.name} to {offset:g} s"
        return command
    if sound.source is None or timeline.mix_id is None:
        raise TimelineEditError(f"{sound.name} is not linked to a mix; it cannot be moved on the timeline")
    source_node = graph.nodes[sound.source[0]]
    group = CommandGroup(f"Slide {sound.name} to {offset:g} s")
    place = AddNode(PLACE_TYPE, (source_node.position[0] + 220.0, source_node.position[1] + 60.0),
                    {"offset": offset}, label=f"{sound.name} at {offset:g} s")
    place.node_id = graph.new_node_id()
    group.children.append(place)
    group.children.append(Connect(sound.source[0], sound.source[1], place.node_id, "audio",
                                  link_id=graph.new_link_id()))
    group.children.append(Disconnect(sound.link_id))
    new_link = graph.new_link_id()
    group.children.append(Connect(place.node_id, "audio", timeline.mix_id, sound.bus, link_id=new_link))
    order = [s.link_id if s.link_id != sound.link_id else new_link for s in timeline.sounds[sound.bus]]
    if len(order) > 1:
        group.children.append(ReorderInputs(timeline.mix_id, sound.bus, order))
    return group


# ---- markers ------------------------------------------------------------------------------------

def _marker_rows(graph: Graph, timeline: Timeline) -> list[dict]:
    return [dict(row) for row in graph.nodes[timeline.sequence_id].params.get("markers", [])]


def _marker_row(rows: list[dict], row: int) -> dict:
    if not 1 <= row <= len(rows):
        raise TimelineEditError(f"there is no marker {row} (there are {len(rows)})")
    return rows[row - 1]


def add_marker(graph: Graph, timeline: Timeline, frame: int, name: str = "", color: str = "blue") -> Command:
    rows = _marker_rows(graph, timeline)
    name = name or f"Marker {len(rows) + 1}"
    rows.append({"seconds": _seconds(max(0, frame), timeline), "name": name, "color": color})
    command = SetParam(timeline.sequence_id, "markers", rows)
    command.text = f"Add marker {name}"
    return command


def move_marker(graph: Graph, timeline: Timeline, row: int, frame: int) -> Command:
    rows = _marker_rows(graph, timeline)
    _marker_row(rows, row)["seconds"] = _seconds(max(0, frame), timeline)
    command = SetParam(timeline.sequence_id, "markers", rows)
    command.text = f"Move marker {rows[row - 1]['name']}"
    return command


def rename_marker(graph: Graph, timeline: Timeline, row: int, name: str) -> Command:
    rows = _marker_rows(graph, timeline)
    old = _marker_row(rows, row)["name"]
    rows[row - 1]["name"] = name
    command = SetParam(timeline.sequence_id, "markers", rows)
    command.text = f"Rename marker {old} to {name}"
    return command


def remove_marker(graph: Graph, timeline: Timeline, row: int) -> Command:
    rows = _marker_rows(graph, timeline)
    name = _marker_row(rows, row)["name"]
    del rows[row - 1]
    command = SetParam(timeline.sequence_id, "markers", rows)
    command.text = f"Remove marker {name}"
    return command
