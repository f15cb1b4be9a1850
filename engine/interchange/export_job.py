"""One timeline export, as the editor's dialog and `aiprod timeline export` both run it."""

from __future__ import annotations

from pathlib import Path

from engine.executor import Executor

from .export_timeline import timeline_to_otio, write_timeline
from .finishing import DEFAULT_HANDLES, Progress, export_for_finishing
from .formats import format_for
from .graph_media import shot_files, sound_files
from .measure import measure_timeline


def export_timeline_file(graph, sequence_id: str, output: Path, executor: Executor, paths,
                         finishing: Path | None = None, codec: str = "prores", handles: int = DEFAULT_HANDLES,
                         progress: Progress | None = None) -> tuple[list[Path], list[str]]:
    """Write the Sequence's timeline to `output` (and the finishing media into `finishing`).

    Returns the media files written (none without finishing) and the warnings, in plain words."""
    format_for(output)  # an unknown extension is refused before anything is read
    warnings: list[str] = []
    if finishing is not None:
        result = export_for_finishing(graph, sequence_id, finishing, executor, codec, handles,
                                      timeline_paths=[output], progress=progress)
        return [media.path for media in result.shots.values()] + list(result.stems.values()), result.warnings
    timeline = measure_timeline(graph, sequence_id, executor).timeline
    write_timeline(timeline_to_otio(timeline, shot_files(graph, timeline, paths), sound_files(graph, timeline, paths),
                                    warnings=warnings), output)
    return [], warnings
