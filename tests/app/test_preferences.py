"""Preferences and the window layout persist between runs in an INI file in the user data folder."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import settings
from tests.app.conftest import _window


def test_a_preference_persists_and_the_autosave_and_cache_follow_it(window, qtbot, tmp_path):
    assert window.document.autosave_interval_ms == 60_000  # the default, one minute
    window.choose_folder = lambda *args: str(tmp_path / "models")
    window.menu_actions["preferences"].trigger()
    (dialog,) = window.dialogs
    dialog.add_folder()
    dialog.autosave.setValue(5.0)
    dialog.cache_folder.setText(str(tmp_path / "fast-cache"))
    dialog.cache_limit.setValue(2.5)
    dialog.accept()
    assert window.document.autosave_interval_ms == 300_000
    assert window.renderer.cache_dir == tmp_path / "fast-cache"
    assert window.renderer.cache_limit == int(2.5 * 1024**3)
    assert tmp_path / "models" in settings.model_folders()  # searched for voices and models from now on
    assert window.close()
    ini = settings.data_dir() / "editor.ini"
    assert ini.is_file() and "autosave" in ini.read_text()

    reopened = _window(qtbot, window.registry)
    prefs = reopened.preferences
    assert prefs.model_folders == [str(tmp_path / "models")] and prefs.autosave_minutes == 5.0
    assert reopened.document.autosave_interval_ms == 300_000
    assert reopened.renderer.cache_dir == tmp_path / "fast-cache"


def test_cancelled_preferences_change_nothing(window):
    window.menu_actions["preferences"].trigger()
    (dialog,) = window.dialogs
    dialog.autosave.setValue(9.0)
    dialog.reject()
    assert window.document.autosave_interval_ms == 60_000
    assert not (settings.data_dir() / "editor.ini").exists() or "autosave" not in (
        settings.data_dir() / "editor.ini").read_text()


def test_dock_layout_is_restored_at_the_next_start(window, qtbot):
    assert not window.layout_restored  # first run: the built-in layout
    window.docks["log"].hide()
    window.addDockWidget(Qt.RightDockWidgetArea, window.docks["history"])
    assert window.close()
    reopened = _window(qtbot, window.registry)
    assert reopened.layout_restored
    assert reopened.docks["log"].isHidden()
    assert reopened.dockWidgetArea(reopened.docks["history"]) == Qt.RightDockWidgetArea
