"""Table parameters in the inspector: typed cells, rows added/removed/moved, each change one undo step;
and a Sequence's shot order moved up and down from the inspector."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.nodes.sequence import Sequence
from app.ui.param_widgets import make_editor
from engine.schema import TimeParam

JOINS = Sequence.schema.param("joins")
ROWS = [{"join": 1, "transition": "cut", "seconds": 0.0},
        {"join": 3, "transition": "fade through black", "seconds": 0.5}]


def _recorder(editor):
    seen = []
    editor.edited.connect(lambda value, key: seen.append((value, key)))
    return seen


def test_cells_show_typed_values_and_set_value_reports_nothing(qtbot):
    editor = make_editor(JOINS, [])
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    editor.set_value(ROWS)
    assert seen == [] and editor.table.rowCount() == 2
    assert editor.table.item(1, 2).text() == "0.5 s" and editor.table.cellWidget(1, 1).currentText() == \
        "fade through black"
    assert [editor.table.horizontalHeaderItem(i).text() for i in range(3)] == ["Join", "Transition", "Seconds"]


def test_a_cell_edit_reports_the_whole_table_once_and_a_bad_cell_is_put_back_naming_row_and_column(qtbot):
    editor = make_editor(JOINS, ROWS)
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    editor.table.item(1, 2).setText("1.25s")
    assert seen == [([ROWS[0], {**ROWS[1], "seconds": 1.25}], None)]
    assert editor.table.item(1, 2).text() == "1.25 s"
    editor.table.cellWidget(0, 1).setCurrentText("dissolve")
    assert seen[-1] == ([{**ROWS[0], "transition": "dissolve"}, {**ROWS[1], "seconds": 1.25}], None)
    seen.clear()
    editor.table.item(1, 2).setText("soon")
    assert seen == [] and editor.table.item(1, 2).text() == "1.25 s"
    assert editor.message.text() == "joins row 2, column seconds: seconds: 'soon' is not a time; write seconds, " \
                                    "such as 2.5"
    editor.table.item(0, 0).setText("0")
    assert seen == [] and editor.message.text() == "joins row 1, column join: join must be at least 1, got 0"


def test_rows_are_added_removed_and_moved_each_as_one_edit(qtbot):
    editor = make_editor(JOINS, ROWS)
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    editor.table.selectRow(0)
    editor.add_button.click()
    assert seen[-1] == ([ROWS[0], JOINS.new_row(), ROWS[1]], None) and editor.selected_row() == 1
    editor.down_button.click()
    assert seen[-1][0] == [ROWS[0], ROWS[1], JOINS.new_row()] and editor.selected_row() == 2
    assert not editor.down_button.isEnabled()
    editor.table.selectRow(0)
    editor.remove_button.click()
    assert seen[-1][0] == [ROWS[1], JOINS.new_row()] and len(seen) == 3
    assert all(key is None for _, key in seen)


def test_a_time_parameter_is_seconds_in_a_spin_box(qtbot):
    editor = make_editor(TimeParam("offset", 1.5, max=60.0), 1.5)
    qtbot.addWidget(editor)
    seen = _recorder(editor)
    assert editor.spin.suffix() == " s" and editor.spin.value() == 1.5
    editor.spin.setValue(2.25)
    assert seen == [(2.25, None)]


def _sequence_of_three(window):
    actions, graph = window.actions_, window.document.graph
    seq = actions.add_node("edit.sequence", (400, 0))
    cards = [actions.add_node("title.overlay", (0, 120 * n)) for n in range(3)]
    for card in cards:
        assert actions.connect_ports(card, "frames", seq, "shots")
    return seq, cards, graph


def test_a_joins_edit_in_the_inspector_is_one_undo_step(window, qtbot):
    seq, _, graph = _sequence_of_three(window)
    window.scene.select_nodes([seq])
    editor = window.inspector.editors["joins"]
    depth = len(window.document.stack.history())
    editor.add_button.click()
    editor.table.cellWidget(0, 1).setCurrentText("cut")
    assert graph.nodes[seq].params["joins"] == [{"join": 1, "transition": "cut", "seconds": 1.0}]
    assert len(window.document.stack.history()) == depth + 2
    window.document.stack.undo()
    assert graph.nodes[seq].params["joins"] == [{"join": 1, "transition": "dissolve", "seconds": 1.0}]
    assert editor.table.cellWidget(0, 1).currentText() == "dissolve"  # the editor follows the undo


def test_the_shots_are_moved_up_and_down_from_the_inspector(window, qtbot):
    seq, cards, graph = _sequence_of_three(window)
    window.scene.select_nodes([seq])
    before = [l.src_node for l in graph.links_into(seq, "shots")]
    assert before == cards
    order = window.inspector.link_orders["shots"]
    assert order.list.count() == 3 and order.list.item(0).text().startswith("1. ")
    order.list.setCurrentRow(2)
    order.up_button.click()
    assert [l.src_node for l in graph.links_into(seq, "shots")] == [cards[0], cards[2], cards[1]]
    qtbot.waitUntil(lambda: window.inspector.link_orders.get("shots") is not order)
    again = window.inspector.link_orders["shots"]
    assert again.list.currentRow() == 1 and cards[2] in again.list.item(1).text()  # the moved shot stays selected
    again.up_button.click()
    assert [l.src_node for l in graph.links_into(seq, "shots")] == [cards[2], cards[0], cards[1]]
    window.document.stack.undo()
    window.document.stack.undo()
    assert [l.src_node for l in graph.links_into(seq, "shots")] == cards
    assert Qt  # (imported for the checkable-cell constants the editor uses)
