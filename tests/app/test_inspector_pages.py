"""The inspector keeps a page per node type and binds it to the node selected: a second node of a
type already seen is shown without building widgets, and shows its own values, links and locks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget


def _widgets_built(window) -> int:
    return len(window.inspector.stack.findChildren(QWidget))


def test_a_second_node_of_a_type_reuses_its_page_with_its_own_values_links_and_locks(window, qtbot):
    add, graph = window.actions_.add_node, window.document.graph
    first, second = add("image.title_card", (0, 0)), add("image.title_card", (300, 0))
    text = add("value.text", (0, 200))
    window.actions_.set_param(first, "opacity", 0.25)
    window.actions_.set_param(second, "opacity", 0.75)
    assert window.scene.connect_ports(window.scene.nodes[text].outputs["text"], window.scene.nodes[second].inputs["text"])
    window.scene.select_nodes([first])
    page, editors = window.inspector.stack.currentWidget(), window.inspector.editors
    assert abs(editors["opacity"].spin.value() - 0.25) < 1e-6 and editors["text"].isEnabled()
    window.scene.select_nodes([text])
    built = _widgets_built(window)
    window.scene.select_nodes([second])
    assert window.inspector.stack.currentWidget() is page and window.inspector.editors is editors
    assert _widgets_built(window) == built  # nothing built
    assert abs(editors["opacity"].spin.value() - 0.75) < 1e-6
    assert not editors["text"].isEnabled() and "linked input" in editors["text"].toolTip()
    assert "Title Card" in page.title.text()
    editors["opacity"].spin.setValue(0.5)  # an edit lands on the node shown, not the page's first
    assert graph.nodes[second].params["opacity"] == 0.5 and graph.nodes[first].params["opacity"] == 0.25
    window.scene.select_nodes([first])
    assert editors["text"].isEnabled() and editors["text"].toolTip() == editors["text"].param.help


def test_a_seed_lock_is_the_nodes_own_on_a_shared_page(window):
    add = window.actions_.add_node
    locked, free = add("sound.music", (0, 0)), add("sound.music", (300, 0))
    window.scene.select_nodes([locked])
    seed = window.inspector.editors["seed"]
    seed.lock.click()
    assert window.document.model.is_locked(locked, "seed") and not seed.spin.isEnabled()
    window.scene.select_nodes([free])
    assert window.inspector.editors["seed"] is seed
    assert not seed.lock.isChecked() and seed.spin.isEnabled()
    seed.lock.click()  # the lock goes to the node shown
    assert window.document.model.is_locked(free, "seed")
    window.document.stack.undo()
    assert not window.document.model.is_locked(free, "seed") and window.document.model.is_locked(locked, "seed")


def test_a_half_typed_value_never_lands_on_the_next_node(window, qtbot):
    add, graph = window.actions_.add_node, window.document.graph
    first, second = add("image.title_card", (0, 0)), add("image.title_card", (300, 0))
    window.scene.select_nodes([first])
    font = window.inspector.editors["font"]
    font.line.setFocus()
    qtbot.waitUntil(font.line.hasFocus, timeout=2000)
    QTest.keyClicks(font.line, "half")
    window.scene.select_nodes([second])  # a keyboard selection: no click took the focus first
    QTest.keyClick(window.view, Qt.Key_Escape)
    assert graph.nodes[first].params["font"] == "" and graph.nodes[second].params["font"] == ""
    assert font.line.text() == ""


def test_a_short_page_after_a_long_one_has_no_scroll_range(window, qtbot):
    window.resize(1200, 700)
    add = window.actions_.add_node
    long_one, short_one = add("shot.scene", (0, 0)), add("value.number", (300, 0))
    window.scene.select_nodes([long_one])
    bar = window.inspector.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)  # the Scene's page is taller than the dock
    window.scene.select_nodes([short_one])
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=2000)


def test_pages_kept_are_bounded(window, monkeypatch):
    from app.ui import inspector as inspector_module

    monkeypatch.setattr(inspector_module, "KEPT_PAGES", 2)
    add = window.actions_.add_node
    nodes = [add(type_id, (i * 300, 0)) for i, type_id in
             enumerate(("image.title_card", "value.number", "image.color_bars", "value.text"))]
    for node_id in nodes:
        window.scene.select_nodes([node_id])
    assert len(window.inspector.pages) == 2
    assert window.inspector.stack.count() == 3  # the two pages and the hint


def test_the_pages_of_a_projects_node_types_are_built_ahead_of_the_first_click(window, qtbot, sample_path):
    assert window.open_project(sample_path)
    inspector, graph = window.inspector, window.document.graph
    qtbot.waitUntil(lambda: not inspector._preparing.isActive(), timeout=10_000)
    types = {node.type_id for node in graph.nodes.values()}
    assert len(inspector.pages) == len(types) and all(page.complete for page in inspector.pages.values())
    built = _widgets_built(window)
    for node_id, node in graph.nodes.items():
        window.scene.select_nodes([node_id])
        assert set(inspector.editors) == {p.name for p in graph.schema_of(node_id).params}
    assert _widgets_built(window) == built  # every first click found its page ready


def test_a_click_on_a_page_still_being_prepared_finishes_it(window, qtbot):
    add = window.actions_.add_node
    node_id = add("shot.camera_path", (0, 0))
    window.inspector.prepare_pages(["shot.camera_path"])
    window.inspector._prepare_step()  # its first slice: the page exists, some rows built
    (page,) = window.inspector.pages.values()
    assert not page.complete
    window.scene.select_nodes([node_id])
    assert page.complete and window.inspector.stack.currentWidget() is page
    assert set(window.inspector.editors) == {p.name for p in window.document.graph.schema_of(node_id).params}


def test_every_node_types_page_fits_a_narrow_inspector_without_scrolling_sideways(window):
    """A dock 360 px wide: a label goes above its editor and a table's buttons are signs, so no
    page is wider than that (a Camera Path's page was 512 px wide, and the inspector scrolled)."""
    add = window.actions_.add_node
    too_wide = {}
    for index, node_type in enumerate(window.registry.types()):
        type_id = node_type.schema.type_id
        node_id = add(type_id, (index * 300, 0))
        window.scene.select_nodes([node_id])
        width = window.inspector.stack.currentWidget().minimumSizeHint().width()
        if width > 360:
            too_wide[type_id] = width
    assert not too_wide
