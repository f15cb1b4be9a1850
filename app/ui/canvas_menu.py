"""The canvas's right-click menu: add a node where the click was, or act on the node, group, wire or backdrop
under it."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QInputDialog, QMenu

from engine.project_model import BACKDROP_COLORS

from engine.group_commands import EditGroup, set_collapsed

from . import backdrop_model as bm
from .group_inspector import group_title
from .group_item import GroupFrame, GroupItem
from .node_item import NodeItem
from .wire_item import WireItem


def node_at(scene, pos: QPointF) -> NodeItem | None:
    return next((i for i in scene.items(pos) if isinstance(i, NodeItem)), None)


def group_at(scene, pos: QPointF) -> GroupItem | GroupFrame | None:
    """A closed group's box, or an open group's title tab, under `pos`."""
    return next((i for i in scene.items(pos) if isinstance(i, (GroupItem, GroupFrame))), None)


def _group_menu(view, menu: QMenu, item) -> QMenu:
    scene = view.scene()
    model, group_id = scene.document.model, item.group_id
    if isinstance(item, GroupItem):
        if not item.isSelected():
            scene.clearSelection()
            item.setSelected(True)
        menu.addAction("Open Group", lambda: scene.actions.push(set_collapsed(model, group_id, False)))
    else:
        menu.addAction("Close Group", lambda: scene.actions.push(set_collapsed(model, group_id, True)))
    menu.addAction("Rename Group…", lambda: rename_group(view, group_id))
    menu.addAction("Ungroup", lambda: scene.actions.ungroup(group_id))
    if isinstance(item, GroupItem):
        menu.addSeparator()
        menu.addAction("Delete Group and Its Nodes",
                       lambda: scene.actions.delete(list(model.groups[group_id].nodes)))
    return menu


def wire_at(scene, pos: QPointF) -> WireItem | None:
    """A link's wire under `pos` (not the dashed one being dragged)."""
    return next((i for i in scene.items(pos) if isinstance(i, WireItem) and i.link_id in scene.wires), None)


def build_canvas_menu(view, scene_pos: QPointF) -> QMenu:
    """The menu for a right-click at `scene_pos`; each entry goes through EditActions or the renderer."""
    scene = view.scene()
    menu = QMenu(view)
    node = node_at(scene, scene_pos)
    group = group_at(scene, scene_pos) if node is None else None
    if group is not None:
        return _group_menu(view, menu, group)
    wire = wire_at(scene, scene_pos) if node is None else None
    if wire is not None:
        link_id = wire.link_id
        menu.addAction("Disconnect", lambda: scene.actions.disconnect([link_id]))
        return menu
    if node is not None:
        node_id = node.node_id
        if node_id not in scene.selected_node_ids():
            scene.select_nodes([node_id])
        run = menu.addAction("Run to Here", lambda: scene.renderer.run_to(node_id))
        run.setEnabled(not scene.renderer.is_running)
        menu.addAction("Rename…", lambda: rename_node(view, node_id))
        menu.addSeparator()
        selected = scene.selected_node_ids
        menu.addAction("Duplicate", lambda: scene.select_nodes(scene.actions.duplicate(selected())))
        menu.addAction("Copy", lambda: scene.actions.copy(selected()))
        menu.addAction("Delete", lambda: scene.actions.delete(selected(), scene.selected_link_ids()))
        menu.addSeparator()
        menu.addAction("Add Backdrop Around Selection", lambda: add_backdrop_around(scene, selected()))
        grouping = menu.addAction("Group Selection", lambda: scene.actions.group_nodes(
            selected(), group_title(scene.document.graph, selected())))
        grouping.setShortcut("Ctrl+G")
        grouping.setEnabled(len(selected()) > 1)
        return menu
    add = menu.addMenu("Add Node")
    for category, types in scene.document.registry.categories().items():
        sub = add.addMenu(category)
        for node_type in types:
            schema = node_type.schema
            action = sub.addAction(schema.title, lambda t=schema.type_id: view.add_node_at(t, scene_pos))
            action.setToolTip(schema.help)
        sub.setToolTipsVisible(True)
    menu.addAction("Paste", lambda: scene.select_nodes(scene.actions.paste()))
    menu.addSeparator()
    backdrop = scene.backdrops.at(scene_pos)
    if backdrop is not None:
        backdrop_id = backdrop.backdrop_id
        menu.addAction("Rename Backdrop…", lambda: rename_backdrop(view, backdrop_id))
        colours = menu.addMenu("Backdrop Colour")
        for colour in BACKDROP_COLORS:
            colours.addAction(colour, lambda c=colour: bm.update_backdrop(scene.document, backdrop_id,
                                                                          "Colour backdrop", color=c))
        menu.addAction("Delete Backdrop", lambda: bm.remove_backdrop(scene.document, backdrop_id))
    else:
        rect = (scene_pos.x(), scene_pos.y(), 400.0, 300.0)
        menu.addAction("Add Backdrop", lambda: bm.add_backdrop(scene.document, rect))
    menu.addSeparator()
    menu.addAction("Frame Selected", view.frame_selected)
    menu.addAction("Frame All", view.frame_all)
    return menu


def rename_node(view, node_id: str) -> None:
    graph = view.scene().document.graph
    current = graph.nodes[node_id].label
    label, ok = QInputDialog.getText(view, "Rename node", f"Label for {graph.display_name(node_id)}:", text=current)
    if ok:
        view.scene().actions.rename(node_id, label.strip())


def add_backdrop_around(scene, node_ids: list[str]) -> str | None:
    rects = [scene.nodes[n].sceneBoundingRect() for n in node_ids if n in scene.nodes]
    if not rects:
        return None
    return bm.add_backdrop(scene.document, bm.frame_rect([(r.x(), r.y(), r.width(), r.height()) for r in rects]))


def rename_backdrop(view, backdrop_id: str) -> None:
    document = view.scene().document
    current = view.scene().document.model.backdrops[backdrop_id].title
    title, ok = QInputDialog.getText(view, "Rename backdrop", "Title:", text=current)
    if ok and title.strip() != current:
        bm.update_backdrop(document, backdrop_id, "Rename backdrop", title=title.strip())


def rename_group(view, group_id: str) -> None:
    scene = view.scene()
    current = scene.document.model.groups[group_id].title
    title, ok = QInputDialog.getText(view, "Rename group", "Title:", text=current)
    if ok and title.strip() and title.strip() != current:
        scene.actions.push(EditGroup(group_id, f"Rename group {current!r} to {title.strip()!r}", title=title.strip()))
