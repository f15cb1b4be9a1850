"""Which files on disk a timeline's shots and sounds come from, when they come straight from one.

A shot read by an Import Video node (directly, or through nodes that pass frames on) is that movie;
a sound read from a file (Music File and other nodes with an open-file path) is that file. Shots made
by the engine (a Scene, a title) have no file of their own until they are rendered for finishing
(engine/interchange/finishing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.graph import Graph
from engine.paths import PathResolver
from engine.timeline.model import Timeline

VIDEO_IMPORT = "media.import_video"


@dataclass(frozen=True)
class MediaFile:
    """A file a timeline clip points at. `first` is the frame of the shot's material that the file's
    frame 0 holds (a finishing file starts at its handles); `frames` is how many frames it has
    (None: the rest of the material from `first`)."""

    path: Path
    first: int = 0
    frames: int | None = None


def _open_path(graph: Graph, node_id: str, paths: PathResolver) -> Path | None:
    schema = graph.schema_of(node_id)
    if schema is None:
        return None
    for param in schema.params:
        value = graph.nodes[node_id].params.get(param.name)
        if param.kind == "path" and param.path_mode == "open" and isinstance(value, str) and value:
            return paths.file(value)
    return None


def shot_files(graph: Graph, timeline: Timeline, paths: PathResolver) -> dict[int, MediaFile]:
    """Shot number -> the movie it is read from, for shots linked straight from an Import Video."""
    files = {}
    for shot in timeline.shots:
        node = graph.nodes[shot.node_id]
        if node.type_id == VIDEO_IMPORT and (path := _open_path(graph, shot.node_id, paths)) is not None:
            files[shot.number] = MediaFile(path)
    return files


def sound_files(graph: Graph, timeline: Timeline, paths: PathResolver) -> dict[tuple[str, str], MediaFile]:
    """(node, port) of each sound -> the file it is read from, where it is read from one."""
    files = {}
    for sounds in timeline.sounds.values():
        for sound in sounds:
            if sound.source is not None and (path := _open_path(graph, sound.source[0], paths)) is not None:
                files[sound.source] = MediaFile(path)
    return files
