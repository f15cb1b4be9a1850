"""Editor fixtures: a main window (offscreen) whose dialogs are replaced, and a small project to render."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample_path(tmp_path) -> Path:
    """Colour bars under a title card, saved as sample.png beside the project (renders in a second)."""
    from tests.small_project import save_bars_project

    return save_bars_project(tmp_path)


def _window(qtbot, registry):
    from app.ui.main_window import MainWindow

    window = MainWindow(registry)
    window.errors = []
    window.show_error = lambda title, text: window.errors.append((title, text))  # no modal boxes in tests
    window.prompt_unsaved = lambda: "discard"
    window.confirm_unwritable_outputs = lambda text: True  # render the rest, as before the question existed
    window.dialogs = []
    window.exec_dialog = window.dialogs.append  # modal dialogs are kept for the test to drive
    window.choose_file = lambda *args: ""
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot):
    from app.nodes import build_registry

    return _window(qtbot, build_registry())


@pytest.fixture
def stub_window(qtbot, registry):
    """A window on the engine tests' stub node types (slow, failing, counting nodes)."""
    return _window(qtbot, registry)


def wait_render(qtbot, window, timeout_ms: int = 30_000) -> None:
    """Until the render has finished and its queued events have all been delivered."""
    qtbot.waitUntil(lambda: not window.renderer.is_running, timeout=timeout_ms)


def wait_preview(qtbot, window, timeout_ms: int = 10_000) -> None:
    qtbot.waitUntil(lambda: window.preview.picture.image is not None or bool(window.preview.text.toPlainText()),
                    timeout=timeout_ms)


def states(window) -> dict[str, str]:
    return {n: window.renderer.status(n).state for n in window.document.graph.nodes}


def settle(qtbot, ms: int = 20) -> None:
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        qtbot.wait(5)


def preview_title_clip(window, qtbot, resolution: str, fade_in: float = 0.0):
    """A one-second, 24-frame title rendered and shown in the preview as a clip; the preview."""
    title = window.actions_.add_node("title.overlay", (0, 0))
    for name, value in (("resolution", resolution), ("duration", 1.0), ("fade_in", fade_in), ("text", "Hi")):
        window.actions_.set_param(title, name, value)
    window.scene.select_nodes([title])
    window.run_selected()
    wait_render(qtbot, window)
    wait_preview(qtbot, window)
    qtbot.waitUntil(lambda: window.preview.clip is not None, timeout=5000)
    return window.preview


def paint_counter(widget):
    """An event filter installed on `widget` that counts its paint events (its `count`)."""
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Paint:
                self.count += 1
            return False

    counter = PaintCounter(widget)  # parented: it lives as long as the widget
    widget.installEventFilter(counter)
    return counter


@pytest.fixture
def no_portaudio(monkeypatch):
    """`import sounddevice` raises OSError, as it does where the PortAudio library is missing."""
    class NoPortAudio:
        def find_spec(self, name, path=None, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")
            return None

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
