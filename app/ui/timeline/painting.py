"""Drawing the timeline: ruler with timecode and markers, the picture track with thumbnails and joins,
one track per Mix bus with waveforms and fades, the playhead, and the ghost of a drag in progress.

Only the clips inside the exposed region are drawn; a clip's thumbnails and a sound's waveform
come from the MediaProbe (measured off the GUI thread), a shot not measured yet is drawn from its
planned length, hatched, and says so.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF, QRegion

from engine.timebase import timecode_of
from engine.timeline.model import BUSES, Timeline

from ..theme import SELECTION, TEXT, TEXT_DIM
from ..waveform import column_peaks, wave_image
from .layout import (BUS_TITLES, HEADER_WIDTH, PICTURE_HEIGHT, RULER_HEIGHT, SOUND_HEIGHT, TimelineLayout)

BACKGROUND = QColor("#1b1b1b")
HEADER = QColor("#242424")
RULER = QColor("#262626")
SHOT = QColor("#35506e")
SHOT_PLANNED = QColor("#3a3f46")
GAP = QColor("#101010")
SOUND_COLORS = {"dialogue": QColor("#3f6b4a"), "music": QColor("#5a4a78"), "ambience": QColor("#3f5f6b"),
                "fx": QColor("#6b5a3a")}
WAVE = QColor("#a8d8b0")
PLAYHEAD = QColor("#e04040")
MARKER_COLORS = {"blue": "#4a90e2", "green": "#4caf50", "yellow": "#e6c229", "red": "#e05050",
                 "purple": "#a070d0", "cyan": "#40c0d0"}
LABEL_SPACING = 96  # at least this many pixels between two timecode labels


def tick_step(pixels_per_frame: float, fps: float) -> int:
    """Frames between labelled ticks: a whole number of frames, seconds or minutes, at least LABEL_SPACING apart."""
    base = max(1, round(fps))
    for step in (1, 2, 5, 10, base // 2 or 1, base, 2 * base, 5 * base, 10 * base, 30 * base, 60 * base,
                 300 * base, 600 * base, 1800 * base, 3600 * base):
        if step * pixels_per_frame >= LABEL_SPACING:
            return step
    return 3600 * base


def paint_timeline(painter: QPainter, rect: QRectF, view, exposed: QRegion | None = None) -> None:
    """Everything inside `exposed` (the paint event's region; `rect` when not given), for the view's
    current state (a TimelineView). A clip outside it is not drawn at all: a selection repaints the
    two clips it changes, not the whole timeline."""
    exposed = exposed if exposed is not None else QRegion(rect.toAlignedRect())
    painter.fillRect(rect, BACKGROUND)
    timeline: Timeline | None = view.timeline
    layout: TimelineLayout = view.layout
    width = view.width()
    if timeline is None:
        painter.setPen(TEXT_DIM)
        painter.drawText(QRectF(0, 0, width, view.height()), Qt.AlignCenter, view.empty_text)
        return
    painter.setClipRect(QRectF(HEADER_WIDTH, 0, width - HEADER_WIDTH, view.height()))

    def shown(box: QRectF) -> bool:  # with the width of a selection's outline around it
        return exposed.intersects(box.toAlignedRect().adjusted(-2, -2, 2, 2))

    if shown(QRectF(0, 0, width, RULER_HEIGHT)):
        _paint_ruler(painter, timeline, layout, width)
    _paint_picture(painter, timeline, layout, view, shown)
    for bus in BUSES:
        _paint_sounds(painter, timeline, layout, view, bus, shown)
    _paint_drag(painter, view)
    x = layout.x_of(view.playhead)
    painter.setPen(QPen(PLAYHEAD, 1.5))
    painter.drawLine(QLineF(x, 0, x, view.height()))
    painter.setClipping(False)
    _paint_headers(painter, timeline, view)


def _paint_headers(painter: QPainter, timeline: Timeline, view) -> None:
    painter.fillRect(QRectF(0, 0, HEADER_WIDTH, view.height()), HEADER)
    painter.setPen(TEXT)
    painter.drawText(QRectF(6, 0, HEADER_WIDTH - 8, RULER_HEIGHT), Qt.AlignVCenter | Qt.AlignLeft,
                     timecode_of(view.playhead, timeline.fps))
    painter.drawText(QRectF(6, RULER_HEIGHT, HEADER_WIDTH - 8, PICTURE_HEIGHT), Qt.AlignVCenter | Qt.AlignLeft,
                     "Picture")
    for bus in BUSES:
        painter.drawText(QRectF(6, TimelineLayout.sound_top(bus), HEADER_WIDTH - 8, SOUND_HEIGHT),
                         Qt.AlignVCenter | Qt.AlignLeft, BUS_TITLES[bus])
    painter.setPen(QColor("#333333"))
    painter.drawLine(QLineF(HEADER_WIDTH - 0.5, 0, HEADER_WIDTH - 0.5, view.height()))


def _paint_ruler(painter: QPainter, timeline: Timeline, layout: TimelineLayout, width: int) -> None:
    painter.fillRect(QRectF(HEADER_WIDTH, 0, width, RULER_HEIGHT), RULER)
    step = tick_step(layout.pixels_per_frame, float(timeline.fps))
    first = int(layout.scroll // step) * step
    last = layout.frame_at(width) + step
    # Unlabelled ticks in between, at a whole division of the step (so the labelled ones are hit exactly).
    minor = next((step // n for n in (10, 8, 6, 5, 4, 3, 2) if step % n == 0 and step // n * layout.pixels_per_frame >= 8),
                 step)
    painter.setPen(QPen(TEXT_DIM, 1))
    frame = first
    while frame <= last:
        x = layout.x_of(frame)
        if frame % step == 0:
            painter.drawLine(QLineF(x, 0, x, RULER_HEIGHT))
            painter.drawText(QPointF(x + 3, 12), timecode_of(frame, timeline.fps))
            painter.drawText(QPointF(x + 3, 25), f"{frame}")
        else:
            painter.drawLine(QLineF(x, RULER_HEIGHT - 5, x, RULER_HEIGHT))
        frame += minor
    end = layout.x_of(timeline.frame_count)
    painter.setPen(QPen(QColor("#808080"), 1, Qt.DashLine))
    painter.drawLine(QLineF(end, 0, end, layout.height()))
    for marker in timeline.markers:
        x = layout.x_of(marker.frame)
        color = QColor(MARKER_COLORS.get(marker.color, "#4a90e2"))
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([QPointF(x - 5, RULER_HEIGHT - 12), QPointF(x + 5, RULER_HEIGHT - 12),
                                       QPointF(x, RULER_HEIGHT - 2)]))
        painter.setPen(color.lighter(140))
        painter.drawText(QPointF(x + 7, RULER_HEIGHT - 2), marker.name)  # below the frame numbers


def shot_box(shot, layout: TimelineLayout) -> QRectF:
    """Where a shot's clip is drawn on the picture track."""
    return QRectF(layout.x_of(shot.start), RULER_HEIGHT + 3, max(1.0, shot.frames * layout.pixels_per_frame),
                  PICTURE_HEIGHT - 6)


def sound_box(sound, timeline: Timeline, layout: TimelineLayout, bus: str) -> QRectF:
    """Where a sound's clip is drawn on its bus's track (60 px wide while its length is not known)."""
    start = timeline.frame_of(sound.offset)
    frames = timeline.frame_of(sound.length) if sound.length is not None else None
    width = frames * layout.pixels_per_frame if frames is not None else 60.0
    return QRectF(layout.x_of(start), TimelineLayout.sound_top(bus) + 3, max(2.0, width), SOUND_HEIGHT - 6)


def clip_boxes(timeline: Timeline, layout: TimelineLayout, node_ids) -> list[QRectF]:
    """The boxes of the clips that a selection of these nodes outlines."""
    boxes = [shot_box(shot, layout) for shot in timeline.shots
             if shot.node_id in node_ids or shot.shot_id in node_ids]
    for bus in BUSES:
        boxes += [sound_box(sound, timeline, layout, bus) for sound in timeline.sounds[bus]
                  if sound.node_id in node_ids or sound.place_id in node_ids]
    return boxes


def _paint_picture(painter: QPainter, timeline: Timeline, layout: TimelineLayout, view, shown) -> None:
    top = RULER_HEIGHT + 3
    height = PICTURE_HEIGHT - 6
    for shot in timeline.shots:
        if shot.gap:
            gap = QRectF(layout.x_of(shot.start - shot.gap), top, shot.gap * layout.pixels_per_frame, height)
            painter.fillRect(gap, GAP)
            painter.setPen(TEXT_DIM)
            painter.drawText(gap, Qt.AlignCenter, "gap")
        box = shot_box(shot, layout)
        if box.right() < HEADER_WIDTH or box.left() > view.width() or not shown(box):
            continue
        known = shot.material.known
        painter.fillRect(box, SHOT if known else SHOT_PLANNED)
        media = view.probe.shots.get((shot.node_id, graph_port(view, shot)))
        if media is not None and media.thumbnails and box.width() > 20:
            _paint_thumbnails(painter, box, shot, media.thumbnails)
        if not known:
            painter.fillRect(box, QBrush(QColor(255, 255, 255, 18), Qt.BDiagPattern))
        selected = shot.node_id in view.selected_nodes or shot.shot_id in view.selected_nodes
        painter.setPen(QPen(SELECTION if selected else QColor("#5a7a9a"), 2 if selected else 1))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(box.adjusted(0.5, 0.5, -0.5, -0.5))
        label = shot.name + ("" if known else " · not rendered (planned length)")
        if shot.head or shot.tail:
            label += f" · trimmed {shot.head}+{shot.tail}f"
        _label(painter, box, label)
    for shot in timeline.shots[1:]:  # a join lies across two clips: drawn whenever either is
        if shot.join.kind != "cut" and not shot.gap:
            _paint_join(painter, layout, shot, top, height)


def graph_port(view, shot) -> str:
    link = view.graph.links.get(shot.link_id)
    return link.src_port if link is not None else "frames"


def _paint_thumbnails(painter: QPainter, box: QRectF, shot, thumbnails) -> None:
    """The material's thumbnails across the shown part of the clip, each at its place in the material."""
    painter.save()
    painter.setClipRect(box, Qt.IntersectClip)
    first = thumbnails[0]
    tile = box.height() * first.width() / max(1, first.height())
    count = max(1, int(box.width() // tile) + 1)
    material = max(1, shot.material.frames - 1)
    for i in range(count):
        # The material frame shown at this tile, picked among the thumbnails (spread over the material).
        frame = shot.head + (i * tile / box.width()) * shot.frames
        pick = min(len(thumbnails) - 1, round(frame / material * (len(thumbnails) - 1)))
        target = QRectF(box.left() + i * tile, box.top(), tile, box.height())
        painter.drawImage(target, thumbnails[pick])
    painter.restore()


def _paint_join(painter: QPainter, layout: TimelineLayout, shot, top: float, height: float) -> None:
    frames = shot.join.frames
    if shot.join.kind == "dissolve":
        left, right = layout.x_of(shot.start), layout.x_of(shot.start + frames)
    else:  # a fade through black is centred on the cut, half in each shot
        left, right = layout.x_of(shot.start - frames // 2), layout.x_of(shot.start + frames - frames // 2)
    box = QRectF(left, top + height * 0.55, max(2.0, right - left), height * 0.4)
    painter.fillRect(box, QColor(0, 0, 0, 150))
    painter.setPen(QPen(QColor("#d0d0d0"), 1))
    if shot.join.kind == "dissolve":
        painter.drawLine(QLineF(box.bottomLeft(), box.topRight()))
        painter.drawLine(QLineF(box.topLeft(), box.bottomRight()))
    else:
        painter.drawLine(QLineF(box.topLeft(), QPointF(box.center().x(), box.bottom())))
        painter.drawLine(QLineF(QPointF(box.center().x(), box.bottom()), box.topRight()))
    handle = QRectF(box.center().x() - 4, box.top() - 4, 8, 8)
    painter.setBrush(QColor("#e0e0e0"))
    painter.drawEllipse(handle)
    painter.setBrush(Qt.NoBrush)
    if box.width() > 60:
        painter.drawText(box.adjusted(3, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft,
                         f"{'dissolve' if shot.join.kind == 'dissolve' else 'fade'} {frames}f")


def _paint_sounds(painter: QPainter, timeline: Timeline, layout: TimelineLayout, view, bus: str, shown) -> None:
    top = TimelineLayout.sound_top(bus) + 3
    painter.setPen(QColor("#2a2a2a"))
    painter.drawLine(QLineF(HEADER_WIDTH, top - 3, view.width(), top - 3))
    for sound in timeline.sounds[bus]:
        box = sound_box(sound, timeline, layout, bus)
        if box.right() < HEADER_WIDTH or box.left() > view.width() or not shown(box):
            continue
        painter.fillRect(box, SOUND_COLORS[bus])
        media = view.probe.sounds.get(sound.source) if sound.source else None
        if media is not None and media.seconds > 0:
            _paint_wave(painter, box, sound, media)
        if not sound.known:
            painter.fillRect(box, QBrush(QColor(255, 255, 255, 18), Qt.BDiagPattern))
        _paint_fades(painter, box, sound, timeline, layout)
        selected = sound.node_id in view.selected_nodes or sound.place_id in view.selected_nodes
        painter.setPen(QPen(SELECTION if selected else SOUND_COLORS[bus].lighter(150), 2 if selected else 1))
        painter.drawRect(box.adjusted(0.5, 0.5, -0.5, -0.5))
        _label(painter, box, sound.name if sound.known else
               f"{sound.name} · not made yet" + ("" if sound.length is not None else ", length not known"))


def _paint_wave(painter: QPainter, box: QRectF, sound, media) -> None:
    """The part of the sound that is heard (after its trim), as min/max lines per pixel column."""
    peaks = media.peaks
    n = peaks.shape[1]
    first = int(n * float(sound.trim_start / media.seconds))
    last = n if sound.length is None else int(n * float((sound.trim_start + sound.length) / media.seconds))
    part = peaks[:, max(0, first):max(first + 1, min(n, last))]
    columns = column_peaks(part, int(box.width()))
    if columns.shape[1] == 0 or int(box.height()) <= 0:
        return
    painter.drawImage(box, wave_image(columns[0], columns[1], int(box.height()), WAVE))


def _paint_fades(painter: QPainter, box: QRectF, sound, timeline: Timeline, layout: TimelineLayout) -> None:
    painter.setPen(QPen(QColor("#ffffff"), 1))
    if sound.fade_in > 0:
        x = box.left() + timeline.frame_of(sound.fade_in) * layout.pixels_per_frame
        painter.drawLine(QLineF(box.bottomLeft(), QPointF(min(x, box.right()), box.top())))
    if sound.fade_out > 0 and sound.length is not None:
        x = box.right() - timeline.frame_of(sound.fade_out) * layout.pixels_per_frame
        painter.drawLine(QLineF(QPointF(max(x, box.left()), box.top()), box.bottomRight()))


def _paint_drag(painter: QPainter, view) -> None:
    ghost = view.drag_ghost()
    if ghost is None:
        return
    painter.setPen(QPen(SELECTION, 1.5, Qt.DashLine))
    painter.setBrush(QColor(224, 160, 48, 40))
    painter.drawRect(ghost)
    if view.drag_label:
        painter.setPen(SELECTION)
        painter.drawText(QPointF(ghost.left() + 4, ghost.top() - 4 if ghost.top() > 16 else ghost.bottom() + 14),
                         view.drag_label)


def _label(painter: QPainter, box: QRectF, text: str) -> None:
    """A clip's name on a dark band at its top-left, cut to the clip's width."""
    if box.width() < 24:
        return
    metrics = painter.fontMetrics()
    shown = metrics.elidedText(text, Qt.ElideRight, int(box.width() - 8))
    band = QRectF(box.left() + 1, box.top() + 1, min(box.width() - 2, metrics.horizontalAdvance(shown) + 8),
                  metrics.height() + 2)
    painter.fillRect(band, QColor(0, 0, 0, 150))
    painter.setPen(TEXT)
    painter.drawText(band.adjusted(4, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, shown)

