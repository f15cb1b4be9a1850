"""Keyframed camera poses as a table: the columns of the Camera nodes' Keys parameter and the keys they make.

One row per key: its time, the whole pose, and the easing of the move from it to the next key.
Times are fractions of the shot (0 = first frame, 1 = last) or, when the node's "key times in
seconds" is on, seconds from the first frame; in increasing order. An empty easing cell carries
the previous key's easing on (the first key's: the node's Easing parameter), so a row says only
the easing that changes. A bad row raises ParamError naming the row, the column and what fits.
"""

from __future__ import annotations

import re

from engine.errors import ParamError
from engine.schema import FloatParam, Param, StringParam

from .camera import MAX_DOLLY, NAMED_EASINGS, POSE_FIELDS, Key, Pose

# The same ranges as the nodes' start/end sliders, so a key can say what a slider can.
FIELD_RANGES = {"pan_x": (-2.0, 2.0), "pan_y": (-2.0, 2.0), "zoom": (0.05, 20.0), "roll": (-360.0, 360.0),
                "dolly": (-10.0, MAX_DOLLY), "focus_x": (0.0, 1.0), "focus_y": (0.0, 1.0)}
EASING_HELP = f"{', '.join(NAMED_EASINGS)} or cubic-bezier(x1,y1,x2,y2)"
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_BEZIER_RE = re.compile(r"cubic-bezier\s*\(\s*" + r"\s*,\s*".join([f"({_NUMBER})"] * 4) + r"\s*\)")

Easing = str | tuple[float, float, float, float]

KEY_COLUMNS: tuple[Param, ...] = (
    FloatParam("time", 0.0, min=0.0, help="Fraction of the shot (0 = first frame, 1 = last), or seconds from the "
                                          "first frame when key times are in seconds."),
    *(FloatParam(name, getattr(Pose(), name), min=FIELD_RANGES[name][0], max=FIELD_RANGES[name][1])
      for name in POSE_FIELDS),
    StringParam("easing", "", help=f"How the move from this key to the next eases: {EASING_HELP}; empty: as the "
                                   "key before (the first key: the Easing parameter)."),
)


def parse_easing(text: str) -> Easing:
    """A named easing or cubic-bezier(x1,y1,x2,y2) as Key.ease takes it; ValueError says what fits."""
    text = text.strip()
    if text in NAMED_EASINGS:
        return text
    bezier = _BEZIER_RE.fullmatch(text)
    if bezier is None:
        raise ValueError(f"easing must be {EASING_HELP}, got {text!r}")
    points = tuple(float(v) for v in bezier.groups())
    if not (0.0 <= points[0] <= 1.0 and 0.0 <= points[2] <= 1.0):
        raise ValueError(f"easing cubic-bezier x1 and x2 must be within 0..1 (time cannot run backwards), got {text}")
    return points


def format_easing(easing: Easing) -> str:
    return easing if isinstance(easing, str) else f"cubic-bezier({','.join(_number(v) for v in easing)})"


def keys_from_rows(rows: list[dict], in_seconds: bool, easing: Easing = "linear",
                   spatial: str = "linear") -> tuple[tuple[Key, ...], str]:
    """(keys, time unit) from checked Keys rows; the unit is "shot" or "seconds", as CameraPath.time_unit takes it."""
    if not rows:
        raise ParamError("keys: the table has no keys; add a row for each pose (a time, then the pose)")
    keys: list[Key] = []
    for number, row in enumerate(rows, start=1):
        t = row["time"]
        if not in_seconds and t > 1.0:
            raise ParamError(f"keys row {number}, column time: {_number(t)} is not within 0..1 of the shot; use a "
                             "fraction (0 = first frame, 1 = last) or turn on key times in seconds")
        if keys and t <= keys[-1].t:
            raise ParamError(f"keys row {number}, column time: {_number(t)} must come after row {number - 1}'s "
                             f"{_number(keys[-1].t)}; list the keys in the order they happen")
        if row["easing"].strip():
            try:
                easing = parse_easing(row["easing"])
            except ValueError as exc:
                raise ParamError(f"keys row {number}, column easing: {exc}") from None
        keys.append(Key(t, Pose(**{name: row[name] for name in POSE_FIELDS}), easing, spatial))
    return tuple(keys), "seconds" if in_seconds else "shot"


def rows_from_keys(keys: tuple[Key, ...] | list[Key]) -> list[dict]:
    """Keys rows for these keys; a key whose ease is None (or the same as the key before) leaves easing empty."""
    rows, before = [], None
    for key in keys:
        named = "" if key.ease is None or key.ease == before else format_easing(key.ease)
        rows.append({"time": float(key.t), **{name: float(getattr(key.pose, name)) for name in POSE_FIELDS},
                     "easing": named})
        before = key.ease if key.ease is not None else before
    return rows


def _number(value: float) -> str:
    """The shortest text that reads back as exactly `value` (1.0 as '1')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
