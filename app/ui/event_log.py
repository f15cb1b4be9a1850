"""The event log dock: what each render did, node by node, with timings and failure messages.

A render's lines are gathered and appended once per turn of the event loop, after the batch that
brought them: each append lays the log out anew, which under a render's load took milliseconds,
and a large graph's batch brings dozens of lines. Other messages (`log`) are shown at once.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPlainTextEdit

from engine import events as ev

from .status_badge import stats_lines
from .theme import mono_font

MAX_LINES = 5000


def _stamped(text: str) -> str:
    return f"{time.strftime('%H:%M:%S')}  {text}"


class EventLog(QPlainTextEdit):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.setReadOnly(True)
        self.setFont(mono_font(9))
        self.setMaximumBlockCount(MAX_LINES)  # a long session must not grow without bound
        self._pending: list[str] = []  # a render's lines not yet shown
        self._flush_soon = QTimer(self)
        self._flush_soon.setSingleShot(True)
        self._flush_soon.setInterval(0)
        self._flush_soon.timeout.connect(self.flush)

    def log(self, text: str) -> None:
        """Show a line now (after any of a render's lines still waiting)."""
        self._pending.append(_stamped(text))
        self.flush()

    def _note(self, text: str) -> None:
        """A render's line: shown with the others of its turn of the event loop."""
        self._pending.append(_stamped(text))
        if not self._flush_soon.isActive():
            self._flush_soon.start()

    def flush(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self.appendPlainText("\n".join(lines))

    def _name(self, node_id: str) -> str:
        graph = self.document.graph
        return graph.display_name(node_id) if node_id in graph.nodes else node_id

    def on_event(self, event) -> None:
        """Engine events, already on the GUI thread; progress ticks are left to the badges."""
        if isinstance(event, ev.RunStarted):
            # The run's id means nothing to a person; the lines of one render follow each other anyway.
            self._note(f"render started: {len(event.node_ids)} node(s)")
        elif isinstance(event, ev.NodeStarted):
            self._note(f"  {self._name(event.node_id)} running")
        elif isinstance(event, ev.NodeFinished):
            stats = "; ".join(stats_lines(event.stats or {}))  # a generation: model, device, steps, VRAM
            done = f"  {self._name(event.node_id)} done in {event.seconds:.2f} s"
            self._note(f"{done}: {stats}" if stats else done)
        elif isinstance(event, ev.NodeCached):
            self._note(f"  {self._name(event.node_id)} cached")
        elif isinstance(event, ev.NodeSkipped):
            self._note(f"  {self._name(event.node_id)} skipped (what it feeds is cached)")
        elif isinstance(event, ev.NodeFailed):
            self._note(f"  {self._name(event.node_id)} FAILED: {event.message}")
        elif isinstance(event, ev.NodeWarning):
            self._note(f"  {self._name(event.node_id)}: warning: {event.message}")
        elif isinstance(event, ev.RunWarning):
            self._note(f"  warning: {event.message}")
        elif isinstance(event, ev.NodeCancelled):
            self._note(f"  {self._name(event.node_id)} cancelled")
        elif isinstance(event, ev.RunFinished):
            self._note(f"render {event.status} in {event.seconds:.2f} s")
