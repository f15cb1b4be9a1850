"""A timeline from another editor as a new project: its shots joined by one Sequence, its sounds placed
into a Mix, both into an Export.

A movie clip is an Import Video linked straight into the Sequence, cut to the clip's range by the
Sequence's Trims table (so trimming it again later gives back the rest of the file); a still is an
Import Image seen through a Scene (still + camera) as long as the clip. Joins, gaps and markers
become the Sequence's Joins, Trims and Markers rows. A clip whose file is not on this disk is made
all the same, with the path as the file wrote it, and listed in ImportResult.missing, so the
editor's relink dialog (app/ui/relink.py finds every open-file path that is not there) offers it;
the project keeps such a movie's source range, and relinking re-cuts the shot to it (conform.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from engine.commands import AddNode, Connect, UndoStack
from engine.errors import AiprodError
from engine.graph import Graph
from engine.media.image_io import READ_EXTENSIONS
from engine.project import Project
from engine.registry import Registry
from engine.timebase import as_rate

from .conform import CONFORM_KEY, SourceRange, cell_seconds, file_start_frame, movie_frames
from .edit_plan import EditPlan, PlannedShot, plan_edit
from .read_file import read_otio

COLUMN = 260.0  # canvas spacing between the columns of nodes made
ROW = 170.0


@dataclass
class ImportResult:
    project: Project
    sequence_id: str
    missing: list[str] = field(default_factory=list)  # media paths as the timeline wrote them, not on this disk
    warnings: list[str] = field(default_factory=list)  # what could not be kept, in plain words

    def describe(self) -> list[str]:
        """What was made, a line each, for the CLI and the import dialog."""
        graph = self.project.graph
        counts: dict[str, int] = {}
        for node in graph.nodes.values():
            counts[node.type_id] = counts.get(node.type_id, 0) + 1
        shots = len(graph.links_into(self.sequence_id, "shots"))
        lines = [f"{self.project.name}: {shots} shots in a Sequence, "
                 + ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))]
        lines += [f"missing media: {path}" for path in self.missing]
        return lines


def _scene_fps(registry: Registry, fps: Fraction, warnings: list[str]) -> str:
    choices = registry.get("shot.scene").schema.param("fps").choices
    exact = [c for c in choices if as_rate(float(c)) == fps]
    if exact:
        return exact[0]
    nearest = min(choices, key=lambda c: abs(float(c) - float(fps)))
    warnings.append(f"stills become Scenes at {nearest} fps: a Scene cannot run at the timeline's {float(fps):g}")
    return nearest


class _Builder:
    def __init__(self, registry: Registry):
        self.graph = Graph(registry)
        self.stack = UndoStack(self.graph)

    def add(self, type_id: str, column: float, row: float, params: dict, label: str) -> str:
        command = AddNode(type_id, (column * COLUMN, row * ROW), params, label=label)
        self.stack.push(command)
        return command.node_id

    def link(self, src: str, src_port: str, dst: str, dst_port: str) -> None:
        self.stack.push(Connect(src, src_port, dst, dst_port))


def _shot_node(build: _Builder, shot: PlannedShot, row: int, plan: EditPlan, scene_fps: str) -> str:
    path = str(shot.path) if shot.path else ""
    if shot.path is not None and shot.path.suffix.lower() in READ_EXTENSIONS:
        image = build.add("media.import_image", 0, row, {"path": path}, shot.name)
        scene = build.add("shot.scene", 1, row, {"duration": cell_seconds(shot.frames, plan.fps), "fps": scene_fps,
                                                  "method": "still + camera", "head_handle": 0.0,
                                                  "tail_handle": 0.0}, shot.name)
        build.link(image, "image", scene, "keyframes")
        return scene
    return build.add("media.import_video", 1, row, {"path": path}, shot.name)


def _from_file_start(shot: PlannedShot, fps: Fraction, warnings: list[str]) -> None:
    """An EDL counts a clip's source frames in timecode (often from 01:00:00:00, a camera's time of
    day): counted from the file's own first frame instead, by its start timecode."""
    first = file_start_frame(shot.path, fps)
    if first and shot.start >= first:
        shot.start -= first
    elif shot.available is not None and shot.start + shot.frames > shot.available:
        warnings.append(f"{shot.name}: its source timecode is past the end of {shot.path.name}, which carries "
                        "no start timecode; trim it by hand")


def _trim_rows(plan: EditPlan) -> list[dict]:
    rows = []
    for number, shot in enumerate(plan.shots, start=1):
        still = shot.path is not None and shot.path.suffix.lower() in READ_EXTENSIONS
        head = 0 if still else shot.start
        tail = 0 if still or shot.available is None else max(0, shot.available - shot.start - shot.frames)
        if head or tail or shot.gap:
            rows.append({"shot": number, "head": cell_seconds(head, plan.fps), "tail": cell_seconds(tail, plan.fps),
                         "gap": cell_seconds(shot.gap, plan.fps)})
    return rows


def _join_rows(plan: EditPlan) -> list[dict]:
    return [{"join": number - 1, "transition": shot.join[0], "seconds": cell_seconds(shot.join[1], plan.fps)}
            for number, shot in enumerate(plan.shots, start=1) if number > 1 and shot.join[0] != "cut"]


def project_from_plan(plan: EditPlan, registry: Registry, film_name: str) -> ImportResult:
    build = _Builder(registry)
    warnings, missing = list(plan.warnings), []
    scene_fps = _scene_fps(registry, plan.fps, warnings) if plan.shots else "24"
    shot_nodes = []
    offline: dict[str, PlannedShot] = {}  # node id -> a movie shot whose file is not here (conform.py)
    for row, shot in enumerate(plan.shots):
        shot_nodes.append(_shot_node(build, shot, row, plan, scene_fps))
        if shot.path is None:
            warnings.append(f"{shot.name} names no media file; choose one for its node")
        elif not shot.path.exists():
            missing.append(shot.written or str(shot.path))
            if shot.path.suffix.lower() not in READ_EXTENSIONS:
                offline[shot_nodes[-1]] = shot
        elif shot.available is None and shot.path.suffix.lower() not in READ_EXTENSIONS:
            shot.available = movie_frames(shot.path)
            if shot.timecode_start:
                _from_file_start(shot, plan.fps, warnings)
        if shot.available is None and shot.path is not None and shot.path.exists() \
                and shot.path.suffix.lower() not in READ_EXTENSIONS:
            warnings.append(f"{shot.name}: the timeline does not say how long {shot.path.name} is; its tail is "
                            "not trimmed")
    middle = max(len(plan.shots), 1) / 2
    sequence = build.add("edit.sequence", 2, middle, {"transition": "cut", "joins": _join_rows(plan),
                                                      "trims": _trim_rows(plan),
                                                      "markers": [{"seconds": cell_seconds(f, plan.fps), "name": n,
                                                                   "color": c} for f, n, c in plan.markers]},
                         plan.name)
    for node in shot_nodes:
        build.link(node, "frames", sequence, "shots")
    export = build.add("output.export", 4, middle, {"path": f"{film_name}.mp4", "format": "h264"}, "Film")
    if shot_nodes:
        build.link(sequence, "frames", export, "frames")
    if plan.sounds:
        first = len(plan.shots) + 1
        mix = build.add("sound.mix", 3, first + len(plan.sounds) / 2, {}, "Mix")
        for row, sound in enumerate(plan.sounds, start=first):
            source = build.add("sound.music_file", 1, row, {"path": str(sound.path) if sound.path else "",
                                                            "length": 0.0, "loop": False}, sound.name)
            place = build.add("sound.place", 2, row, {"offset": float(sound.offset), "trim_start": float(sound.trim_start),
                                                      "length": float(sound.length)}, sound.name)
            build.link(source, "audio", place, "audio")
            build.link(place, "audio", mix, sound.bus)
            if sound.path is None:
                warnings.append(f"{sound.name} names no sound file; choose one for its node")
            elif not sound.path.exists():
                missing.append(sound.written or str(sound.path))
        build.link(mix, "mix", export, "audio")
    # Re-cut on relink to the frames the timeline used (engine/interchange/conform.py).
    ranges = {node: SourceRange(sequence, shot.start, shot.frames, plan.fps, shot.timecode_start).to_data()
              for node, shot in offline.items()}
    settings = {CONFORM_KEY: ranges} if ranges else {}
    return ImportResult(Project(build.graph, plan.name, settings), sequence, list(dict.fromkeys(missing)), warnings)


def import_timeline(path: str | Path, registry: Registry, fps: Fraction | None = None) -> ImportResult:
    """A new project made from the timeline file `path` (.otio, .otioz, .edl, .xml, .fcpxml). `fps` is
    the rate of an EDL, which does not say (default: 29.97 for drop-frame timecode, else 24)."""
    timeline, base = read_otio(path, fps)
    plan = plan_edit(timeline, base, fps)
    if not plan.shots and not plan.sounds:  # an empty project would look like a failed import
        raise AiprodError(f"{Path(path).name} holds no clips (no picture or sound events): nothing to import; "
                          "export the timeline again with its clips")
    return project_from_plan(plan, registry, Path(path).stem)
