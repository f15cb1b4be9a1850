"""What the edit intends, read from the graph, for the QA of a film (engine.qa): each shot's name
and node, the length and rate its Scene asks for, whether it is made to move, the lines placed on
the Mix's dialogue bus, and the Mix's own loudness target and true-peak ceiling.

The shots' positions and the black the edit plans come from the clip itself (engine.qa.film), which
is exact; the graph names them, pairing its Sequence's shots with the clip's in order. A graph that
cannot be read (a render without the project) leaves the shots numbered and the limits at EBU R128.
"""

from __future__ import annotations

import json

from engine.graph import Graph
from engine.media.clip import Clip
from engine.qa.film import FilmPlan, plan_from_clip
from engine.qa.report import ShotSpan
from engine.qa.sound import SoundLimits, VoiceSpan
from engine.timeline.model import (MIX_TYPE, SCENE_TYPE, SEQUENCE_TYPE, build_timeline, node_name, planned_material,
                                   shot_node)

from .mix import LOUDNESS_TARGETS
from .scene import METHODS

# Motion a model or the interpolator makes: frames standing still there are a fault. A held still
# (with or without a camera move, whose keys may hold on purpose) or a title may stand still.
MOVING_METHODS = frozenset(METHODS[1:])


def graph_of_run(run_metadata: dict) -> Graph | None:
    """The graph being rendered, from the project JSON the editor and the CLI put in the run's metadata."""
    from engine.project import project_from_data

    from . import build_registry

    text = run_metadata.get("project")
    try:
        data = json.loads(text) if isinstance(text, str) else text
        return project_from_data(data, build_registry(), "render").graph if isinstance(data, dict) else None
    except Exception:  # the QA names shots from it; without it they are numbered, and the render goes on
        return None


def _source(graph: Graph, node_id: str, port: str) -> str | None:
    links = graph.links_into(node_id, port)
    return links[0].src_node if links else None


def sequence_under(graph: Graph, node_id: str) -> str | None:
    """The Sequence whose frames reach `node_id`'s frames input through frame-passing nodes (a grade)."""
    current, seen = _source(graph, node_id, "frames"), set()
    while current is not None and current not in seen:
        seen.add(current)
        if graph.nodes[current].type_id == SEQUENCE_TYPE:
            return current
        current = _source(graph, current, "frames")
    return None


def _named(graph: Graph, span: ShotSpan, linked_node: str) -> ShotSpan:
    """`span` named after the Scene (or other node) behind `linked_node`, with what that node asks for."""
    shot_id = shot_node(graph, linked_node)
    node = graph.nodes[shot_id]
    # A duration linked from a voice line is known only once the line is made: no length is asked then.
    asked = None if graph.links_into(shot_id, "duration") else planned_material(graph, linked_node)
    moves = node.type_id == SCENE_TYPE and node.params.get("method") in MOVING_METHODS
    return ShotSpan(node_name(graph, shot_id), shot_id, span.start, span.end,
                    asked.frames if asked else None, asked.fps if asked else None, span.made_frames, span.made_fps,
                    moves)


def _sound_limits(graph: Graph, node_id: str) -> SoundLimits:
    mix = _source(graph, node_id, "audio")
    if mix is None or graph.nodes[mix].type_id != MIX_TYPE or graph.schema_of(mix) is None:
        return SoundLimits()
    params = graph.nodes[mix].params
    target = LOUDNESS_TARGETS.get(params.get("loudness_target", "ebu_r128"), -23.0)
    target = float(params.get("custom_lufs", -16.0)) if target is None else target
    return SoundLimits(target, float(params.get("true_peak_dbtp", -1.0)))


def film_plan(graph: Graph | None, node_id: str, clip: Clip) -> FilmPlan:
    """The plan of the film reaching `node_id` (an Export or a QA node) as `clip`."""
    plan = plan_from_clip(clip)
    if graph is None or node_id not in graph.nodes:
        return plan
    try:
        plan.sound = _sound_limits(graph, node_id)
        sequence = sequence_under(graph, node_id)
        if sequence is None:
            linked = _source(graph, node_id, "frames")
            if linked is not None and len(plan.shots) == 1:
                plan.shots = [_named(graph, plan.shots[0], linked)]
            return plan
        timeline = build_timeline(graph, sequence)
        if len(timeline.shots) == len(plan.shots):
            plan.shots = [_named(graph, span, item.node_id) for span, item in zip(plan.shots, timeline.shots)]
        if timeline.mix_id is not None and timeline.mix_id == _source(graph, node_id, "audio"):
            plan.voices = [VoiceSpan(sound.name, sound.node_id, sound.offset, sound.length)
                           for sound in timeline.sounds["dialogue"]]
    except Exception:  # a graph the timeline cannot read leaves the shots numbered; the checks still run
        return plan_from_clip(clip)
    return plan
