"""Disconnecting wires: Delete on a selected wire, the wire's right-click menu, and dragging a wire off an input."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.ui.canvas_menu import build_canvas_menu


def _linked(window):
    add = window.actions_.add_node
    bars, card, card2 = add("image.color_bars", (0, 0)), add("image.title_card", (400, 0)), \
        add("image.title_card", (400, 300))
    assert window.actions_.connect_ports(bars, "image", card, "background")
    window.view.frame_all()
    (link_id,) = window.document.graph.links
    return bars, card, card2, link_id


def _ends(window):
    return [(l.src_node, l.dst_node, l.dst_port) for l in window.document.graph.links.values()]


def _drag(window, start_item, end_point: QPoint) -> None:
    view = window.view
    start = view.mapFromScene(start_item.center())
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), (start + end_point) / 2)
    QTest.mouseMove(view.viewport(), end_point)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, end_point)


def test_delete_key_on_a_selected_wire_disconnects(window):
    _, _, _, link_id = _linked(window)
    window.scene.clearSelection()
    window.scene.wires[link_id].setSelected(True)
    window.activateWindow()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Delete)
    assert not window.document.graph.links and not window.scene.wires
    window.document.stack.undo()
    assert link_id in window.scene.wires


def test_wire_menu_disconnect_is_one_undo_step(window):
    _, _, _, link_id = _linked(window)
    wire = window.scene.wires[link_id]
    middle = wire.path().pointAtPercent(0.5)
    entries = {a.text(): a for a in build_canvas_menu(window.view, middle).actions()}
    assert "Add Node" not in entries
    entries["Disconnect"].trigger()
    assert not window.document.graph.links
    assert window.document.stack.undo_text.startswith("Disconnect")
    window.document.stack.undo()
    assert link_id in window.document.graph.links


def test_dragging_off_an_input_to_empty_space_disconnects(window):
    _, card, _, _ = _linked(window)
    view = window.view
    empty = view.mapFromScene(window.scene.nodes[card].inputs["background"].center()) + QPoint(-120, 160)
    assert window.scene.port_at(view.mapToScene(empty)) is None
    _drag(window, window.scene.nodes[card].inputs["background"], empty)
    assert not window.document.graph.links and not window.scene.wires
    window.document.stack.undo()
    assert len(window.scene.wires) == 1 and window.scene.wires[next(iter(window.scene.wires))].isVisible()


def test_dragging_off_an_input_onto_another_input_reconnects_in_one_step(window):
    bars, card, card2, _ = _linked(window)
    target = window.view.mapFromScene(window.scene.nodes[card2].inputs["background"].center())
    _drag(window, window.scene.nodes[card].inputs["background"], target)
    assert _ends(window) == [(bars, card2, "background")]
    window.document.stack.undo()
    assert _ends(window) == [(bars, card, "background")]


def test_dragging_off_an_input_and_back_changes_nothing(window):
    _, card, _, link_id = _linked(window)
    port = window.scene.nodes[card].inputs["background"]
    before = window.document.stack.history()
    _drag(window, port, window.view.mapFromScene(port.center()))
    assert link_id in window.document.graph.links and window.scene.wires[link_id].isVisible()
    assert window.document.stack.history() == before
