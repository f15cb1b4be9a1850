"""Frame sizes a film is made at; shared by every node that creates pictures."""

from __future__ import annotations

RESOLUTIONS = {
    "3840x2160 (UHD)": (3840, 2160),
    "1920x1080 (HD)": (1920, 1080),
    "1280x720 (720p)": (1280, 720),
    "1080x1920 (vertical HD)": (1080, 1920),
    "1024x1024 (square)": (1024, 1024),
    "640x360 (proxy)": (640, 360),
}
RESOLUTION_CHOICES = tuple(RESOLUTIONS)
