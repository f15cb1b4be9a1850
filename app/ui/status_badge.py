"""A node's status badge (queued, running with % or its denoising step, done with seconds, cached, failed…)
as an item of its own.

The badge changes many times a render while the rest of the node does not. As a child item with
its own pixmap cache, a progress tick repaints a 100×16 pixel badge instead of the whole node
(title, ports, summary, thumbnail): under a render's load that was most of the GUI's work.
The node repaints only when the badge's width changes, since its title is elided to fit beside it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from . import theme
from .render_controller import NodeStatus

HEIGHT = 16.0
MAX_WIDTH = 110.0
DOT = 16.0  # zoomed out: a coloured dot instead of the text
ZOOMED_OUT_LOD = 0.35  # below this scale text cannot be read (the node paints colour blocks only)
WIDEST_RUNNING = "running 100%"  # a running badge keeps one width while its percentage climbs
STEP = re.compile(r"step \d{1,4}/\d{1,4}")  # engine.models.denoise's progress message


def badge_text(status: NodeStatus) -> str:
    if status.state == "running":
        # A denoising node counts its steps ("step 12/28"): steps say more than a percentage that
        # includes loading the model. Longer messages ("loading sdxl-base") are left to the tooltip.
        if STEP.fullmatch(status.message):
            return status.message
        return f"running {status.fraction * 100:.0f}%"
    if status.state == "done":
        return f"done {status.seconds:.2f}s"
    return "" if status.state == "idle" else status.state


def _font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.5)
    return font


class StatusBadge(QGraphicsItem):
    """Right-aligned at (right, top) of its node; clicks and hovers go through to the node."""

    def __init__(self, right: float, top: float):
        super().__init__()
        self.status = NodeStatus()
        self._font = _font()
        self._metrics = QFontMetrics(self._font)
        self.width = 0.0
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setAcceptHoverEvents(False)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setPos(right - MAX_WIDTH, top)
        self.setVisible(False)

    def width_for(self, status: NodeStatus) -> float:
        """The badge's width in scene units for `status` (0 when idle: no badge)."""
        if status.state == "running":  # as wide as the widest it may get, so it does not jitter
            widest = max(self._metrics.horizontalAdvance(WIDEST_RUNNING),
                         self._metrics.horizontalAdvance(badge_text(status)))
            return min(widest + 12, MAX_WIDTH)
        text = badge_text(status)
        return self._metrics.horizontalAdvance(text) + 12 if text else 0.0

    def set_status(self, status: NodeStatus) -> bool:
        """Show `status`; True when the badge's width changed (the node's title must re-elide)."""
        width = self.width_for(status)
        resized = width != self.width
        self.status, self.width = status, width
        self.setVisible(status.state != "idle")
        self.update()
        return resized

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, MAX_WIDTH, HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        state = self.status.state
        if state == "idle":
            return
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(theme.STATUS_COLORS.get(state, "#666")))
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if lod < ZOOMED_OUT_LOD:
            painter.drawEllipse(QRectF(MAX_WIDTH - DOT - 1, 0, DOT, DOT))
            return
        rect = QRectF(MAX_WIDTH - self.width, 0, self.width, HEIGHT)
        painter.drawRoundedRect(rect, 4, 4)
        if state == "running":  # the darker part of the badge is what is still to do
            painter.setBrush(QColor(0, 0, 0, 70))
            painter.drawRoundedRect(rect.adjusted(rect.width() * self.status.fraction, 0, 0, 0), 4, 4)
        painter.setFont(self._font)
        painter.setPen(QColor("#101010") if state in ("running", "queued") else QColor("#f5f5f5"))
        painter.drawText(rect, Qt.AlignCenter, badge_text(self.status))


def stats_lines(stats: dict) -> list[str]:
    """A generating node's figures (NodeFinished.stats) as tooltip lines:
    "sdxl-base · on GPU, float16", "28 steps in 9.4 s (loading 3.1 s)", "peak VRAM 8.12 GB"."""
    if not stats:
        return []
    lines = [str(stats["route"])] if stats.get("route") else []  # a Scene set to auto: what it chose and why
    if stats.get("model"):
        lines.append(f"{stats['model']}" + (f" · {stats['device']}" if stats.get("device") else ""))
    elif stats.get("device"):
        lines.append(str(stats["device"]))
    if stats.get("steps"):
        timing = f"{stats['steps']} steps"
        if stats.get("denoise_s") is not None:
            timing += f" in {float(stats['denoise_s']):.1f} s"
        if stats.get("load_s"):
            timing += f" (loading {float(stats['load_s']):.1f} s)"
        lines.append(timing)
    if stats.get("peak_vram_gb"):
        lines.append(f"peak VRAM {float(stats['peak_vram_gb']):.2f} GB")
    if stats.get("generated"):
        lines.append(str(stats["generated"]))
    if stats.get("rejected_takes"):  # early abort: which seed made it, and what the stopped takes saved
        lines.append(f"seed {stats['seed']} after {len(stats['rejected_takes'])} rejected take(s), "
                     f"{stats['steps_saved']} steps saved")
    return lines
