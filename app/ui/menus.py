"""The menu bar: every command with its shortcut shown, as QActions the window keeps by name."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from .recent_files import fill_recent_menu


def build_menus(window) -> dict[str, QAction]:
    """Menus for `window` (a MainWindow); returns the actions by name so the window can enable them."""
    actions: dict[str, QAction] = {}

    def _action(window, menu, key: str, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, window)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        actions[key] = action
        return action

    bar = window.menuBar()
    view = window.view

    file_menu = bar.addMenu("&File")
    _action(window, file_menu, "new", "&New", window.new_project, QKeySequence.New)
    _action(window, file_menu, "open", "&Open…", lambda: window.open_project(), QKeySequence.Open)
    recent = file_menu.addMenu("Open &Recent")
    recent.aboutToShow.connect(lambda: fill_recent_menu(recent, window.open_project))
    fill_recent_menu(recent, window.open_project)
    window.recent_menu = recent
    file_menu.addSeparator()
    _action(window, file_menu, "save", "&Save", window.save, QKeySequence.Save)
    _action(window, file_menu, "save_as", "Save &As…", window.save_as, "Ctrl+Shift+S")
    _action(window, file_menu, "revert", "&Revert to Saved", window.revert)
    file_menu.addSeparator()
    _action(window, file_menu, "import_timeline", "&Import Timeline (OTIO, EDL, XML)…", window.import_timeline)
    _action(window, file_menu, "export_timeline", "&Export Timeline / for Finishing…", window.export_timeline)
    file_menu.addSeparator()
    _action(window, file_menu, "quit", "&Quit", window.close, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    _action(window, edit, "undo", "&Undo", window.undo, "Ctrl+Z")
    _action(window, edit, "redo", "&Redo", window.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
    edit.addSeparator()
    _action(window, edit, "copy", "&Copy", lambda: window.actions_.copy(window.scene.selected_node_ids()), "Ctrl+C")
    _action(window, edit, "paste", "&Paste", window.paste, "Ctrl+V")
    _action(window, edit, "duplicate", "D&uplicate", window.duplicate_selection, "Ctrl+D")
    _action(window, edit, "delete", "&Delete", window.delete_selection, ["Delete", "Backspace"])
    _action(window, edit, "bypass", "&Bypass / Enable", window.toggle_bypass, "D")
    _action(window, edit, "group", "&Group Selection", window.group_selection, "Ctrl+G")
    _action(window, edit, "ungroup", "Un&group", window.ungroup_selection, "Ctrl+Shift+G")
    edit.addSeparator()
    _action(window, edit, "select_all", "Select &All", lambda: window.scene.select_nodes(window.scene.nodes), "Ctrl+A")
    _action(window, edit, "new_seeds", "New &Seeds (unlocked)", window.new_seeds, "Ctrl+Shift+N")
    edit.addSeparator()
    _action(window, edit, "preferences", "Pre&ferences…", window.edit_preferences, "Ctrl+,")

    view_menu = bar.addMenu("&View")
    _action(window, view_menu, "frame_selected", "&Frame Selected", view.frame_selected, "F")
    _action(window, view_menu, "frame_all", "Frame &All", view.frame_all, ["Home", "Shift+F"])
    _action(window, view_menu, "zoom_in", "Zoom &In", lambda: view.zoom_by(1.25), ["Ctrl++", "Ctrl+="])
    _action(window, view_menu, "zoom_out", "Zoom &Out", lambda: view.zoom_by(0.8), "Ctrl+-")
    _action(window, view_menu, "zoom_reset", "&Actual Size", view.reset_zoom, "Ctrl+0")
    view_menu.addSeparator()
    snap = _action(window, view_menu, "snap", "&Snap to Grid", lambda on: setattr(window.scene, "snap", on),
                   checkable=True)
    snap.setChecked(window.scene.snap)
    minimap = _action(window, view_menu, "minimap", "&Minimap", lambda on: window.minimap.setVisible(on), "M",
                      checkable=True)
    minimap.setChecked(True)
    view_menu.addSeparator()
    for dock in window.docks.values():
        view_menu.addAction(dock.toggleViewAction())

    render = bar.addMenu("&Render")
    # A menu shows an action's first shortcut only: F5 and F6 are the ones users of other editors look for.
    _action(window, render, "render", "&Render", window.render_all, ["F5", "Ctrl+R"])
    _action(window, render, "run_selected", "Run to &Selected", window.run_selected, ["F6", "Ctrl+Shift+R"])
    cancel = _action(window, render, "cancel", "&Cancel Render", window.renderer.cancel, "Ctrl+.")
    cancel.setEnabled(False)
    render.addSeparator()
    _action(window, render, "estimate", "&Estimate…", window.show_estimate, "Ctrl+E")
    _action(window, render, "calibrate", "Ca&librate This Machine…",
            lambda: window.show_estimate_and_calibrate())

    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "shortcuts", "&Keyboard Shortcuts…", window.show_shortcuts, "F1")
    _action(window, help_menu, "node_reference", "&Node Reference…", window.show_node_reference)
    _action(window, help_menu, "models", "&Models…", window.show_models)
    return actions
