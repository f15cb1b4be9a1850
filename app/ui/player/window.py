"""Full screen: the player's picture moved into a frameless full-screen window and back (F, Esc)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget


class FullScreenHost(QWidget):
    """Holds the picture while full screen; keys go to the player's handler, Esc (or F) leaves."""

    def __init__(self, handle_key, leave):
        super().__init__(None, Qt.Window | Qt.FramelessWindowHint)
        self._handle_key, self._leave = handle_key, leave
        self.setStyleSheet("background: #000;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setFocusPolicy(Qt.StrongFocus)

    def hold(self, widget: QWidget) -> None:
        self.layout().addWidget(widget)
        widget.show()
        self.showFullScreen()
        self.activateWindow()
        self.setFocus()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Escape, Qt.Key_F):
            self._leave()
        elif not self._handle_key(event.key()):
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self._leave()
        super().closeEvent(event)
