"""The Scene's "auto" method: the router (engine.cost.router) given this shot's keyframes, prompt and the
video models installed, and this machine's calibration; and what a render teaches the calibration.

The choice is made when the shot renders, from its keyframes' pictures, and told in the node's
status and stats ("route"). It is not part of the cache key: a shot already made by one method is
a good take whatever a later calibration would pick, so recalibrating re-renders nothing. A video
model it may use is (its fingerprint is): installing one re-decides the shots that could use it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from engine.cost.calibration import Calibration
from engine.cost.router import FIRST_LAST, FULL_VIDEO, INTERPOLATION, Route, ShotWork, asks_for_action, choose
from engine.media.flow import motion_between

AUTO = "auto"


def calibration_folder() -> Path | None:
    from app.settings import data_dir

    try:
        return data_dir()
    except Exception:  # no user data folder (a locked-down machine): the defaults, kept in memory
        return None


@lru_cache(maxsize=4)
def _loaded(folder: str | None, mtime_ns: int) -> Calibration:
    return Calibration.load(Path(folder) if folder else None)


def current_calibration() -> Calibration:
    """This machine's table as saved now (read again only when the file changes)."""
    folder = calibration_folder()
    path = folder / "calibration.json" if folder is not None else None
    try:
        mtime = path.stat().st_mtime_ns if path is not None else 0
    except OSError:
        mtime = 0
    return _loaded(str(folder) if folder is not None else None, mtime)


def video_model_for(models, method: str, chosen: str) -> str:
    """The model a video method would use: the one the node names, else the first installed for the task."""
    from .scene_video import METHOD_TASKS

    if chosen or models is None:
        return chosen
    found = sorted(m.name for m in models.library().for_task(METHOD_TASKS[method]))
    return found[0] if found else ""


def installed_methods(models, chosen: str) -> set[str]:
    """The video methods an installed model can do (the named one's tasks when the node names one)."""
    from .scene_video import METHOD_TASKS

    if models is None:
        return set()
    library = models.library()
    if chosen:
        model = library.find(chosen)
        return {m for m, task in METHOD_TASKS.items() if model is not None and task in model.tasks}
    return {m for m, task in METHOD_TASKS.items() if library.for_task(task)}


def shot_work(width: int, height: int, count: int, keyframes, params: dict) -> ShotWork:
    """What the router reads: `keyframes` are Images (their motion is measured) or a count (not yet made)."""
    pictures = keyframes if isinstance(keyframes, list) else None
    number = len(pictures) if pictures is not None else int(keyframes)
    motion = occluded = None
    if pictures is not None and len(pictures) > 1:
        motion, occluded = motion_between(pictures[0].pixels, pictures[-1].pixels)
    return ShotWork(width, height, count, number, params.get("steps", 30), motion, occluded,
                    asks_for_action(params.get("prompt", "")))


def route(models, params: dict, work: ShotWork, table: Calibration | None = None) -> Route:
    return choose(work, installed_methods(models, params.get("video_model", "")), table or current_calibration())


# ---- what a render teaches the calibration ------------------------------------------------------

def cost_stats(method: str, work: ShotWork) -> dict:
    """The figures a Scene leaves in its stats for the calibration: the method and how much work it was
    (the executor times the node)."""
    return {"cost": {"method": method, "megapixel_frames": work.megapixel_frames, "keyframes": work.keyframes,
                     "steps": work.steps}}


def learn_from_render(table: Calibration, results: dict) -> int:
    """Blend the measured seconds of the shots a render made into `table`; how many taught it something.

    Interpolated shots are timed whole (flow, in-betweens, camera and the cache write), so the pair
    and camera parts estimated now are taken off to leave the in-betweens'; a video shot by its
    denoising seconds and peak VRAM."""
    taught = 0
    for result in results.values():
        cost = (result.stats or {}).get("cost") if result.status == "ran" else None
        if not isinstance(cost, dict) or not cost.get("megapixel_frames"):
            continue
        mp, method = float(cost["megapixel_frames"]), cost.get("method")
        if method == INTERPOLATION:
            pairs = max(int(cost.get("keyframes", 2)) - 1, 1)
            others = pairs * table.seconds("flow_pair") + mp * table.seconds("camera")
            rest = result.seconds - others
            if rest <= 0:  # faster than the other parts' estimates alone: share the time as the estimate does
                in_betweens = mp * table.seconds("flow_frame")
                rest = result.seconds * in_betweens / (in_betweens + others)
            if rest > 0:
                table.record("flow_frame", rest, mp)
                taught += 1
        elif method in (FIRST_LAST, FULL_VIDEO) and result.stats.get("denoise_s"):
            table.record(f"video:{method}", float(result.stats["denoise_s"]), mp * int(cost.get("steps") or 1),
                         vram_gb=result.stats.get("peak_vram_gb"), megapixel_frames=mp)
            taught += 1
    return taught
