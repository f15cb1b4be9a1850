"""Frame sizes a film is made at; shared by every node that creates pictures.

A project saves the size's id ("1920x1080"); the label is what the user reads, and the labels
saved before ids existed still load (RESOLUTION_RENAMED, frozen: never edit an old label there).
"""

from __future__ import annotations

RESOLUTIONS = {
    "3840x2160": (3840, 2160),
    "1920x1080": (1920, 1080),
    "1280x720": (1280, 720),
    "1080x1920": (1080, 1920),
    "1024x1024": (1024, 1024),
    "640x360": (640, 360),
}
RESOLUTION_LABELS = {
    "3840x2160": "3840x2160 (UHD)",
    "1920x1080": "1920x1080 (HD)",
    "1280x720": "1280x720 (720p)",
    "1080x1920": "1080x1920 (vertical HD)",
    "1024x1024": "1024x1024 (square)",
    "640x360": "640x360 (proxy)",
}
RESOLUTION_CHOICES = tuple(RESOLUTION_LABELS.items())  # (id, label) for EnumParam
RESOLUTION_RENAMED = {
    "3840x2160 (UHD)": "3840x2160",
    "1920x1080 (HD)": "1920x1080",
    "1280x720 (720p)": "1280x720",
    "1080x1920 (vertical HD)": "1080x1920",
    "1024x1024 (square)": "1024x1024",
    "640x360 (proxy)": "640x360",
}
