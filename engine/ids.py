"""Ids that are never reused: a counter per kind of object that only goes up and is saved in the file.

A reused id would let what was attached to a deleted node (a seed lock, an autosave, a thumbnail, a
cache association) quietly attach itself to the next node given that id.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

_NUMBERED = re.compile(r"^([a-z]+)([0-9]{1,18})$")


class IdCounters:
    """The next number for each id prefix ("n" nodes, "l" links, "b" backdrops)."""

    def __init__(self, start: dict[str, int] | None = None):
        self.next: dict[str, int] = dict(start or {})

    def take(self, prefix: str, taken: Container[str]) -> str:
        """A fresh id: the counter's next number, skipping ids a caller chose itself (tests, plugins)."""
        number = self.next.get(prefix, 1)
        while f"{prefix}{number}" in taken:
            number += 1
        self.next[prefix] = number + 1
        return f"{prefix}{number}"

    def move_past(self, ids: Iterable[str]) -> None:
        """Make sure no id already in use is handed out again (a file saved before counters, or edited by hand)."""
        for object_id in ids:
            match = _NUMBERED.match(object_id) if isinstance(object_id, str) else None
            if match:
                prefix, number = match.group(1), int(match.group(2))
                self.next[prefix] = max(self.next.get(prefix, 1), number + 1)

    def to_data(self) -> dict[str, int]:
        return dict(sorted(self.next.items()))
