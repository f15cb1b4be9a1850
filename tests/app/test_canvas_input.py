"""Canvas input beyond the mouse: the Tab search popup, and files dropped from the file manager."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QCursor, QDropEvent
from PySide6.QtTest import QTest


def test_tab_opens_search_and_enter_places_the_type_at_the_cursor(window, qtbot):
    view = window.view
    view.setFocus()
    cursor = QPoint(200, 150)
    QCursor.setPos(view.viewport().mapToGlobal(cursor))
    QTest.keyClick(view, Qt.Key_Tab)
    popup = view._search
    assert popup is not None and popup.isVisible()
    QTest.keyClicks(popup.search, "color bars")
    assert popup.visible_type_ids()[0] == "image.color_bars"
    QTest.keyClick(popup.search, Qt.Key_Return)
    assert not popup.isVisible()
    (node,) = window.document.graph.nodes.values()
    assert node.type_id == "image.color_bars"
    expected = view.mapToScene(view.viewport().mapFromGlobal(QCursor.pos()))
    assert abs(node.position[0] - expected.x()) <= 10 and abs(node.position[1] - expected.y()) <= 10
    assert window.document.stack.undo_text == "Add Colour Bars"


def test_search_popup_arrow_keys_and_escape(window):
    popup = window.view.open_node_search(QPointF(100, 100))
    QTest.keyClicks(popup.search, "grade")
    matches = popup.visible_type_ids()
    assert {"color.grade", "color.grade_image"} <= set(matches)
    QTest.keyClick(popup.search, Qt.Key_Down)
    assert popup.current_type_id() == matches[1]
    QTest.keyClick(popup.search, Qt.Key_Return)
    (node,) = window.document.graph.nodes.values()
    assert node.type_id == matches[1] and node.position == (100.0, 100.0)
    popup = window.view.open_node_search(QPointF(0, 0))
    assert popup.search.text() == ""  # a fresh search each time
    QTest.keyClick(popup.search, Qt.Key_Escape)
    assert not popup.isVisible() and len(window.document.graph.nodes) == 1


def _drop_files(view, paths, at=QPoint(300, 200)):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    view.dropEvent(QDropEvent(QPointF(at), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_dropping_media_files_makes_the_right_nodes_in_one_undo_step(window, tmp_path):
    names = ["shot.EXR", "plate.dpx", "clip.mov", "take.webm", "score.flac", "voice.m4a", "look.cube", "notes.txt"]
    files = [tmp_path / n for n in names]
    for f in files:
        f.write_bytes(b"x")
    depth = len(window.document.stack.history())
    _drop_files(window.view, files)
    graph = window.document.graph
    made = [(n.type_id, n.params.get("path") or n.params.get("lut_path")) for n in graph.nodes.values()]
    assert made == [("media.import_image", str(files[0])), ("media.import_image", str(files[1])),
                    ("media.import_video", str(files[2])), ("media.import_video", str(files[3])),
                    ("sound.music_file", str(files[4])), ("sound.music_file", str(files[5])),
                    ("color.grade", str(files[6]))]
    assert len(window.document.stack.history()) == depth + 1
    assert "notes.txt" in window.status_label.text()  # the file no node reads is named
    assert len({n.position for n in graph.nodes.values()}) == 7  # none on top of another
    assert sorted(window.scene.selected_node_ids()) == sorted(graph.nodes)
    window.document.stack.undo()
    assert not graph.nodes and not window.scene.nodes


def test_dropping_a_project_opens_it_after_asking(window, sample_path):
    window.actions_.add_node("value.number", (0, 0))
    asked = []
    window.prompt_unsaved = lambda: asked.append(1) or "discard"
    _drop_files(window.view, [sample_path])
    assert asked == [1]
    assert window.document.path == Path(sample_path) and "bars" in window.document.graph.nodes


def test_f_frames_the_selection_and_frames_everything_when_nothing_is_selected(window, qtbot):
    add = window.actions_.add_node
    near, far = add("image.color_bars", (0, 0)), add("image.color_bars", (6000, 4000))
    view, scene = window.view, window.scene
    view.setFocus()
    scene.select_nodes([far])
    QTest.keyClick(view, Qt.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.nodes[far].sceneBoundingRect())
    assert not visible.intersects(scene.nodes[near].sceneBoundingRect())  # only the selection is framed
    scene.clearSelection()
    QTest.keyClick(view, Qt.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert all(visible.contains(item.sceneBoundingRect()) for item in scene.nodes.values())
