"""A node on the canvas: title bar in its category colour, typed ports, a parameter summary, a status badge
and a thumbnail of its last picture output.

Everything is painted by hand (no child text items): cheaper with hundreds of nodes, and it
avoids the text items Qt may collect when they are built with a parent. The status badge is a
child item of its own (app.ui.status_badge), so a render's progress does not repaint the node.
"""

from __future__ import annotations

import math
from pathlib import PurePath

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.graph import Graph

from . import theme
from .port_item import PortItem
from .render_controller import NodeStatus
from .status_badge import DOT, ZOOMED_OUT_LOD, StatusBadge, stats_lines

WIDTH = 210.0
TITLE_H = 26.0
ROW_H = 20.0
SUMMARY_H = 15.0
SUMMARY_LINES = 3
THUMB_MARGIN = 6.0  # between the summary and the thumbnail
TITLE_PX = 12  # the title's size at 100 % (9 pt at 96 dpi)
# The smallest a title is ever drawn on screen. Frame All must show the whole graph (a Nuke or
# ComfyUI user presses it to see everything, and the minimap does not name nodes), so instead of
# refusing to zoom out, the title is counter-scaled: zoomed out, its font grows in scene units to
# stay this size on screen, and once it no longer fits the title bar, the node is drawn as an
# overview (colour, ports, thumbnail) with its title wrapped across the whole node.
MIN_TITLE_PX = 9.0


def _shown_value(param, value):
    """An enum shows its label (the file holds its id); a path its file and folder names, since the model
    holds the full path the user chose and a summary cut after 24 characters would show only its start;
    anything else as it is."""
    if param.kind == "enum" and isinstance(value, str):
        return param.choice_label(value)
    if param.kind == "path" and isinstance(value, str):
        return "/".join(PurePath(value).parts[-2:]).lstrip("/") or value
    return value


def _short(value) -> str:
    if isinstance(value, float):
        text = f"{value:.3g}"
    elif isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        text = "(" + ", ".join(f"{v:.2f}" for v in value) + ")"  # a colour
    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
        text = f"{len(value)} row{'' if len(value) == 1 else 's'}"  # a table: its rows are in the inspector
    else:  # anything else as saved: a file may hold a list or a long text where a number belongs
        text = str(value)[:25].replace("\n", " ⏎ ")
    return text if len(text) <= 24 else text[:23] + "…"


def title_font(lod: float) -> QFont:
    """The title's bold font at scale `lod`: TITLE_PX, or larger in scene units so that it is never
    under MIN_TITLE_PX on screen."""
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(TITLE_PX, math.ceil(MIN_TITLE_PX / max(lod, 1e-3))))
    return font


def wrapped(text: str, metrics: QFontMetrics, width: float, max_lines: int) -> list[str]:
    """`text` broken at spaces into at most `max_lines` lines of `width`; what does not fit is elided."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        if words and len(lines) == max_lines - 1:  # the last line: the rest is elided after it
            line = f"{line} {' '.join(words)}"
            words = []
        lines.append(metrics.elidedText(line, Qt.ElideRight, int(width)))
    return lines or [""]


class NodeItem(QGraphicsItem):
    """Moves freely while dragged (snapped to the grid); the scene turns a finished drag into MoveNode commands."""

    def __init__(self, graph: Graph, node_id: str):
        super().__init__()
        self.graph, self.node_id = graph, node_id
        self.status = NodeStatus()
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self.wires: set = set()  # WireItems attached, refreshed when the node moves
        self._syncing = False
        self.thumbnail: QImage | None = None  # the last output's picture (app.ui.thumbnails)
        self.thumbnail_is_preview = False  # the picture is a denoising step's, not the output's
        self._tooltip = ""
        self._bounds = QRectF()  # set by the first refresh
        self.drawn_title: tuple[QFont, list[str]] | None = None  # the font and lines last painted
        # The room the last painted title left for the badge (None: drawn over the body, which leaves
        # none), and the scale it was painted at: a badge change repaints the node only if that moves.
        self._painted_badge_room: float | None = None
        self._painted_lod: float | None = None
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        # Panning and redrawing a large graph blits cached pixmaps instead of repainting text.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self._build_ports()
        self.badge = StatusBadge(WIDTH - 5, 5)
        self.badge.setParentItem(self)
        self.refresh()

    # ---- model -> item ------------------------------------------------------------------

    def _build_ports(self) -> None:
        schema = self.graph.schema_of(self.node_id)
        self.schema = schema
        if schema is None:
            return
        for row, port in enumerate(schema.inputs):
            item = PortItem(self.node_id, port, is_output=False)
            item.setParentItem(self)
            item.setPos(0, TITLE_H + ROW_H * (row + 0.5))
            self.inputs[port.name] = item
        for row, port in enumerate(schema.outputs):
            item = PortItem(self.node_id, port, is_output=True)
            item.setParentItem(self)
            item.setPos(WIDTH, TITLE_H + ROW_H * (row + 0.5))
            self.outputs[port.name] = item

    def refresh(self) -> None:
        """Re-read title, parameters and position from the graph (after an edit or undo)."""
        node = self.graph.nodes[self.node_id]
        schema = self.schema
        self.title = node.label or (schema.title if schema else f"{node.type_id} (not installed)")
        self.bypassed = node.bypassed
        # A bypassed node fades back and is crossed out, as Nuke draws a disabled one: it is still there.
        self.setOpacity(0.5 if node.bypassed else 1.0)
        self.category = schema.category if schema else "?"
        lines = []
        if schema is not None:
            overridden = schema.overridden_by(l.dst_port for l in self.graph.links_into(self.node_id))
            # Empty values (a default font, no path yet, an empty table) say nothing, nor do parameters
            # a linked input replaces.
            shown = [p for p in schema.params
                     if p.name not in overridden and node.params.get(p.name, p.default) not in ("", [])]
            # Changed values first: they are what makes this node differ from a fresh one.
            shown.sort(key=lambda p: node.params.get(p.name, p.default) == p.default)
            lines = [f"{p.display_name}: {_short(_shown_value(p, node.params.get(p.name, p.default)))}"
                     for p in shown[:SUMMARY_LINES]]
        self.summary = lines
        self._update_geometry()
        self._syncing = True  # the model's position is shown as it is, not snapped
        self.setPos(QPointF(*node.position))
        self._syncing = False
        self._update_tooltip()
        self.update()

    def _update_geometry(self) -> None:
        rows = max(len(self.inputs), len(self.outputs), 1)
        self.height = TITLE_H + rows * ROW_H + len(self.summary) * SUMMARY_H + 8 + self._thumbnail_height()
        margin = 8  # the port dots stick out of the sides
        bounds = QRectF(-margin, -2, WIDTH + 2 * margin, self.height + 4)
        if bounds == self._bounds:
            return  # a parameter edited, the same size: neither the scene's index nor the minimap need know
        self.prepareGeometryChange()
        self._bounds = bounds
        self._layout_changed()

    def _layout_changed(self) -> None:
        scene = self.scene()
        if scene is not None:  # not while it is being built: the scene counts it when it is added
            scene.layout_changed.emit()

    def _thumbnail_height(self) -> float:
        return self.thumbnail.height() + THUMB_MARGIN if self.thumbnail is not None else 0.0

    def set_thumbnail(self, image: QImage | None, preview: bool = False) -> None:
        """Show (or with None, drop) the picture of the last output under the summary; `preview`:
        a picture of the work in progress, replaced by the output's when the node finishes."""
        self.thumbnail_is_preview = preview and image is not None
        if image is None and self.thumbnail is None:
            return
        self.thumbnail = image
        # Only the size changes: re-reading the model's position would undo a drag in progress.
        self._update_geometry()
        self.update()

    def set_status(self, status: NodeStatus) -> None:
        self.status = status
        self._update_tooltip()
        if self.badge.set_status(status) and (self._painted_lod is None
                                              or self._badge_room(self._painted_lod) != self._painted_badge_room):
            # The title is elided anew beside a wider or narrower badge. Not when nothing moves (zoomed
            # far out the title is drawn over the body): a render's first events change every badge
            # at once, and repainting 500 nodes for them stalled the editor ~150 ms.
            self.update()

    def _badge_room(self, lod: float, metrics: QFontMetrics | None = None) -> float | None:
        """The room the title leaves for the badge at scale `lod` (`metrics`: of its title font, where
        known); None where the title is drawn over the body."""
        if (metrics or QFontMetrics(title_font(lod))).height() > TITLE_H:
            return None
        if not self.badge.width:
            return 0.0
        return self.badge.width + 5 if lod >= ZOOMED_OUT_LOD else DOT + 5

    def _update_tooltip(self) -> None:
        lines = [self.graph.display_name(self.node_id) if self.node_id in self.graph.nodes else self.node_id]
        if self.schema is not None and self.schema.help:
            lines.append(self.schema.help)
        if self.status.state == "failed":
            lines.append(f"failed: {self.status.message}")
        elif self.status.state == "running" and self.status.message:
            lines.append(self.status.message)
        elif self.status.state == "done":
            lines += stats_lines(self.status.stats)  # a generation: its model, device, steps, peak VRAM
        text = "\n".join(lines)
        # Set only when it changes: every badge change lands here, and each setToolTip is an
        # itemChange call into Python, hundreds per batch when a large graph starts rendering.
        if text != self._tooltip:
            self._tooltip = text
            self.setToolTip(text)

    # ---- painting -----------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounds  # asked for hundreds of times per repaint: computed once per refresh

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        body = QRectF(0, 0, WIDTH, self.height)
        selected = self.isSelected()
        painter.setPen(QPen(theme.SELECTION if selected else theme.NODE_BORDER, 2.0 if selected else 1.0))
        painter.setBrush(theme.NODE_BODY)
        painter.drawRoundedRect(body, 6, 6)
        # Title bar: rounded top only, so draw a rounded rect and square off its bottom half.
        bar = theme.category_color(self.category)
        painter.setPen(Qt.NoPen)
        painter.setBrush(bar)
        painter.drawRoundedRect(QRectF(1, 1, WIDTH - 2, TITLE_H - 1), 5, 5)
        painter.drawRect(QRectF(1, TITLE_H / 2, WIDTH - 2, TITLE_H / 2))
        for port in (*self.inputs.values(), *self.outputs.values()):
            port.paint_dot(painter)
        self._paint_thumbnail(painter)  # a picture still reads zoomed out
        if getattr(self, "bypassed", False):
            painter.setPen(QPen(QColor("#e0c040"), 3.0))
            painter.drawLine(QPointF(6, TITLE_H + 4), QPointF(WIDTH - 6, self.height - 6))
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        font = title_font(lod)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        badge_w = self._painted_badge_room = self._badge_room(lod, metrics)
        self._painted_lod = lod
        if badge_w is None:  # too small to read ports and summary: the title over the whole node
            self._paint_overview_title(painter, font, metrics)
            return
        title = metrics.elidedText(self.title, Qt.ElideRight, int(WIDTH - 16 - badge_w))
        self.drawn_title = (font, [title])
        painter.setPen(QColor("#f2f2f2"))
        painter.drawText(QRectF(8, 0, WIDTH - 16, TITLE_H), Qt.AlignVCenter | Qt.AlignLeft, title)
        if lod < ZOOMED_OUT_LOD:  # ports and summary too small to read
            return
        font = QFont(painter.font())
        font.setBold(False)
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.setPen(theme.TEXT)
        for name, port in self.inputs.items():
            painter.drawText(QRectF(10, port.y() - ROW_H / 2, WIDTH / 2, ROW_H), Qt.AlignVCenter | Qt.AlignLeft, name)
        for name, port in self.outputs.items():
            painter.drawText(QRectF(WIDTH / 2 - 10, port.y() - ROW_H / 2, WIDTH / 2, ROW_H),
                             Qt.AlignVCenter | Qt.AlignRight, name)
        painter.setPen(theme.TEXT_DIM)
        top = self.height - 4 - len(self.summary) * SUMMARY_H - self._thumbnail_height()
        small = QFontMetrics(font)
        for i, line in enumerate(self.summary):
            painter.drawText(QRectF(8, top + i * SUMMARY_H, WIDTH - 16, SUMMARY_H), Qt.AlignVCenter | Qt.AlignLeft,
                             small.elidedText(line, Qt.ElideRight, int(WIDTH - 16)))

    def _paint_overview_title(self, painter: QPainter, font: QFont, metrics: QFontMetrics) -> None:
        """Zoomed far out: the title wrapped over the node's body (below the bar while it fits), on a
        dark plate so it reads over a thumbnail too."""
        width = WIDTH - 14  # clear of the port dots on both sides
        below_bar = int((self.height - TITLE_H - 4) // metrics.lineSpacing())
        room = max(1, below_bar, int((self.height - 4) // metrics.lineSpacing()))
        lines = wrapped(self.title, metrics, width, room)
        top = TITLE_H + 2 if below_bar >= len(lines) else max(2.0, (self.height - len(lines) * metrics.lineSpacing()) / 2)
        self.drawn_title = (font, lines)
        plate = QRectF(5, top, WIDTH - 10, len(lines) * metrics.lineSpacing())
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(plate, 4, 4)
        painter.setPen(QColor("#f2f2f2"))
        for i, line in enumerate(lines):
            painter.drawText(QRectF(7, top + i * metrics.lineSpacing(), width, metrics.lineSpacing()),
                             Qt.AlignVCenter | Qt.AlignLeft, line)

    def _paint_thumbnail(self, painter: QPainter) -> None:
        if self.thumbnail is not None:
            top = self.height - 4 - self.thumbnail.height()
            painter.drawImage(QPointF((WIDTH - self.thumbnail.width()) / 2, top), self.thumbnail)

    # ---- interaction --------------------------------------------------------------------

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionChange:
            return theme.snapped(self, value)
        if change == QGraphicsItem.ItemPositionHasChanged:
            for wire in self.wires:
                wire.refresh()
            groups = getattr(self.scene(), "groups", None)
            if groups is not None:  # an open group's outline follows its node while it is dragged
                groups.follow(self.node_id)
            self._layout_changed()
        return super().itemChange(change, value)
