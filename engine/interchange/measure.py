"""A Sequence's timeline with every length measured: its shots and sounds made (or read from the cache)
once, so the timeline written for another editor has the real frame counts, not planned ones.

Shots made by still + camera are lazy clips (frames are drawn only when read), so measuring them
costs next to nothing; what was rendered before comes from the cache the executor is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from engine.executor import Executor
from engine.graph import Graph
from engine.timeline.model import Material, Timeline, build_timeline, mix_for

from .formats import InterchangeError


@dataclass
class MeasuredTimeline:
    timeline: Timeline
    outputs: dict[tuple[str, str], object] = field(default_factory=dict)  # (node, port) -> its value


def _failure(graph: Graph, report) -> str:
    node_id = report.failed[0]
    return f"{graph.display_name(node_id)} failed: {report.results[node_id].message}"


def measure_timeline(graph: Graph, sequence_id: str, executor: Executor, with_mix: bool = False) -> MeasuredTimeline:
    """Make the shots linked into the Sequence and the sounds of its Mix (and the Mix itself, with_mix)."""
    shots = [link.src_node for link in graph.links_into(sequence_id, "shots")]
    if not shots:
        raise InterchangeError(f"{graph.display_name(sequence_id)} has no shots linked; link shots into it first")
    mix_id = mix_for(graph, sequence_id)
    sounds = []
    if mix_id is not None:
        planned = build_timeline(graph, sequence_id)
        sounds = [s.source[0] for bus in planned.sounds.values() for s in bus if s.source is not None]
    targets = list(dict.fromkeys(shots + sounds + ([mix_id] if with_mix and mix_id else [])))
    report = executor.run(graph, targets, load_outputs=True)
    if report.status != "finished":
        raise InterchangeError(_failure(graph, report) if report.failed else f"the render was {report.status}")
    outputs = {(node, port): value for node, values in report.outputs.items() for port, value in values.items()}

    def material(node: str, port: str) -> Material | None:
        clip = outputs.get((node, port))
        return Material(clip.frame_count, Fraction(clip.fps)) if clip is not None else None

    def sound_length(node: str, port: str) -> Fraction | None:
        audio = outputs.get((node, port))
        return audio.duration if audio is not None else None

    return MeasuredTimeline(build_timeline(graph, sequence_id, material, sound_length), outputs)
