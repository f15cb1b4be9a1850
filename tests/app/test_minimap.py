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


def test_the_map_is_redrawn_when_nodes_move_or_grow_not_when_badges_change(window, sample_path, qtbot):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage

    from app.ui.minimap import REDRAW_MS
    from app.ui.render_controller import NodeStatus
    from tests.app.conftest import paint_counter

    window.open_project(sample_path)
    minimap, view, scene = window.minimap, window.view, window.scene
    corners = minimap.geometry()
    top_left, bottom_right = (view.viewport().mapFrom(view, p) for p in (corners.topLeft(), corners.bottomRight()))
    under_map = QRectF(view.mapToScene(top_left), view.mapToScene(bottom_right))
    assert not any(under_map.intersects(n.sceneBoundingRect()) for n in scene.nodes.values())
    counter, layout_changes = paint_counter(minimap), []
    scene.layout_changed.connect(lambda: layout_changes.append(1))
    qtbot.wait(REDRAW_MS + 30)
    for step in range(5):  # a render's progress ticks change the scene, not the layout
        for item in scene.nodes.values():
            item.set_status(NodeStatus("running", step / 5))
            assert not minimap._redraw.isActive()
        qtbot.wait(20)
    # (The map may still repaint when the canvas repaints the area under it: it is translucent.)
    assert not layout_changes
    window.actions_.move_nodes({"bars": (900.0, 600.0)})
    assert layout_changes
    layout_changes.clear()
    picture = QImage(96, 54, QImage.Format_RGB32)
    picture.fill(0x336699)
    scene.nodes["bars"].set_thumbnail(picture)  # the node grows taller
    assert layout_changes
    qtbot.wait(REDRAW_MS + 30)
    painted = counter.count
    scene.layout_changed.emit()  # whatever changed the layout, the map follows on its own
    qtbot.waitUntil(lambda: counter.count > painted, timeout=2000)


def test_panning_reuses_the_drawn_blocks_and_a_move_redraws_them(window, sample_path, monkeypatch):
    """The map repaints with every pan of the canvas under it: it must not read every node each time."""
    from PySide6.QtCore import QRectF

    from app.ui import theme
    from app.ui.node_item import NodeItem

    window.open_project(sample_path)
    minimap, scene = window.minimap, window.scene
    minimap.grab()
    reads = []
    monkeypatch.setattr(NodeItem, "sceneBoundingRect", lambda item: reads.append(item) or QRectF(item.pos(), item.boundingRect().size()))
    for step in range(4):  # small pans inside the graph: the map's area stays the same
        window.view.pan_by(3 if step % 2 == 0 else -3, 0)
        minimap.grab()
    assert not reads
    world = minimap.world_rect()
    window.actions_.move_nodes({"bars": (world.left() + 400.0, world.top() + 300.0)})
    picture = minimap.grab().toImage()
    assert reads  # read again after the move
    moved = scene.nodes["bars"].sceneBoundingRect()
    spot = minimap._to_map(moved, minimap.world_rect()).center().toPoint()
    assert picture.pixelColor(spot * picture.devicePixelRatio()) == theme.category_color(scene.nodes["bars"].category)
