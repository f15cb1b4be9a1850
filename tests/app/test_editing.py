"""Editing through the editor's widgets: every edit is one undoable command, refusals are explained."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from engine.project import load_project, project_to_data


def test_palette_double_click_adds_a_node_then_undo_redo(window):
    palette = window.palette
    item = palette.item_for("value.number")
    palette.tree.itemActivated.emit(item, 0)
    graph = window.document.graph
    assert [n.type_id for n in graph.nodes.values()] == ["value.number"]
    node_id = next(iter(graph.nodes))
    assert node_id in window.scene.nodes and window.scene.selected_node_ids() == [node_id]
    assert window.windowTitle().startswith("Untitled *")
    window.menu_actions["undo"].trigger()
    assert not graph.nodes and not window.scene.nodes
    assert not window.windowTitle().startswith("Untitled *")
    window.menu_actions["redo"].trigger()
    assert list(graph.nodes) == [node_id] and node_id in window.scene.nodes


def test_palette_search_filters_types(window):
    window.palette.search.setText("bars")
    assert window.palette.visible_type_ids() == ["image.color_bars"]
    window.palette.search.setText("")
    assert len(window.palette.visible_type_ids()) == len(window.registry.types())


def test_drop_from_palette_adds_the_node_at_the_drop_point(window):
    view = window.view
    mime = window.palette.tree.mimeData([window.palette.item_for("image.color_bars")])
    target = QPoint(300, 200)
    event = QDropEvent(QPointF(target), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    view.dropEvent(event)
    node = next(iter(window.document.graph.nodes.values()))
    expected = view.mapToScene(target)
    assert node.type_id == "image.color_bars"
    assert abs(node.position[0] - expected.x()) <= 10 and abs(node.position[1] - expected.y()) <= 10
    assert node.position[0] % 20 == 0 and node.position[1] % 20 == 0  # snapped to the grid


def _two_nodes(window):
    add = window.actions_.add_node
    return add("value.text", (0, 0)), add("image.title_card", (300, 0)), add("image.color_bars", (0, 200))


def test_connect_ports_through_the_canvas_and_undo(window):
    text, card, _ = _two_nodes(window)
    scene, graph = window.scene, window.document.graph
    assert scene.connect_ports(scene.nodes[text].outputs["text"], scene.nodes[card].inputs["text"])
    (link,) = graph.links.values()
    assert (link.src_node, link.src_port, link.dst_node, link.dst_port) == (text, "text", card, "text")
    assert link.id in scene.wires
    window.document.stack.undo()
    assert not graph.links and not scene.wires
    window.document.stack.redo()
    assert len(graph.links) == 1 and len(scene.wires) == 1


def test_dragging_a_wire_with_the_mouse_connects(window):
    _, card, bars = _two_nodes(window)
    window.view.frame_all()
    scene, view = window.scene, window.view
    start = view.mapFromScene(scene.nodes[bars].outputs["image"].center())
    end = view.mapFromScene(scene.nodes[card].inputs["background"].center())
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), (start + end) / 2)
    QTest.mouseMove(view.viewport(), end)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, end)
    links = [(l.src_node, l.dst_node, l.dst_port) for l in window.document.graph.links.values()]
    assert links == [(bars, card, "background")]


def test_a_dragged_wire_marks_the_ports_that_take_it_and_says_why_others_refuse(window):
    text, card, bars = _two_nodes(window)
    window.view.frame_all()
    scene, view = window.scene, window.view
    text_out = scene.nodes[text].outputs["text"]
    start = view.mapFromScene(text_out.center())
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    inputs = scene.nodes[card].inputs
    assert inputs["text"].drop_state == "accepts"
    assert inputs["background"].drop_state == "refuses"  # an Image input does not take Text
    assert scene.nodes[bars].outputs["image"].drop_state is None  # outputs are not targets of an output
    # Over the refusing port: the reason is drawn beside the cursor, in red.
    over = view.mapFromScene(inputs["background"].center())
    QTest.mouseMove(view.viewport(), (start + over) / 2)
    QTest.mouseMove(view.viewport(), over)
    label = scene.drop_targets.label
    assert label.isVisible() and "does not accept Text" in label.text()
    assert label.brush().color().red() > label.brush().color().green()
    # Over the accepting one: what the link would be, in green.
    over = view.mapFromScene(inputs["text"].center())
    QTest.mouseMove(view.viewport(), over)
    assert label.isVisible() and label.text() == "link text → text"
    assert label.brush().color().green() > label.brush().color().red()
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, over)
    assert not label.isVisible()
    assert all(p.drop_state is None for item in scene.nodes.values() for p in (*item.inputs.values(), *item.outputs.values()))
    assert [(l.src_node, l.dst_node) for l in window.document.graph.links.values()] == [(text, card)]


def test_ports_that_would_close_a_loop_are_marked_as_refusing(window):
    graph = window.document.graph
    first = window.actions_.add_node("image.color_bars", (0, 0))
    grade = window.actions_.add_node("color.grade_image", (300, 0))
    window.actions_.connect_ports(first, "image", grade, "image")
    scene = window.scene
    scene.drop_targets.mark(scene.nodes[grade].outputs["image"])
    assert scene.nodes[grade].inputs["image"].drop_state == "refuses"  # its own input: a loop
    scene.drop_targets.clear()
    assert len(graph.links) == 1


def test_incompatible_link_is_refused_with_the_reason_shown(window):
    text, card, _ = _two_nodes(window)
    scene = window.scene
    depth = len(window.document.stack.history())
    assert not scene.connect_ports(scene.nodes[text].outputs["text"], scene.nodes[card].inputs["background"])
    assert not window.document.graph.links
    assert "does not accept Text" in window.status_label.text()
    assert len(window.document.stack.history()) == depth  # nothing recorded
    assert not scene.connect_ports(scene.nodes[text].outputs["text"], scene.nodes[card].outputs["image"])
    assert "two outputs" in window.status_label.text()


def test_inspector_edits_a_parameter_and_undo_puts_the_widget_back(window):
    card = window.actions_.add_node("image.title_card", (0, 0))
    window.scene.select_nodes([card])
    editor = window.inspector.editors["placement"]
    editor.combo.setCurrentText("lower third")
    graph = window.document.graph
    assert graph.nodes[card].params["placement"] == "lower third"
    assert window.document.stack.undo_text == "Set Title Card: Placement"
    window.document.stack.undo()
    assert graph.nodes[card].params["placement"] == "center"
    assert editor.combo.currentText() == "center"
    window.document.stack.redo()
    assert editor.combo.currentText() == "lower third"


def test_slider_drag_is_one_undo_step(window):
    card = window.actions_.add_node("image.title_card", (0, 0))
    window.scene.select_nodes([card])
    editor = window.inspector.editors["size"]
    depth = len(window.document.stack.history())
    editor.slider.setSliderDown(True)
    editor._start_drag()
    for position in (100, 200, 300, 400):
        editor.slider.setValue(position)
    editor.slider.setSliderDown(False)
    assert len(window.document.stack.history()) == depth + 1
    size = window.document.graph.nodes[card].params["size"]
    assert abs(size - (1 + 49 * 0.4)) < 1e-6 and abs(editor.spin.value() - size) < 1e-3
    window.document.stack.undo()
    assert window.document.graph.nodes[card].params["size"] == 8.0


def test_reset_to_default_and_seed_and_text_editors(window):
    card = window.actions_.add_node("image.title_card", (0, 0))
    window.scene.select_nodes([card])
    inspector, graph = window.inspector, window.document.graph
    inspector.editors["opacity"].spin.setValue(0.5)
    assert graph.nodes[card].params["opacity"] == 0.5
    inspector.reset("opacity")
    assert graph.nodes[card].params["opacity"] == 1.0
    text = inspector.editors["text"]
    depth = len(window.document.stack.history())
    text.edit.setPlainText("Hello")
    text.edit.setPlainText("Hello world")
    assert graph.nodes[card].params["text"] == "Hello world"
    assert len(window.document.stack.history()) == depth + 1  # typing in one go is one step


def test_moving_a_selection_is_one_grouped_command(window):
    a, b, _ = _two_nodes(window)
    scene, view = window.scene, window.view
    view.frame_all()
    scene.select_nodes([a, b])
    grab = view.mapFromScene(scene.nodes[a].scenePos() + QPointF(60, 10))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab)
    for step in range(1, 6):
        QTest.mouseMove(view.viewport(), grab + QPoint(step * 12, step * 8))
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab + QPoint(60, 40))
    graph = window.document.graph
    assert window.document.stack.undo_text == "Move 2 nodes"
    assert graph.nodes[a].position != (0.0, 0.0) and graph.nodes[b].position != (300.0, 0.0)
    assert all(v % 20 == 0 for v in graph.nodes[a].position)
    window.document.stack.undo()
    assert graph.nodes[a].position == (0.0, 0.0) and graph.nodes[b].position == (300.0, 0.0)
    assert scene.nodes[a].pos() == QPointF(0, 0)


def test_delete_duplicate_copy_paste(window):
    text, card, _ = _two_nodes(window)
    actions, graph, scene = window.actions_, window.document.graph, window.scene
    actions.connect_ports(text, "text", card, "text")
    scene.select_nodes([text, card])
    window.menu_actions["duplicate"].trigger()
    assert len(graph.nodes) == 5 and len(graph.links) == 2  # the inner link came along
    assert len(scene.selected_node_ids()) == 2
    window.document.stack.undo()
    scene.select_nodes([text, card])
    window.menu_actions["copy"].trigger()
    window.menu_actions["paste"].trigger()
    assert len(graph.nodes) == 5 and len(graph.links) == 2
    window.document.stack.undo()
    scene.select_nodes([text, card])
    window.menu_actions["delete"].trigger()
    assert set(graph.nodes) == {n for n in graph.nodes if n not in (text, card)} and not graph.links
    assert len(scene.nodes) == 1 and not scene.wires
    window.document.stack.undo()  # one step brings back both nodes and their link
    assert text in graph.nodes and card in graph.nodes and len(graph.links) == 1 and len(scene.wires) == 1


def test_save_reopen_and_compare(window, tmp_path):
    text, card, bars = _two_nodes(window)
    window.actions_.connect_ports(text, "text", card, "text")
    window.actions_.set_param(card, "size", 12.5)
    path = tmp_path / "film.aiprod"
    assert window._save_to(path)
    assert not window.document.is_dirty and "*" not in window.windowTitle() and "film" in window.windowTitle()
    saved = project_to_data(window.document.project, tmp_path)
    window.actions_.set_param(card, "size", 20.0)
    assert "*" in window.windowTitle()
    window.revert()
    assert window.document.graph.nodes[card].params["size"] == 12.5 and not window.document.is_dirty
    assert window.open_project(path)
    assert project_to_data(window.document.project, tmp_path) == saved
    assert set(window.scene.nodes) == {text, card, bars} and len(window.scene.wires) == 1
    reloaded = load_project(path, window.registry)
    assert reloaded.graph.nodes[card].params["size"] == 12.5


def test_opening_a_broken_project_shows_an_error_not_a_crash(window, tmp_path):
    bad = tmp_path / "bad.aiprod"
    bad.write_text("{ not json")
    assert not window.open_project(bad)
    assert window.errors and "broken JSON" in window.errors[0][1]
    assert window.document.path is None


def test_delete_a_selected_wire(window):
    text, card, _ = _two_nodes(window)
    window.actions_.connect_ports(text, "text", card, "text")
    (link_id,) = window.document.graph.links
    window.scene.clearSelection()
    window.scene.wires[link_id].setSelected(True)
    window.menu_actions["delete"].trigger()
    assert not window.document.graph.links and not window.scene.wires
    assert len(window.document.graph.nodes) == 3
    window.document.stack.undo()
    assert link_id in window.scene.wires


def test_canvas_menu_adds_at_the_click_and_acts_on_nodes(window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from app.ui.canvas_menu import build_canvas_menu

    def entries(menu):
        return {a.text(): a for a in menu.actions()}

    menu = build_canvas_menu(window.view, QPointF(400, 300))
    add = entries(menu)["Add Node"].menu()
    values = entries(add)["Values"].menu()
    entries(values)["Number"].trigger()
    (node,) = window.document.graph.nodes.values()
    assert node.type_id == "value.number" and node.position == (400.0, 300.0)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Gain", True))
    node_menu = build_canvas_menu(window.view, QPointF(420, 310))
    assert window.scene.selected_node_ids() == [node.id]
    entries(node_menu)["Rename…"].trigger()
    assert node.label == "Gain" and window.scene.nodes[node.id].title == "Gain"
    window.document.stack.undo()
    assert node.label == "" and window.scene.nodes[node.id].title == "Number"
    entries(node_menu)["Delete"].trigger()
    assert not window.document.graph.nodes


def test_a_loop_is_refused_with_the_reason_shown(window):
    text, card, bars = _two_nodes(window)
    second = window.actions_.add_node("image.title_card", (600, 0))
    scene = window.scene
    assert scene.connect_ports(scene.nodes[card].outputs["image"], scene.nodes[second].inputs["background"])
    assert not scene.connect_ports(scene.nodes[second].outputs["image"], scene.nodes[card].inputs["background"])
    assert "would make a loop" in window.status_label.text()
    assert len(window.document.graph.links) == 1


def test_a_locked_seed_is_kept_when_new_seeds_are_rolled_and_the_lock_undoes(window):
    add = window.actions_.add_node
    kept, rolled = add("sound.music", (0, 0)), add("sound.music", (0, 300))
    graph, stack = window.document.graph, window.document.stack
    window.scene.select_nodes([kept])
    editor = window.inspector.editors["seed"]
    assert not editor.lock.isChecked() and editor.spin.isEnabled()
    editor.lock.click()  # lock it through the widget
    assert editor.lock.isChecked() and not editor.spin.isEnabled() and not editor.dice.isEnabled()
    assert window.document.model.is_locked(kept, "seed") and len(window.document.model.seed_locks) == 1
    before = {n: graph.nodes[n].params.get("seed", 0) for n in (kept, rolled)}
    window.scene.clearSelection()
    window.menu_actions["new_seeds"].trigger()  # nothing selected: every node's unlocked seeds
    assert graph.nodes[kept].params.get("seed", 0) == before[kept]
    assert graph.nodes[rolled].params["seed"] != before[rolled]
    assert stack.undo_text.startswith("New seeds for 1")
    stack.undo()  # the roll, in one step
    assert graph.nodes[rolled].params.get("seed", 0) == before[rolled]
    window.scene.select_nodes([kept])
    stack.undo()  # the lock
    editor = window.inspector.editors["seed"]
    assert not editor.lock.isChecked() and editor.spin.isEnabled()
    assert not window.document.model.seed_locks


def test_the_voice_field_lists_the_installed_voices_and_still_takes_a_typed_name(window):
    from engine.audio.tts import BUILTIN_VOICE

    voice = window.actions_.add_node("sound.voice", (0, 0))
    window.scene.select_nodes([voice])
    editor = window.inspector.editors["voice"]
    assert editor.combo is not None
    assert [editor.combo.itemText(i) for i in range(editor.combo.count())] == [BUILTIN_VOICE]
    editor.combo.textActivated.emit(BUILTIN_VOICE)
    editor.line.setText("my-voice")
    editor.line.editingFinished.emit()
    assert window.document.graph.nodes[voice].params["voice"] == "my-voice"
    assert window.inspector.editors["lines"].__class__.__name__ == "TableEditor"  # the script is a table


def test_a_path_in_the_node_summary_shows_its_file_not_the_start_of_a_long_folder(window, tmp_path):
    """The model holds the full path the user chose; the canvas shows the end of it, where the file is."""
    still = tmp_path / "a" / "very" / "long" / "studio" / "folder" / "stills" / "dawn.jpg"
    node = window.actions_.add_node("media.import_image", (0, 0))
    window.actions_.set_param(node, "path", str(still))
    assert window.document.graph.nodes[node].params["path"] == str(still)
    assert "Path: stills/dawn.jpg" in window.scene.nodes[node].summary
