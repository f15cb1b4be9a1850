"""What the player loads for a node, on the preview's worker thread: its sound, an Export's movie
file, and how much of a Sequence that is not rendered yet can play now.

Nothing costly is computed for a look: every read goes through stop_at_costly, so a node whose
result should be in the disk cache but is not (a generated shot, a voice not rendered yet) stops
the read and is reported, as the preview already does.
"""

from __future__ import annotations

from pathlib import Path

from engine.audio.buffer import Audio
from engine.context import CancelToken
from engine.media.video_io import VIDEO_EXTENSIONS

from ..preview_load import stop_at_costly
from .clock import playback_samples
from .frame_sources import MediaFrames, media_audio
from .sources import ExportFile, describe_sound, sound_candidates

SEQUENCE_TYPE = "edit.sequence"


def _read(make_executor, graph, node_id: str):
    """The node's outputs from the cache (or cheaply computed), or None when a costly node would run."""
    executor = make_executor()
    cancel = stop_at_costly(executor, CancelToken())
    report = executor.run(graph, [node_id], cancel, load_outputs=True)
    if cancel.cancelled:
        return None
    return report.outputs.get(node_id)


def load_sound(make_executor, graph, node_id: str) -> tuple[object, str]:
    """(frames x 2 float32 samples or None, a few words on the sound) for playing `node_id`."""
    missing = ""
    for candidate in sound_candidates(graph, node_id):
        if isinstance(candidate, ExportFile):
            continue  # an Export's sound comes with its file (load_export_file)
        outputs = _read(make_executor, graph, candidate.node)
        if outputs is None:
            missing = missing or f"{graph.display_name(candidate.node)} is not rendered yet: playing without sound"
            continue
        value = outputs.get(candidate.port)
        if isinstance(value, Audio):
            return playback_samples(value.samples), describe_sound(graph, candidate)
    return None, missing or "no sound linked to it"


def export_movie_path(value) -> Path | None:
    """The movie an Export's output value names (its "file" dict's "path"), if it is one."""
    written = value.get("file", value) if isinstance(value, dict) else None
    path = written.get("path") if isinstance(written, dict) else None
    if not path or Path(path).suffix.lower() not in VIDEO_EXTENSIONS:
        return None
    return Path(path)


def written_path(value) -> Path | None:
    """The file (or, for an image sequence, the frame pattern) an Export's output value names."""
    written = value.get("file", value) if isinstance(value, dict) else None
    path = written.get("path") if isinstance(written, dict) else None
    return Path(path) if path else None


def load_export_file(outputs) -> tuple[MediaFrames, object] | str:
    """The Export's movie and its sound, or one line saying why it cannot be played."""
    path = export_movie_path(outputs)
    if path is None:
        return "it wrote an image sequence, not a movie: select the node feeding it to play the frames"
    if not path.is_file():
        return f"{path.name} is no longer on disk; render the Export again"
    return MediaFrames(path), media_audio(path)


def ready_shots(make_executor, graph, sequence_id: str) -> tuple[int, int, str]:
    """(shots that can play now, shots linked, the first missing shot's name): the shots are tried
    in order, and the first one that would need a costly render ends the playable part."""
    links = graph.links_into(sequence_id, "shots")
    for number, link in enumerate(links):
        if _read(make_executor, graph, link.src_node) is None:
            return number, len(links), graph.display_name(link.src_node)
    return len(links), len(links), ""


def trim_sequence(graph, sequence_id: str, keep: int) -> None:
    """Cut a private copy of the graph's Sequence down to its first `keep` shots (no fade out: that
    belongs to the real end)."""
    for link in graph.links_into(sequence_id, "shots")[keep:]:
        graph.delete_link(link.id)
    graph.nodes[sequence_id].params["fade_out"] = 0.0

