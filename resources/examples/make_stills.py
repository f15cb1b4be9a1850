"""Paints the sample project's stills procedurally, so the sample ships no third-party pictures.

    python resources/examples/make_stills.py     # rewrites resources/examples/stills/*.jpg

Deterministic (fixed seeds); the pictures are part of AIPROD Studio, GPL-3.0-or-later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1920, 1080
OUT = Path(__file__).resolve().parent / "stills"


def vertical_gradient(stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """An H x W x 3 float sky from (position 0..1 top to bottom, colour) stops."""
    y = np.linspace(0, 1, HEIGHT)
    positions = [p for p, _ in stops]
    channels = [np.interp(y, positions, [c[i] for _, c in stops]) for i in range(3)]
    column = np.stack(channels, axis=-1) / 255.0
    return np.repeat(column[:, None, :], WIDTH, axis=1)


def ridge(rng: np.random.Generator, base: float, roughness: float, smooth: int) -> np.ndarray:
    """Heights (pixels from the top) of a mountain ridge across the frame: a smoothed random walk."""
    steps = rng.normal(0, roughness, WIDTH + smooth * 2).cumsum()
    kernel = np.hanning(smooth * 2 + 1)
    line = np.convolve(steps, kernel / kernel.sum(), mode="same")[smooth:-smooth]
    line -= line.mean()
    return base * HEIGHT + line


def fill_below(picture: np.ndarray, heights: np.ndarray, colour: tuple[int, int, int], haze: float = 0.0,
               sky: np.ndarray | None = None) -> None:
    rows = np.arange(HEIGHT)[:, None]
    mask = rows >= heights[None, :]
    tint = np.asarray(colour, np.float64) / 255.0
    if sky is not None and haze > 0:  # aerial perspective: far ridges take the sky's colour
        tint = tint * (1 - haze) + sky[int(heights.mean()) - 1, 0] * haze
    picture[mask] = tint


def glow(picture: np.ndarray, centre: tuple[float, float], radius: float, colour: tuple[int, int, int],
         strength: float) -> None:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    distance = np.hypot(x - centre[0], y - centre[1])
    halo = np.exp(-((distance / (radius * 4)) ** 2)) * strength
    disc = np.clip((radius - distance) / 2.0, 0, 1)
    tint = np.asarray(colour, np.float64) / 255.0
    picture[:] = picture * (1 - disc[..., None]) + tint * disc[..., None]
    picture[:] = np.clip(picture + tint * halo[..., None], 0, 1)


def grain(picture: np.ndarray, rng: np.random.Generator, amount: float = 0.012) -> np.ndarray:
    return np.clip(picture + rng.normal(0, amount, picture.shape), 0, 1)


def save(picture: np.ndarray, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    Image.fromarray((picture * 255 + 0.5).astype(np.uint8), "RGB").save(OUT / name, quality=92, optimize=True)


def dawn() -> None:
    rng = np.random.default_rng(1)
    sky = vertical_gradient([(0, (38, 52, 96)), (0.45, (222, 134, 98)), (0.62, (255, 205, 140)), (1, (250, 190, 120))])
    picture = sky.copy()
    glow(picture, (WIDTH * 0.62, HEIGHT * 0.6), 46, (255, 236, 200), 0.35)
    for base, colour, haze, rough in ((0.58, (120, 92, 110), 0.55, 4.0), (0.66, (80, 60, 82), 0.35, 5.0),
                                      (0.76, (46, 36, 54), 0.15, 6.0), (0.88, (22, 18, 28), 0.0, 7.0)):
        fill_below(picture, ridge(rng, base, rough, 60), colour, haze, sky)
    save(grain(picture, rng), "dawn.jpg")


def lake(boat_x: float, name: str) -> None:
    rng = np.random.default_rng(2)  # the same seed: both keyframes share everything but the boat
    sky = vertical_gradient([(0, (24, 40, 78)), (0.5, (150, 110, 150)), (0.56, (236, 160, 120)), (1, (236, 160, 120))])
    picture = sky.copy()
    horizon = int(HEIGHT * 0.56)
    glow(picture, (WIDTH * 0.3, HEIGHT * 0.5), 34, (255, 220, 180), 0.25)
    fill_below(picture, ridge(rng, 0.5, 3.0, 80), (58, 48, 76), 0.3, sky)
    water = picture[:horizon][::-1][: HEIGHT - horizon] * np.array([0.55, 0.62, 0.78])
    ripples = 1 + 0.06 * np.sin(np.arange(HEIGHT - horizon)[:, None] * 0.9 + rng.normal(0, 1, (1, WIDTH)))
    picture[horizon:] = np.clip(water * ripples[..., None], 0, 1)
    boat = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(boat)
    x, y = boat_x * WIDTH, horizon + 40
    draw.polygon([(x - 90, y), (x + 90, y), (x + 60, y + 26), (x - 60, y + 26)], fill=255)  # hull
    draw.polygon([(x - 4, y - 150), (x - 4, y), (x - 80, y)], fill=255)  # sail
    draw.polygon([(x + 4, y - 120), (x + 4, y), (x + 56, y)], fill=255)
    mask = np.asarray(boat.filter(ImageFilter.GaussianBlur(1.2)), np.float64)[..., None] / 255.0
    picture = picture * (1 - mask) + np.array([0.05, 0.04, 0.07]) * mask
    save(grain(picture, rng), name)


def night() -> None:
    rng = np.random.default_rng(3)
    picture = vertical_gradient([(0, (6, 10, 28)), (0.7, (28, 40, 84)), (1, (44, 52, 96))])
    stars = rng.random((HEIGHT, WIDTH)) > 0.9994
    picture[stars] = 0.9
    glow(picture, (WIDTH * 0.78, HEIGHT * 0.2), 40, (240, 240, 225), 0.2)
    skyline = Image.new("L", (WIDTH, HEIGHT), 0)
    windows = Image.new("L", (WIDTH, HEIGHT), 0)
    sky_draw, win_draw = ImageDraw.Draw(skyline), ImageDraw.Draw(windows)
    x = 0
    while x < WIDTH:
        w, h = int(rng.integers(60, 170)), int(rng.integers(180, 560))
        sky_draw.rectangle([x, HEIGHT - h, x + w, HEIGHT], fill=255)
        for wy in range(HEIGHT - h + 20, HEIGHT - 10, 26):
            for wx in range(x + 10, x + w - 14, 22):
                if rng.random() < 0.35:
                    win_draw.rectangle([wx, wy, wx + 9, wy + 13], fill=255)
        x += w + int(rng.integers(0, 18))
    body = np.asarray(skyline, np.float64)[..., None] / 255.0
    lit = np.asarray(windows.filter(ImageFilter.GaussianBlur(0.8)), np.float64)[..., None] / 255.0
    picture = picture * (1 - body) + np.array([0.03, 0.035, 0.06]) * body
    picture = picture * (1 - lit) + np.array([1.0, 0.78, 0.42]) * lit
    save(grain(picture, rng), "night.jpg")


if __name__ == "__main__":
    dawn()
    lake(0.34, "lake_a.jpg")
    lake(0.39, "lake_b.jpg")
    night()
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.jpg"))))
