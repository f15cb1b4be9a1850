"""Help ▸ Keyboard Shortcuts lists every menu command's keys (read from the menus, so it cannot go
stale) and each panel's own keys; Help ▸ Node Reference lists every installed node type."""

from __future__ import annotations


def test_the_shortcut_sheet_lists_the_menus_and_the_panels(window):
    window.menu_actions["shortcuts"].trigger()
    text = window.dialogs[-1].text.toPlainText()
    for line in ("F5", "Render", "Ctrl+Z", "Undo", "Bypass / Enable", "Timeline", "split the shot", "J K L"):
        assert line in text, line
    assert window.menu_actions["shortcuts"].shortcut().toString() == "F1"


def test_the_node_reference_lists_every_installed_type(window):
    window.menu_actions["node_reference"].trigger()
    text = window.dialogs[-1].text.toPlainText()
    for node_type in window.registry.types():
        assert node_type.schema.title in text and node_type.schema.type_id in text
