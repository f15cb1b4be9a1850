"""Copy/paste through the system clipboard (between windows and projects), and the undo history dock."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtGui import QGuiApplication

from tests.app.conftest import _window


def _linked_pair(window):
    add = window.actions_.add_node
    text, card = add("value.text", (0, 0)), add("image.title_card", (300, 0))
    window.actions_.connect_ports(text, "text", card, "text")
    window.actions_.set_param(card, "size", 14.0)
    return text, card


def test_paste_into_a_second_windows_project(window, qtbot, tmp_path):
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir(), second_dir.mkdir()
    (first_dir / "plate.png").write_bytes(b"x")
    image = window.actions_.add_node("media.import_image", (0, 300))
    window.actions_.set_param(image, "path", "plate.png")
    text, card = _linked_pair(window)
    window._save_to(first_dir / "one.aiprod")
    window.scene.select_nodes([text, card, image])
    window.menu_actions["copy"].trigger()
    # JSON text any editor or chat can carry (and that other window's paste reads back)
    assert json.loads(QGuiApplication.clipboard().text())["kind"] == "aiprod.nodes"

    other = _window(qtbot, window.registry)
    other.actions_.add_node("value.number", (0, 0))
    other._save_to(second_dir / "two.aiprod")
    existing = set(other.document.graph.nodes)
    other.menu_actions["paste"].trigger()
    graph = other.document.graph
    pasted = [graph.nodes[n] for n in graph.nodes if n not in existing]
    assert sorted(n.type_id for n in pasted) == ["image.title_card", "media.import_image", "value.text"]
    assert not set(n.id for n in pasted) & existing  # fresh ids where the target had them taken
    (link,) = graph.links.values()
    by_id = {n.id: n for n in pasted}
    assert by_id[link.src_node].type_id == "value.text" and by_id[link.dst_node].type_id == "image.title_card"
    assert by_id[link.dst_node].params["size"] == 14.0
    moved_image = next(n for n in pasted if n.type_id == "media.import_image")
    assert moved_image.params["path"] == str((first_dir / "plate.png").resolve())  # still finds the file
    assert other.document.stack.undo_text == "Paste 3 node(s)"
    other.document.stack.undo()  # one step
    assert set(graph.nodes) == existing and not graph.links
    assert len(window.document.graph.nodes) == 3  # the source is untouched


def test_duplicate_is_offset_by_a_grid_step_and_one_undo_step(window):
    text, card = _linked_pair(window)
    window.scene.select_nodes([text, card])
    window.menu_actions["duplicate"].trigger()
    graph = window.document.graph
    new = window.scene.selected_node_ids()
    assert len(new) == 2 and not set(new) & {text, card} and len(graph.links) == 2
    assert sorted(graph.nodes[n].position for n in new) == [(20.0, 20.0), (320.0, 20.0)]
    assert window.document.stack.undo_text == "Duplicate 2 node(s)"


def test_pasting_text_that_is_not_nodes_is_refused(window):
    QGuiApplication.clipboard().setText("hello")
    window.menu_actions["paste"].trigger()
    assert not window.document.graph.nodes and "no AIPROD nodes" in window.status_label.text()


def test_history_dock_lists_steps_and_clicking_walks_undo_redo(window):
    history = window.history
    assert history.entries() == ["Opened"]
    a = window.actions_.add_node("value.number", (0, 0))
    window.actions_.set_param(a, "value", 2.0)
    window.actions_.set_param(a, "value", 3.0)
    assert history.entries() == ["Opened", "Add Number", "Set Number: Value", "Set Number: Value"]
    assert history.currentRow() == 3
    history.itemClicked.emit(history.item(1))
    graph = window.document.graph
    assert graph.nodes[a].params["value"] == 0.0 and history.currentRow() == 1
    assert history.count() == 4  # undone steps stay listed, to be redone
    history.itemClicked.emit(history.item(3))
    assert graph.nodes[a].params["value"] == 3.0 and history.currentRow() == 3
    history.itemClicked.emit(history.item(0))
    assert not graph.nodes and not window.scene.nodes and history.currentRow() == 0
    history.go_to(2)
    assert graph.nodes[a].params["value"] == 2.0
    window.actions_.add_node("value.text", (0, 100))  # a new step drops the redo branch
    assert history.entries() == ["Opened", "Add Number", "Set Number: Value", "Add Text"]
    window.menu_actions["new"].trigger()
    assert history.entries() == ["Opened"]


def test_the_app_exits_cleanly_after_a_copy(tmp_path):
    """A copy must not leave a Python-made Qt object for Qt's static clean-up to delete after
    the interpreter has gone (that crashed the process on exit with SIGSEGV)."""
    script = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from app.ui import clipboard\n"
        "clipboard.put({'kind': 'aiprod.nodes', 'nodes': [], 'links': []})\n"
        "assert clipboard.get() is not None\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]


def test_paste_between_projects_in_different_folders_keeps_naming_the_same_files(window, qtbot, tmp_path,
                                                                                 monkeypatch):
    """A typed-relative path and a '~' path are copied as the files they name in the source project."""
    home, first_dir, second_dir = tmp_path / "home", tmp_path / "a", tmp_path / "b"
    for folder in (home, first_dir, second_dir):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (first_dir / "plate.png").write_bytes(b"x")
    (home / "still.png").write_bytes(b"y")
    window._save_to(first_dir / "one.aiprod")
    typed = window.actions_.add_node("media.import_image", (0, 0))
    window.actions_.set_param(typed, "path", "plate.png")
    from_home = window.actions_.add_node("media.import_image", (0, 300))
    window.actions_.set_param(from_home, "path", "~/still.png")
    window.scene.select_nodes([typed, from_home])
    window.menu_actions["copy"].trigger()

    other = _window(qtbot, window.registry)
    other._save_to(second_dir / "two.aiprod")
    other.menu_actions["paste"].trigger()
    pasted = {other.document.project.paths.file(n.params["path"]) for n in other.document.graph.nodes.values()}
    assert pasted == {first_dir / "plate.png", home / "still.png"}


def test_nodes_copied_by_an_older_version_are_upgraded_as_they_paste(window):
    """What an older build put on the clipboard (a Voice v2 script as text, an Export's format saved by
    its label) pastes as this version's node, as opening that build's project file would."""
    old = {"kind": "aiprod.nodes", "links": [], "nodes": [
        {"object": "Node.1", "id": "n1", "type": "sound.voice", "type_version": 2, "label": "Line",
         "position": [0, 0], "params": {"text": "ALICE: Hello there.", "speakers": "ALICE=en_US-joe-medium"}},
        {"object": "Node.1", "id": "n2", "type": "output.export", "type_version": 1, "label": "",
         "position": [300, 0], "params": {"format": "H.264 (yuv420p)"}}]}
    voice, export = window.actions_.paste_data(old)
    graph = window.document.graph
    assert graph.nodes[voice].params["lines"] == [{"speaker": "ALICE", "text": "Hello there."}]
    assert graph.nodes[voice].params["speakers"] == [{"speaker": "ALICE", "voice": "en_US-joe-medium"}]
    assert graph.nodes[voice].type_version == 3 and graph.nodes[voice].label == "Line"
    assert graph.nodes[export].params["format"] == "h264"
    unknown = {"kind": "aiprod.nodes", "links": [], "nodes": [
        {"object": "Node.1", "id": "n1", "type": "vendor.hologram", "type_version": 1, "params": {}}]}
    messages = []
    window.actions_.message.connect(messages.append)
    assert window.actions_.paste_data(unknown) == [] and "vendor.hologram" in messages[-1]
