"""The Camera nodes' old Keys text (node version 1), read only to upgrade it to the Keys table.

engine/media/camera_keys.py holds the table form that replaced it. One key per line: its time,
then the pose fields it changes as name=value pairs:

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

from .camera import POSE_FIELDS, Key, Pose
from .camera_keys import FIELD_RANGES, Easing, format_easing, parse_easing

FIELDS = (*POSE_FIELDS, "easing")
# A plain decimal number; float() alone would also take "nan", "inf" and "1_0".
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_SECONDS_RE = re.compile(rf"({_NUMBER})s")
# name=value; a cubic-bezier value may hold spaces inside its brackets.
_FIELD_RE = re.compile(r"([^\s=]+)\s*=\s*(cubic-bezier\s*\([^)]*\)|[^\s=]+)")


def parse_keys(text: str, easing: Easing | None = "linear", spatial: str = "linear") -> tuple[tuple[Key, ...], str]:
    """(keys, time unit) from key text; `easing` applies until a key names one, `spatial` to every key.

    An upgrade passes easing None, so the keys before the first named easing say "the node's".

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
            words.append("easing=" + format_easing(key.ease))
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
    try:
        return parse_easing(text)
    except ValueError as exc:
        raise ParamError(f"keys line {number}: {exc}") from None


def _unit_words(unit: str) -> str:
    return "seconds" if unit == "seconds" else "fractions of the shot"


def _number(value: float) -> str:
    """The shortest text that reads back as exactly `value` (1.0 as '1')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
