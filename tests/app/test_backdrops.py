"""Backdrops: titled frames in the project model, moved by their title bar with the nodes inside."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtTest import QTest

from app.ui.canvas_menu import add_backdrop_around, build_canvas_menu
from engine.project import load_project


def _framed(window):
    add = window.actions_.add_node
    a, b, outside = add("value.text", (0, 0)), add("value.number", (0, 200)), add("value.number", (900, 0))
    backdrop_id = add_backdrop_around(window.scene, [a, b])
    return a, b, outside, backdrop_id


def drag_title(view, rect: QRectF, dx: float, dy: float) -> None:
    """Drag a backdrop by its title bar by (dx, dy) canvas units, with the mouse, in four moves."""
    grab = view.mapFromScene(QPointF(rect.center().x(), rect.top() + 10))
    shift = QPoint(round(dx * view.zoom), round(dy * view.zoom))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab)
    for step in range(1, 5):
        QTest.mouseMove(view.viewport(), grab + shift * step / 4)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab + shift)


def test_a_backdrop_is_one_undoable_step_saved_in_the_project(window, tmp_path):
    a, b, outside, backdrop_id = _framed(window)
    (stored,) = window.document.model.backdrops.values()
    item = window.scene.backdrops.items[backdrop_id]
    for node_id in (a, b):
        assert item.rect().contains(window.scene.nodes[node_id].sceneBoundingRect())
    assert not item.rect().contains(window.scene.nodes[outside].sceneBoundingRect())
    assert window.document.stack.undo_text == "Add backdrop"
    window.document.stack.undo()
    assert not window.document.model.backdrops and not window.scene.backdrops.items
    window.document.stack.redo()
    path = tmp_path / "framed.aiprod"
    assert window._save_to(path)
    assert list(load_project(path, window.registry).model.backdrops.values()) == [stored]
    window.menu_actions["new"].trigger()
    assert not window.scene.backdrops.items
    window.open_project(path)
    assert list(window.scene.backdrops.items) == [backdrop_id]


def test_dragging_the_title_moves_the_nodes_inside_in_one_step(window, qtbot):
    a, b, outside, backdrop_id = _framed(window)
    view, scene, graph = window.view, window.scene, window.document.graph
    view.frame_all()
    scene.select_nodes([a])  # a selected node inside must not move twice
    rect = scene.backdrops.items[backdrop_id].rect()
    drag_title(view, rect, 100, 60)
    assert window.document.stack.undo_text == "Move backdrop"  # pushed from the release itself
    dx, dy = graph.nodes[a].position[0], graph.nodes[a].position[1]
    assert 80 <= dx <= 120 and 40 <= dy <= 80 and dx % 20 == 0 and dy % 20 == 0
    assert graph.nodes[b].position == (dx, 200 + dy) and graph.nodes[outside].position == (900.0, 0.0)
    moved = window.document.model.backdrops[backdrop_id].rect
    assert moved[:2] == (rect.x() + dx, rect.y() + dy)
    assert scene.backdrops.items[backdrop_id].rect() == QRectF(*moved) and scene.backdrops.items[backdrop_id].pos() == QPointF()
    assert scene.nodes[b].pos() == QPointF(dx, 200 + dy)
    window.document.stack.undo()  # backdrop and nodes together
    assert graph.nodes[a].position == (0.0, 0.0) and graph.nodes[b].position == (0.0, 200.0)
    assert scene.backdrops.items[backdrop_id].rect() == rect


def test_backdrop_menu_renames_recolours_and_deletes(window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    *_, backdrop_id = _framed(window)
    rect = window.scene.backdrops.items[backdrop_id].rect()
    inside_body = QPointF(rect.right() - 30, rect.bottom() - 30)

    def entries(menu):
        return {a.text(): a for a in menu.actions()}

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Act one", True))
    entries(build_canvas_menu(window.view, inside_body))["Rename Backdrop…"].trigger()
    assert window.document.model.backdrops[backdrop_id].title == "Act one"
    colours = entries(build_canvas_menu(window.view, inside_body))["Backdrop Colour"].menu()
    colours.actions()[-1].trigger()
    assert window.document.model.backdrops[backdrop_id].color == colours.actions()[-1].text()
    entries(build_canvas_menu(window.view, inside_body))["Delete Backdrop"].trigger()
    assert not window.document.model.backdrops and not window.scene.backdrops.items
    window.document.stack.undo()
    assert window.scene.backdrops.items[backdrop_id].backdrop.title == "Act one"


def test_a_closed_group_inside_a_dragged_backdrop_moves_its_box_with_it(window, qtbot):
    from engine.group_commands import GroupNodes

    add = window.actions_.add_node
    a, b, c = add("value.text", (0, 0)), add("value.number", (0, 200)), add("value.number", (260, 0))
    backdrop_id = add_backdrop_around(window.scene, [a, b, c])
    stack, model, scene, view = window.document.stack, window.document.model, window.scene, window.view
    group_id = stack.push(GroupNodes([a, b], "Pair")).group_id  # closed: one box where the two were
    box_start = model.groups[group_id].position
    view.frame_all()
    rect = scene.backdrops.items[backdrop_id].rect()
    assert rect.contains(scene.groups.boxes[group_id].sceneBoundingRect())
    drag_title(view, rect, 200, 100)
    dx, dy = (p - q for p, q in zip(window.document.graph.nodes[c].position, (260.0, 0.0)))
    assert dx > 100 and dy > 40
    assert model.groups[group_id].position == (box_start[0] + dx, box_start[1] + dy)  # the box went along
    assert scene.groups.boxes[group_id].pos() == QPointF(box_start[0] + dx, box_start[1] + dy)
    assert window.document.graph.nodes[a].position == (dx, dy)  # and the nodes inside it, for when it opens
    stack.undo()  # one step: backdrop, nodes and box
    assert model.groups[group_id].position == box_start and window.document.graph.nodes[c].position == (260.0, 0.0)
