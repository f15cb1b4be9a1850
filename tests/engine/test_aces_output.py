"""The ACES 2.0 SDR output transforms: the baked LUT against OpenColorIO's exact transform, and in export."""

from __future__ import annotations

import numpy as np
import pytest

from engine.media import aces_output, colorspaces, transfer_fast
from engine.media.colorspaces import ACES_REC709, ACES_SRGB, gamut_matrix


def _natural_colours(count: int = 20000) -> np.ndarray:
    """Rec.709-gamut colours over ten stops, in ACEScg: what a graded film holds."""
    rng = np.random.default_rng(7)
    rec709 = rng.random((count, 3), dtype=np.float32) * np.exp2(rng.uniform(-6, 4, (count, 1))).astype(np.float32)
    return np.ascontiguousarray(rec709 @ gamut_matrix("ITU-R BT.709", "ACEScg").T, dtype=np.float32)


@pytest.mark.parametrize("display", [aces_output.REC1886_DISPLAY, aces_output.SRGB_DISPLAY])
def test_the_baked_transform_stays_close_to_the_exact_one(display):
    colours = _natural_colours()
    exact = colours.copy()
    aces_output.exact_processor(display).applyRGB(exact)
    error = np.abs(aces_output.encode(colours, display) - exact)
    assert np.percentile(error, 99) < 1.5e-3 and error.max() < 2e-2
    grey = np.repeat(np.geomspace(1e-4, 200, 2000, dtype=np.float32)[:, None], 3, axis=1)
    exact = grey.copy()
    aces_output.exact_processor(display).applyRGB(exact)
    assert np.abs(aces_output.encode(grey, display) - exact).max() < 2e-3


def test_aces_rolls_highlights_off_where_the_plain_display_curve_clips():
    scene = np.array([[0.18] * 3, [1.0] * 3, [4.0] * 3, [16.0] * 3], np.float32)
    aces = colorspaces.to_output(scene, "acescg", ACES_REC709)[:, 0]
    plain = colorspaces.to_output(scene, "acescg", "rec709")[:, 0]
    assert np.all(np.diff(aces) > 0.02)  # 1, 4 and 16 stay apart: detail in the highlights
    assert plain[1] == plain[2] == plain[3] == 1.0  # the plain curve clips them all to white
    assert 0.3 < aces[0] < 0.45  # mid grey sits where a film look puts it, below the plain curve's 0.49
    assert colorspaces.OUTPUT_TRANSFORMS[ACES_REC709].transfer == 1  # tagged BT.709 for players
    assert colorspaces.OUTPUT_TRANSFORMS[ACES_SRGB].transfer == 13


def test_export_path_and_reference_agree_and_neutral_stays_neutral():
    pixels = _natural_colours(16 * 16).reshape(16, 16, 3)
    reference = colorspaces.to_output(pixels, "acescg", ACES_SRGB)
    fast = transfer_fast.encode_output(pixels, "acescg", ACES_SRGB)
    assert np.abs(fast - reference).max() < 1e-6
    grey = transfer_fast.encode_output(np.full((2, 2, 3), 0.18, np.float32), "lin_rec709", ACES_REC709)
    assert np.ptp(grey[0, 0]) < 2e-3  # D65 grey is D65 grey on the display (white points adapted)


def test_an_aces_export_is_tagged_bt709_and_decodes_to_the_aces_signal(tmp_path):
    from tests.engine.test_export import GREY, decode, expected_signal, export

    report = export(tmp_path, tmp_path / "aces.mov", format="prores_422_hq", output_transform=ACES_REC709)
    assert report.status == "finished", report.results["export"].message
    pixels, frames, _, _ = decode(tmp_path / "aces.mov")
    assert (frames[0].color_primaries, frames[0].color_trc, frames[0].colorspace) == (1, 1, 1)
    aces_grey = expected_signal(GREY, ACES_REC709)
    assert np.abs(pixels[0][20:32, 8:24] - aces_grey).max() < 3 / 1023
    assert np.abs(aces_grey - expected_signal(GREY)).max() > 0.03  # not the plain display curve
