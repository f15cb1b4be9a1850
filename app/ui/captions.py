"""Labels whose text may be long (a node's name, a render's summary, a message) and must never widen
the dock or window that holds them: they take the width they are given and clip, their whole text
in the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy


def shrinkable(label: QLabel) -> QLabel:
    """`label`, laid out at whatever width its layout gives it (its text's width is only a hint)."""
    label.setSizePolicy(QSizePolicy.Ignored, label.sizePolicy().verticalPolicy())
    label.setMinimumWidth(1)
    return label
