"""The canvas's right-click menu: add a node where the click was, or act on the node under it."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QInputDialog, QMenu

from .node_item import NodeItem


def node_at(scene, pos: QPointF) -> NodeItem | None:
    return next((i for i in scene.items(pos) if isinstance(i, NodeItem)), None)


def build_canvas_menu(view, scene_pos: QPointF) -> QMenu:
    """The menu for a right-click at `scene_pos`; each entry goes through EditActions or the renderer."""
    scene = view.scene()
    menu = QMenu(view)
    node = node_at(scene, scene_pos)
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
    menu.addAction("Frame All", view.frame_all)
    return menu


def rename_node(view, node_id: str) -> None:
    graph = view.scene().document.graph
    current = graph.nodes[node_id].label
    label, ok = QInputDialog.getText(view, "Rename node", f"Label for {graph.display_name(node_id)}:", text=current)
    if ok:
        view.scene().actions.rename(node_id, label.strip())
