"""The video scopes read a known picture as a colourist expects: grey and red patches land on the
waveform at their Rec.709 luma, in their own columns; on the vectorscope grey sits at the centre and
red towards its target; the parade and histogram count each channel's levels."""

from __future__ import annotations

import numpy as np

from engine.media.scopes import COLUMNS, LEVELS, VECTOR_SIZE, measure, vector_position


def patches(width=1920, height=1080):
    """Left half 50 % grey, right half pure red, display-referred."""
    picture = np.zeros((height, width, 3), np.float32)
    picture[:, : width // 2] = 0.5
    picture[:, width // 2:, 0] = 1.0
    return picture


def level(value: float) -> int:
    return int(value * (LEVELS - 1) + 0.5)


def test_the_waveform_shows_each_patch_at_its_luma_in_its_own_columns():
    scopes = measure(patches())
    left, right = scopes.waveform[:, : COLUMNS // 2], scopes.waveform[:, COLUMNS // 2:]
    assert set(np.flatnonzero(left.sum(axis=1))) == {level(0.5)}
    assert set(np.flatnonzero(right.sum(axis=1))) == {level(0.2126)}  # red's Rec.709 luma
    assert left.sum() == right.sum() > 0


def test_the_vectorscope_puts_grey_at_the_centre_and_red_at_its_place():
    scopes = measure(patches())
    cells = {tuple(int(i) for i in cell) for cell in np.argwhere(scopes.vectorscope)}
    centre = VECTOR_SIZE // 2
    column, row = vector_position((1.0, 0.0, 0.0))
    assert cells == {(centre, centre), (row, column)}
    assert row > centre + 100 and column < centre  # red: high Cr, a little below neutral in Cb


def test_the_parade_and_histogram_count_each_channel():
    scopes = measure(patches())
    third = COLUMNS // 3
    red, green = scopes.parade[:, :third], scopes.parade[:, third: 2 * third]
    assert set(np.flatnonzero(red.sum(axis=1))) == {level(0.5), level(1.0)}
    assert set(np.flatnonzero(green.sum(axis=1))) == {level(0.5), level(0.0)}
    assert scopes.histogram[0, level(1.0)] == scopes.histogram[0, level(0.5)] == scopes.histogram.sum() / 6


def test_out_of_range_and_nan_values_are_pinned_not_lost():
    picture = np.full((10, 10, 3), 2.0, np.float32)
    picture[0, 0] = np.nan
    scopes = measure(picture)
    assert scopes.histogram[:, LEVELS - 1].sum() == 3 * 99 and scopes.histogram[:, 0].sum() == 3
    assert scopes.waveform.sum() == 100
