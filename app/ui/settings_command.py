"""The one command that edits UI state kept in the project file's settings (backdrops, reroute dots).

Such state renders nothing, so it is not part of the graph; it still changes on the undo stack
like every edit, and a key the project did not have before is removed again on undo, so an undone
edit leaves the project file exactly as it was.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.commands import Command


class SetProjectSetting(Command):
    def __init__(self, project, key: str, value: Any, text: str = "Edit"):
        self.project, self.key, self.text = project, key, text
        self.value = copy.deepcopy(value)
        self._had = False
        self._old: Any = None

    def do(self, graph) -> None:
        self._had = self.key in self.project.settings
        self._old = copy.deepcopy(self.project.settings.get(self.key))
        self.project.settings[self.key] = copy.deepcopy(self.value)

    def undo(self, graph) -> None:
        if self._had:
            self.project.settings[self.key] = copy.deepcopy(self._old)
        else:
            self.project.settings.pop(self.key, None)
