"""The editor's entry point: a QApplication with the dark theme, the main window, a project opened.

Renders run in a render process whose events reach the GUI thread through queued Qt signals
(app.ui.render_controller), previews and thumbnails on worker threads, so a plain QApplication
event loop is enough (no asyncio loop is needed yet).
"""

from __future__ import annotations

import sys
from pathlib import Path

ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "aiprod-256.png"


def make_app(argv: list[str] | None = None):
    """The QApplication (reused if one exists, as in tests), themed."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .ui.theme import apply_theme

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("AIPROD Studio")
    app.setOrganizationName("AIPROD")
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    apply_theme(app)
    return app


def open_window(project_path: str | None = None, interactive: bool = True):
    """A shown main window with `project_path` opened; a project that cannot open is reported, not raised.

    Not `interactive` (screenshots, scripts): no crash-recovery offer and no modal dialogs.
    """
    from .ui.main_window import MainWindow

    window = MainWindow()
    if not interactive:
        window.exec_dialog = lambda dialog: None
        # The questions asked before a render get the answers nobody is there to give: no GPU time over
        # the budget, and the rest rendered when an output cannot be written (it fails, saying why).
        window.confirm_over_budget = lambda text: False
        window.confirm_unwritable_outputs = lambda text: True
    # A crashed session's work comes first; the project asked for is opened only if none was restored.
    restored = interactive and window.offer_recovery()
    if project_path and not restored:
        window.open_project(project_path)
    if not window.layout_restored:  # a restored geometry was checked against the screens by Qt
        window.fit_to_screen()
    window.show()
    window.view.frame_all()
    warm_up()
    return window


def warm_up():
    """Start a render process, then import the render libraries (and the sound library the preview
    plays clips with) here too, in the background.

    The render process starts first: Python and its imports take it seconds, which the first
    render would otherwise wait. This process needs the libraries for previews and thumbnails;
    imported while the user looks at the freshly opened window, they do not stall a later
    render, and frozen out of the garbage collector's full passes they do not stall it either
    (engine.render_process.warm_imports). Returns the thread.
    """
    import threading

    from engine.render_process import WARMING_IMPORTS

    def work() -> None:
        import logging

        from engine import render_process

        from .ui.player.clock import load_audio_library

        log = logging.getLogger("aiprod.editor")
        try:
            render_process.start_spare()
        except Exception as exc:  # renders fall back to a thread; say why once, here
            log.warning("cannot start a render process: %s", exc)
        try:
            render_process.warm_imports()
            load_audio_library()  # the preview's first clip would import it on the GUI thread
        except Exception as exc:
            # The editor closed within seconds of opening: the interpreter is tearing down what this thread
            # is importing (torch's operator tables), and nobody needs it now. Otherwise one line: the
            # preview that needs the library will fail with its own message.
            if threading.main_thread().is_alive():
                log.warning("could not import the render libraries ahead of time: %s", exc)

    def warm() -> None:
        try:
            work()
        finally:
            WARMING_IMPORTS.clear()

    WARMING_IMPORTS.set()  # before the thread starts: a loader asking at once waits too
    thread = threading.Thread(target=warm, name="aiprod-warm-up", daemon=True)
    thread.start()
    return thread


def wait_for_render(window, timeout_s: float = 120.0) -> None:
    """Process events until the window's render has finished (scripts, benchmarks)."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while window.renderer.is_running and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()


def screenshot(window, path: str | Path, size: tuple[int, int] = (1600, 1000)) -> Path:
    """Grab the whole window at `size`, the whole graph framed, into a PNG (docs/screenshots.py,
    `--screenshot`); works offscreen."""
    from PySide6.QtWidgets import QApplication

    window.resize(*size)
    for _ in range(5):  # let layouts and the preview's queued image settle
        QApplication.processEvents()
    window.view.frame_all()  # at the final size: framed before the resize, the graph would be small
    QApplication.processEvents()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise OSError(f"cannot write the screenshot {path}")
    return path


def run_editor(project_path: str | None = None, screenshot_path: str | None = None) -> int:
    """Open the editor (on `project_path` if given) and run until it closes; the exit code.

    With `screenshot_path`, render the project, grab the window into that PNG and quit.
    """
    app = make_app()
    window = open_window(project_path, interactive=not screenshot_path)
    if screenshot_path:
        window.render_all()
        wait_for_render(window)
        screenshot(window, screenshot_path)
        window.document.stack.set_clean()
        window.close()
        return 0
    return app.exec()


NO_DISPLAY = ("no display found: run `aiprod render PROJECT` for a headless render, "
              "or start the editor under a desktop session (or xvfb-run)")


def display_problem(environ=None, platform: str | None = None) -> str | None:
    """Why Qt could not open a window here, or None; checked first because Qt aborts the process.

    Only Linux and the BSDs need a display server; QT_QPA_PLATFORM set by the user (offscreen,
    vnc, eglfs…) is trusted as is.
    """
    import os

    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    if any(environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        return None
    return NO_DISPLAY


def main(argv: list[str] | None = None) -> int:
    """`python -m app.editor [PROJECT] [--screenshot PATH]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="aiprod-editor", description="Open the AIPROD Studio editor.")
    parser.add_argument("project", nargs="?", help="a .aiprod project to open")
    parser.add_argument("--screenshot", metavar="PATH", help="render, save a PNG of the window and quit")
    args = parser.parse_args(argv)
    problem = display_problem()
    if problem:
        print(f"aiprod-editor: {problem}", file=sys.stderr)
        return 2
    return run_editor(args.project, args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
