"""The one time model: seconds, frame/sample counts and rates as exact fractions, with the single
seconds↔frames rounding rule, and OpenTimelineIO RationalTime/TimeRange views for a timeline.

The rule, stated once and used everywhere (shots, titles, sequences, audio placement, the mux):
a time in seconds becomes the NEAREST frame at the rate, an exact half rounding up (later). A
float is read as the decimal it prints as, which is what the user typed and what the project
file holds, so 0.1 s at 30 fps is 3 frames (not the binary 0.1000000000000000055… × 30), and
rates are exact fractions, so 1001 frames at 24000/1001 fps are 1001/24 s and convert back to
1001 frames, with no drift over an hour.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Rational

from opentimelineio import opentime

Seconds = Fraction | float | int


def as_rate(value: Fraction | int | float | str) -> Fraction:
    """A frame rate as an exact fraction: 24, "24000/1001", 23.976 (→ 24000/1001), 29.97, 59.94."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, str) and "." in value:
        return as_rate(float(value))  # "23.976" means the NTSC rate, as the float does
    elif isinstance(value, str):
        rate = Fraction(value)
    elif isinstance(value, float):
        whole = round(value * 1.001)  # 23.976 -> 24, 29.97 -> 30: the NTSC family is N*1000/1001
        if value != round(value) and abs(value - whole * 1000 / 1001) < 0.005:
            rate = Fraction(whole * 1000, 1001)
        else:
            rate = Fraction(value).limit_denominator(1001)
    else:
        rate = Fraction(value)
    if rate <= 0:
        raise ValueError(f"frame rate must be positive, got {value!r}")
    return rate


def exact_seconds(seconds: Seconds) -> Fraction:
    """A time as an exact fraction; a float is read as the decimal it prints as (see the module rule)."""
    if isinstance(seconds, Rational):  # int, Fraction: already exact
        return Fraction(seconds)
    value = float(seconds)
    if not math.isfinite(value):
        raise ValueError(f"a time must be a finite number of seconds, got {value}")
    return Fraction(repr(value))


def frames_from_seconds(seconds: Seconds, rate: Fraction | int | float | str) -> int:
    """THE conversion: the nearest frame (or sample) to `seconds` at `rate`, an exact half rounding up."""
    return math.floor(exact_seconds(seconds) * as_rate(rate) + Fraction(1, 2))


def seconds_from_frames(frames: int, rate: Fraction | int | float | str) -> Fraction:
    """Where frame `frames` starts, exactly: 1001 frames at 24000/1001 fps are 1001/24 s."""
    return Fraction(frames) / as_rate(rate)


def frames_between_rates(frames: int, rate: Fraction | int | float | str, to_rate: Fraction | int | float | str) -> int:
    """The frame (or audio sample) at `to_rate` that starts with frame `frames` at `rate`, by the same rule."""
    return frames_from_seconds(seconds_from_frames(frames, rate), to_rate)


# ---- OpenTimelineIO views, for a timeline panel and interchange --------------------------------

def rational_time(seconds: Seconds, rate: Fraction | int | float | str) -> opentime.RationalTime:
    """`seconds` as an OTIO RationalTime on whole frames at `rate` (snapped by the rule above)."""
    return opentime.RationalTime(frames_from_seconds(seconds, rate), float(as_rate(rate)))


def frames_of(time: opentime.RationalTime, rate: Fraction | int | float | str) -> int:
    """An OTIO time (at any rate) as a whole frame at `rate`, by the same rule."""
    value = Fraction(repr(float(time.value)))
    return frames_from_seconds(value / as_rate(time.rate), rate)


def time_range(start_seconds: Seconds, duration_seconds: Seconds,
               rate: Fraction | int | float | str) -> opentime.TimeRange:
    """An OTIO TimeRange of whole frames: where something starts and how long it lasts."""
    start = rational_time(start_seconds, rate)
    end = frames_from_seconds(exact_seconds(start_seconds) + exact_seconds(duration_seconds), rate)
    return opentime.TimeRange(start, opentime.RationalTime(end - int(start.value), start.rate))


# ---- timecode: HH:MM:SS:FF, drop-frame (';') at the NTSC rates 29.97 and 59.94 --------------------

def is_drop_frame(rate: Fraction | int | float | str) -> bool:
    """Whether `rate` is written as drop-frame timecode: 30000/1001 and 60000/1001 only (a 23.976
    timecode counts every frame at a nominal 24, as SMPTE defines no drop-frame for it)."""
    return as_rate(rate) in (Fraction(30000, 1001), Fraction(60000, 1001))


def timecode_of(frame: int, rate: Fraction | int | float | str) -> str:
    """Frame `frame` (0-based) as SMPTE timecode: "00:00:41:17" at 24, "00:10:00;00" at 29.97 DF."""
    exact = as_rate(rate)
    # OTIO's to_timecode refuses drop_frame=True at any other rate, so it is asked only where it applies.
    return opentime.to_timecode(opentime.RationalTime(frame, float(exact)), float(exact), is_drop_frame(exact))


def frames_from_timecode(text: str, rate: Fraction | int | float | str) -> int:
    """The 0-based frame a timecode names (':' or ';' as written); ValueError that says what to type."""
    exact = as_rate(rate)
    cleaned = text.strip()
    try:
        value = opentime.from_timecode(cleaned, float(exact)).value
    except (ValueError, RuntimeError, TypeError) as exc:
        raise ValueError(f"{cleaned!r} is not a timecode at {float(exact):.5g} fps; write HH:MM:SS:FF "
                         f"({exc})") from exc
    return int(round(value))


# ---- how a time is written and read as text (inspector cells, messages) --------------------------

def format_seconds(seconds: Seconds) -> str:
    """A time as people read it: "2.5 s", "0.04 s" (the shortest decimal that reads back the same)."""
    text = repr(float(seconds))
    return f"{text[:-2] if text.endswith('.0') else text} s"


def parse_seconds(text: str) -> float:
    """Seconds from "2.5", "2.5s" or "2.5 s"; ValueError with what to write for anything else."""
    cleaned = text.strip().removesuffix("s").strip()
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or cleaned.lower() in ("inf", "nan") or "_" in cleaned:
        raise ValueError(f"{text.strip()!r} is not a time; write seconds, such as 2.5")
    return value
