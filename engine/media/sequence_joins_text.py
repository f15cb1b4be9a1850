"""The Sequence node's old Joins text (node version 1), read only to upgrade it to the Joins table.

One join per line, `2: dissolve 1.0`, `3: cut` or `4: fade 0.5`: the join number (join 2 is
between shots 2 and 3), the transition, and its length in seconds (left out: the node's).
"""

from __future__ import annotations

import re

from engine.errors import ParamError, short_repr

from .sequence import MAX_TRANSITION_SECONDS
from .sequence_joins import JoinOverride

# The words a Joins line may use for each transition ("fade" is the short form people type).
TRANSITION_WORDS = {"cut": "cut", "dissolve": "dissolve", "fade": "fade through black",
                    "fade through black": "fade through black"}
JOINS_EXAMPLE = "'2: dissolve 1.0', '3: cut' or '4: fade 0.5'"
_JOIN_LINE = re.compile(r"^([^:]*):(.*)$")
_SECONDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)s?$")  # a plain decimal, optionally "s": not nan, inf or 1e3


def parse_join_overrides(text: str) -> dict[int, JoinOverride]:
    """Join number -> override, from lines such as `2: dissolve 1.0`, `3: cut`, `4: fade 0.5`.

    `#` starts a comment. The length is in seconds (an `s` may follow it); left out, the node's
    transition length is used. A bad line raises ParamError naming its line number.
    """
    overrides: dict[int, JoinOverride] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        override = _read_join_line(line, number)
        if override.join in overrides:
            raise ParamError(f"joins line {number}: join {override.join} is already set on line "
                             f"{overrides[override.join].row}; give each join one line")
        overrides[override.join] = override
    return overrides


def _read_join_line(line: str, number: int) -> JoinOverride:
    where = f"joins line {number}"
    match = _JOIN_LINE.match(line)
    if not match:
        raise ParamError(f"{where}: {short_repr(line)} is not 'join: transition [seconds]'; write e.g. {JOINS_EXAMPLE}")
    join_text, rest = match.group(1).strip(), match.group(2).split()
    if not join_text.isdigit() or int(join_text) < 1:
        raise ParamError(f"{where}: the join number {short_repr(join_text)} must be a whole number from 1 "
                         "(join 1 is between shots 1 and 2)")
    join = int(join_text)
    seconds = None
    if rest and _SECONDS.match(rest[-1]):
        seconds = float(_SECONDS.match(rest[-1]).group(1))
        rest = rest[:-1]
    words = " ".join(rest).lower()
    if words not in TRANSITION_WORDS:
        raise ParamError(f"{where}: {short_repr(words or 'nothing')} is not a transition; use cut, dissolve or fade "
                         f"(through black), e.g. {JOINS_EXAMPLE}")
    kind = TRANSITION_WORDS[words]
    if kind == "cut" and seconds is not None:
        raise ParamError(f"{where}: a cut has no length; write '{join}: cut'")
    if seconds is not None and seconds > MAX_TRANSITION_SECONDS:
        raise ParamError(f"{where}: {seconds:g} seconds is longer than the {MAX_TRANSITION_SECONDS:g} a "
                         "transition may last")
    return JoinOverride(number, join, kind, seconds)


