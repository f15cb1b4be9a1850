"""What a running node sees of the engine: progress reporting, cancellation, path resolution and models."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import events as ev
from .errors import RenderCancelled
from .events import EventEmitter
from .paths import PathResolver
from .models import ModelLocator


class CancelToken:
    """Set from any thread (the Cancel button); nodes see it at their next progress() or check.

    `event` may be a multiprocessing Event, so that a token in a render process is set from the editor.
    """

    def __init__(self, event=None) -> None:
        self._event = event if event is not None else threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class RunContext:
    def __init__(self, node_id: str, run_id: str, events: EventEmitter, cancel: CancelToken,
                 project_dir: Path | None = None, run_metadata: dict | None = None,
                 paths: PathResolver | None = None, models: ModelLocator | None = None,
                 stats: dict | None = None, lineage: Callable[[], Any] | None = None, previews: bool = True):
        self.node_id = node_id
        # Whether anyone shows preview() pictures (the editor does, the CLI does not): a denoising
        # node makes none otherwise, since each one costs a copy off the GPU that waits for it.
        self.wants_previews = previews
        # How this node's inputs were made (engine.render_record.Lineage), asked for by exports so
        # that the file they write can be rendered again from its own record.
        self.lineage = lineage if lineage is not None else (lambda: None)
        # Figures the node measured (a generation: steps, device, peak VRAM): the executor puts them
        # in the node's result and its NodeFinished event, and the CLI summary prints them.
        self.stats = stats if stats is not None else {}
        # Where this render finds models and voices (built by the CLI or the editor); None: the built-in voice only.
        self.models = models if models is not None else ModelLocator()
        # What the whole render is (e.g. "project": the project file's JSON text), so exports can
        # embed the graph they came from.
        self.run_metadata = run_metadata or {}
        self.run_id = run_id
        self.project_dir = project_dir
        self.paths = paths if paths is not None else PathResolver(project_dir)
        self._events = events
        self._cancel = cancel

    def check_cancelled(self) -> None:
        """Raise RenderCancelled if the user cancelled; call it between frames or steps."""
        if self._cancel.cancelled:
            raise RenderCancelled(f"{self.node_id} cancelled")

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress (0..1) of this node; also a cancellation point."""
        self.check_cancelled()
        self._events.emit(ev.NodeProgress(self.run_id, self.node_id, min(max(float(fraction), 0.0), 1.0), message))

    def warn(self, message: str) -> None:
        """Tell the user something that does not stop the node (the CLI prints it, the editor logs it)."""
        self._events.emit(ev.NodeWarning(self.run_id, self.node_id, message))

    def preview(self, pixels, step: int, steps: int) -> None:
        """Show a small 8-bit RGB picture of the work so far (a denoising step's prediction)."""
        self._events.emit(ev.NodePreview(self.run_id, self.node_id, pixels, step, steps))

    def resolve_path(self, path: str | os.PathLike) -> Path:
        """A path parameter as a real path (engine.paths.PathResolver.file, so that nodes read simply)."""
        return self.paths.file(path)
