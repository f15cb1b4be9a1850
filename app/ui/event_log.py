"""The event log dock: what each render did, node by node, with timings and failure messages."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QPlainTextEdit

from engine import events as ev

from .theme import mono_font

MAX_LINES = 5000


class EventLog(QPlainTextEdit):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.setReadOnly(True)
        self.setFont(mono_font(9))
        self.setMaximumBlockCount(MAX_LINES)  # a long session must not grow without bound

    def log(self, text: str) -> None:
        self.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def _name(self, node_id: str) -> str:
        graph = self.document.graph
        return graph.display_name(node_id) if node_id in graph.nodes else node_id

    def on_event(self, event) -> None:
        """Engine events, already on the GUI thread; progress ticks are left to the badges."""
        if isinstance(event, ev.RunStarted):
            self.log(f"render {event.run_id} started: {len(event.node_ids)} node(s)")
        elif isinstance(event, ev.NodeStarted):
            self.log(f"  {self._name(event.node_id)} running")
        elif isinstance(event, ev.NodeFinished):
            self.log(f"  {self._name(event.node_id)} done in {event.seconds:.2f} s")
        elif isinstance(event, ev.NodeCached):
            self.log(f"  {self._name(event.node_id)} cached")
        elif isinstance(event, ev.NodeSkipped):
            self.log(f"  {self._name(event.node_id)} skipped (what it feeds is cached)")
        elif isinstance(event, ev.NodeFailed):
            self.log(f"  {self._name(event.node_id)} FAILED: {event.message}")
        elif isinstance(event, ev.NodeCancelled):
            self.log(f"  {self._name(event.node_id)} cancelled")
        elif isinstance(event, ev.RunFinished):
            self.log(f"render {event.run_id} {event.status} in {event.seconds:.2f} s")
