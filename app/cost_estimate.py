"""What a render will cost, before it runs: per shot the method (auto's choice, with its reason) and the
estimated GPU seconds, CPU seconds and VRAM on this machine, the film's total beside what full video
diffusion of every shot would cost, and the project's GPU budget. After a render, the measured seconds
beside the estimate. Used by `aiprod render --estimate`, the budget check before a render, and the
editor's Render ▸ Estimate.

Nothing is rendered to estimate: a keyframe imported from a file is read (to measure how far things
move between keyframes); a keyframe another node makes (a Keyframe generation) is not made, and the
shot's motion counts as not yet measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.cost.calibration import Calibration
from engine.cost.router import FULL_VIDEO, Cost, ShotWork, method_cost
from engine.errors import AiprodError
from engine.graph import Graph
from engine.image import Image
from engine.paths import PathResolver

SCENE = "shot.scene"
BUDGET_SETTING = "gpu_budget_s"  # the project's budget in GPU seconds (settings), 0 or absent: none


@dataclass
class ShotEstimate:
    node_id: str
    title: str
    asked: str  # the method the node is set to ("auto" included)
    method: str  # what it will use
    reason: str
    cost: Cost
    full_video: Cost  # the same shot by full video diffusion, for the comparison
    measured_s: float | None = None  # after a render: what it took (None: it came from the cache)


@dataclass
class FilmEstimate:
    shots: list[ShotEstimate] = field(default_factory=list)
    budget_gpu_s: float = 0.0
    # Shots that cannot be estimated, each a line naming it and why (a bad parameter: the render fails it).
    unestimated: list[str] = field(default_factory=list)

    @property
    def gpu_s(self) -> float:
        return sum(s.cost.gpu_s for s in self.shots)

    @property
    def cpu_s(self) -> float:
        return sum(s.cost.cpu_s for s in self.shots)

    @property
    def peak_vram_gb(self) -> float:
        return max((s.cost.vram_gb for s in self.shots), default=0.0)

    @property
    def full_video_gpu_s(self) -> float:
        return sum(s.full_video.gpu_s for s in self.shots)

    @property
    def over_budget_s(self) -> float:
        """GPU seconds over the project's budget (0: within it, or no budget)."""
        return max(0.0, self.gpu_s - self.budget_gpu_s) if self.budget_gpu_s > 0 else 0.0

    def budget_message(self) -> str:
        return (f"this render needs an estimated {self.gpu_s:.0f} GPU seconds, {self.over_budget_s:.0f} s over the "
                f"project's budget of {self.budget_gpu_s:.0f} s; choose cheaper methods (or 'auto'), shorten "
                "shots, lower the steps, or raise the budget")

    def table(self) -> str:
        """The plain-text table the CLI prints."""
        rows = [("Shot", "Method", "GPU s", "CPU s", "VRAM GB", "Measured s", "Why")]
        for s in self.shots:
            method = s.method if s.asked != "auto" else f"auto → {s.method}"
            estimated = "" if s.cost.measured else " *"
            measured = f"{s.measured_s:.1f}" if s.measured_s is not None else ""
            rows.append((s.title, method, f"{s.cost.gpu_s:.1f}{estimated}", f"{s.cost.cpu_s:.1f}{estimated}",
                         f"{s.cost.vram_gb:.1f}", measured, s.reason))
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:6], widths)) + "  " + r[6] for r in rows]
        lines.append(f"Total: {self.gpu_s:.1f} GPU s, {self.cpu_s:.1f} CPU s, peak {self.peak_vram_gb:.1f} GB VRAM; "
                     f"full video diffusion of every shot: {self.full_video_gpu_s:.1f} GPU s"
                     + (f" ({self.gpu_s / self.full_video_gpu_s:.1%} of it)" if self.full_video_gpu_s else ""))
        if self.budget_gpu_s > 0:
            lines.append(f"Budget: {self.budget_gpu_s:.0f} GPU s"
                         + (f" — OVER by {self.over_budget_s:.0f} s" if self.over_budget_s else " — within it"))
        if any(not s.cost.measured for s in self.shots):
            lines.append("* estimated from the shipped defaults: Render ▸ Calibrate (or `aiprod calibrate`) "
                         "measures this machine")
        lines += self.unestimated_lines()
        return "\n".join(lines)

    def unestimated_lines(self) -> list[str]:
        return [f"Not estimated, and its render will fail: {line}" for line in self.unestimated]


def _imported_keyframe(graph: Graph, node_id: str, paths: PathResolver) -> Image | None:
    """The picture of a keyframe read straight from its file (an Import Image); None for anything else."""
    from app.nodes.import_media import input_space
    from engine.media.colorspaces import to_working
    from engine.media.image_io import read_image

    node = graph.nodes[node_id]
    if node.type_id != "media.import_image" or node.bypassed or not node.params.get("path"):
        return None
    try:
        path = paths.file(node.params["path"])
        working = node.params.get("working_space", "lin_rec709")
        pixels = to_working(read_image(path), input_space(node.params.get("color_space", "auto"), path), working)
        return Image(pixels, working)
    except (AiprodError, OSError, ValueError, KeyError):
        return None  # a missing or broken file: the render says so; the estimate counts the motion unknown


def budget_problem(settings: dict | None) -> str | None:
    """Why the project's GPU budget setting is not one (a project edited by hand), or None."""
    value = (settings or {}).get(BUDGET_SETTING)
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0):
        return None
    return f"settings.{BUDGET_SETTING} is {value!r}, not a number of GPU seconds (0 or more); it is ignored"


def project_budget(settings: dict | None) -> float:
    """The project's GPU budget in seconds; 0 (none) when absent or not a budget (budget_problem says why)."""
    return 0.0 if budget_problem(settings) else float((settings or {}).get(BUDGET_SETTING) or 0.0)


def estimate_film(graph: Graph, models, table: Calibration, paths: PathResolver,
                  targets: list[str] | None = None, settings: dict | None = None) -> FilmEstimate:
    """The estimate of rendering `targets` (default: the outputs) with the graph as it is."""
    from app.nodes.resolution import RESOLUTIONS
    from app.nodes.scene_route import AUTO, route, shot_work

    if targets is None:
        outputs = [n for n in graph.nodes if (s := graph.schema_of(n)) is not None and s.is_output]
        targets = outputs or graph.sinks()
    wanted = graph.upstream(targets)
    film = FilmEstimate(budget_gpu_s=project_budget(settings))
    for node_id in graph.topological_order(wanted):
        node = graph.nodes[node_id]
        schema = graph.schema_of(node_id)
        if node.type_id != SCENE or schema is None or node.bypassed:
            continue
        try:
            params = {p.name: p.coerce(node.params.get(p.name, p.default)) for p in schema.params}
        except AiprodError as exc:  # not counted, but said: a total without it would look complete
            film.unestimated.append(f"{graph.display_name(node_id)}: {exc}")
            continue
        links = graph.links_into(node_id, "keyframes")
        linked = {l.dst_port for l in graph.links_into(node_id)}
        count, _fps = graph.registry.get(node.type_id)().planned_frames(params, linked)
        width, height = RESOLUTIONS[params["resolution"]]
        asked = params["method"]
        if asked == AUTO:
            pictures = [_imported_keyframe(graph, l.src_node, paths) for l in links]
            known = pictures if pictures and all(p is not None for p in pictures) else len(links)
            work = shot_work(width, height, count, known, params)
            chosen = route(models, params, work, table)
            method, reason, cost = chosen.method, chosen.reason, chosen.cost
        else:
            work = shot_work(width, height, count, len(links), params)
            method, reason = asked, "set on the node"
            cost = method_cost(asked, work, table)
        full = method_cost(FULL_VIDEO, ShotWork(width, height, count, max(1, len(links)), params["steps"]), table)
        film.shots.append(ShotEstimate(node_id, graph.short_name(node_id), asked, method, reason, cost, full))
    return film


def add_measured(film: FilmEstimate, report) -> FilmEstimate:
    """The render's measured seconds beside each shot's estimate. A shot from the cache has none, nor has a
    still through a camera move: it streams into what it feeds, so its node's own seconds say nothing."""
    for shot in film.shots:
        result = report.results.get(shot.node_id)
        made = ((result.stats or {}).get("cost") or {}).get("method") if result is not None else None
        if result is not None and result.status == "ran" and made not in (None, "still + camera"):
            shot.measured_s = result.seconds
    return film
