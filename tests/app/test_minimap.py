"""The minimap draws the whole graph with the visible region outlined; clicking in it pans the canvas."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def _view_centre(window) -> QPointF:
    view = window.view
    return view.mapToScene(view.viewport().rect().center())


def test_clicking_the_minimap_centres_the_view_there(window, sample_path):
    assert window.open_project(sample_path)
    minimap = window.minimap
    assert minimap.isVisible()
    corner = window.view.rect().bottomRight()
    assert minimap.geometry().bottomRight().x() <= corner.x() and minimap.geometry().right() > corner.x() - 250
    world = minimap.world_rect()
    for node in window.scene.nodes.values():
        assert world.contains(node.sceneBoundingRect())
    assert world.contains(minimap.visible_rect())
    for click in (QPoint(40, 30), QPoint(180, 120)):
        target = minimap.to_scene(QPointF(click))
        QTest.mouseClick(minimap, Qt.LeftButton, Qt.NoModifier, click)
        centre = _view_centre(window)
        tolerance = 2.0 / window.view.zoom  # a pixel or two of rounding in the scroll bars
        assert abs(centre.x() - target.x()) <= tolerance and abs(centre.y() - target.y()) <= tolerance


def test_dragging_in_the_minimap_pans_and_the_menu_hides_it(window, sample_path):
    window.open_project(sample_path)
    minimap = window.minimap
    start = _view_centre(window)
    QTest.mousePress(minimap, Qt.LeftButton, Qt.NoModifier, QPoint(100, 70))
    QTest.mouseMove(minimap, QPoint(150, 100))
    QTest.mouseRelease(minimap, Qt.LeftButton, Qt.NoModifier, QPoint(150, 100))
    assert _view_centre(window) != start
    minimap.grab()  # paints without error
    window.menu_actions["minimap"].trigger()
    assert not minimap.isVisible()
