"""Viewer slots, as in Nuke: keys 1–9 send the selected node to a slot and show it; with nothing new
selected, the key shows that slot's node again, so a few stages can be flipped between at one key each.

Slots belong to the window's session (a node removed from the graph leaves its slot empty).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

SLOTS = 9


class ViewerSlots:
    def __init__(self, window):
        self.window = window
        self.slots: dict[int, str] = {}
        self.actions = []
        for number in range(1, SLOTS + 1):
            action = QAction(f"Viewer slot {number}", window)
            action.setShortcut(QKeySequence(str(number)))
            action.triggered.connect(lambda _=False, n=number: self.press(n))
            window.addAction(action)  # window-wide, but text fields and spin boxes keep their digits
            self.actions.append(action)

    def press(self, number: int) -> None:
        """Send the selected node to slot `number` (and show it), or show what the slot holds."""
        window = self.window
        graph = window.document.graph
        selected = window.scene.selected_node_ids()
        if len(selected) == 1 and self.slots.get(number) != selected[0]:
            self.slots[number] = selected[0]
            window.show_message(f"viewer slot {number}: {graph.short_name(selected[0])}")
        node_id = self.slots.get(number)
        if node_id is None or node_id not in graph.nodes:
            self.slots.pop(number, None)
            window.show_message(f"viewer slot {number} is empty: select a node and press {number} to fill it")
            return
        window.preview.show_node(node_id)
        window.show_message(f"viewing slot {number}: {graph.short_name(node_id)}")
