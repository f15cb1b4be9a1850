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
    (point,) = points_for(window.document.project, link_id)
    assert abs(point[0] - middle.x()) < 3 and abs(point[1] - middle.y()) < 3
    (dot,) = scene.reroutes.dots[link_id]
    assert scene.wires[link_id].points == [QPointF(*point)]
    route = scene.wires[link_id].path()
    samples = [route.pointAtPercent(i / 400) for i in range(401)]
    nearest = min((p.x() - point[0]) ** 2 + (p.y() - point[1]) ** 2 for p in samples)
    assert nearest < 4.0  # the wire goes through the dot
    path = tmp_path / "routed.aiprod"
    window._save_to(path)
    assert load_project(path, window.registry).settings["reroutes"][0]["points"] == [list(point)]
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
    (point,) = points_for(window.document.project, link_id)
    assert abs(point[0] - 200) <= 20 and abs(point[1] - 400) <= 20 and point[0] % 20 == 0
    (dot,) = scene.reroutes.dots[link_id]
    _double_click(view, dot.pos())
    qtbot.waitUntil(lambda: window.document.stack.undo_text == "Remove reroute dot", timeout=2000)
    assert points_for(window.document.project, link_id) == [] and not scene.reroutes.dots


def test_a_remade_link_with_a_reused_id_does_not_inherit_dots(window):
    text, card, link_id = _linked(window)
    set_points(window.document, link_id, [(200.0, 100.0)], "Add reroute dot")
    window.actions_.delete([], [link_id])
    other = window.actions_.add_node("value.text", (0, 300))
    window.actions_.connect_ports(other, "text", card, "text")
    assert link_id in window.document.graph.links  # the id came back, for another link
    assert points_for(window.document.project, link_id) == [] and not window.scene.reroutes.dots
