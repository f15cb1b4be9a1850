"""The encoder's 8-bit Y'CbCr written by us (engine.media.ycbcr) instead of by swscale.

What is checked: the codes the standards give for known colours, chroma as the mean of the pixels a
sample covers, rows padded past the width, a frame the encoder takes as it is, and agreement with
swscale's conversion of the same signal within 50 dB (it differs by its dither and rounding only).
"""

from fractions import Fraction

import av
import numpy as np
import pytest

from engine.media.colorspaces import OUTPUT_TRANSFORMS
from engine.media.export_formats import FORMATS
from engine.media.video_io import SignalConverter, VideoEncoder
from engine.media import ycbcr
from engine.media.ycbcr import planar_frame, ycbcr_affine, ycbcr_of_signal

WHITE, BLACK, RED, BLUE = (65535, 65535, 65535), (0, 0, 0), (65535, 0, 0), (0, 0, 65535)


@pytest.fixture(autouse=True, params=["kernel", "numpy"])
def writer(request, monkeypatch):
    """Each test twice: the planes written by the C kernel (where it is built) and by numpy."""
    if request.param == "numpy":
        monkeypatch.setattr(ycbcr, "_kernel_planes", None)
    elif ycbcr._kernel_planes is None:
        pytest.skip("the C kernel is not built here")
    return request.param


def planes(frame: av.VideoFrame) -> list[np.ndarray]:
    """Each plane's visible pixels, as uint8 arrays."""
    return [np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width].copy() for p in frame.planes]


def solid(colour, height=4, width=6) -> np.ndarray:
    return np.broadcast_to(np.array(colour, np.uint16), (height, width, 3)).copy()


@pytest.mark.parametrize("colour, codes", [
    (WHITE, (235, 128, 128)), (BLACK, (16, 128, 128)),
    # BT.709 red: Y' = 0.2126 -> 16 + 219 x 0.2126 = 62.6; Cr at its top, 240; Cb 128 - 112 x 0.2126 / 0.9278.
    (RED, (63, 102, 240)), (BLUE, (32, 240, 118)),
])
def test_known_colours_get_the_codes_bt709_gives_them(colour, codes):
    frame = planar_frame(ycbcr_of_signal(solid(colour), 1), "yuv420p")
    luma, blue, red = planes(frame)
    assert (luma.shape, blue.shape, red.shape) == ((4, 6), (2, 3), (2, 3))
    assert (int(luma[0, 0]), int(blue[0, 0]), int(red[0, 0])) == codes
    assert (luma == codes[0]).all() and (blue == codes[1]).all() and (red == codes[2]).all()


def test_the_matrix_of_the_output_is_used():
    red = solid(RED)
    assert planes(planar_frame(ycbcr_of_signal(red, 5), "yuv444p"))[0][0, 0] == 81  # BT.601: 16 + 219 x 0.299 = 81.5
    with pytest.raises(ValueError, match="H.273 code 7"):
        ycbcr_affine(7)


def test_chroma_is_the_mean_of_the_pixels_each_sample_covers():
    signal = solid(BLACK, 2, 4)
    signal[0, 0] = signal[1, 1] = BLUE  # two blue pixels of the first 2x2 block, none in the second
    luma, blue, _ = planes(planar_frame(ycbcr_of_signal(signal, 1), "yuv420p"))
    assert luma[0, 0] == 32 and luma[0, 1] == 16  # luma stays per pixel
    assert blue[0, 0] == 184 and blue[0, 1] == 128  # (240 + 240 + 128 + 128) / 4
    luma, blue, _ = planes(planar_frame(ycbcr_of_signal(signal, 1), "yuv422p"))
    assert blue.shape == (2, 2) and blue[0, 0] == 184 and blue[1, 0] == 184  # 2x1: one row each


def test_a_frame_whose_rows_are_padded_keeps_every_row_in_place():
    rng = np.random.default_rng(3)
    width = 50  # 50 and 25 bytes are padded to the frame's line alignment
    signal = rng.integers(0, 65536, (6, width, 3), dtype=np.uint16)
    frame = planar_frame(ycbcr_of_signal(signal, 1), "yuv420p")
    assert frame.planes[0].line_size > width
    expected = np.round(ycbcr_of_signal(signal, 1)[0] / 257).astype(np.uint8)
    assert np.array_equal(planes(frame)[0], expected)


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p", "yuv444p"])
def test_float_planes_as_the_table_writes_them_give_the_frame_their_rounded_values_give(pix_fmt):
    """The export's table writes float32 planes, rounded once here. Where they hold whole uint16 values,
    luma (and unfiltered chroma) is what uint16 planes make, bit for bit; filtered chroma, rounded once
    instead of at each step of the filter, within a code. A hair under half a code still rounds down."""
    signal = np.random.default_rng(5).integers(0, 65536, (36, 64, 3), dtype=np.uint16)
    whole = ycbcr_of_signal(signal, 1)
    as_float = planes(planar_frame(whole.astype(np.float32), pix_fmt))
    as_uint16 = planes(planar_frame(whole, pix_fmt))
    assert np.array_equal(as_float[0], as_uint16[0])
    for ours, rounded_at_each_step in zip(as_float[1:], as_uint16[1:]):
        difference = np.abs(ours.astype(int) - rounded_at_each_step)
        assert difference.max() <= (0 if pix_fmt == "yuv444p" else 1)
    just_under = np.full((3, 4, 4), 257 * 100 + 128.4, np.float32)  # 100.4996 codes: 100, where 25828 rounds to 101
    assert {int(v) for plane in planes(planar_frame(just_under, pix_fmt)) for v in plane.ravel()} == {100}


def test_it_agrees_with_swscale_within_50_db_on_a_film_frame():
    """A smooth picture with detail (what films hold): ours against what the encoder used to get."""
    height, width = 144, 256
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rgb = np.stack([0.5 + 0.4 * np.sin(x / 17 + y / 29), 0.45 + 0.35 * np.cos(x / 23), y / height * 0.9 + 0.05], -1)
    rgb += np.random.default_rng(0).normal(0, 0.01, rgb.shape)  # grain
    signal = np.round(np.clip(rgb, 0, 1) * 65535).astype(np.uint16)
    ours = planes(planar_frame(ycbcr_of_signal(signal, 1), "yuv420p"))
    theirs = planes(SignalConverter("yuv420p", OUTPUT_TRANSFORMS["rec709"])(signal))
    for mine, reference in zip(ours, theirs):
        difference = mine.astype(np.float64) - reference
        assert np.abs(difference).max() <= 2
        assert 10 * np.log10(255 ** 2 / (difference ** 2).mean()) >= 50.0


def test_the_encoder_takes_a_planar_frame_as_it_is_and_refuses_another_size(tmp_path):
    signal = solid((40000, 20000, 10000), 36, 64)
    path = tmp_path / "planar.mp4"
    encoder = VideoEncoder(path, FORMATS["h264"], 64, 36, Fraction(24), OUTPUT_TRANSFORMS["rec709"], quality=0)
    frame = planar_frame(ycbcr_of_signal(signal, 1), "yuv420p")
    encoder.write(frame)
    with pytest.raises(ValueError, match="32x18 yuv420p frame cannot go to a 64x36"):
        encoder.write(planar_frame(ycbcr_of_signal(signal[:18, :32], 1), "yuv420p"))
    encoder.finish()
    with av.open(str(path)) as container:
        (decoded,) = list(container.decode(video=0))
        assert decoded.colorspace == 1 and decoded.color_range == 1
        assert [np.array_equal(a, b) for a, b in zip(planes(decoded), planes(frame))] == [True, True, True]


def test_a_grey_ramp_is_rounded_to_the_nearest_code():
    """Every code within half a step of 16 + 219 x signal; swscale's fixed point was up to 1.8 codes off."""
    values = np.linspace(0, 65535, 4096).round().astype(np.uint16)
    signal = np.repeat(np.repeat(values[None, :, None], 4, 0), 3, 2)
    luma = planes(planar_frame(ycbcr_of_signal(signal, 1), "yuv420p"))[0].astype(np.float64)
    error = luma - (16 + 219 * signal[..., 0].astype(np.float64) / 65535)
    assert np.abs(error).max() <= 0.5 + 1e-9
    assert abs(error.mean()) < 0.01  # no bias


def test_chroma_rows_weigh_the_four_rows_around_them_1_3_3_1_as_swscale_did():
    signal = solid(BLACK, 16, 8)
    signal[6] = BLUE  # Cb 240, 112 over neutral, on one row
    blue = planes(planar_frame(ycbcr_of_signal(signal, 1), "yuv420p"))[1][:, 0].astype(int) - 128
    assert list(blue) == [0, 0, 14, 42, 0, 0, 0, 0]  # 112 / 8 and 3 x 112 / 8
    theirs = planes(SignalConverter("yuv420p", OUTPUT_TRANSFORMS["rec709"])(signal))[1][:, 0].astype(int) - 128
    assert np.abs(blue - theirs).max() <= 1
    signal = solid(BLACK, 16, 8)
    signal[0] = signal[15] = BLUE  # the edges: the row beyond is the edge row again
    blue = planes(planar_frame(ycbcr_of_signal(signal, 1), "yuv420p"))[1][:, 0].astype(int) - 128
    assert list(blue) == [56, 0, 0, 0, 0, 0, 0, 56]


def test_an_odd_size_is_refused_for_subsampled_chroma():
    with pytest.raises(ValueError, match="5x4 frame cannot be written as yuv420p"):
        planar_frame(ycbcr_of_signal(solid(WHITE, 4, 5), 1), "yuv420p")
    with pytest.raises(ValueError, match="even width and height"):
        planar_frame(ycbcr_of_signal(solid(WHITE, 5, 4), 1), "yuv420p")
    planar_frame(ycbcr_of_signal(solid(WHITE, 5, 4), 1), "yuv422p")  # 4:2:2 halves the width only
