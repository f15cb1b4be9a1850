"""What the preview shows for a value, worked out on the preview's worker thread.

A picture becomes a QImage through the viewer transform (sRGB by default, encoded by export's
fast path), a clip keeps its lazy frame reader (frames are read as the slider moves), a sound
becomes waveform peaks, anything else is text. A node type declares what is shown
(NodeSchema.preview_port) and, for a grade, which input is its "before" (NodeSchema.before_input),
read from the cache like the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from engine import events as ev
from engine.audio.buffer import Audio
from engine.context import CancelToken
from engine.image import Image
from engine.media.transfer_fast import encode_output

from .waveform import audio_peaks

MAX_PREVIEW_WIDTH = 1280  # pictures are decimated to this before the display transform


@dataclass(frozen=True)
class Viewer:
    """How the preview shows scene-linear data: a display transform and an exposure, never baked
    into the data (export and the cache are unaffected)."""

    transform: str = "sRGB"  # one of VIEWER_TRANSFORMS
    exposure: float = 0.0  # stops, applied in linear light before the transform


# The SDR displays a grading suite looks through: a desktop sRGB monitor, a BT.1886 reference
# monitor (the Rec.709 gamma 2.4 encoding), either through the ACES 2.0 output transform (which
# rolls highlights off like the ACES exports), and the raw values for checking data.
VIEWER_TRANSFORMS = ("sRGB", "Rec.709 (gamma 2.4)", "ACES 2.0 SDR (sRGB)", "ACES 2.0 SDR (Rec.709)", "Raw values")
# The output transform (colorspaces id) behind each viewer choice; "Raw values" has none.
_VIEWER_OUTPUT = {"sRGB": "srgb", "Rec.709 (gamma 2.4)": "rec709", "ACES 2.0 SDR (sRGB)": "aces_sdr_srgb",
                  "ACES 2.0 SDR (Rec.709)": "aces_sdr_rec709"}


def display_image(pixels: np.ndarray, color_space: str, viewer: Viewer = Viewer()) -> QImage:
    """Scene-linear pixels as an 8-bit QImage through the viewer (safe to call on a worker thread)."""
    step = max(1, int(np.ceil(pixels.shape[1] / MAX_PREVIEW_WIDTH)))
    picked = np.ascontiguousarray(pixels[::step, ::step, :3], dtype=np.float32)
    if viewer.exposure:
        picked = picked * np.float32(2.0 ** viewer.exposure)
    if viewer.transform == "Raw values":
        shown = picked
    elif viewer.transform in _VIEWER_OUTPUT:
        shown = encode_output(picked, color_space, _VIEWER_OUTPUT[viewer.transform])  # export's fast path
    else:
        raise ValueError(f"unknown viewer transform {viewer.transform!r}; use one of {', '.join(VIEWER_TRANSFORMS)}")
    rgb = np.ascontiguousarray((np.clip(shown, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()  # copy: own the bytes


def preview_image(pixels) -> QImage | None:
    """A NodePreview's 8-bit RGB picture (H x W x 3 uint8, already display-referred) as a QImage,
    or None for anything else: a plug-in's preview must not break the viewer."""
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        return None
    height, width = pixels.shape[:2]
    if not height or not width:
        return None
    rgb = np.ascontiguousarray(pixels)
    return QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()


def stop_at_costly(executor, cancel: CancelToken) -> CancelToken:
    """Cancel `cancel` when the executor would run a node that stores its outputs: such a result
    missing from the cache (evicted, or its store failed) is a slow model or an export, not worth
    recomputing for a look at it. Returns `cancel`.

    Told by the run's plan, before any node runs: the cheap nodes upstream of a costly one (a still
    decoded, a title drawn) are not worth running either when the costly one will not be made. A node
    re-run because its cache entry vanished mid-run is caught as it starts."""
    def on_event(event) -> None:
        if (isinstance(event, ev.RunPlanned) and event.storing) or (isinstance(event, ev.NodeStarted) and event.stores):
            cancel.cancel()

    executor.events.connect(on_event)
    return cancel


def fitted(image: QImage, width: int, height: int) -> QImage:
    """`image` shrunk to fit width×height device pixels (never enlarged), in the 32-bit format the
    painter draws without converting (worker thread). A scrubbed frame then costs the GUI thread a
    plain copy to the screen, not a per-paint conversion and resample of a 1280-wide picture."""
    if width > 0 and height > 0 and (image.width() > width or image.height() > height):
        image = image.scaled(width, height, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    return image.convertToFormat(QImage.Format_RGB32)


def is_clip(value) -> bool:
    return hasattr(value, "frame") and hasattr(value, "frame_count") and hasattr(value, "info")


def has_before(graph, node_id: str) -> bool:
    """Whether the node's type declares a "before" input (a grade), so a before/after view makes sense."""
    schema = graph.schema_of(node_id)
    return schema is not None and bool(schema.before_input)


def before_source(graph, node_id: str) -> tuple[str, str] | None:
    """(node, output port) feeding a grading node's "before" input, or None (not a grade, or unlinked)."""
    schema = graph.schema_of(node_id)
    port = schema.before_input if schema is not None else ""
    links = graph.links_into(node_id, port) if port else []
    return (links[0].src_node, links[0].src_port) if links else None


def load_output(executor, graph, node_id: str, port: str | None = None, viewer: Viewer = Viewer(),
                cancel: CancelToken | None = None):
    """(kind, payload) for the node's output `port` (default: the one its type previews), read from the
    cache; None when `cancel` stopped it."""
    report = executor.run(graph, [node_id], cancel, load_outputs=True)
    if cancel is not None and cancel.cancelled:
        return None
    outputs = report.outputs.get(node_id)
    if outputs is None:
        return ("text", report.results[node_id].message or "no output to show")
    schema = graph.schema_of(node_id)
    declared = schema.preview_output() if schema is not None else None
    name = port if port in outputs else declared if declared in outputs else next(iter(outputs))
    return describe(name, outputs[name], viewer)


def describe(name: str, value, viewer: Viewer = Viewer()):
    if isinstance(value, Image):
        return ("image", (name, display_image(value.pixels, value.color_space, viewer), f"{value.width}×{value.height}"))
    if is_clip(value):
        first = display_image(value.frame(0), value.color_space, viewer) if value.frame_count else None
        return ("clip", (name, value, first))
    if isinstance(value, Audio):
        info = f"{value.layout} · {float(value.duration):.2f} s · {value.sample_rate} Hz"
        return ("audio", (name, audio_peaks(value.samples), info))
    if isinstance(value, (dict, list)):
        return ("text", f"{name}:\n{json.dumps(value, indent=2, default=str)}")
    return ("text", f"{name}:\n{value}")
