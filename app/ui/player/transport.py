"""The player's controls under the picture: transport buttons, timecode, drops, and the cache bar.

Buttons take no keyboard focus, so Space, J/K/L and the arrows always reach the player.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QWidget

from engine.timebase import timecode_of

from ..theme import mono_font
from .picture import ASPECT_MASKS


class CacheBar(QWidget):
    """A thin strip under the scrub bar: which frames are ready to show (green), and the in/out range."""

    def __init__(self, player, parent=None):
        super().__init__(parent)
        self.player = player
        self.setFixedHeight(5)
        player.cache_changed.connect(self.update)
        player.state_changed.connect(self.update)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#2a2a2a"))
        count = self.player.frame_count
        if count < 1:
            return
        step = self.width() / count
        if self.player.in_point is not None or self.player.out_point is not None:
            first, last = self.player.play_range()
            painter.fillRect(QRectF(first * step, 0, (last - first + 1) * step, self.height()), QColor("#3d4f66"))
        ready = sorted(self.player.cache.ready("a"))
        run_start = None
        for position, index in enumerate(ready + [None]):  # draw runs of ready frames, not one rect each
            if run_start is None:
                run_start = index
            elif index is None or index != ready[position - 1] + 1:
                end = ready[position - 1]
                painter.fillRect(QRectF(run_start * step, 1, (end - run_start + 1) * step, self.height() - 2),
                                 QColor("#4caf50"))
                run_start = index


def _button(text: str, tip: str, checkable: bool = False) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(checkable)
    button.setFocusPolicy(Qt.NoFocus)
    button.setAutoRaise(True)
    return button


class Transport(QWidget):
    def __init__(self, player, parent=None):
        super().__init__(parent)
        self.player = player
        self.start = _button("|◀◀", "Go to start (Home)")
        self.back = _button("◀|", "Previous frame (Left)")
        self.play = _button("▶", "Play / pause (Space); J, K, L shuttle back, pause, forward")
        self.forward = _button("|▶", "Next frame (Right)")
        self.end = _button("▶▶|", "Go to end (End)")
        self.mark_in = _button("I", "Mark in (I)")
        self.mark_out = _button("O", "Mark out (O)")
        self.loop = _button("⟲", "Loop: within in/out when set, else the whole clip", checkable=True)
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setFont(mono_font(10))
        self.timecode.setFixedWidth(self.timecode.fontMetrics().horizontalAdvance("00:00:00;00 ") + 6)
        self.status = QLabel()
        self.status.setObjectName("hint")
        # Its text (drops, notices) must never widen the dock: it is cut to the room there is, in full as a tooltip.
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.status.setMinimumWidth(0)
        self.zoom = _button("Fit", "Zoom: fit, 100 %, 200 % (mouse wheel zooms, drag pans)")
        self.zoom.setPopupMode(QToolButton.InstantPopup)
        self.overlays = _button("Guides", "Safe areas and aspect masks")
        self.overlays.setPopupMode(QToolButton.InstantPopup)
        self.compare = _button("A/B", "Compare with another node: a wipe or side by side")
        self.compare.setPopupMode(QToolButton.InstantPopup)
        self.full_screen = _button("Full", "Full screen (F; Esc leaves)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        for widget in (self.start, self.back, self.play, self.forward, self.end, self.mark_in, self.mark_out,
                       self.loop, self.timecode):
            layout.addWidget(widget)
        layout.addWidget(self.status, 1)
        for widget in (self.zoom, self.overlays, self.compare, self.full_screen):
            layout.addWidget(widget)
        # Narrow, the row drops buttons that have keys of their own (I, O, Home, End, F), least needed
        # first, rather than widening the dock and taking the canvas's room.
        self.optional = [self.mark_in, self.mark_out, self.loop, self.overlays, self.start, self.end,
                         self.full_screen, self.compare, self.zoom]
        self.start.clicked.connect(player.go_to_start)
        self.back.clicked.connect(lambda: player.step(-1))
        self.play.clicked.connect(player.toggle)
        self.forward.clicked.connect(lambda: player.step(1))
        self.end.clicked.connect(player.go_to_end)
        self.mark_in.clicked.connect(player.mark_in)
        self.mark_out.clicked.connect(player.mark_out)
        self.loop.toggled.connect(player.set_loop)
        player.state_changed.connect(self.refresh)
        player.position_changed.connect(self._position)

    def _core_width(self) -> int:
        spacing = self.layout().spacing()
        core = [w for w in (self.back, self.play, self.forward, self.timecode)]
        return sum(w.sizeHint().width() + spacing for w in core) + 8

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(self._core_width())
        return hint

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_buttons(event.size().width())

    def fit_buttons(self, width: int) -> None:
        """Show as many optional buttons as fit in `width`, the most needed first."""
        room = width - self._core_width()
        spacing = self.layout().spacing()
        for button in reversed(self.optional):  # the most needed is last in the list
            need = button.sizeHint().width() + spacing
            fits = room >= need
            if fits:
                room -= need
            if button.isHidden() == fits:
                button.setVisible(fits)

    def overlay_menu(self, picture) -> QMenu:
        menu = QMenu(self)
        safe = menu.addAction("Title/action safe (80 % / 90 %)")
        safe.setCheckable(True)
        safe.toggled.connect(lambda on: (setattr(picture, "safe_areas", on), picture.update()))
        menu.addSection("Aspect mask")
        for name in (None, *ASPECT_MASKS):
            action = menu.addAction(name or "No mask")
            action.triggered.connect(lambda _c=False, n=name: (setattr(picture, "aspect_mask", n), picture.update()))
        self.overlays.setMenu(menu)
        return menu

    def _position(self, frame: int) -> None:
        if self.player.source is not None:
            self.timecode.setText(timecode_of(frame, self.player.fps))

    def refresh(self) -> None:
        player = self.player
        self.play.setText("❚❚" if player.is_playing else "▶")
        self.loop.blockSignals(True)
        self.loop.setChecked(player.loop)
        self.loop.blockSignals(False)
        parts = []
        if player.speed != 1:
            parts.append(f"{player.speed:+d}x, silent")
        if player.in_point is not None or player.out_point is not None:
            first, last = player.play_range()
            parts.append(f"in {first} · out {last}")
        parts.append(f"dropped {player.dropped}")
        if player.notice:
            parts.append(player.notice)
        self.status.setText(" · ".join(parts))
        self.status.setToolTip(self.status.text())
