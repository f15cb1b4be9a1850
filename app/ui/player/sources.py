"""Where the player's sound comes from, worked out from the graph alone (Qt-free, no rendering).

A node plays its own sound when it has an Audio output (a Voice, a Mix, a Scene's optional audio).
A picture node has none of its own: the sound it is cut to is whatever is linked into the `audio`
input of the Export its frames reach, through grades, titles and sequences. An Export plays the
movie it wrote, decoded with the sound muxed into it, which is what the audience will get.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from engine.ports import AUDIO, FRAMES

EXPORT_TYPE = "output.export"
# Looks that keep every frame where it was: the timeline plays the film through them (timeline_picture).
LOOK_TYPES = frozenset({"color.grade"})


@dataclass(frozen=True)
class PortSound:
    """An Audio output of a node, read from the cache like any output."""

    node: str
    port: str


@dataclass(frozen=True)
class ExportFile:
    """The movie file an Export node wrote (its output value's "path"), decoded with its sound."""

    node: str


def is_export(graph, node_id: str) -> bool:
    node = graph.nodes.get(node_id)
    return node is not None and node.type_id == EXPORT_TYPE


def audio_outputs(graph, node_id: str) -> list[str]:
    schema = graph.schema_of(node_id)
    return [port.name for port in schema.outputs if port.type is AUDIO] if schema is not None else []


def _frames_outputs(graph, node_id: str) -> set[str]:
    schema = graph.schema_of(node_id)
    return {port.name for port in schema.outputs if port.type is FRAMES} if schema is not None else set()


def exports_reached(graph, node_id: str) -> list[str]:
    """Export nodes that `node_id`'s frames flow into, nearest first (breadth-first, link order)."""
    found, seen, queue = [], {node_id}, deque([node_id])
    while queue:
        current = queue.popleft()
        frames_ports = _frames_outputs(graph, current)
        for link in graph.links_from(current):
            if link.src_port not in frames_ports or link.dst_node in seen:
                continue
            seen.add(link.dst_node)
            if is_export(graph, link.dst_node):
                found.append(link.dst_node)
            else:
                queue.append(link.dst_node)
    return found


def timeline_picture(graph, sequence_id: str) -> str:
    """The node whose frames the timeline plays: the Sequence, then on through the looks its frames go
    to alone (Grade nodes, which move no frame), so Play timeline shows the film as it is exported and
    not the cut before its grade. A branch (the frames feeding two nodes) or any other node ends it."""
    node_id, seen = sequence_id, {sequence_id}
    while node_id in graph.nodes:
        frames_ports = _frames_outputs(graph, node_id)
        links = [link for link in graph.links_from(node_id) if link.src_port in frames_ports]
        if len(links) != 1:
            break
        look = graph.nodes.get(links[0].dst_node)
        if look is None or look.id in seen or look.type_id not in LOOK_TYPES or links[0].dst_port != "frames":
            break
        seen.add(look.id)
        node_id = look.id
    return node_id


def export_sound(graph, export_id: str) -> PortSound | None:
    """What is linked into an Export's `audio` input (the final mix, usually)."""
    links = graph.links_into(export_id, "audio")
    return PortSound(links[0].src_node, links[0].src_port) if links else None


def sound_candidates(graph, node_id: str) -> list[PortSound | ExportFile]:
    """The sounds to try for `node_id`, best first: the loader takes the first one that has a value
    (a Scene's audio output is optional and often empty, so the Export's mix is tried after it)."""
    if node_id not in graph.nodes:
        return []
    if is_export(graph, node_id):
        return [ExportFile(node_id)]
    candidates: list[PortSound | ExportFile] = []
    schema = graph.schema_of(node_id)
    own = audio_outputs(graph, node_id)
    preferred = schema.preview_output() if schema is not None else None
    own.sort(key=lambda port: port != preferred)  # the port the node previews (a Mix's "mix") first
    candidates += [PortSound(node_id, port) for port in own]
    for export in exports_reached(graph, node_id):
        sound = export_sound(graph, export)
        if sound is not None and sound not in candidates:
            candidates.append(sound)
    return candidates


def describe_sound(graph, source: PortSound | ExportFile | None) -> str:
    """A few words for the caption: where the sound being played comes from."""
    if source is None:
        return "no sound"
    if isinstance(source, ExportFile):
        return "sound of the exported file"
    return f"sound: {graph.display_name(source.node)} · {source.port}"
