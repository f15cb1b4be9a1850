"""Render the sample film in the editor, offscreen, and save docs/editor.png (1600x1000).

    QT_QPA_PLATFORM=offscreen python docs/screenshots.py [OUTPUT.png]

The sample folder (project and stills) is copied to a temporary folder and its export writes
there, so taking the screenshot writes nothing into the repository but the picture, and uses a
private cache. The render takes about a minute on two cores.
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
        window.document.stack.set_clean()
        window.close()
    print(path)
    return 0


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
