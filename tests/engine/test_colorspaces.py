"""Colour spaces in and out, checked against published reference values of each standard."""

import numpy as np
import pytest

from engine.media import colorspaces
from engine.media.colorspaces import (INPUT_SPACES, OUTPUT_TRANSFORMS, WORKING_GAMUTS, convert_working, gamut_matrix,
                                      to_output, to_working)


def patch(*rgb):
    return np.array(rgb, np.float32).reshape(1, 1, 3)


def test_srgb_mid_grey_decodes_to_its_linear_value():
    assert to_working(patch(0.5, 0.5, 0.5), "srgb")[0, 0, 0] == pytest.approx(0.21404, abs=1e-4)


def test_logc3_18_percent_grey():
    # ARRI LogC3 (EI 800) encodes 18 % grey at code value 0.391007.
    linear = to_working(patch(0.391007, 0.391007, 0.391007), "arri_logc3")
    assert linear[0, 0] == pytest.approx([0.18, 0.18, 0.18], abs=2e-3)  # neutral stays neutral across gamuts


def test_slog3_18_percent_grey():
    # S-Log3 puts 18 % grey at 420/1023.
    linear = to_working(patch(420 / 1023, 420 / 1023, 420 / 1023), "sony_slog3")
    assert linear[0, 0] == pytest.approx([0.18] * 3, abs=2e-3)


def test_working_spaces_keep_white_and_differ_on_saturated_colours():
    white = convert_working(patch(1, 1, 1), "lin_rec709", "acescg")
    assert white[0, 0] == pytest.approx([1, 1, 1], abs=1e-4)
    red = convert_working(patch(1, 0, 0), "lin_rec709", "acescg")
    assert red[0, 0] == pytest.approx([0.6131, 0.0702, 0.0206], abs=2e-3)
    back = convert_working(red, "acescg", "lin_rec709")
    assert back[0, 0] == pytest.approx([1, 0, 0], abs=1e-4)


@pytest.mark.parametrize("space", ["srgb", "rec709"])
def test_display_round_trip(space):
    encoded = np.random.default_rng(0).random((8, 8, 3), dtype=np.float32)
    transform = space  # the input space and the output transform share an id
    assert np.allclose(to_output(to_working(encoded, space), "lin_rec709", transform), encoded, atol=1e-5)


def test_hdr_reference_white_levels():
    white = patch(1, 1, 1)
    assert to_output(white, "lin_rec709", "rec2020_hlg")[0, 0, 0] == pytest.approx(0.75, abs=1e-3)
    assert to_output(white, "lin_rec709", "rec2020_pq")[0, 0, 0] == pytest.approx(0.5807, abs=1e-3)
    assert OUTPUT_TRANSFORMS["rec2020_pq"].transfer == 16  # SMPTE ST 2084 in H.273


def test_alpha_passes_through():
    rgba = np.array([[[0.5, 0.5, 0.5, 0.25]]], np.float32)
    assert to_working(rgba, "srgb")[0, 0, 3] == 0.25
    assert to_output(rgba, "lin_rec709", "srgb")[0, 0, 3] == 0.25


def test_unknown_names_are_clear_errors():
    with pytest.raises(ValueError, match="unknown input colour space 'Rec 709'.*srgb"):
        to_working(patch(0, 0, 0), "Rec 709")
    with pytest.raises(ValueError, match="unknown output transform"):
        to_output(patch(0, 0, 0), "lin_rec709", "P3")
    assert len(INPUT_SPACES) >= 8 and gamut_matrix("ACEScg", "ACEScg").shape == (3, 3)


def test_colour_science_leaves_no_stand_in_modules_that_break_a_later_diffusers_import():
    """Without matplotlib, `import colour` puts MagicMock stand-ins for it in sys.modules, and diffusers'
    import asks importlib.util.find_spec("matplotlib"), which raises on a module without a __spec__: a
    Keyframe rendered after a Title in one process failed so. A fresh interpreter, as a render starts."""
    import subprocess
    import sys

    from tests.engine.stub_nodes import project_root

    code = ("import importlib.util, sys\n"
            "from engine.media.colorspaces import to_working\n"
            "import numpy as np\n"
            "to_working(np.full((1, 1, 3), 0.5, np.float32), 'srgb')\n"  # what a Title or an import does
            "importlib.util.find_spec('matplotlib')\n"  # what diffusers asks when it is imported
            "print(sorted(n for n, m in sys.modules.items() if type(m).__name__ == 'MagicMock'))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=project_root(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def _direct(encoded: np.ndarray, space: str, working: str = "lin_rec709") -> np.ndarray:
    """Every pixel decoded on its own (what to_working did before it looked codes up)."""
    spec = INPUT_SPACES[space]
    rgb = np.asarray(spec.decode(np.asarray(encoded[..., :3], np.float32)), np.float32)
    return (rgb @ gamut_matrix(spec.gamut, WORKING_GAMUTS[working]).T).astype(np.float32)


def _pictures() -> dict[str, np.ndarray]:
    """Pictures as engine.media.image_io makes them: 8-bit stills (code / 255) and video frames
    (code x 1/255), their 16-bit kin, one with alpha, and two that hold no codes (float, NaN)."""
    rng = np.random.default_rng(5)
    codes8, codes16 = rng.integers(0, 256, (300, 400, 3)), rng.integers(0, 65536, (300, 400, 3))
    with_nan = codes8.astype(np.float32) / np.float32(255)
    with_nan[200, 100, 1] = np.nan
    return {
        "still 8-bit": codes8.astype(np.float32) / np.float32(255),
        "video 8-bit": codes8.astype(np.float32) * np.float32(1 / 255),
        "still 16-bit": codes16.astype(np.float32) / np.float32(65535),
        "video 16-bit": codes16.astype(np.float32) * np.float32(1 / 65535),
        "rgba 8-bit": rng.integers(0, 256, (300, 400, 4)).astype(np.float32) / np.float32(255),
        "float": rng.random((300, 400, 3), dtype=np.float32) * 1.2,
        "nan": with_nan,
    }


@pytest.mark.parametrize("space", ["srgb", "rec709", "acescct", "sony_slog3"])
@pytest.mark.parametrize("name", list(_pictures()))
def test_decoding_by_code_table_gives_every_pixels_own_floats(name, space):
    encoded = _pictures()[name]
    calls = []
    spec = colorspaces.INPUT_SPACES[space]
    counting = colorspaces.InputSpace(spec.id, spec.name, spec.gamut, lambda x: calls.append(x.size) or spec.decode(x))
    decoded = colorspaces._decoded(counting, np.asarray(encoded[..., :3], np.float32))
    linear = to_working(encoded, space)
    np.testing.assert_array_equal(linear[..., :3], _direct(encoded, space))
    np.testing.assert_array_equal(decoded, np.asarray(spec.decode(np.asarray(encoded[..., :3], np.float32)), np.float32))
    # Pictures of codes decode their table (256 or 65536 values), not their 360,000 values.
    table_sizes = {"8-bit": 256, "16-bit": 65536}
    expected = next((size for depth, size in table_sizes.items() if name.endswith(depth)), encoded[..., :3].size)
    assert calls == [expected]
