"""Keyframed camera poses as text: the format of the Camera nodes' Keys parameter.

One key per line: its time, then the pose fields it changes as name=value pairs:

    # time  fields (a field left out keeps the previous key's value)
    0       zoom=1.2 pan_x=-0.08 easing=ease-in-out
    0.5     zoom=1.35 pan_x=0.05 pan_y=-0.04
    1       zoom=1.5 pan_x=0.1 pan_y=0

Times are fractions of the shot (0 = first frame, 1 = last) or seconds from the first frame with
an `s` suffix (`2.5s`), one kind for the whole list, in increasing order. `easing` shapes the
move from its key to the next and carries on to later keys like the pose fields. `#` starts a
comment. Nothing is evaluated: every value must be a plain number or one of the named choices,
and a bad line raises ParamError naming its line number, the field and what it allows.
"""

from __future__ import annotations

import re
from dataclasses import replace

from engine.errors import ParamError

from .camera import MAX_DOLLY, NAMED_EASINGS, POSE_FIELDS, Key, Pose

# The same ranges as the nodes' start/end sliders, so a key can say what a slider can.
FIELD_RANGES = {"pan_x": (-2.0, 2.0), "pan_y": (-2.0, 2.0), "zoom": (0.05, 20.0), "roll": (-360.0, 360.0),
                "dolly": (-10.0, MAX_DOLLY), "focus_x": (0.0, 1.0), "focus_y": (0.0, 1.0)}
FIELDS = (*POSE_FIELDS, "easing")
EASING_HELP = f"{', '.join(NAMED_EASINGS)} or cubic-bezier(x1,y1,x2,y2)"
# A plain decimal number; float() alone would also take "nan", "inf" and "1_0".
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_SECONDS_RE = re.compile(rf"({_NUMBER})s")
_BEZIER_RE = re.compile(r"cubic-bezier\s*\(\s*" + r"\s*,\s*".join([f"({_NUMBER})"] * 4) + r"\s*\)")
# name=value; a cubic-bezier value may hold spaces inside its brackets.
_FIELD_RE = re.compile(r"([^\s=]+)\s*=\s*(cubic-bezier\s*\([^)]*\)|[^\s=]+)")

Easing = str | tuple[float, float, float, float]


def parse_keys(text: str, easing: Easing = "linear", spatial: str = "linear") -> tuple[tuple[Key, ...], str]:
    """(keys, time unit) from key text; `easing` applies until a key names one, `spatial` to every key.

    The time unit is "shot" or "seconds", as CameraPath.time_unit takes it.
    """
    keys: list[Key] = []
    unit, unit_line, previous = "", 0, ""
    pose = Pose()
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        time_text, rest = _split_time(line)
        t, line_unit = _read_time(time_text, number)
        if unit and line_unit != unit:
            raise ParamError(f"keys line {number}: time {time_text!r} is in {_unit_words(line_unit)} but line "
                             f"{unit_line} is in {_unit_words(unit)}; use one kind of time for every key")
        unit, unit_line = line_unit, unit_line or number
        if keys and t <= keys[-1].t:
            raise ParamError(f"keys line {number}: time {time_text!r} must come after {previous}; list the keys "
                             "in the order they happen")
        changes = _read_fields(rest, number)
        easing = changes.pop("easing", easing)
        pose = replace(pose, **changes)
        keys.append(Key(t, pose, easing, spatial))
        previous = f"{time_text!r} on line {number}"
    if not keys:
        raise ParamError("keys: the list has no keys; write one pose per line, e.g. '0 zoom=1' and '1 zoom=1.5'")
    return tuple(keys), unit


def format_keys(keys: tuple[Key, ...] | list[Key], time_unit: str = "shot") -> str:
    """Key text that parse_keys reads back as the same keys (spatial aside, which is not written).

    Each line writes only what changed since the previous key, as a person would.
    """
    lines, before, before_easing = [], Pose(), None
    for key in keys:
        words = [_number(key.t) + ("s" if time_unit == "seconds" else "")]
        words += [f"{name}={_number(getattr(key.pose, name))}" for name in POSE_FIELDS
                  if getattr(key.pose, name) != getattr(before, name)]
        if key.ease != before_easing:
            words.append("easing=" + (key.ease if isinstance(key.ease, str)
                                      else f"cubic-bezier({','.join(_number(v) for v in key.ease)})"))
        lines.append(" ".join(words))
        before, before_easing = key.pose, key.ease
    return "\n".join(lines)


def _split_time(line: str) -> tuple[str, str]:
    """(time word, the fields after it)."""
    parts = line.split(None, 1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def _read_time(text: str, number: int) -> tuple[float, str]:
    if _NUMBER_RE.fullmatch(text):
        t = float(text)
        if not 0.0 <= t <= 1.0:
            raise ParamError(f"keys line {number}: time {text!r} is not within 0..1 of the shot; write a fraction "
                             f"(0 = first frame, 1 = last) or seconds with an s suffix, like {text}s")
        return t, "shot"
    seconds = _SECONDS_RE.fullmatch(text)
    if seconds:
        if float(seconds.group(1)) < 0:
            raise ParamError(f"keys line {number}: time {text!r} is before the shot starts; seconds count from 0")
        return float(seconds.group(1)), "seconds"
    raise ParamError(f"keys line {number}: a key starts with its time, a fraction of the shot (0..1) or seconds "
                     f"like 2.5s, then name=value fields; got {text!r}")


def _read_fields(text: str, number: int) -> dict:
    values: dict = {}
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return values
        match = _FIELD_RE.match(text, position)
        if match is None or (match.end() < len(text) and not text[match.end()].isspace()):
            word = text[position:].split(None, 1)[0]
            raise ParamError(f"keys line {number}: expected a field as name=value (one of {', '.join(FIELDS)}), "
                             f"got {word!r}")
        name, value = match.groups()
        if name not in FIELDS:
            raise ParamError(f"keys line {number}: unknown field {name!r}; a key has {', '.join(FIELDS)}")
        if name in values:
            raise ParamError(f"keys line {number}: {name} is given twice")
        values[name] = _read_easing(value, number) if name == "easing" else _read_number(name, value, number)
        position = match.end()


def _read_number(name: str, text: str, number: int) -> float:
    low, high = FIELD_RANGES[name]
    if not _NUMBER_RE.fullmatch(text):
        raise ParamError(f"keys line {number}: {name} must be a number from {_number(low)} to {_number(high)}, "
                         f"got {text!r}")
    value = float(text)
    if not low <= value <= high:
        raise ParamError(f"keys line {number}: {name} must be from {_number(low)} to {_number(high)}, got {text}")
    return value


def _read_easing(text: str, number: int) -> Easing:
    if text in NAMED_EASINGS:
        return text
    bezier = _BEZIER_RE.fullmatch(text)
    if bezier is None:
        raise ParamError(f"keys line {number}: easing must be {EASING_HELP}, got {text!r}")
    points = tuple(float(v) for v in bezier.groups())
    if not (0.0 <= points[0] <= 1.0 and 0.0 <= points[2] <= 1.0):
        raise ParamError(f"keys line {number}: easing cubic-bezier x1 and x2 must be within 0..1 (time cannot run "
                         f"backwards), got {text}")
    return points


def _unit_words(unit: str) -> str:
    return "seconds" if unit == "seconds" else "fractions of the shot"


def _number(value: float) -> str:
    """The shortest text that reads back as exactly `value` (1.0 as '1')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
