"""The render router: for a shot, the cheapest way of making it that can give the motion it asks for.

Methods, cheapest first on any machine we measured: a still seen through a camera move, keyframes with
optical-flow in-betweens, first/last-frame video diffusion, full video diffusion. Which of them *can*
give a shot is decided from what the shot holds — how many keyframes, how far things move between the
first and the last (median flow and the share of the picture hidden in one of them), whether the
prompt asks for action — and among those that can (and are installed), the one with the fewest
estimated seconds on this machine (engine.cost.calibration) wins. The reason is kept in words for the
node's status: "auto → keyframes + interpolation: 2 keyframes, median motion 3 % of width, 0.9 s".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .calibration import Calibration

STILL, INTERPOLATION = "still + camera", "keyframes + interpolation"
FIRST_LAST, FULL_VIDEO = "first/last-frame video", "full video diffusion"
METHODS = (STILL, INTERPOLATION, FIRST_LAST, FULL_VIDEO)
# Flow in-betweens hold up while things move less than ~8 % of the frame's width between keyframes and
# little is hidden in one of them (measured on the sample's lake pair: 3 %, 2 %); beyond, they ghost.
SMALL_MOTION = 0.08
SMALL_OCCLUSION = 0.2
# Words that ask for something to happen that no camera move over one picture can show.
ACTION = re.compile(r"\b(run|walk|jump|fight|danc|explod|fall|fly|flies|swim|driv|throw|turn|chas|crash|"
                    r"wav|climb|kick|punch|spin|rid|burst|collaps|grab|open|close|lift|shoot|race)\w*",
                    re.IGNORECASE)


def asks_for_action(prompt: str) -> bool:
    return bool(prompt and ACTION.search(prompt))


@dataclass(frozen=True)
class ShotWork:
    """What a shot needs made: its size and length, and what its keyframes and prompt say."""

    width: int
    height: int
    frames: int
    keyframes: int
    steps: int = 30  # the video methods' denoising steps
    motion: float | None = None  # median motion between first and last keyframe, share of width; None: unknown
    occluded: float | None = None
    action: bool = False

    @property
    def megapixel_frames(self) -> float:
        return self.width * self.height * self.frames / 1e6


@dataclass(frozen=True)
class Cost:
    cpu_s: float
    gpu_s: float
    vram_gb: float
    measured: bool  # from this machine's calibration, not the shipped defaults

    @property
    def seconds(self) -> float:
        return self.cpu_s + self.gpu_s


def method_cost(method: str, work: ShotWork, table: Calibration) -> Cost:
    """Estimated seconds (and peak VRAM) of making `work` by `method` on this machine."""
    mp = work.megapixel_frames
    camera = mp * table.seconds("camera")
    if method == STILL:
        return Cost(camera, 0.0, 0.0, table.is_measured("camera"))
    if method == INTERPOLATION:
        pairs = max(work.keyframes - 1, 1)
        cpu = camera + pairs * table.seconds("flow_pair") + mp * table.seconds("flow_frame")
        return Cost(cpu, 0.0, 0.0, table.is_measured("flow_pair") and table.is_measured("flow_frame"))
    stage = f"video:{method}"
    gpu = mp * work.steps * table.seconds(stage)
    # Peak memory grows with the frames generated at once (one take), not with the steps.
    return Cost(camera, gpu, mp * table.vram_gb(stage), table.is_measured(stage))


@dataclass(frozen=True)
class Route:
    method: str
    reason: str  # why, in words, for the node's status
    cost: Cost
    alternatives: dict[str, Cost]  # every method's estimate, the chosen one included


def _capable(method: str, work: ShotWork) -> str | None:
    """Why `method` cannot give this shot (None: it can)."""
    moving = work.motion is not None and (work.motion > SMALL_MOTION or (work.occluded or 0) > SMALL_OCCLUSION)
    if method == STILL:
        if work.keyframes > 1:
            return f"it would show 1 of {work.keyframes} keyframes"
        if work.action:
            return "the prompt asks for action a camera move cannot show"
    elif method == INTERPOLATION:
        if work.keyframes < 2:
            return "it needs 2 keyframes"
        if moving:
            return "the motion is too large for flow in-betweens"
    elif method == FIRST_LAST and work.keyframes < 2:
        return "it needs a first and a last keyframe"
    return None


def _describe(work: ShotWork) -> str:
    parts = [f"{work.keyframes} keyframe{'s' if work.keyframes != 1 else ''}"]
    if work.motion is not None:
        parts.append(f"median motion {work.motion * 100:.0f} % of width")
        if (work.occluded or 0) > SMALL_OCCLUSION:
            parts.append(f"{work.occluded * 100:.0f} % occluded")
    elif work.keyframes > 1:
        parts.append("motion not measured yet")
    if work.action:
        parts.append("action in the prompt")
    return ", ".join(parts)


def _timing(cost: Cost) -> str:
    text = f"{cost.gpu_s:.1f} s GPU" if cost.gpu_s else f"{cost.cpu_s:.1f} s CPU"
    return text if cost.measured else text + " (estimated)"


def choose(work: ShotWork, installed: set[str], table: Calibration) -> Route:
    """The cheapest installed method that can give the shot; when none can, the best that is installed,
    with the reason saying what is missing."""
    costs = {m: method_cost(m, work, table) for m in METHODS}
    available = [m for m in METHODS if m in (STILL, INTERPOLATION) or m in installed]
    capable = [m for m in available if _capable(m, work) is None]
    facts = _describe(work)
    if capable:
        method = min(capable, key=lambda m: (costs[m].seconds, METHODS.index(m)))
        return Route(method, f"auto → {method}: {facts}, {_timing(costs[method])}", costs[method], costs)
    # Nothing installed can give it: interpolation for several keyframes, else the still.
    method = INTERPOLATION if work.keyframes > 1 else STILL
    wanted = next((m for m in METHODS if _capable(m, work) is None), FULL_VIDEO)
    return Route(method, f"auto → {method}: {facts}; {wanted} would fit better, but no video model for it is "
                         f"installed (Help ▸ Models), {_timing(costs[method])}", costs[method], costs)
