"""Presets: a selection saved by name is listed in the palette (also in the next window), and choosing
it adds the same nodes with the links among them in one undo step; a damaged preset file is skipped
with a line in the log."""

from __future__ import annotations

from app.ui.palette import PRESET_ROLE
from app.ui.presets import presets_dir
from engine.commands import AddNode, Connect


def test_a_selection_saved_as_a_preset_is_added_again_from_the_palette(window, qtbot):
    stack = window.document.stack
    stack.push(AddNode("image.color_bars", (0, 0), node_id="bars"))
    stack.push(AddNode("color.grade_image", (200, 0), {"exposure": 1.5}, label="Bright", node_id="bright"))
    stack.push(Connect("bars", "image", "bright", "image"))
    window.scene.select_nodes(["bars", "bright"])
    assert window.save_selection_as_preset("Bars, brightened")
    item, = window.palette.preset_items()
    assert item.text(0) == "Bars, brightened"
    before = set(window.document.graph.nodes)
    steps = len(stack.history())
    window.palette.tree.itemActivated.emit(item, 0)
    graph = window.document.graph
    added = set(graph.nodes) - before
    assert len(added) == 2 and len(stack.history()) == steps + 1
    copy = next(graph.nodes[n] for n in added if graph.nodes[n].type_id == "color.grade_image")
    assert copy.params["exposure"] == 1.5 and copy.label == "Bright"
    assert any(l.dst_node == copy.id and l.src_node in added for l in graph.links.values())


def test_presets_are_listed_in_a_new_window_and_a_bad_file_is_skipped(window, qtbot):
    from tests.app.conftest import _window

    window.document.stack.push(AddNode("image.color_bars", (0, 0), node_id="bars"))
    window.scene.select_nodes(["bars"])
    assert window.save_selection_as_preset("Bars")
    (presets_dir() / "broken.json").write_text("{ not json")
    other = _window(qtbot, window.registry)
    assert [i.text(0) for i in other.palette.preset_items()] == ["Bars"]
    assert other.palette.preset_items()[0].data(0, PRESET_ROLE).endswith("Bars.json")


def test_nothing_selected_is_refused_in_words(window):
    assert not window.save_selection_as_preset("Empty")
    assert "select the nodes" in window.status_label.text()
