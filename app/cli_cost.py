"""The cost lever on the command line: `aiprod render --estimate` (the per-shot table, nothing run), the
project's GPU budget checked before a render starts, the measured seconds after it (which also teach
this machine's calibration), and `aiprod calibrate`."""

from __future__ import annotations

import argparse
import math
import sys

from .cost_estimate import BUDGET_SETTING, FilmEstimate, add_measured, estimate_film


def gpu_seconds(text: str) -> float:
    """--budget's value: GPU seconds, 0 for no budget; anything else is refused by argparse in one line."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of GPU seconds (0 or more; 0: no budget)")
    return value


def add_render_arguments(render: argparse.ArgumentParser) -> None:
    render.add_argument("--estimate", action="store_true",
                        help="print each shot's method and estimated GPU/CPU seconds and VRAM, and the film's "
                             "total beside full video diffusion of every shot; run nothing")
    render.add_argument("--budget", type=gpu_seconds, metavar="GPU_SECONDS",
                        help=f"fail before starting if the estimate is over this; 0: no budget (default: the "
                             f"project's '{BUDGET_SETTING}' setting, if any)")


def add_calibrate_parser(sub) -> None:
    calibrate = sub.add_parser("calibrate", help="time camera moves, optical flow and each installed video model "
                                                 "on this machine, for the render router's estimates")
    calibrate.set_defaults(func=cmd_calibrate)


def film_estimate(project, executor, targets: list[str], budget: float | None) -> FilmEstimate:
    from .nodes.scene_route import current_calibration

    settings = dict(project.settings)
    if budget is not None:
        settings[BUDGET_SETTING] = budget
    return estimate_film(project.graph, executor.models, current_calibration(), project.paths, targets, settings)


def before_render(args, project, executor, targets: list[str]) -> tuple[int | None, FilmEstimate]:
    """(an exit code when the render must not start — the estimate printed, or the budget overrun —, the
    estimate)."""
    film = film_estimate(project, executor, targets, args.budget)
    if args.estimate:
        if film.shots:
            print(film.table())
        else:
            print("\n".join(film.unestimated_lines()) if film.unestimated else
                  "No shots (Scene nodes) feed what this render makes: nothing to estimate.")
        return 0, film
    if film.over_budget_s:
        print(f"aiprod: {film.budget_message()} (`aiprod render --estimate` shows the shots)", file=sys.stderr)
        return 2, film
    return None, film


def after_render(film: FilmEstimate, report, console, quiet: bool) -> None:
    """The measured seconds beside the estimate; and what they teach this machine's calibration."""
    from .nodes.scene_route import current_calibration, learn_from_render

    if not film.shots:
        return
    table = current_calibration()
    if learn_from_render(table, report.results):
        try:
            table.save()
        except OSError as exc:  # an unwritable data folder costs the lesson, not the render
            print(f"aiprod: warning: could not save the calibration ({exc})", file=sys.stderr)
    if not quiet:
        console.print(add_measured(film, report).table(), markup=False, highlight=False)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate
    from .cli import user_preferences
    from .nodes.scene_route import current_calibration

    table = current_calibration()
    calibrate(table, user_preferences().model_locator())
    where = table.path if table.path is not None else "memory only (no user data folder)"
    print(f"saved for {table.machine}: {where}")
    return 0
