"""Generates the built-in looks as 33-point .cube LUTs in this folder (deterministic: same files each run).

Every look maps Rec.709 gamma 2.4 display code values (0..1) to the same encoding. Each is built
from classic colour operations on those values: filmic S-curves about a pivot, split-toning of
shadows and highlights, luma-preserving saturation, black lift and white roll-off.
Run from the repository root:  .venv/bin/python resources/luts/make_looks.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.media.lut import Lut, identity_lut, write_cube  # noqa: E402

SIZE = 33
LUMA = np.array([0.2126, 0.7152, 0.0722])  # Rec.709 weights


def luma(v: np.ndarray) -> np.ndarray:
    return (v @ LUMA)[..., None]


def s_curve(v: np.ndarray, contrast: float, pivot: float = 0.45) -> np.ndarray:
    """A smooth filmic S-curve through (0,0), (pivot,~pivot), (1,1): a logistic, rescaled to the ends."""
    def logistic(x):
        return 1.0 / (1.0 + np.exp(-contrast * (x - pivot)))
    return (logistic(v) - logistic(0.0)) / (logistic(1.0) - logistic(0.0))


def saturate(v: np.ndarray, amount: float) -> np.ndarray:
    y = luma(v)
    return y + (v - y) * amount


def split_tone(v: np.ndarray, shadows: tuple, highlights: tuple, strength: float = 1.0) -> np.ndarray:
    """Shadows pushed toward one hue and highlights toward another; mid-grey and luma barely move."""
    y = luma(v)
    shadow_weight = np.clip(1.0 - y / 0.5, 0.0, 1.0) ** 2
    highlight_weight = np.clip((y - 0.5) / 0.5, 0.0, 1.0) ** 2
    def tint(rgb):
        rgb = np.asarray(rgb, float)
        return rgb - rgb @ LUMA  # zero-luma offset: changes hue, not brightness
    return v + strength * (shadow_weight * tint(shadows) + highlight_weight * tint(highlights))


def levels(v: np.ndarray, black: float, white: float) -> np.ndarray:
    """Lifted blacks and lowered whites: the faded range of a print."""
    return black + v * (white - black)


def white_balance(v: np.ndarray, gains: tuple) -> np.ndarray:
    """Display values to linear light with channel gains (a white-balance and exposure shift)."""
    return np.clip(v, 0, 1) ** 2.4 * np.asarray(gains)


def encode(linear: np.ndarray) -> np.ndarray:
    return np.clip(linear, 0, 1) ** (1 / 2.4)


def warm_cinematic(v):
    v = encode(white_balance(v, (1.06, 1.0, 0.88)))
    v = s_curve(v, 5.0, 0.42)
    v = split_tone(v, (0.45, 0.5, 0.6), (1.0, 0.8, 0.55), 0.06)
    return levels(saturate(v, 0.92), 0.015, 0.985)


def cool_night(v):
    v = encode(white_balance(v, (0.62, 0.74, 0.98)))
    v = saturate(s_curve(v, 5.5, 0.4), 0.7)
    return split_tone(v, (0.3, 0.45, 0.8), (0.75, 0.85, 1.0), 0.08)


def bleach_bypass(v):
    # The silver left in the print: a high-contrast B&W layer over a desaturated colour layer.
    silver = s_curve(luma(v) * np.ones(3), 6.0, 0.5)
    colour = saturate(v, 0.5)
    return levels(s_curve(np.clip(0.6 * colour + 0.4 * silver, 0, 1), 3.0, 0.5), 0.0, 0.95)


def day_for_night(v):
    v = encode(white_balance(v, (0.22, 0.3, 0.48)))  # about -1.75 stops, toward moonlight blue
    v = saturate(v, 0.45)
    v = s_curve(v, 4.5, 0.35)
    return levels(v, 0.0, 0.8)  # no true whites in moonlight


def teal_orange(v):
    v = s_curve(v, 4.5, 0.45)
    v = split_tone(v, (0.1, 0.55, 0.6), (1.0, 0.6, 0.3), 0.14)
    return saturate(v, 1.12)


def faded_film(v):
    v = s_curve(v, 3.0, 0.5)
    v = split_tone(v, (0.45, 0.5, 0.55), (1.0, 0.9, 0.72), 0.07)
    return levels(saturate(v, 0.78), 0.07, 0.93)


def high_contrast_bw(v):
    # A panchromatic film with a light yellow filter: reds and greens bright, blue sky darker.
    grey = v @ np.array([0.34, 0.58, 0.08])
    return s_curve(grey[..., None] * np.ones(3), 8.0, 0.45)


def neutral_rec709_display(v):
    # A gentle display rendering: slight toe and highlight roll-off, colour untouched.
    curved = s_curve(luma(v), 2.2, 0.45)
    y = luma(v)
    return np.clip(v * np.where(y > 1e-6, curved / np.maximum(y, 1e-6), 1.0), 0, 1)


LOOKS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "warm_cinematic": ("Warm cinematic: amber balance, filmic S-curve, warm highlights", warm_cinematic),
    "cool_night": ("Cool night: blue balance, deeper shadows, muted colour", cool_night),
    "bleach_bypass": ("Bleach bypass: silver retained, low saturation, hard contrast", bleach_bypass),
    "day_for_night": ("Day for night: darker, moonlight blue, no true whites", day_for_night),
    "teal_orange": ("Teal and orange: teal shadows, orange highlights and skin", teal_orange),
    "faded_film": ("Faded film: lifted blacks, soft whites, warm print tone", faded_film),
    "high_contrast_bw": ("High-contrast black and white, yellow-filter response", high_contrast_bw),
    "neutral_rec709_display": ("Neutral Rec.709 display: gentle toe and roll-off, hue kept", neutral_rec709_display),
}


def make_look(name: str) -> Lut:
    title, transform = LOOKS[name]
    grid = identity_lut(SIZE).table.astype(np.float64)
    table = np.clip(transform(grid), 0.0, 1.0)
    return Lut(table, title=f"AIPROD {title}",
               comments=("Domain: Rec.709 primaries, gamma 2.4 display code values 0..1, in and out.",
                         "Generated by resources/luts/make_looks.py."))


def main() -> None:
    folder = Path(__file__).resolve().parent
    for name in LOOKS:
        write_cube(folder / f"{name}.cube", make_look(name), digits=6)  # 1e-6 steps: far below 10-bit video
        print(f"wrote {name}.cube")


if __name__ == "__main__":
    main()
