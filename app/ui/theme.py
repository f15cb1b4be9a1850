"""The editor's look: a dark, neutral theme for grading work, and the colours the canvas uses.

Grading needs a neutral grey surround so the eye judges the preview, not the chrome: the
palette is desaturated grey, accents are used only for selection, ports and status badges.
"""

from __future__ import annotations

import hashlib

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

GRID = 20  # canvas grid step in scene units; node positions snap to it

BACKGROUND = QColor("#1e1e1e")
GRID_MINOR = QColor("#262626")
GRID_MAJOR = QColor("#2e2e2e")
NODE_BODY = QColor("#2b2b2b")
NODE_BORDER = QColor("#3c3c3c")
SELECTION = QColor("#e0a030")
TEXT = QColor("#d6d6d6")
TEXT_DIM = QColor("#8c8c8c")

# One hue per category, muted so the title bars do not tint the viewer beside them.
CATEGORY_COLORS = {
    "Image": "#3f6f8f", "Titles": "#7a5a8a", "Values": "#5a6a4a", "Edit": "#8a6a3a",
    "Output": "#8a3f3f", "Audio": "#3f7a5a", "Grade": "#8a4a6a", "Camera": "#3f7a7a", "Test": "#5a5a5a",
}

STATUS_COLORS = {
    "idle": "#5a5a5a", "queued": "#8c8c8c", "running": "#e0a030", "cached": "#4a90c0",
    "done": "#5aa05a", "skipped": "#6a6a6a", "failed": "#d04a4a", "cancelled": "#b08a3a",
}


def category_color(category: str) -> QColor:
    """The category's colour; a stable muted hue derived from the name for plug-in categories."""
    if category in CATEGORY_COLORS:
        return QColor(CATEGORY_COLORS[category])
    hue = int(hashlib.md5(category.encode()).hexdigest()[:4], 16) % 360
    return QColor.fromHsv(hue, 110, 140)


STYLESHEET = """
QMainWindow, QDockWidget { background: #232323; }
QDockWidget::title { background: #2d2d2d; padding: 4px 6px; color: #bdbdbd; }
QToolTip { background: #2d2d2d; color: #e0e0e0; border: 1px solid #555; padding: 3px; }
QLineEdit, QPlainTextEdit, QTextEdit, QSpinBox, QDoubleSpinBox, QComboBox {
    background: #1a1a1a; border: 1px solid #3a3a3a; border-radius: 3px; padding: 2px 4px; color: #dcdcdc;
    selection-background-color: #5a4a2a;
}
QLineEdit:focus, QPlainTextEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus {
    border: 1px solid #e0a030;
}
QLineEdit:disabled, QPlainTextEdit:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled, QComboBox:disabled {
    color: #6a6a6a; background: #202020;
}
QPushButton, QToolButton { background: #333; border: 1px solid #444; border-radius: 3px; padding: 3px 8px; color: #ddd; }
QPushButton:hover, QToolButton:hover { background: #3d3d3d; }
QPushButton:pressed, QToolButton:pressed { background: #2a2a2a; }
QToolButton:checked { background: #8a6a2a; border: 1px solid #e0a030; color: #fff; }
QTreeWidget, QListWidget { background: #1f1f1f; border: none; color: #d0d0d0; }
QTreeWidget::item:selected { background: #4a3e26; color: #fff; }
QSlider::groove:horizontal { height: 4px; background: #3a3a3a; border-radius: 2px; }
QSlider::handle:horizontal { width: 12px; margin: -5px 0; border-radius: 6px; background: #bbb; }
QProgressBar { background: #1a1a1a; border: 1px solid #3a3a3a; border-radius: 3px; text-align: center; color: #ddd; }
QProgressBar::chunk { background: #8a6a2a; }
QStatusBar { background: #1b1b1b; color: #c8c8c8; }
QMenuBar { background: #262626; color: #d0d0d0; }
QMenuBar::item:selected, QMenu::item:selected { background: #4a3e26; }
QMenu { background: #2a2a2a; color: #d8d8d8; border: 1px solid #444; }
QLabel#sectionTitle { color: #e8e8e8; font-weight: bold; padding: 2px 0; }
QLabel#hint { color: #8c8c8c; }
"""


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.Window: "#232323", QPalette.WindowText: "#d6d6d6", QPalette.Base: "#1a1a1a",
        QPalette.AlternateBase: "#242424", QPalette.ToolTipBase: "#2d2d2d", QPalette.ToolTipText: "#e0e0e0",
        QPalette.Text: "#d6d6d6", QPalette.Button: "#303030", QPalette.ButtonText: "#d6d6d6",
        QPalette.BrightText: "#ffffff", QPalette.Highlight: "#8a6a2a", QPalette.HighlightedText: "#ffffff",
        QPalette.Link: "#e0a030", QPalette.PlaceholderText: "#707070",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#666666"))
    return palette


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLESHEET)
    font = app.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    app.setFont(font)


def mono_font(size: float = 9.0) -> QFont:
    font = QFont("Monospace")
    font.setStyleHint(QFont.TypeWriter)
    font.setPointSizeF(size)
    return font


def snapped(item, value):
    """A canvas item's new position on the grid while it is dragged with Snap on (the model's own
    position, set while `item._syncing`, is shown as it is)."""
    from PySide6.QtCore import QPointF

    if item._syncing or not getattr(item.scene(), "snap", False):
        return value
    return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
