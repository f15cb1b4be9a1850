"""Canvas gestures with real mouse and key events: box-select, zoom about the cursor, middle-drag
pan, moving with and without the grid, and undo/redo from the keyboard."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest


def _three_nodes(window):
    add = window.actions_.add_node
    ids = [add("image.color_bars", (0, 0)), add("image.color_bars", (300, 0)), add("image.color_bars", (0, 400))]
    window.view.reset_zoom()
    window.view.centerOn(300, 200)
    return ids


def test_dragging_on_the_background_box_selects_the_nodes_it_touches(window):
    first, second, third = _three_nodes(window)
    view, scene = window.view, window.scene
    top_left = view.mapFromScene(QPointF(-60, -60))
    bottom_right = view.mapFromScene(QPointF(520, 200))  # around the top row only
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, top_left)
    QTest.mouseMove(view.viewport(), (top_left + bottom_right) / 2)
    QTest.mouseMove(view.viewport(), bottom_right)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, bottom_right)
    assert sorted(scene.selected_node_ids()) == sorted([first, second])


def _wheel(view, at: QPoint, steps: int) -> None:
    event = QWheelEvent(QPointF(at), QPointF(view.viewport().mapToGlobal(at)), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    view.wheelEvent(event)


def test_the_wheel_zooms_about_the_point_under_the_cursor(window):
    _three_nodes(window)
    view = window.view
    at = QPoint(view.viewport().width() // 4, view.viewport().height() // 3)  # off centre on purpose
    under = view.mapToScene(at)
    zoom = view.zoom
    _wheel(view, at, 2)
    assert view.zoom > zoom * 1.3
    after = view.mapToScene(at)
    assert abs(after.x() - under.x()) < 2 / view.zoom and abs(after.y() - under.y()) < 2 / view.zoom


def test_middle_drag_pans_the_view_by_the_drag(window):
    _three_nodes(window)
    view = window.view
    start, end = QPoint(300, 300), QPoint(360, 260)
    before = view.mapToScene(start)
    depth = len(window.document.stack.history())
    QTest.mousePress(view.viewport(), Qt.MiddleButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), end)
    QTest.mouseRelease(view.viewport(), Qt.MiddleButton, Qt.NoModifier, end)
    moved = view.mapToScene(end)  # the scene point that was under the press followed the cursor
    assert abs(moved.x() - before.x()) <= 1 and abs(moved.y() - before.y()) <= 1
    assert len(window.document.stack.history()) == depth  # panning is not an edit


def _drag_node(window, node_id: str, by: QPoint) -> None:
    view, item = window.view, window.scene.nodes[node_id]
    grab = view.mapFromScene(item.sceneBoundingRect().center() - QPointF(0, item.sceneBoundingRect().height() / 2 - 8))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab)
    QTest.mouseMove(view.viewport(), grab + by / 2)
    QTest.mouseMove(view.viewport(), grab + by)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab + by)


def test_moves_snap_to_the_grid_unless_snapping_is_turned_off(window):
    first, _, _ = _three_nodes(window)
    graph = window.document.graph
    _drag_node(window, first, QPoint(33, 47))
    x, y = graph.nodes[first].position
    assert (x, y) != (0.0, 0.0) and x % 20 == 0 and y % 20 == 0
    window.menu_actions["snap"].trigger()  # View > Snap to Grid off
    assert not window.scene.snap
    _drag_node(window, first, QPoint(33, 47))
    x2, y2 = graph.nodes[first].position
    assert (x2 - x, y2 - y) == (33.0, 47.0)  # exactly the drag, at 100 % zoom


def test_ctrl_z_and_ctrl_shift_z_undo_and_redo_from_the_keyboard(window):
    first, _, _ = _three_nodes(window)
    graph = window.document.graph
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    assert len(graph.nodes) == 2
    QTest.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert len(graph.nodes) == 3


def test_nodes_seen_once_are_not_drawn_again_when_panned_back_to(window, monkeypatch):
    """Each node keeps its picture in Qt's pixmap cache; the cache holds a large graph at 100 %
    zoom, so panning back over nodes already seen blits them instead of painting them anew."""
    from app.ui.node_item import NodeItem

    for i in range(200):  # about 18 MB of node pictures at 1:1: more than Qt's 10 MB default
        window.actions_.add_node("value.number", ((i % 20) * 260, (i // 20) * 160))
    window.resize(1600, 1000)
    view = window.view
    view.reset_zoom()
    painted = []
    real_paint = NodeItem.paint

    def counting_paint(self, painter, option, widget=None):
        painted.append(self.node_id)
        real_paint(self, painter, option, widget)

    monkeypatch.setattr(NodeItem, "paint", counting_paint)

    def pan_over_every_node():
        for item in window.scene.nodes.values():
            view.centerOn(item)
            view.viewport().repaint()

    pan_over_every_node()
    assert len(set(painted)) == 200  # the first pass draws each node into its cache
    painted.clear()
    pan_over_every_node()
    assert len(painted) < 20, f"{len(painted)} nodes were drawn again: the pixmap cache evicted them"
