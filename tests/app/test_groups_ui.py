"""Node groups in the editor: Ctrl+G closes the selection into one box whose ports carry the links that
cross its edge; the inspector edits the parameters shown on it; double-click opens it; it saves,
reopens and undoes like any edit."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.ui.group_item import GroupFrame, GroupItem
from app.ui.node_item import NodeItem
from engine.commands import AddNode, Connect
from engine.group_commands import set_exposed


def build(window):
    """Colour bars -> Grade Image -> Grade Image (look) -> Save Image; the two grades are grouped."""
    stack = window.document.stack
    stack.push(AddNode("image.color_bars", (0, 0), node_id="bars"))
    stack.push(AddNode("color.grade_image", (260, 0), {"exposure": 0.5}, node_id="warm"))
    stack.push(AddNode("color.grade_image", (520, 0), node_id="cool"))
    stack.push(AddNode("output.save_image", (780, 0), node_id="save"))
    stack.push(Connect("bars", "image", "warm", "image"))
    stack.push(Connect("warm", "image", "cool", "image"))
    stack.push(Connect("cool", "image", "save", "image"))


def grouped(window, qtbot) -> str:
    build(window)
    window.scene.select_nodes(["warm", "cool"])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_G, Qt.ControlModifier)
    (group_id,) = window.document.model.groups
    return group_id


def test_ctrl_g_closes_the_selection_into_one_box_wired_at_its_edge(window, qtbot):
    group_id = grouped(window, qtbot)
    scene = window.scene
    group = window.document.model.groups[group_id]
    assert group.nodes == ("warm", "cool") and group.collapsed
    assert group.title == "Grade Image group"  # named after the node it gives out
    box = scene.groups.boxes[group_id]
    assert not scene.nodes["warm"].isVisible() and not scene.nodes["cool"].isVisible()
    # The inside link is not drawn; the links crossing the edge end on the box's ports.
    inside = next(l.id for l in window.document.graph.links.values() if l.src_node == "warm")
    assert inside not in scene.wires
    into = next(w for w in scene.wires.values() if w.src.node_id == "bars")
    out = next(w for w in scene.wires.values() if w.dst.node_id == "save")
    assert into.dst.parentItem() is box and out.src.parentItem() is box
    assert into.dst.center() == box.inputs[("warm", "image")].scenePos()
    # What crosses the edge, and what the group gives out unlinked (Cool's grade): a wire can take it.
    assert list(box.inputs) == [("warm", "image")] and list(box.outputs) == [("cool", "image"), ("cool", "grade")]
    # Moving the box drags its wires along.
    before = out.path().pointAtPercent(0)
    box.setPos(box.pos().x() + 100, box.pos().y() + 40)
    assert out.path().pointAtPercent(0) != before
    assert window.document.stack.undo_text == "Group 2 nodes as 'Grade Image group'"


def test_the_group_inspector_edits_the_shown_parameters_of_the_nodes_inside(window, qtbot):
    group_id = grouped(window, qtbot)
    model = window.document.model
    window.document.stack.push(set_exposed(model, group_id, "warm", "exposure", True))
    window.document.stack.push(set_exposed(model, group_id, "cool", "saturation", True))
    window.scene.clearSelection()
    window.scene.groups.boxes[group_id].setSelected(True)
    qtbot.waitUntil(lambda: window.inspector.group_page is not None
                    and len(window.inspector.group_page.editors) == 2, timeout=3000)
    page = window.inspector.group_page
    assert list(page.editors) == [("warm", "exposure"), ("cool", "saturation")]
    page.editors[("cool", "saturation")].edited.emit(0.25, None)
    assert window.document.graph.nodes["cool"].params["saturation"] == 0.25
    assert window.document.stack.undo_text.endswith("Saturation")
    window.document.stack.undo()
    assert page.editors[("cool", "saturation")].param.coerce(1.0) == 1.0
    assert window.document.graph.nodes["cool"].params.get("saturation", 1.0) == 1.0
    # The box lists the shown values; the preview shows what the group gives out.
    assert any(line.startswith("Exposure: 0.5") for line in window.scene.groups.boxes[group_id].shown)
    assert window.preview.node_id == "cool"
    # Choosing parameters from the menu is an undoable edit too.
    menu = page.choose.menu()
    warm_menu = next(a.menu() for a in menu.actions() if a.text() == "Grade Image" and a.menu())
    gain = next(a for a in warm_menu.actions() if a.text() == "Gain")
    gain.setChecked(True)
    assert ("warm", "gain") in model.groups[group_id].exposed


def test_double_click_opens_the_group_and_its_tab_closes_it(window, qtbot):
    group_id = grouped(window, qtbot)
    scene, view = window.scene, window.view
    box = scene.groups.boxes[group_id]
    view.centerOn(box)
    point = view.mapFromScene(box.sceneBoundingRect().center())
    qtbot.mouseDClick(view.viewport(), Qt.LeftButton, pos=point)
    assert not window.document.model.groups[group_id].collapsed
    assert scene.nodes["warm"].isVisible() and group_id not in scene.groups.boxes
    frame = scene.groups.frames[group_id]
    assert isinstance(frame, GroupFrame)
    assert frame.sceneBoundingRect().contains(scene.nodes["cool"].sceneBoundingRect())
    inside = next(l.id for l in window.document.graph.links.values() if l.src_node == "warm")
    assert inside in scene.wires and scene.wires[inside].dst.parentItem() is scene.nodes["cool"]
    tab = view.mapFromScene(frame.title_rect().center())
    qtbot.mouseDClick(view.viewport(), Qt.LeftButton, pos=tab)
    assert window.document.model.groups[group_id].collapsed and not scene.nodes["warm"].isVisible()


def test_deleting_a_selected_box_deletes_its_nodes_and_undo_brings_all_back(window, qtbot):
    group_id = grouped(window, qtbot)
    scene = window.scene
    scene.clearSelection()
    scene.groups.boxes[group_id].setSelected(True)
    window.delete_selection()
    graph = window.document.graph
    assert "warm" not in graph.nodes and "cool" not in graph.nodes and not window.document.model.groups
    assert not any(isinstance(i, GroupItem) for i in scene.items())
    window.document.stack.undo()
    assert {"warm", "cool"} <= set(graph.nodes) and window.document.model.groups[group_id].nodes == ("warm", "cool")
    box = scene.groups.boxes[group_id]
    assert not scene.nodes["warm"].isVisible()
    assert any(w.dst.parentItem() is box for w in scene.wires.values())


def test_a_group_saves_and_reopens_closed_with_its_shown_parameters(window, qtbot, tmp_path):
    group_id = grouped(window, qtbot)
    window.document.stack.push(set_exposed(window.document.model, group_id, "warm", "exposure", True))
    path = tmp_path / "grouped.aiprod"
    window.document.save(path)
    window.open_project(str(path))
    scene = window.scene
    group = window.document.model.groups[group_id]
    assert group.exposed == (("warm", "exposure"),) and group.collapsed
    assert group_id in scene.groups.boxes and not scene.nodes["warm"].isVisible()
    assert [i for i in scene.items() if isinstance(i, NodeItem) and i.isVisible()] == \
        [i for i in scene.items() if isinstance(i, NodeItem) and i.node_id in ("bars", "save")]
    window.ungroup_selection()  # nothing selected: says so, changes nothing
    assert window.document.model.groups
    scene.select_nodes(["warm"])  # a node inside a closed group selects its box
    assert scene.selected_group_id() == group_id
    window.ungroup_selection()
    assert not window.document.model.groups and scene.nodes["warm"].isVisible()


def test_a_copied_group_pastes_as_a_group_of_the_copies_in_one_undo_step(window, qtbot):
    group_id = grouped(window, qtbot)
    model, scene, view = window.document.model, window.scene, window.view
    model_stack = window.document.stack
    model_stack.push(set_exposed(model, group_id, "warm", "exposure", True))
    original = model.groups[group_id]
    scene.clearSelection()
    scene.groups.boxes[group_id].setSelected(True)  # the closed box, as a click on it selects it
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_C, Qt.ControlModifier)
    before = set(window.document.graph.nodes)
    qtbot.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    graph = window.document.graph
    copies = [n for n in graph.nodes if n not in before]
    assert sorted(graph.nodes[n].type_id for n in copies) == ["color.grade_image", "color.grade_image"]
    (pasted_id,) = set(model.groups) - {group_id}
    pasted = model.groups[pasted_id]
    assert set(pasted.nodes) == set(copies) and pasted.collapsed
    assert (pasted.title, pasted.color) == (original.title, original.color)
    warm_copy = next(n for n in copies if graph.nodes[n].params["exposure"] == 0.5)
    assert pasted.exposed == ((warm_copy, "exposure"),)  # shown on the copy, for the copy's node
    assert pasted.position[0] > original.position[0] and pasted.position[1] > original.position[1]
    assert pasted_id in scene.groups.boxes and scene.selected_group_id() == pasted_id  # the paste is selected
    assert not any(scene.nodes[n].isVisible() for n in copies)  # closed, like the group copied
    assert model_stack.undo_text == "Paste 2 node(s)"
    model_stack.undo()  # one step: the nodes, their link and the group
    assert set(graph.nodes) == before and set(model.groups) == {group_id}
    model_stack.redo()
    assert model.groups[pasted_id].nodes == pasted.nodes  # the same ids again


def test_a_group_goes_with_a_copy_only_when_all_its_nodes_do(window, qtbot):
    grouped(window, qtbot)
    data = window.actions_.copy_data(["warm", "save"])
    assert data["groups"] == []  # half a group pastes as plain nodes
    duplicated = window.actions_.duplicate(["bars", "warm", "cool"])
    assert len(duplicated) == 3 and len(window.document.model.groups) == 2


def test_a_hostile_group_on_the_clipboard_pastes_nothing_and_says_why(window, qtbot):
    grouped(window, qtbot)
    data = window.actions_.copy_data(["warm", "cool"])
    messages = []
    window.actions_.message.connect(messages.append)
    before = (set(window.document.graph.nodes), set(window.document.model.groups))
    for broken in ({"color": "red; drop"}, {"nodes": ["warm", "elsewhere"]}, {"collapsed": "yes"},
                   {"exposed": [["warm", 3]]}, {"position": ["x", 0]}):
        hostile = dict(data, groups=[dict(data["groups"][0], **broken)])
        assert window.actions_.paste_data(hostile) == []
        assert messages[-1].startswith("cannot paste") and "\n" not in messages[-1]
        assert (set(window.document.graph.nodes), set(window.document.model.groups)) == before


def test_a_wire_dragged_to_a_closed_box_marks_its_ports_and_links_the_node_inside(window, qtbot):
    group_id = grouped(window, qtbot)
    stack, scene, view = window.document.stack, window.scene, window.view
    stack.push(AddNode("output.save_image", (1040, 200), node_id="second"))
    view.frame_all()
    qtbot.wait(20)
    box = scene.groups.boxes[group_id]
    inside_out, inside_in = box.outputs[("cool", "image")], box.inputs[("warm", "image")]
    start = view.mapFromScene(scene.nodes["second"].inputs["image"].center())
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    assert inside_out.drop_state == "accepts"  # the box's output stands for Cool's: a picture
    assert inside_in.drop_state is None  # an input is no target for an input
    end = view.mapFromScene(inside_out.center())
    QTest.mouseMove(view.viewport(), (start + end) / 2)
    QTest.mouseMove(view.viewport(), end)
    assert scene.drop_targets.label.text() == "link image → image"
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, end)
    assert inside_out.drop_state is None
    links = {(l.src_node, l.dst_node) for l in window.document.graph.links.values()}
    assert ("cool", "second") in links


def test_an_open_groups_outline_follows_its_node_while_it_is_dragged(window, qtbot):
    group_id = grouped(window, qtbot)
    scene, view = window.scene, window.view
    scene.groups.expand(group_id)
    view.frame_all()
    qtbot.wait(20)
    frame, node = scene.groups.frames[group_id], scene.nodes["cool"]
    grab = view.mapFromScene(node.sceneBoundingRect().center().x(), node.sceneBoundingRect().top() + 8)
    shift = QPoint(0, round(300 * view.zoom))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab)
    for step in range(1, 5):
        QTest.mouseMove(view.viewport(), grab + shift * step / 4)
    assert node.pos().y() > 200  # still held: nothing is pushed yet
    assert frame.boundingRect().contains(node.sceneBoundingRect())  # the outline is already round it
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, grab + shift)
    assert window.document.graph.nodes["cool"].position[1] > 200


def test_a_closed_box_offers_what_its_group_gives_out_and_needs_even_unlinked(window, qtbot):
    """A group closed before it was wired: its unlinked outputs and required inputs are on the box, so a
    wire dropped there links the node inside, and the port keeps its place once linked."""
    stack, scene, view = window.document.stack, window.scene, window.view
    stack.push(AddNode("color.grade_image", (0, 0), node_id="warm"))
    stack.push(AddNode("color.grade_image", (260, 0), node_id="cool"))
    stack.push(AddNode("output.save_image", (700, 0), node_id="save"))
    stack.push(Connect("warm", "image", "cool", "image"))
    scene.select_nodes(["warm", "cool"])
    window.group_selection()
    (group_id,) = window.document.model.groups
    box = scene.groups.boxes[group_id]
    assert list(box.inputs) == [("warm", "image")]  # required, linked to nothing yet
    assert list(box.outputs) == [("cool", "image"), ("cool", "grade")]  # Warm feeds Cool: not given out
    view.frame_all()
    qtbot.wait(20)
    start = view.mapFromScene(box.outputs[("cool", "image")].center())
    end = view.mapFromScene(scene.nodes["save"].inputs["image"].center())
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), (start + end) / 2)
    QTest.mouseMove(view.viewport(), end)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, end)
    assert [(l.src_node, l.dst_node) for l in window.document.graph.links.values()][-1] == ("cool", "save")
    box = scene.groups.boxes[group_id]
    assert list(box.outputs) == [("cool", "image"), ("cool", "grade")]  # the same places, now one is linked
    stack.push(AddNode("image.color_bars", (0, 400), node_id="bars"))
    stack.push(AddNode("shot.scene", (260, 400), node_id="shot"))
    stack.push(Connect("bars", "image", "shot", "keyframes"))
    scene.select_nodes(["bars", "shot"])
    window.group_selection()
    shot_box = scene.groups.box_of("shot")
    assert list(shot_box.outputs) == [("shot", "frames")]  # not its sound, which only some methods give
    assert list(shot_box.inputs) == []  # its camera and duration inputs are optional
