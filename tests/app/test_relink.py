"""Missing media on open: files a project reads that were moved are listed and relinked by SetParam."""

from __future__ import annotations

import json
import shutil

from engine.commands import AddNode, UndoStack
from engine.graph import Graph
from engine.project import Project, load_project, save_project
from tests.app.conftest import wait_render


def _project_reading_two_images(window, folder):
    media = folder / "media"
    media.mkdir()
    for name, data in (("plate.png", b"plate"), ("key.png", b"key")):
        (media / name).write_bytes(data)
    graph = Graph(window.registry)
    stack = UndoStack(graph)
    stack.push(AddNode("media.import_image", (0, 0), {"path": "media/plate.png"}, node_id="plate"))
    stack.push(AddNode("media.import_image", (0, 200), {"path": "media/key.png"}, node_id="key"))
    stack.push(AddNode("output.save_image", (300, 0), {"path": "out/never-written.png"}, node_id="save"))
    return save_project(Project(graph, "film"), folder / "film.aiprod"), media


def test_moved_media_is_listed_and_relinked_with_undo(window, tmp_path):
    path, media = _project_reading_two_images(window, tmp_path)
    moved = tmp_path / "moved"
    shutil.move(str(media), str(moved))
    (moved / "plate.png").write_bytes(b"another picture")  # same name, different contents
    asked = []
    window.choose_file = lambda title, folder="", filters="": asked.append(title) or str(moved / "key.png")
    assert window.open_project(path)
    (dialog,) = window.dialogs
    assert [(m.node_id, m.param) for m in dialog.missing] == [("plate", "path"), ("key", "path")]  # not the output
    assert dialog.tree.topLevelItemCount() == 2 and "missing" in window.event_log.toPlainText()
    assert dialog.relink(1)
    assert asked == ["Find key.png"]
    graph = window.document.graph
    assert graph.nodes["key"].params["path"] == str(moved / "key.png")
    assert graph.nodes["plate"].params["path"] == str(moved / "plate.png")  # found beside it
    assert dialog.missing[1].status == "relinked"
    assert "different file" in dialog.missing[0].status  # the fingerprint tells it apart
    assert not dialog.remaining and window.document.stack.undo_text == "Relink 2 file(s)"
    window._save_to(path)
    saved = {n["id"]: n["params"]["path"] for n in json.loads(path.read_text())["nodes"]}
    assert saved["key"] == "moved/key.png"  # inside the project folder: stored relative
    assert load_project(path, window.registry).graph.nodes["key"].params["path"] == str(moved / "key.png")
    window.document.stack.undo()
    assert graph.nodes["key"].params["path"] == str(tmp_path / "media" / "key.png")  # as opened: absolute


def test_no_dialog_when_nothing_is_missing_or_the_user_cancels(window, tmp_path):
    path, media = _project_reading_two_images(window, tmp_path)
    assert window.open_project(path) and not window.dialogs
    shutil.rmtree(media)
    window.revert()
    assert window.open_project(path)
    (dialog,) = window.dialogs
    assert not dialog.relink(0)  # the file dialog was cancelled
    assert len(dialog.remaining) == 2 and not window.document.is_dirty


def test_a_missing_voice_is_listed_and_relinked_by_pointing_at_its_file(window, qtbot, tmp_path):
    from engine.audio.tts import BUILTIN_VOICE, find_voices

    graph = Graph(window.registry)
    stack = UndoStack(graph)
    stack.push(AddNode("sound.voice", (0, 0), {"lines": [{"text": "Hello."}], "voice": "narrator"}, node_id="v"))
    path = save_project(Project(graph, "talk"), tmp_path / "talk.aiprod")
    # The voice arrives elsewhere, under another name, and first without its config file.
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    builtin = find_voices(None)[BUILTIN_VOICE]
    shutil.copy(builtin.model, shelf / "narrator-v2.onnx")
    window.choose_file = lambda title, folder="", filters="": str(shelf / "narrator-v2.onnx")
    assert window.open_project(path)
    (dialog,) = window.dialogs
    assert not dialog.missing and [(m.node_id, m.model.param, m.model.name) for m in dialog.models] == \
        [("v", "voice", "narrator")]
    assert "missing model" in window.event_log.toPlainText() and "narrator.onnx" in dialog.models[0].model.hint
    assert not dialog.relink_row(0)  # no narrator-v2.onnx.json beside it yet
    assert dialog.models[0].status.startswith("still missing") and "narrator-v2.onnx.json" in dialog.models[0].status
    assert window.document.graph.nodes["v"].params["voice"] == "narrator-v2"
    shutil.copy(builtin.config, shelf / "narrator-v2.onnx.json")
    assert dialog.relink_row(0) and dialog.models[0].status == "relinked" and not dialog.remaining
    assert str(shelf) in window.preferences.model_folders and shelf in window.renderer.models.model_folders()
    window.render_all()  # the render process, started before the relink, looks in the new folder too
    wait_render(qtbot, window)
    assert window.renderer.status("v").state == "done", window.renderer.status("v").message
    window.document.stack.undo()  # the rename undoes like any edit
    assert window.document.graph.nodes["v"].params["voice"] == "narrator"


def test_relinking_a_shot_an_edl_cut_while_its_file_was_missing_recuts_it_in_the_same_undo_step(window, tmp_path):
    """An EDL imported without its media trims the shot by source timecode (an hour in) and to no tail;
    relinking the camera file cuts it to the frames the EDL used, from the file's start timecode."""
    from app.nodes import build_registry
    from engine.interchange.import_timeline import import_timeline
    from tests.engine.test_interchange_source_timecode import edl, movie

    result = import_timeline(edl(tmp_path / "cut.edl", tmp_path / "offline" / "plate.mov", "01:00:00:10",
                                 "01:00:01:10"), build_registry())
    path = save_project(result.project, tmp_path / "cut.aiprod")
    found = movie(tmp_path / "plate.mov", "01:00:00:00")
    asked_in = []
    window.choose_file = lambda title, folder="", filters="": asked_in.append(folder) or str(found)
    assert window.open_project(path)
    (dialog,) = window.dialogs
    trims = window.document.graph.nodes[result.sequence_id].params
    assert round(trims["trims"][0]["head"]) == 3600  # as imported: the source timecode
    assert dialog.relink(0)
    row = window.document.graph.nodes[result.sequence_id].params["trims"][0]
    assert (round(row["head"] * 24), round(row["tail"] * 24)) == (10, 14)
    assert "re-cut" in window.status_label.text() and window.document.stack.undo_text == "Relink 1 file(s)"
    assert asked_in == [str(tmp_path)]  # offline/ is not here: the dialog opens in the project's folder
    # Saved while missing, the file had no content to compare: not "a different file"; the dialog says all.
    assert dialog.missing[0].status == "relinked"
    assert dialog.details.text().startswith(f"Now reads {found} (relinked). Shot 1 re-cut")
    settings = window.document.project.settings
    assert "timeline_conform" not in settings  # used: a later relink leaves hand-made trims alone
    window.document.stack.undo()
    assert round(window.document.graph.nodes[result.sequence_id].params["trims"][0]["head"]) == 3600
    assert list(settings["timeline_conform"]) == [dialog.missing[0].node_id]  # kept again for the next relink
