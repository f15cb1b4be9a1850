"""Reroute dots: double-click a wire to route it through a dot; dots are undoable and saved with the project."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from app.ui.reroute import points_for, set_points
from engine.project import load_project


def _linked(window):
    add = window.actions_.add_node
    text, card = add("value.text", (0, 0)), add("image.title_card", (400, 200))
    window.actions_.connect_ports(text, "text", card, "text")
    (link_id,) = window.document.graph.links
    return text, card, link_id


def _double_click(view, scene_pos):
    QTest.mouseDClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, view.mapFromScene(scene_pos))


def test_double_click_a_wire_adds_a_dot_it_passes_through(window, qtbot, tmp_path):
    text, card, link_id = _linked(window)
    view, scene = window.view, window.scene
    view.frame_all()
    wire = scene.wires[link_id]
    middle = wire.path().pointAtPercent(0.5)
    _double_click(view, middle)
    qtbot.waitUntil(lambda: window.document.stack.undo_text == "Add reroute dot", timeout=2000)
    (point,) = points_for(window.document.model, link_id)
    assert abs(point[0] - middle.x()) < 3 and abs(point[1] - middle.y()) < 3
    (dot,) = scene.reroutes.dots[link_id]
    assert scene.wires[link_id].points == [QPointF(*point)]
    route = scene.wires[link_id].path()
    samples = [route.pointAtPercent(i / 400) for i in range(401)]
    nearest = min((p.x() - point[0]) ** 2 + (p.y() - point[1]) ** 2 for p in samples)
    assert nearest < 4.0  # the wire goes through the dot
    path = tmp_path / "routed.aiprod"
    window._save_to(path)
    assert load_project(path, window.registry).model.points_of(link_id) == (point,)
    window.document.stack.undo()
    assert not scene.reroutes.dots and scene.wires[link_id].points == []
    window.document.stack.redo()
    window.open_project(path)
    assert len(window.scene.reroutes.dots[link_id]) == 1


def test_drag_and_remove_a_dot(window, qtbot):
    _, _, link_id = _linked(window)
    view, scene = window.view, window.scene
    view.frame_all()
    _double_click(view, scene.wires[link_id].path().pointAtPercent(0.5))
    qtbot.waitUntil(lambda: link_id in scene.reroutes.dots, timeout=2000)
    (dot,) = scene.reroutes.dots[link_id]
    start = view.mapFromScene(dot.pos())
    end = view.mapFromScene(QPointF(200, 400))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), (start + end) / 2)
    QTest.mouseMove(view.viewport(), end)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, end)
    qtbot.waitUntil(lambda: window.document.stack.undo_text == "Move reroute dot", timeout=2000)
    (point,) = points_for(window.document.model, link_id)
    assert abs(point[0] - 200) <= 20 and abs(point[1] - 400) <= 20 and point[0] % 20 == 0
    assert scene.reroutes.dots[link_id] == [dot] and dot.pos() == QPointF(*point)  # moved, not remade
    _double_click(view, dot.pos())
    qtbot.waitUntil(lambda: window.document.stack.undo_text == "Remove reroute dot", timeout=2000)
    assert points_for(window.document.model, link_id) == [] and not scene.reroutes.dots


def test_a_deleted_links_dots_go_with_it_and_come_back_on_undo(window):
    text, card, link_id = _linked(window)
    set_points(window.document, link_id, [(200.0, 100.0)], "Add reroute dot")
    (dot,) = window.scene.reroutes.dots[link_id]
    window.actions_.delete([], [link_id])
    assert not window.scene.reroutes.dots and dot.scene() is None
    other = window.actions_.add_node("value.text", (0, 300))
    window.actions_.connect_ports(other, "text", card, "text")
    (new_link,) = window.document.graph.links
    assert new_link != link_id and points_for(window.document.model, new_link) == []  # ids are never reused
    window.document.stack.undo()
    window.document.stack.undo()
    window.document.stack.undo()  # the delete: the link comes back with its dot, drawn through it
    assert points_for(window.document.model, link_id) == [(200.0, 100.0)]
    assert window.scene.wires[link_id].points == [QPointF(200.0, 100.0)] and len(window.scene.reroutes.dots[link_id]) == 1


def test_an_edit_elsewhere_leaves_dots_and_backdrops_as_they_are(window):
    """The layers follow the model item by item: a slider tick does not remake every dot and frame."""
    from app.ui.backdrop_model import add_backdrop

    text, card, link_id = _linked(window)
    set_points(window.document, link_id, [(200.0, 100.0)], "Add reroute dot")
    backdrop_id = add_backdrop(window.document, (-100, -100, 300, 300))
    (dot,) = window.scene.reroutes.dots[link_id]
    frame = window.scene.backdrops.items[backdrop_id]
    for size in (10.0, 11.0, 12.0):
        window.actions_.set_param(card, "size", size, "drag")
        window.document.stack.undo()
        window.document.stack.redo()
    assert window.scene.reroutes.dots[link_id] == [dot] and dot.scene() is window.scene
    assert window.scene.backdrops.items[backdrop_id] is frame and frame.scene() is window.scene
