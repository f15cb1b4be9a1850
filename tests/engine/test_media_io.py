"""Media file I/O: fast transfer functions against colour-science, image files, and movie files read lazily."""

import struct
import time
from fractions import Fraction

import av
import numpy as np
import pytest

from engine.color import import_colour
from engine.media import colorspaces, transfer_fast
from engine.media.colorspaces import OUTPUT_TRANSFORMS
from engine.media.export_formats import ExportFormat
from engine.media.image_io import encode_picture, read_image, signal_frame, write_dpx10, write_exr, write_png16
from engine.media.image_sequence import find_frames, frame_path, write_pattern
from engine.media.prefetch import Prefetch
from engine.media.video_io import VideoEncoder, VideoFileClip


def colour_models():
    return import_colour().models


# colour-science's HLG evaluates its log branch on every value, then discards the dark ones.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")

SIGNALS = np.concatenate([np.linspace(-0.1, 1.2, 4001), np.geomspace(1e-7, 1.0, 4000)]).astype(np.float32)


# ---- transfer functions ------------------------------------------------------------------------

def test_srgb_matches_colour_science():
    expected = colour_models().eotf_inverse_sRGB(np.clip(SIGNALS, 0, 1))
    assert np.abs(transfer_fast.srgb_encode(SIGNALS) - expected).max() < 1e-5


def test_gamma24_matches_bt1886_inverse():
    expected = colour_models().eotf_inverse_BT1886(np.clip(SIGNALS, 0, 1))  # L_B=0, L_W=1: x ** (1/2.4)
    assert np.abs(transfer_fast.gamma24_encode(SIGNALS) - expected).max() < 1e-5


def test_pq_matches_colour_science_over_the_whole_range():
    nits = np.geomspace(1e-4, 10000, 20000).astype(np.float32)
    expected = colour_models().eotf_inverse_ST2084(nits)
    assert np.abs(transfer_fast.pq_encode(nits) - expected).max() < 1e-5


def test_hlg_matches_colour_science_on_both_branches():
    scene = np.concatenate([np.linspace(0, 1 / 12, 2000), np.linspace(1 / 12, 1, 2000)]).astype(np.float32)
    expected = colour_models().oetf_BT2100_HLG(scene)
    assert np.abs(transfer_fast.hlg_encode(scene) - expected).max() < 1e-5
    assert transfer_fast.HLG_REFERENCE_SCENE_LIGHT == pytest.approx(colour_models().oetf_inverse_BT2100_HLG(0.75))


@pytest.mark.parametrize("working", ["lin_rec709", "acescg"])
@pytest.mark.parametrize("transform", list(OUTPUT_TRANSFORMS))
def test_encode_output_matches_to_output(working, transform):
    rng = np.random.default_rng(3)
    pixels = np.concatenate([rng.random((8, 16, 4), dtype=np.float32) * 3 - 0.2,
                             np.geomspace(1e-6, 50, 8 * 16 * 4).reshape(8, 16, 4).astype(np.float32)])
    reference = colorspaces.to_output(pixels, working, transform)
    fast = transfer_fast.encode_output(pixels, working, transform)
    assert fast.shape == reference.shape == (16, 16, 4)
    assert np.abs(fast - reference).max() < 1e-5
    quantised = transfer_fast.encode_output_uint16(pixels, working, transform, alpha=True)
    assert np.abs(quantised / 65535 - reference).max() <= 0.5 / 65535 + 1e-5


def test_uint16_signal_rounds_and_gives_opaque_alpha_when_asked():
    pixels = np.full((2, 2, 3), 0.18, np.float32)
    signal = transfer_fast.encode_output_uint16(pixels, "lin_rec709", "rec709", alpha=True)
    assert signal.dtype == np.uint16 and signal.shape == (2, 2, 4)
    assert signal[0, 0, 0] == round(0.18 ** (1 / 2.4) * 65535) and signal[0, 0, 3] == 65535


def test_unknown_transform_is_named():
    with pytest.raises(ValueError, match="unknown output transform 'Log'"):
        transfer_fast.encode_output(np.zeros((1, 1, 3), np.float32), "lin_rec709", "Log")


# ---- image files ------------------------------------------------------------------------------

@pytest.fixture
def picture():
    rng = np.random.default_rng(5)
    return (rng.random((36, 64, 4)) * 65535).astype(np.uint16)


def test_png16_round_trip_is_exact(tmp_path, picture):
    write_png16(tmp_path / "a.png", picture)
    back = read_image(tmp_path / "a.png")
    assert back.shape == (36, 64, 4) and back.dtype == np.float32
    assert np.array_equal(np.rint(back * 65535).astype(np.uint16), picture)


def test_dpx10_keeps_ten_bits(tmp_path, picture):
    write_dpx10(tmp_path / "a.dpx", picture)
    back = read_image(tmp_path / "a.dpx")
    assert back.shape == (36, 64, 3)
    assert np.abs(back - picture[..., :3] / 65535).max() < 1 / 1023


@pytest.mark.parametrize("half", [True, False])
def test_exr_round_trip(tmp_path, half):
    rng = np.random.default_rng(6)
    linear = (rng.random((36, 64, 3)) * 40 - 1).astype(np.float32)  # HDR values and negatives survive
    write_exr(tmp_path / "a.exr", linear, half=half)
    back = read_image(tmp_path / "a.exr")
    assert back.shape == linear.shape
    if half:
        assert np.allclose(back, linear, rtol=1e-3, atol=1e-4)
    else:
        assert np.array_equal(back, linear)


def test_sixteen_bit_tiff_and_jpeg_read(tmp_path, picture):
    (tmp_path / "a.tif").write_bytes(encode_picture(signal_frame(picture[..., :3]), "tiff", "rgb48le"))
    assert np.array_equal(np.rint(read_image(tmp_path / "a.tif") * 65535).astype(np.uint16), picture[..., :3])
    from PIL import Image as PILImage

    PILImage.new("RGB", (16, 8), (200, 100, 50)).save(tmp_path / "a.jpg", quality=95)
    assert np.allclose(read_image(tmp_path / "a.jpg")[4, 8], np.array([200, 100, 50]) / 255, atol=2 / 255)


@pytest.mark.parametrize("name", ["a.png", "a.exr"])
def test_truncated_image_is_refused_with_its_name(tmp_path, picture, name):
    path = tmp_path / name
    write_png16(path, picture) if name.endswith("png") else write_exr(path, picture / 65535.0)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match=f"cannot read .*{name}: the file is damaged, truncated"):
        read_image(path)


def _header_claiming(path, width: int, height: int) -> None:
    """Rewrite a small PNG's or JPEG's header to claim `width` x `height` (the pixels stay small: a
    reader that decodes finds the file damaged, one that reads the header sees the size)."""
    import zlib

    data = bytearray(path.read_bytes())
    if path.suffix == ".png":  # IHDR: width, height at bytes 16..24, then its CRC
        data[16:24] = struct.pack(">II", width, height)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    else:  # baseline JPEG: SOF0 = FF C0, length, precision, height, width
        sof = data.index(b"\xff\xc0")
        data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["huge.png", "huge.jpg"])
def test_a_picture_too_large_to_read_is_named_for_its_size_not_called_damaged(tmp_path, name):
    """A 30000x20000 picture (600 megapixels): FFmpeg called it damaged and Pillow a "decompression bomb
    DOS attack", leaving the user to look for a fault in a good file."""
    from PIL import Image as PILImage

    path = tmp_path / name
    PILImage.new("RGB", (16, 8), (200, 100, 50)).save(path)
    assert read_image(path).shape == (8, 16, 3)  # a picture of a normal size reads
    _header_claiming(path, 30000, 20000)
    with pytest.raises(ValueError, match=f"cannot read {name}: it is over the 179 megapixels AIPROD reads; "
                                         "scale it down"):
        read_image(path)


def test_missing_and_unsupported_images(tmp_path):
    with pytest.raises(ValueError, match=f"{tmp_path} is a folder, not an image; choose a picture in it"):
        read_image(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        read_image(tmp_path / "gone.png")
    with pytest.raises(ValueError, match=r"\.gif is not a supported image type"):
        read_image(tmp_path / "a.gif")


# ---- image sequences --------------------------------------------------------------------------

def test_sequence_patterns_find_the_same_frames(tmp_path, picture):
    for number in (7, 8, 9):
        write_png16(tmp_path / f"shot_{number:04d}.png", picture)
    (tmp_path / "notes.txt").write_text("not a frame")
    expected = [(n, tmp_path / f"shot_{n:04d}.png") for n in (7, 8, 9)]
    for name in ("shot_%04d.png", "shot_####.png", "shot_*.png"):
        assert find_frames(tmp_path / name) == expected
    assert find_frames(tmp_path) == expected
    assert write_pattern(tmp_path / "shot_####.png", ".png") == tmp_path / "shot_%04d.png"
    assert frame_path(tmp_path / "shot_%04d.png", 12).name == "shot_0012.png"


def test_sequence_with_a_gap_is_refused(tmp_path, picture):
    for number in (1, 2, 5):
        write_png16(tmp_path / f"f{number}.png", picture)
    with pytest.raises(ValueError, match="first frame\\(s\\) 3-4 missing"):
        find_frames(tmp_path)


# ---- movie files ------------------------------------------------------------------------------

TEST_H264 = ExportFormat("test", "Test H.264", "libx264", "yuv420p", 8, (".mp4", ".mkv"),
                         {"preset": "ultrafast", "g": "6", "bf": "2"}, quality_option="crf")


def write_counting_movie(path, count=20, fps=Fraction(24000, 1001)):
    """Frame i is a flat grey of level 10 * i (8-bit code values), so each frame says its index."""
    encoder = VideoEncoder(path, TEST_H264, 64, 36, fps, OUTPUT_TRANSFORMS["rec709"], quality=10)
    for index in range(count):
        encoder.write(np.full((36, 64, 3), (16 + 10 * index) * 257, np.uint16))
    encoder.finish()


def test_each_written_frame_keeps_its_own_picture_at_a_width_whose_rows_are_padded(tmp_path):
    """The encoder copies every signal into one reused frame: a 70-pixel row (420 bytes) sits in a
    padded line, and no frame may show another's picture."""
    path, width, height, count = tmp_path / "ramps.mkv", 70, 36, 5
    encoder = VideoEncoder(path, TEST_H264, width, height, Fraction(24), OUTPUT_TRANSFORMS["rec709"], quality=0)
    expected = []
    for index in range(count):  # a grey ramp across the row, shifted by 3 columns a frame
        codes = 16 + (np.arange(width) * 3 + index * 9) % 219
        expected.append(np.broadcast_to(codes, (height, width)))
        signal = np.repeat(((codes - 16) / 219 * 65535).round().astype(np.uint16)[None, :, None], height, 0)
        encoder.write(np.ascontiguousarray(np.repeat(signal, 3, axis=2)))
    encoder.finish()
    with av.open(str(path)) as container:
        lumas = [frame.to_ndarray()[:height] for frame in container.decode(video=0)]  # yuv420p: Y rows first
    assert len(lumas) == count
    for luma, codes in zip(lumas, expected):
        assert np.abs(luma.astype(int) - codes).max() <= 1


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])  # MKV does not store the frame count: it is counted
def test_video_clip_probes_and_reads_in_order(tmp_path, suffix):
    path = tmp_path / f"count{suffix}"
    write_counting_movie(path)
    clip = VideoFileClip(path, "lin_rec709")
    assert (clip.width, clip.height, clip.frame_count, clip.fps) == (64, 36, 20, Fraction(24000, 1001))
    levels = [float(np.median(f[..., 1])) * 255 for f in clip.frames()]
    assert np.allclose(levels, [16 + 10 * i for i in range(20)], atol=1.5)


def test_video_clip_seek_gives_the_same_pixels_as_a_full_read(tmp_path):
    path = tmp_path / "count.mp4"
    write_counting_movie(path)
    clip = VideoFileClip(path)
    full = list(clip.frames())
    middle = list(clip.frames(9, 15))  # starts between keyframes (every 6 frames): decodes from the one before
    assert len(middle) == 6
    for offset, frame in enumerate(middle):
        assert np.array_equal(frame, full[9 + offset])
    assert np.array_equal(clip.frame(19), full[19])


def test_truncated_or_missing_video_is_refused(tmp_path):
    path = tmp_path / "count.mp4"
    write_counting_movie(path)
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(ValueError, match="count.mp4"):
        clip = VideoFileClip(path)
        list(clip.frames())
    with pytest.raises(ValueError, match="does not exist"):
        VideoFileClip(tmp_path / "gone.mov")


def test_prefetch_passes_items_and_errors_through_and_stops_early():
    def items():
        yield from range(3)
        raise RuntimeError("source broke")

    prefetch = Prefetch(items())
    got = []
    with pytest.raises(RuntimeError, match="source broke"):
        for item in prefetch:
            got.append(item)
    prefetch.close()
    assert got == [0, 1, 2]
    closed = []

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    prefetch = Prefetch(endless(), depth=2)
    assert next(iter(prefetch)) == 0
    prefetch.close()
    assert closed == [True]


def test_a_prefetch_whose_worker_is_gone_without_a_word_raises_instead_of_waiting(monkeypatch):
    """Its worker always leaves an end or an error; if it ever did not, the render must fail, not hang."""
    monkeypatch.setattr(Prefetch, "_run", lambda self, items: None)  # a worker that just stops
    prefetch = Prefetch(iter([1, 2, 3]))
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="worker thread stopped before the last frame"):
        list(prefetch)
    assert time.monotonic() - started < 5
    prefetch.close()
