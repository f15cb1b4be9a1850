""".cube files read and write exactly; tetrahedral interpolation agrees with colour-science and OpenColorIO."""


import numpy as np
import PyOpenColorIO as ocio
import pytest

from engine.color import import_colour
from engine.media.lut import Lut, apply_lut_numpy, format_cube, identity_lut, parse_cube, read_cube, write_cube
from tests.engine.stub_nodes import project_root

colour = import_colour()  # engine.color: imported without leaving stand-in modules behind

RNG = np.random.default_rng(7)


def wavy_lut(size: int = 17, domain_min=(0.0, 0.0, 0.0), domain_max=(1.0, 1.0, 1.0)) -> Lut:
    """A smooth, strongly non-separable LUT: every output channel depends on every input."""
    grid = identity_lut(size).table.astype(np.float64)
    r, g, b = grid[..., 0:1], grid[..., 1:2], grid[..., 2:3]
    table = grid ** 1.4 + 0.3 * np.sin(4 * r * g * b) + 0.2 * grid[..., [1, 2, 0]] * grid[..., [2, 0, 1]]
    return Lut(table, domain_min, domain_max, title="wavy")


def ocio_apply(transform, rgb: np.ndarray) -> np.ndarray:
    config = ocio.Config.CreateRaw()
    config.setProcessorCacheFlags(ocio.PROCESSOR_CACHE_OFF)
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    config.getProcessor(transform).getDefaultCPUProcessor().apply(ocio.PackedImageDesc(out, len(out), 1, 3))
    return out


def test_3d_round_trip_is_exact_with_domain_and_title(tmp_path):
    lut = Lut(RNG.random((5, 5, 5, 3)) * 2 - 0.5, (-0.25, 0.0, 0.1), (1.5, 2.0, 1.0), title="Show LUT v2")
    write_cube(tmp_path / "a.cube", lut)
    back = read_cube(tmp_path / "a.cube")
    assert back.is_3d and back.title == "Show LUT v2"
    assert back.domain_min == lut.domain_min and back.domain_max == lut.domain_max
    assert np.array_equal(back.table, lut.table)


def test_1d_round_trip_is_exact_with_domain(tmp_path):
    lut = Lut(RNG.random((1024, 3)), (0.0, 0.0, 0.0), (4.0, 4.0, 4.0))
    write_cube(tmp_path / "b.cube", lut)
    back = read_cube(tmp_path / "b.cube")
    assert not back.is_3d and back.domain_max == (4.0, 4.0, 4.0) and np.array_equal(back.table, lut.table)


def test_red_changes_fastest_in_the_file():
    lut = identity_lut(2)
    rows = [line for line in format_cube(lut).splitlines() if line[0].isdigit()]
    assert rows[:3] == ["0 0 0", "1 0 0", "0 1 0"]


def test_resolve_input_range_keywords_set_the_domain():
    text = "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE -0.5 2\n" + "\n".join("0 0 0" for _ in range(8))
    lut = parse_cube(text)
    assert lut.domain_min == (-0.5,) * 3 and lut.domain_max == (2.0,) * 3
    one_d = parse_cube("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 0 8\n0 0 0\n1 1 1\n")
    assert one_d.domain_max == (8.0,) * 3


@pytest.mark.parametrize("text, message", [
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, "needs 8 rows"),
    ("LUT_3D_SIZE 1\n0 0 0\n", "LUT_3D_SIZE must be a whole number from 2"),
    ("LUT_3D_SIZE two\n", "LUT_3D_SIZE must be a whole number"),
    ("LUT_1D_SIZE 2\n0 0 0\n0 zero 0\n", "line 3: '0 zero 0' is not a list of numbers"),
    ("LUT_1D_SIZE 2\n0 0\n1 1 1\n", "line 2: expected 3 numbers"),
    ("Hello, this is a letter\n", "unknown keyword 'Hello,'"),
    ("# only a comment\n", "no LUT_3D_SIZE or LUT_1D_SIZE"),
    ("LUT_1D_SIZE 2\nDOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n0 0 0\n1 1 1\n", "must exceed domain min"),
    ("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n", "mixing a 1D shaper and a 3D LUT"),
])
def test_malformed_cube_files_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_cube(text, "bad.cube")


def test_missing_and_binary_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_cube(tmp_path / "nope.cube")
    (tmp_path / "x.cube").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match="not a text .cube"):
        read_cube(tmp_path / "x.cube")


def test_tetrahedral_matches_colour_science():
    lut = wavy_lut()
    rgb = RNG.random((4000, 3)).astype(np.float32)
    reference = colour.LUT3D(lut.table.astype(np.float64), size=lut.size).apply(
        rgb.astype(np.float64), interpolator=colour.algebra.table_interpolation_tetrahedral)
    assert np.abs(apply_lut_numpy(rgb, lut) - reference).max() < 1e-4
    trilinear = colour.LUT3D(lut.table.astype(np.float64), size=lut.size).apply(rgb.astype(np.float64))
    assert np.abs(trilinear - reference).max() > 1e-3  # the comparison can tell the two methods apart


def test_tetrahedral_matches_opencolorio_including_domain_and_clamping(tmp_path):
    lut = wavy_lut(9, (-0.5, 0.0, 0.0), (1.5, 2.0, 1.0))
    write_cube(tmp_path / "w.cube", lut)
    rgb = (RNG.random((4000, 3)) * 2.6 - 0.7).astype(np.float32)  # some inputs outside the domain
    theirs = ocio_apply(ocio.FileTransform(str(tmp_path / "w.cube"), interpolation=ocio.INTERP_TETRAHEDRAL), rgb)
    assert np.abs(apply_lut_numpy(rgb, lut) - theirs).max() < 1e-4


def test_1d_lut_matches_opencolorio_and_numpy(tmp_path):
    x = np.linspace(0, 1, 64)
    lut = Lut(np.stack([x ** 2, np.sqrt(x), 1 - x], -1), (0, 0, 0), (2, 2, 2))
    write_cube(tmp_path / "c.cube", lut)
    rgb = (RNG.random((2000, 3)) * 2.2 - 0.1).astype(np.float32)
    ours = apply_lut_numpy(rgb, lut)
    theirs = ocio_apply(ocio.FileTransform(str(tmp_path / "c.cube"), interpolation=ocio.INTERP_LINEAR), rgb)
    assert np.abs(ours - theirs).max() < 1e-5
    grid = np.linspace(0, 2, 64)
    assert np.allclose(ours[:, 1], np.interp(rgb[:, 1], grid, lut.table[:, 1]), atol=1e-6)


def test_identity_lut_leaves_colours_unchanged():
    rgb = RNG.random((5000, 3)).astype(np.float32)
    assert np.abs(apply_lut_numpy(rgb, identity_lut(33)) - rgb).max() < 1e-6
    assert np.abs(apply_lut_numpy(rgb, identity_lut(64, three_d=False)) - rgb).max() < 1e-6


def test_each_built_in_look_parses_and_changes_the_picture():
    looks = sorted((project_root() / "resources" / "luts").glob("*.cube"))
    assert len(looks) >= 8
    rgb = RNG.random((2000, 3)).astype(np.float32)
    for path in looks:
        lut = read_cube(path)
        assert lut.is_3d and lut.size == 33 and not lut.is_identity(1e-3), path.name
        assert "Rec.709" in " ".join(lut.comments)  # the domain is documented in the file
        assert np.abs(apply_lut_numpy(rgb, lut) - rgb).mean() > 0.01, path.name
