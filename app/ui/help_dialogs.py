"""Help ▸ Keyboard Shortcuts and Help ▸ Node Reference: what the keys do, and every node type with its
ports and parameters, from the program itself (so neither can go out of date).

The shortcut sheet lists every menu command with its shortcuts (read from the actions), then the
keys that belong to one panel: the canvas, the timeline and the player, whose keys work while
that panel has the focus.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

# Keys that are not menu commands: they act on the panel with the focus.
PANEL_KEYS = {
    "Canvas": [("1 … 9", "send the selected node to that viewer slot, or show the slot's node"),
               ("Tab", "search for a node type to add"), ("Drag from a port", "link it; onto empty space: search"),
               ("Middle drag", "pan"), ("Wheel", "zoom")],
    "Timeline": [("S", "split the shot under the playhead"), ("Delete / Shift+Delete", "delete the shot (ripple or gap)"),
                 ("M", "add a marker at the playhead"), ("← →", "move the playhead a frame (Shift: 10)"),
                 ("↑ ↓", "previous / next cut"), ("+ −, Ctrl+wheel", "zoom"),
                 ("Drag a shot / its edge / a join's handle / a sound", "reorder / trim / transition length / slide")],
    "Player (Preview)": [("Space", "play / pause"), ("J K L", "shuttle back, stop, forward (again: 2x, 4x)"),
                         ("← →", "step a frame"), ("Home / End", "first / last frame"),
                         ("I / O", "in / out point (loop plays between them)"), ("F, Esc", "full screen, leave it")],
}


def shortcut_rows(actions) -> list[tuple[str, str]]:
    """(shortcuts, command) for every menu action that has a shortcut, in menu order."""
    rows = []
    for action in actions.values():
        keys = [key.toString(QKeySequence.NativeText) for key in action.shortcuts()]
        if keys:
            rows.append((", ".join(keys), action.text().replace("&", "")))
    return rows


def _table(rows) -> str:
    cells = "".join(f"<tr><td style='padding-right:18px'><b>{html.escape(a)}</b></td><td>{html.escape(b)}</td></tr>"
                    for a, b in rows)
    return f"<table>{cells}</table>"


def shortcuts_html(actions) -> str:
    parts = ["<h3>Menu commands</h3>", _table(shortcut_rows(actions))]
    for panel, rows in PANEL_KEYS.items():
        parts += [f"<h3>{html.escape(panel)}</h3>", _table(rows)]
    return "".join(parts)


def node_reference_html(registry) -> str:
    """Every installed node type by category: what it does, its inputs, outputs and parameters."""
    parts = []
    for category, types in registry.categories().items():
        parts.append(f"<h2>{html.escape(category)}</h2>")
        for node_type in types:
            schema = node_type.schema
            parts.append(f"<h3>{html.escape(schema.title)} <small>({html.escape(schema.type_id)})</small></h3>"
                         f"<p>{html.escape(schema.help)}</p>")
            rows = [(f"in: {p.name}", f"{p.type.name} — {p.help}") for p in schema.inputs]
            rows += [(f"out: {p.name}", f"{p.type.name} — {p.help}") for p in schema.outputs]
            rows += [(p.display_name, p.help) for p in schema.params]
            parts.append(_table(rows))
    return "".join(parts)


class HelpDialog(QDialog):
    def __init__(self, title: str, body: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QTextBrowser()
        self.text.setHtml(body)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(760, 640)
