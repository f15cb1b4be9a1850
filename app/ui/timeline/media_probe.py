"""What the timeline needs from the shots' and sounds' outputs, read off the GUI thread.

For each node linked into the Sequence: its frame count and rate (the shot's material), and a few
thumbnails for its strip; for each sound on the Mix: its length and waveform peaks. They are read
by a silent run "to" those nodes that takes what is in the cache and makes what is cheap (a still
through a camera move is a lazy clip: nothing is computed until a frame is asked for); a costly
node that is not in the cache is not made for a look at it (stop_at_costly) and stays "planned".

Results are kept per (node, port) until an edit reaches that node (the panel calls `forget` for
what an edit changes downstream): a trim on the Sequence measures nothing again, an edit of a
shot's Scene measures that shot again.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from engine.audio.buffer import Audio
from engine.context import CancelToken
from engine.executor import Executor
from engine.priority import BACKGROUND_NICENESS, lower_thread_priority
from engine.timeline.model import Material

from ..preview_load import display_image, is_clip, stop_at_costly
from ..render_controller import snapshot
from ..waveform import audio_peaks

THUMBNAILS_PER_SHOT = 4
THUMBNAIL_HEIGHT = 54


@dataclass(frozen=True)
class ShotMedia:
    material: Material
    thumbnails: tuple[QImage, ...]  # evenly spread over the whole material, first frame first


@dataclass(frozen=True)
class SoundMedia:
    seconds: Fraction
    peaks: np.ndarray  # (2, n) min/max buckets over the whole sound


class MediaProbe(QObject):
    """Measures outputs in the background; `updated` says new measurements are in."""

    updated = Signal()
    _done = Signal(object)  # from the worker: {(node, port): ShotMedia | SoundMedia}

    def __init__(self, document, renderer, parent=None):
        super().__init__(parent)
        self.document, self.renderer = document, renderer
        self.shots: dict[tuple[str, str], ShotMedia] = {}
        self.sounds: dict[tuple[str, str], SoundMedia] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._closed = False  # the window is closing: nothing more is started
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiprod-timeline",
                                        initializer=lower_thread_priority, initargs=(BACKGROUND_NICENESS,))
        self._done.connect(self._on_done)

    def clear(self) -> None:
        self.shots.clear()
        self.sounds.clear()

    def forget(self, keys) -> None:
        """Measure these (node, port) outputs again at the next request (their inputs changed)."""
        for key in keys:
            self.shots.pop(key, None)
            self.sounds.pop(key, None)

    def material(self, node_id: str, port: str) -> Material | None:
        media = self.shots.get((node_id, port))
        return media.material if media else None

    def sound_seconds(self, node_id: str, port: str) -> Fraction | None:
        media = self.sounds.get((node_id, port))
        return media.seconds if media else None

    def request(self, shots: list[tuple[str, str]], sounds: list[tuple[str, str]]) -> None:
        """Measure the outputs not measured yet; the newest request replaces one still waiting."""
        shots = [key for key in shots if key not in self.shots]
        sounds = [key for key in sounds if key not in self.sounds]
        if self._closed or (not shots and not sounds):
            return
        with self._lock:
            self._generation += 1
            generation = self._generation
        graph, folder, models = snapshot(self.document.graph), self.document.project.folder, self.renderer.models
        cache = self.renderer.cache()

        def work():
            if generation != self._generation:
                return  # a newer request is queued: it asks for everything still missing
            found = {}
            for key in shots:
                media = _measure(cache, graph, folder, models, key, _shot_media)
                if media is not None:
                    found[key] = media
            for key in sounds:
                media = _measure(cache, graph, folder, models, key, _sound_media)
                if media is not None:
                    found[key] = media
            self._done.emit(found)

        self._pool.submit(work)

    def _on_done(self, found: dict) -> None:
        graph = self.document.graph
        for key, media in found.items():
            if key[0] not in graph.nodes:
                continue
            (self.shots if isinstance(media, ShotMedia) else self.sounds)[key] = media
        if found:
            self.updated.emit()

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def _measure(cache, graph, folder, models, key, describe):
    """The output `key` = (node, port) read from the cache or made if cheap, described; None if not to be had."""
    node_id, port = key
    if node_id not in graph.nodes:
        return None
    executor = Executor(cache, project_dir=folder, models=models)
    cancel = stop_at_costly(executor, CancelToken())
    try:
        report = executor.run(graph, [node_id], cancel, load_outputs=True)
        value = (report.outputs.get(node_id) or {}).get(port)
        return describe(value) if value is not None and not cancel.cancelled else None
    except Exception:  # a shot that cannot be read stays planned; its node's own run says why
        return None


def _shot_media(clip) -> ShotMedia | None:
    if not is_clip(clip) or clip.frame_count < 1:
        return None
    count = clip.frame_count
    picks = sorted({round(i * (count - 1) / max(1, THUMBNAILS_PER_SHOT - 1)) for i in range(THUMBNAILS_PER_SHOT)})
    thumbnails = []
    for index in picks:
        image = display_image(clip.frame(index), clip.color_space)
        thumbnails.append(image.scaledToHeight(THUMBNAIL_HEIGHT))
    return ShotMedia(Material(count, Fraction(clip.fps), known=True), tuple(thumbnails))


def _sound_media(audio) -> SoundMedia | None:
    if not isinstance(audio, Audio):
        return None
    return SoundMedia(Fraction(audio.samples.shape[1], audio.sample_rate), audio_peaks(audio.samples, 2048))
