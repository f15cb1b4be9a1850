"""Missing media on open: files a project reads that were moved are listed and relinked by SetParam."""

from __future__ import annotations

import shutil

from engine.commands import AddNode, UndoStack
from engine.graph import Graph
from engine.project import Project, load_project, save_project


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
    assert load_project(path, window.registry).graph.nodes["key"].params["path"] == "moved/key.png"
    window.document.stack.undo()
    assert graph.nodes["key"].params["path"] == "media/key.png"


def test_no_dialog_when_nothing_is_missing_or_the_user_cancels(window, tmp_path):
    path, media = _project_reading_two_images(window, tmp_path)
    assert window.open_project(path) and not window.dialogs
    shutil.rmtree(media)
    window.revert()
    assert window.open_project(path)
    (dialog,) = window.dialogs
    assert not dialog.relink(0)  # the file dialog was cancelled
    assert len(dialog.remaining) == 2 and not window.document.is_dirty
