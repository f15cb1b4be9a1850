"""Preferences persist between runs in a JSON file in the user config folder, the window layout in an
INI file in the user data folder; an older version's Preferences move from that INI file once."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt

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
    assert tmp_path / "models" in window.renderer.models.model_folders()  # searched for voices and models now
    assert window.close()
    saved = json.loads((settings.config_dir() / "preferences.json").read_text())
    assert saved["autosave_minutes"] == 5.0 and saved["model_folders"] == [str(tmp_path / "models")]

    reopened = _window(qtbot, window.registry)
    prefs = reopened.preferences
    assert prefs.model_folders == [str(tmp_path / "models")] and prefs.autosave_minutes == 5.0
    assert reopened.document.autosave_interval_ms == 300_000
    assert reopened.renderer.cache_dir == tmp_path / "fast-cache"


def test_allowing_pickle_checkpoints_reaches_the_model_locator_and_persists(window, qtbot):
    assert not window.renderer.models.allow_pickle  # refused unless the user says so
    window.menu_actions["preferences"].trigger()
    (dialog,) = window.dialogs
    assert not dialog.allow_pickle.isChecked() and "UNSAFE" in dialog.allow_pickle.text()
    dialog.allow_pickle.setChecked(True)
    dialog.accept()
    assert window.preferences.allow_pickle_checkpoints and window.renderer.models.allow_pickle
    assert json.loads((settings.config_dir() / "preferences.json").read_text())["allow_pickle_checkpoints"] is True
    assert window.close()
    reopened = _window(qtbot, window.registry)
    assert reopened.renderer.models.allow_pickle
    reopened.menu_actions["preferences"].trigger()
    (again,) = reopened.dialogs
    assert again.allow_pickle.isChecked()
    again.allow_pickle.setChecked(False)
    again.accept()
    assert not reopened.renderer.models.allow_pickle


def test_cancelled_preferences_change_nothing(window):
    window.menu_actions["preferences"].trigger()
    (dialog,) = window.dialogs
    dialog.autosave.setValue(9.0)
    dialog.reject()
    assert window.document.autosave_interval_ms == 60_000
    assert not (settings.config_dir() / "preferences.json").exists()


def test_dock_layout_is_restored_at_the_next_start(window, qtbot):
    assert not window.layout_restored  # first run: the built-in layout
    window.docks["log"].hide()
    window.addDockWidget(Qt.RightDockWidgetArea, window.docks["history"])
    assert window.close()
    reopened = _window(qtbot, window.registry)
    assert reopened.layout_restored
    assert reopened.docks["log"].isHidden()
    assert reopened.dockWidgetArea(reopened.docks["history"]) == Qt.RightDockWidgetArea


def old_ini_preferences(folder, minutes: float) -> None:
    """What an older version saved: the Preferences in the editor's INI file, beside the layout."""
    ini = QSettings(str(settings.data_dir() / "editor.ini"), QSettings.IniFormat)
    ini.setValue("models/folders", json.dumps([str(folder)]))
    ini.setValue("cache/limit_gb", 3.0)
    ini.setValue("autosave/minutes", minutes)
    ini.sync()


def test_an_older_versions_preferences_move_to_the_json_file_once(qtbot, tmp_path):
    from app.nodes import build_registry
    from app.preferences import Preferences

    old_ini_preferences(tmp_path / "old-models", 7.0)
    window = _window(qtbot, build_registry())
    assert window.preferences == Preferences([str(tmp_path / "old-models")], "", 3.0, 7.0)
    assert window.document.autosave_interval_ms == 7 * 60_000
    assert tmp_path / "old-models" in window.renderer.models.model_folders()
    assert Preferences.load() == window.preferences  # what `aiprod render` reads from now on, without Qt
    prefs = Preferences.load()
    prefs.autosave_minutes = 2.0
    window.apply_preferences(prefs)
    old_ini_preferences(tmp_path / "old-models", 9.0)  # an older version run again in between
    assert window.close()
    reopened = _window(qtbot, window.registry)  # migrated once: the JSON file wins from now on
    assert reopened.preferences.autosave_minutes == 2.0


def test_a_damaged_preferences_file_is_logged_and_the_editor_starts_with_the_defaults(qtbot):
    from app.nodes import build_registry
    from app.preferences import Preferences

    path = settings.config_dir() / "preferences.json"
    path.parent.mkdir(parents=True)
    path.write_text("not json at all")
    window = _window(qtbot, build_registry())
    assert window.preferences == Preferences()
    assert f"preferences: the preferences file {path} is not valid" in window.event_log.toPlainText()
    assert len(list(path.parent.glob("preferences.json.bad-*"))) == 1


def test_failing_renders_on_qa_is_a_preference_the_editor_and_the_command_line_follow(window, qtbot, tmp_path, capsys):
    from app.cli import main
    from tests.app.conftest import wait_render
    from tests.qa_project import black_film_project

    project = black_film_project(tmp_path / "film")
    window.open_project(str(project))
    window.menu_actions["preferences"].trigger()
    (dialog,) = window.dialogs
    assert not dialog.qa_fails.isChecked()  # off by default: a finding warns
    dialog.qa_fails.setChecked(True)
    dialog.accept()
    assert json.loads((settings.config_dir() / "preferences.json").read_text())["qa_fails_render"] is True
    window.renderer.render_all()
    wait_render(qtbot, window, 60_000)
    status = window.renderer.status("export")
    assert status.state == "failed" and "fails its QA: 1 QA finding (black)" in status.message
    assert (tmp_path / "film" / "film.mp4").exists()  # written first, so the fault can be seen
    assert main(["render", str(project), "-q", "--no-cache"]) == 1  # no --qa-strict: the Preferences ask it
    assert "fails its QA" in capsys.readouterr().err


def test_with_the_qa_preference_a_failing_film_from_the_cache_fails_the_editors_render(window, qtbot, tmp_path):
    from tests.app.conftest import wait_render
    from tests.qa_project import black_film_project

    window.open_project(str(black_film_project(tmp_path / "film")))
    window.renderer.render_all()  # the preference off: the finding warns, the film is cached
    wait_render(qtbot, window, 60_000)
    assert window.status_label.text().startswith("Render finished")
    window.menu_actions["preferences"].trigger()
    (dialog,) = window.dialogs
    dialog.qa_fails.setChecked(True)
    dialog.accept()
    window.renderer.render_all()
    wait_render(qtbot, window, 60_000)
    assert window.renderer.status("export").state == "cached"  # not written again
    text = window.status_label.text()
    assert text.startswith("Render failed") and "unchanged since the render that wrote it) fails its QA" in text
