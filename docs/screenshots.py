"""Render the sample film in the editor, offscreen, and save docs/editor.png (1600x1000),
docs/timeline.png (the Timeline dock with a marker, the lake shot selected), docs/player.png
(the Preview's player, an A/B wipe of the grade against its input) and docs/scopes.png (the
graded dawn shot with its waveform, parade, vectorscope and histogram), docs/groups.png (the
lake shot closed into a group with its shown parameters, the dawn shot's group open),
docs/estimate.png (Render ▸ Estimate with every Scene on auto, after the render) and docs/qa.png (the
QA dock listing what the export's automatic check found once two faults are put in the film); with
--models, save docs/models.png, the Models dialog (Help ▸ Models) over a folder of tiny models.

    QT_QPA_PLATFORM=offscreen python docs/screenshots.py [OUTPUT.png]
    QT_QPA_PLATFORM=offscreen python docs/screenshots.py --models [OUTPUT.png]

The sample folder (project and stills) is copied to a temporary folder and its export writes
there, so taking the screenshot writes nothing into the repository but the picture, and uses a
private cache. The render takes about a minute on two cores. The models are the tests' tiny
random-weight pipelines (tests/tiny_models: torch and diffusers, the dev dependencies), built in a
temporary folder in about ten seconds, beside a pickle checkpoint and a file that is not a model,
for a project that names two models that are not installed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--models"]:
        print(models_screenshot(Path(argv[1]) if argv[1:] else ROOT / "docs" / "models.png"))
        return 0
    output = Path(argv[0]) if argv else ROOT / "docs" / "editor.png"
    with tempfile.TemporaryDirectory(prefix="aiprod-shot-") as tmp:
        os.environ["AIPROD_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ["AIPROD_DATA_DIR"] = str(Path(tmp) / "data")
        shutil.copytree(ROOT / "resources" / "examples", Path(tmp) / "examples")
        project = Path(tmp) / "examples" / "sample.aiprod"  # its export writes sample.mp4 beside it

        from app.editor import make_app, open_window, screenshot, wait_for_render

        make_app()
        window = open_window(str(project))
        window.render_all()
        wait_for_render(window, timeout_s=600)
        wait_for_thumbnails(window)
        window.scene.select_nodes(["dawn"])  # the preview shows the dawn shot, with a frame slider
        wait_for_preview(window)
        path = screenshot(window, output)
        print(timeline_screenshot(window, output.with_name("timeline.png")))
        print(player_screenshot(window, output.with_name("player.png")))
        print(scopes_screenshot(window, output.with_name("scopes.png")))
        print(groups_screenshot(window, output.with_name("groups.png")))
        print(estimate_screenshot(window, output.with_name("estimate.png")))
        print(qa_screenshot(window, output.with_name("qa.png")))
        window.document.stack.set_clean()
        window.close()
    print(path)
    return 0


def timeline_screenshot(window, output: Path) -> Path:
    """docs/timeline.png: the sample's Sequence and Mix as tracks, a marker, the lake shot selected."""
    from engine.timeline import edits

    panel = window.timeline
    window.docks["timeline"].raise_()
    stack = window.document.stack
    stack.push(edits.add_marker(window.document.graph, panel.view.timeline, 108, "Narration in", "green"))
    stack.push(edits.add_marker(window.document.graph, panel.view.timeline, 288, "City line", "yellow"))
    _wait_until(lambda: len(panel.view.timeline.markers) == 2, 10)
    window.scene.select_nodes(["lake"])
    panel.view.set_playhead(230)
    panel.fit()
    _wait_until(lambda: False, 0.5)
    panel.grab().save(str(output))
    stack.undo()
    stack.undo()
    return output


def scopes_screenshot(window, output: Path) -> Path:
    """docs/scopes.png: the Grade's colour wheels and the scopes of the graded dawn shot, side by side."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPainter, QPixmap

    preview = window.preview
    preview._end_compare()  # the player shot left a wipe on
    window.scene.select_nodes(["grade"])
    _wait_until(lambda: preview.player.source is not None, 60)
    preview.player.seek(150)
    _wait_until(lambda: preview.player.shown_frame == 150, 60)
    image = preview.picture.image
    # The inspector and scopes get the window's height: the wheels and scopes at a size that reads.
    hidden = [d for d in ("timeline", "preview") if window.docks[d].isVisible()]
    for name in hidden:
        window.docks[name].hide()
    window.resizeDocks([window.docks["scopes"]], [900], Qt.Horizontal)
    window.docks["scopes"].raise_()
    _wait_until(lambda: False, 1.0)
    window.scopes.show_image(image)  # the frame on show, at the dock's new size

    def measured_a_picture() -> bool:  # not the black of a frame still loading
        scopes = window.scopes.canvas.scopes
        return scopes is not None and scopes.histogram[:, 8:].sum() > 0
    _wait_until(measured_a_picture, 30)
    scopes = window.scopes.grab()
    window.docks["inspector"].raise_()
    _wait_until(lambda: False, 0.5)
    wheel = window.inspector.editors.get("lift")
    if wheel is not None:  # from the wheels down: the grading controls, not the header
        window.inspector.verticalScrollBar().setValue(max(0, wheel.mapTo(window.inspector.widget(), wheel.rect().topLeft()).y() - 120))
        _wait_until(lambda: False, 0.3)
    inspector = window.inspector.grab()
    for name in hidden:
        window.docks[name].show()
    picture = QPixmap(inspector.width() + scopes.width(), max(inspector.height(), scopes.height()))
    picture.fill(Qt.black)
    painter = QPainter(picture)
    painter.drawPixmap(0, 0, inspector)
    painter.drawPixmap(inspector.width(), 0, scopes)
    painter.end()
    picture.save(str(output))
    return output


def groups_screenshot(window, output: Path) -> Path:
    """docs/groups.png: the lake shot's nodes closed into one box, its duration, method and frame rate
    shown on it in the inspector; the dawn shot's group open, framed by its dashed outline."""
    from PySide6.QtCore import Qt

    from engine.group_commands import GroupNodes, set_collapsed, set_exposed

    stack, model = window.document.stack, window.document.model
    lake = stack.push(GroupNodes(["lake_a", "lake_b", "lake"], "Lake shot")).group_id
    for node_id, param in (("lake", "duration"), ("lake", "method"), ("lake", "fps")):
        stack.push(set_exposed(model, lake, node_id, param, True))
    dawn = stack.push(GroupNodes(["dawn_still", "push_in", "dawn"], "Dawn shot")).group_id
    stack.push(set_collapsed(model, dawn, False))
    window.docks["inspector"].raise_()
    window.resizeDocks([window.docks["preview"]], [600], Qt.Horizontal)  # the player shot widened it
    scene = window.scene
    scene.clearSelection()
    scene.groups.boxes[lake].setSelected(True)
    _wait_until(lambda: False, 0.5)
    # The picture's part of the graph: the shots' groups and where they go.
    window.view._frame([scene.groups.boxes[lake], scene.groups.frames[dawn], scene.nodes["cut"],
                        scene.nodes["opening"], scene.nodes["export"]])
    _wait_until(lambda: False, 1.0)
    window.grab().save(str(output))
    return output


def estimate_screenshot(window, output: Path) -> Path:
    """docs/estimate.png: Render ▸ Estimate of the sample with its Scenes set to auto, the render's measured
    seconds beside the estimates, a GPU budget set."""
    from engine.commands import SetParam

    from app.ui.estimate_dialog import EstimateDialog

    stack = window.document.stack
    for node_id in ("dawn", "lake", "night"):
        stack.push(SetParam(node_id, "method", "auto"))
    window.document.project.settings["gpu_budget_s"] = 600
    dialog = EstimateDialog(window, window.renderer.last_report)
    dialog.resize(1300, 330)
    dialog.show()
    _wait_until(lambda: False, 1.0)
    dialog.grab().save(str(output))
    dialog.close()
    return output


def qa_screenshot(window, output: Path) -> Path:
    """docs/qa.png: the QA dock after two real faults are rendered into the sample: the lake shot
    interpolated between two imports of one picture (so it stands still, as a stalled model's video
    does) and the Mix cut 2 s short of the picture. The export's own QA pass finds both."""
    from PySide6.QtCore import Qt

    from app.editor import wait_for_render
    from engine.commands import AddNode, CommandGroup, Connect, Disconnect

    graph = window.document.graph
    [second] = [link.id for link in graph.links_into("lake", "keyframes") if link.src_node == "lake_b"]
    window.document.stack.push(CommandGroup("Put two faults in the film", [
        Disconnect(second),
        AddNode("media.import_image", (0, 900), {"path": graph.nodes["lake_a"].params["path"]}, node_id="lake_again"),
        Connect("lake_again", "image", "lake", "keyframes"),
        AddNode("value.number", (2400, 900), {"value": 16.0}, label="Mix length", node_id="mix_length"),
        Connect("mix_length", "value", "mix", "length")]))
    window.render_all()
    wait_for_render(window, timeout_s=600)
    window.scene.select_nodes(["export"])
    window.docks["qa"].raise_()
    window.resizeDocks([window.docks["qa"]], [260], Qt.Vertical)
    _wait_until(lambda: window.qa_view.table.rowCount() >= 2, 30)
    _wait_until(lambda: False, 0.5)
    window.docks["qa"].grab().save(str(output))
    window.document.stack.undo()
    return output


def player_screenshot(window, output: Path) -> Path:
    """docs/player.png: the graded film in the player, wiped against the grade's input (A/B)."""
    from PySide6.QtCore import Qt

    preview = window.preview
    window.resizeDocks([window.docks["preview"]], [1000], Qt.Horizontal)
    window.resizeDocks([window.docks["preview"]], [640], Qt.Vertical)
    window.scene.select_nodes(["grade"])
    _wait_until(lambda: preview.player.source is not None, 60)
    preview.player.seek(150)  # inside the dawn shot
    preview.compare_with("cut")
    preview.picture.safe_areas = True
    _wait_until(lambda: preview.player.image_b is not None and preview.player.shown_frame == 150, 60)
    preview.picture.wipe = 0.45
    preview.picture.update()
    _wait_until(lambda: False, 0.5)
    preview.grab().save(str(output))
    return output


def models_screenshot(output: Path) -> Path:
    """The Models dialog listing a model folder of tiny models, with what a project lacks."""
    with tempfile.TemporaryDirectory(prefix="aiprod-shot-") as tmp:
        tmp = Path(tmp)
        for name, folder in (("CACHE", "cache"), ("DATA", "data"), ("CONFIG", "config")):
            os.environ[f"AIPROD_{name}_DIR"] = str(tmp / folder)
        models = tmp / "models"
        from tests import tiny_models

        for family in ("sdxl", "ltx-video", "stable-audio"):
            tiny_models.build(family, models / f"tiny-{family}")
        comfy = models / "ComfyUI" / "models" / "diffusion_models"  # a ComfyUI tree's single file
        comfy.mkdir(parents=True)
        made = tiny_models.build_single_file("flux1", tmp / "single")
        made.rename(comfy / made.name)
        (models / "old-model.ckpt").write_bytes(b"\x80\x04not really a pickle")
        (models / "notes.safetensors").write_bytes(b"\xff" * 64)  # not a model: listed as unreadable
        os.environ["AIPROD_MODEL_DIRS"] = str(models)

        from app.editor import make_app
        from app.ui.main_window import MainWindow
        from engine.commands import AddNode, Connect, UndoStack
        from engine.graph import Graph
        from engine.project import Project, save_project

        make_app()
        window = MainWindow()
        graph = Graph(window.registry)
        stack = UndoStack(graph)
        stack.push(AddNode("shot.keyframe", (0, 0), {"model": "tiny-sdxl", "prompt": "a fox at dawn"}, node_id="key"))
        stack.push(AddNode("shot.scene", (300, 0), {"method": "first/last-frame video",
                                                    "video_model": "wan2.1-flf2v-14b"}, node_id="scene"))
        stack.push(AddNode("sound.music", (0, 300), {"method": "diffusion", "audio_model": "stable-audio-open-1.0"},
                           node_id="music"))
        stack.push(Connect("key", "image", "scene", "keyframes"))
        dialogs: list = []
        window.exec_dialog = dialogs.append  # no modal loop: the dialogs are shown and grabbed here
        window.show()
        window.open_project(save_project(Project(graph, "fox"), tmp / "fox.aiprod"))
        dialogs.clear()  # the missing-models notice on open
        window.show_models()
        (dialog,) = dialogs
        dialog.show()
        _wait_until(lambda: not dialog.scanning)
        output.parent.mkdir(parents=True, exist_ok=True)
        if not dialog.grab().save(str(output)):
            raise OSError(f"cannot write the screenshot {output}")
        dialog.close()
        window.document.stack.set_clean()
        window.close()
    return output


def _wait_until(done, timeout_s: float = 60.0) -> None:
    import time

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    for _ in range(5):  # the layout after the last change
        QApplication.processEvents()
        # What the event loop would delete, processEvents() never does: without this, a dock tab bar Qt
        # has finished with stays on screen in the picture (a user's editor drops it at once).
        QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def wait_for_preview(window, timeout_s: float = 30.0) -> None:
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while window.preview.picture.image is None and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def wait_for_thumbnails(window, timeout_s: float = 60.0) -> None:
    """Until the nodes' pictures, read back from the cache after the render, are all drawn."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    QApplication.processEvents()
    while window.scene.thumbnails.pending and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
