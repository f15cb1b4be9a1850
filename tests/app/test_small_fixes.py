"""Small things a first-time user tripped over: a backup named that does not exist, a selected wire's
dashed frame, the link label under the minimap, a window taller than the screen, undo leaving a stale
message, a node thrown by a drag after a context menu."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QContextMenuEvent, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionGraphicsItem


def test_broken_file_names_a_backup_only_when_there_is_one(window, tmp_path):
    broken = tmp_path / "film.aiprod"
    broken.write_text("{ not json")
    assert not window.open_project(broken)
    (_title, text), = window.errors
    assert ".bak" not in text
    (tmp_path / "film.aiprod.bak").write_text("{}")
    assert not window.open_project(broken)
    assert "film.aiprod.bak" in window.errors[-1][1]


def _linked(window):
    a = window.actions_.add_node("image.color_bars", (0, 0))
    b = window.actions_.add_node("output.save_image", (400, 300))
    assert window.actions_.connect_ports(a, "image", b, "image")
    (link_id,) = window.document.graph.links
    return a, b, window.scene.wires[link_id]


def test_a_selected_wire_has_no_dashed_frame(window):
    _a, _b, wire = _linked(window)
    wire.setSelected(True)
    rect = wire.boundingRect()
    image = QImage(int(rect.width()) + 4, int(rect.height()) + 4, QImage.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.translate(-rect.left() + 2, -rect.top() + 2)
    option = QStyleOptionGraphicsItem()
    option.state = QStyle.State_Selected
    option.exposedRect = rect
    wire.paint(painter, option, None)
    painter.end()
    # Along the middle of the top and bottom edges the S-curve is far away: nothing may be drawn there.
    edges = [*range(0, 6), *range(image.height() - 6, image.height())]
    for x in range(image.width() // 3, 2 * image.width() // 3):
        for y in edges:
            assert image.pixelColor(x, y).alpha() == 0, (x, y)


def test_the_cannot_link_label_is_not_under_the_minimap(window):
    view, scene = window.view, window.scene
    assert window.minimap.isVisible()
    corner = window.minimap.geometry().topLeft() - view.viewport().pos() + QPoint(10, 10)  # the cursor over the map
    scene.drop_targets.show_reason("cannot link two outputs", "", view.mapToScene(corner))
    label = scene.drop_targets.label
    shown = view.mapFromScene(label.sceneBoundingRect()).boundingRect()
    assert not shown.intersects(window.minimap.geometry().translated(-view.viewport().pos()))
    assert view.viewport().rect().contains(shown)


def test_the_first_window_fits_the_screen(window):
    area = window.screen().availableGeometry()
    assert window.height() > area.height()  # 1000 px on the test screen
    window.fit_to_screen()
    QApplication.processEvents()
    assert area.contains(window.frameGeometry()) or area.contains(QRect(window.pos(), window.size()))
    bar = window.statusBar()
    bottom = bar.mapToGlobal(QPoint(0, bar.height() - 1))
    assert area.contains(bottom)


def test_undo_and_redo_say_what_they_did(window):
    title = window.actions_.add_node("title.overlay", (0, 0))
    window.show_message("cannot link two outputs")
    window.menu_actions["undo"].trigger()
    assert title not in window.document.graph.nodes
    assert window.status_label.text() == "Undone: Add Title"
    window.menu_actions["redo"].trigger()
    assert window.status_label.text() == "Redone: Add Title"


def test_a_drag_after_a_dismissed_context_menu_moves_nothing_else(window, monkeypatch):
    a = window.actions_.add_node("value.number", (0, 0))
    b = window.actions_.add_node("value.number", (400, 0))
    view, scene = window.view, window.scene
    view.reset_zoom()
    view.centerOn(200, 150)
    QApplication.processEvents()
    on_a = view.mapFromScene(QPointF(60, 40))

    class Dismissed:  # the menu, closed with Esc: its exec returns nothing
        def exec(self, *args):
            scene.select_nodes([a])  # as the real menu does for the node under the click
            return None

    import app.ui.canvas_menu as canvas_menu
    monkeypatch.setattr(canvas_menu, "build_canvas_menu", lambda *args: Dismissed())
    QTest.mousePress(view.viewport(), Qt.RightButton, Qt.NoModifier, on_a)
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Mouse, on_a,
                                                              view.viewport().mapToGlobal(on_a)))
    # The menu took the right button's release: the scene never saw it.
    assert scene.mouseGrabberItem() is None
    empty = view.mapFromScene(QPointF(200, 300))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, empty)
    QTest.mouseMove(view.viewport(), empty + QPoint(-20, 0))
    QTest.mouseMove(view.viewport(), empty + QPoint(-37, 0))
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, empty + QPoint(-37, 0))
    graph = window.document.graph
    assert graph.nodes[a].position == (0.0, 0.0) and graph.nodes[b].position == (400.0, 0.0)
