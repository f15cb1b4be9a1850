"""Export for finishing: what a colourist or online editor conforms from, with no relinking.

Each shot's material is rendered once to its own ProRes 422 HQ (or DNxHR HQ) movie: the frames the
cut uses plus up to `handles` frames on each side from the material it was cut from, so an editor
can slip or lengthen a transition there. The Mix's stems and the mix go beside them as 24-bit
48 kHz WAVs cut to the film's length. The timeline files reference those movies by absolute path
with source ranges counted from each file's first frame (its handles included), and our importer
also finds them beside the timeline when the folder has been moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write
from engine.executor import Executor
from engine.graph import Graph
from engine.media.audio_mux import ENCODINGS, FilmAudio, write_audio_file
from engine.media.colorspaces import OUTPUT_TRANSFORMS
from engine.media.export_formats import FORMATS, size_problem
from engine.media.transfer_fast import encode_output_uint16
from engine.media.video_io import VideoEncoder

from .export_timeline import timeline_to_otio, write_timeline
from .formats import InterchangeError
from .graph_media import MediaFile
from .measure import measure_timeline

CODECS = {"prores": "prores_422_hq", "dnxhr": "dnxhr_hq"}
STEMS = {"dialogue stem": "dialogue_stem", "music stem": "music_stem", "effects stem": "effects_stem"}
DEFAULT_HANDLES = 12
TIMELINE_EXTENSIONS = (".otio", ".xml", ".edl", ".fcpxml")
Progress = Callable[[float, str], None]


@dataclass
class FinishingResult:
    shots: dict[int, MediaFile] = field(default_factory=dict)  # shot number -> its movie
    stems: dict[str, Path] = field(default_factory=dict)  # "dialogue stem" ..., "mix" -> WAV
    timelines: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _file_name(number: int, name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "shot"
    return f"{number:03d}_{safe}"


def _write_movie(path: Path, clip, first: int, stop: int, codec: str, progress: Progress) -> None:
    fmt = FORMATS[codec]
    problem = size_problem(fmt, clip.width, clip.height)
    if problem:
        raise InterchangeError(problem)
    transform = OUTPUT_TRANSFORMS["rec709"]

    def write(tmp: Path) -> None:
        encoder = VideoEncoder(tmp, fmt, clip.width, clip.height, clip.fps, transform)
        try:
            for index, pixels in enumerate(clip.frames(first, stop)):
                if pixels.shape[-1] == 4:  # no alpha in these codecs: transparent areas become black
                    pixels = pixels[..., :3] * pixels[..., 3:]
                encoder.write(encode_output_uint16(np.asarray(pixels), clip.color_space, "rec709", alpha=False))
                progress((index + 1) / (stop - first), f"frame {index + 1}/{stop - first}")
        except BaseException:
            encoder.abandon()
            raise
        encoder.finish()

    atomic_write(path, write)


def export_for_finishing(graph: Graph, sequence_id: str, folder: str | Path, executor: Executor,
                         codec: str = "prores", handles: int = DEFAULT_HANDLES,
                         timeline_paths: list[Path] | None = None,
                         progress: Progress | None = None) -> FinishingResult:
    """Write per-shot movies, stems and timeline files into `folder` (made if needed); `timeline_paths`
    are more timeline files to write (default: <sequence>.otio, .xml, .edl and .fcpxml in the folder)."""
    if codec not in CODECS:
        raise InterchangeError(f"{codec!r} is not a finishing codec; use {' or '.join(CODECS)}")
    if handles < 0:
        raise InterchangeError(f"handles must be 0 or more frames, not {handles}")
    report = progress or (lambda fraction, message: None)
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    report(0.0, "measuring the shots")
    measured = measure_timeline(graph, sequence_id, executor, with_mix=True)
    timeline, result = measured.timeline, FinishingResult()
    # A node linked twice is rendered once, over every range the cut takes from it.
    spans: dict[tuple[str, str], list] = {}
    for shot in timeline.shots:
        link = graph.links[shot.link_id]
        first = max(0, shot.head - handles)
        stop = min(shot.material.frames, shot.material.frames - shot.tail + handles)
        spans.setdefault((link.src_node, link.src_port), []).append((shot, first, stop))
    for done, ((node, port), uses) in enumerate(spans.items()):
        first, stop = min(u[1] for u in uses), max(u[2] for u in uses)
        path = folder / f"{_file_name(uses[0][0].number, uses[0][0].name)}.mov"
        share = 0.8 / len(spans)
        _write_movie(path, measured.outputs[(node, port)], first, stop, CODECS[codec],
                     lambda f, m, n=uses[0][0].name, d=done: report(d * share + f * share, f"{n}: {m}"))
        for shot, _, _ in uses:
            result.shots[shot.number] = MediaFile(path, first, stop - first)
    stems: dict[str, MediaFile] = {}
    if timeline.mix_id is not None:
        report(0.85, "stems")
        for track, port in {**STEMS, "mix": "mix"}.items():
            audio = measured.outputs.get((timeline.mix_id, port))
            if audio is None:
                continue
            path = folder / f"{_file_name(0, timeline.name)[4:]}_{port}.wav"
            sound = FilmAudio(audio, timeline.fps, 0, timeline.frame_count)  # exactly the film's length
            atomic_write(path, lambda tmp, s=sound: write_audio_file(tmp, s, ENCODINGS["pcm_s24le"]))
            result.stems[track] = path
            if track != "mix":  # the mix is delivered, not laid on the timeline over its own stems
                stems[track] = MediaFile(path, 0, timeline.frame_count)
    else:
        result.warnings.append(f"{timeline.name} has no Mix: no stems were written")
    report(0.95, "timelines")
    otio_timeline = timeline_to_otio(timeline, result.shots, stems=stems, warnings=result.warnings)
    paths = timeline_paths or [folder / f"{_file_name(0, timeline.name)[4:]}{ext}" for ext in TIMELINE_EXTENSIONS]
    result.timelines = [write_timeline(otio_timeline, path) for path in paths]
    report(1.0, "done")
    return result
