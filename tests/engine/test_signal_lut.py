"""The table path of an 8-bit export (engine.media.signal_lut) gives today's picture, faster.

The reference is the exact path every export took before: the Grade's own processor on each frame,
then the output transform to 16 bits (app.nodes.export_signal.exact_signal). The table must stay
within a fraction of an 8-bit code of it on the sample film's own stills and grade, and an H.264
export written losslessly must decode to the same frames within 50 dB. (The table path also writes the
encoder's Y'CbCr itself, engine.media.ycbcr: it rounds where swscale dithered and read luma 0.4 codes
high, so the two differ by up to two codes, more than the table's own fraction.)
"""

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import app.nodes.export_signal as export_signal
import engine.media.signal_lut as signal_lut
from app.nodes.export import Export
from app.nodes.grade import Grade, looks_folder
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.media.clip import FunctionClip, ClipInfo
from engine.media.colorspaces import to_working
from engine.media.grade_math import Grading, build_ops
from engine.media.grade_ocio import apply_processor, cpu_processor
from engine.media.image_io import read_image
from engine.media.lut import read_cube
from engine.media.signal_lut import KERNEL, SignalEncoder, SignalTable, domain_top, fits_table
from engine.media.transfer_fast import encode_output_uint16
from engine.media.value_range import value_range
from engine.qa.picture import measured_grid
from engine.ports import FRAMES
from engine.registry import Registry
from engine.schema import NodeSchema, NodeType, Port

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "examples" / "sample.aiprod"
STILLS = ROOT / "resources" / "examples" / "stills"
CODE = 65535 / 255  # one 8-bit code in the 16-bit signal


def sample_grade() -> tuple[Grading, dict]:
    """The sample film's own grade (its look and mix included), as the Grade node builds it."""
    params = next(n for n in json.loads(SAMPLE.read_text())["nodes"] if n["id"] == "grade")["params"]
    params = {"offset": [1.0, 1.0, 1.0], **params}
    look = read_cube(looks_folder() / f"{params['look']}.cube")
    return Grading(tuple(build_ops(params, "lin_rec709", [(look, "rec709")])), params["mix"]), params


def still(name: str, size=(320, 180)) -> np.ndarray:
    """A sample still, scaled down, in scene-linear Rec.709 (as the Import Image node makes it)."""
    import cv2

    pixels = to_working(read_image(STILLS / name)[..., :3], "srgb", "lin_rec709")
    return np.ascontiguousarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), dtype=np.float32)


def exact(grading: Grading | None, pixels: np.ndarray, transform="rec709") -> np.ndarray:
    """Today's path: the grade's OpenColorIO processor, then the fast output transform."""
    graded = apply_processor(cpu_processor(list(grading.ops)), pixels, grading.mix) if grading else pixels
    return encode_output_uint16(graded, "lin_rec709", transform, alpha=False)


def encode(encoder: SignalEncoder, pixels: np.ndarray) -> np.ndarray:
    """The encoder on a frame, with the check sample the export gives it (the QA's grid, exactly encoded)."""
    grid = np.ascontiguousarray(measured_grid(pixels))
    return encoder.encode(pixels, grid, exact(encoder.grading, grid, encoder.transform))


@pytest.mark.parametrize("name", ["dawn.jpg", "lake_a.jpg", "night.jpg"])
def test_the_table_gives_the_sample_grade_within_a_fraction_of_a_code(name):
    grading, _ = sample_grade()
    pixels = still(name)
    encoder = SignalEncoder(grading, "lin_rec709", "rec709", exact=lambda p: pytest.fail("took the exact path"))
    table = encode(encoder, pixels).astype(np.float64)
    reference = exact(grading, pixels).astype(np.float64)
    error = np.abs(table - reference) / CODE
    assert error.max() < 1.0, error.max()
    assert np.sqrt((error ** 2).mean()) < 0.05
    assert 10 * np.log10(255 ** 2 / max((error ** 2).mean(), 1e-12)) > 60  # dB, in 8-bit codes
    assert encoder.table_frames == 1 and encoder.exact_frames == 0


@pytest.mark.parametrize("transform", ["rec709", "srgb"])
def test_without_a_grade_the_table_is_the_output_transform(transform):
    ramp = np.linspace(0.0, 1.0, 4096, dtype=np.float32)
    pixels = np.ascontiguousarray(np.stack([ramp, ramp[::-1], ramp ** 3], axis=-1).reshape(64, 64, 3))
    table = encode(SignalEncoder(None, "lin_rec709", transform, exact=None), pixels).astype(np.float64)
    reference = encode_output_uint16(pixels, "lin_rec709", transform, alpha=False).astype(np.float64)
    assert np.abs(table - reference).max() / CODE < 0.25  # the steepest part, near black, included


def test_the_source_frame_is_not_written():
    pixels = still("dawn.jpg")
    pixels.setflags(write=False)  # a held still is shared: the encoder must copy
    before = pixels.copy()
    encode(SignalEncoder(sample_grade()[0], "lin_rec709", "rec709", exact=None), pixels)
    assert np.array_equal(pixels, before)


def test_a_table_takes_a_float64_or_strided_frame_as_its_float32_copy():
    table = SignalTable(sample_grade()[0], "lin_rec709", "rec709", 1.0, matrix=1)
    pixels = np.ascontiguousarray(still("dawn.jpg")[:64, :96])
    expected = table.encode(pixels)
    assert expected.dtype == np.float32 and expected.shape == (3, 64, 96)
    assert np.array_equal(table.encode(pixels.astype(np.float64)), expected)
    assert np.array_equal(table.encode(np.ascontiguousarray(pixels[:, ::-1])[:, ::-1]), expected)


def test_each_frame_picks_its_table_from_its_own_values():
    """A bright frame needs a taller table; the frames around it keep theirs, so a frame's bits
    never depend on which other frames were exported with it."""
    grading, _ = sample_grade()
    dim, bright = still("dawn.jpg"), still("dawn.jpg") * np.float32(1.8)
    alone = encode(SignalEncoder(grading, "lin_rec709", "rec709", exact=None), dim)
    together = SignalEncoder(grading, "lin_rec709", "rec709", exact=None)
    encode(together, bright)
    assert np.array_equal(encode(together, dim), alone)
    assert domain_top(1.0) == 1.0 and domain_top(1.8) == 2.0 and domain_top(9.0) == 16.0


def test_resampling_noise_below_black_is_read_as_black_on_the_table_path():
    """A camera move's interpolation leaves values a hair under 0: the frame still takes its table,
    and those pixels come out as black does (OpenColorIO reads the NaN of their root as 0)."""
    grading, _ = sample_grade()
    pixels = still("night.jpg")
    noisy = pixels.copy()
    noisy[::4, ::4] = -0.5 / 4096  # on the QA grid's own rows too, so the frame's check sees them
    encoder = SignalEncoder(grading, "lin_rec709", "rec709", exact=None)
    signal = encode(encoder, noisy).astype(np.float64)
    assert (encoder.table_frames, encoder.exact_frames) == (1, 0)
    black = exact(grading, np.zeros((1, 1, 3), np.float32))[0, 0].astype(np.float64)
    assert np.abs(signal[::4, ::4] - black).max() / CODE < 1.0


@pytest.mark.parametrize("case", ["nan", "negative", "too bright"])
def test_frames_no_table_covers_take_the_exact_path(case):
    grading, _ = sample_grade()
    pixels = still("night.jpg")
    if case == "nan":
        pixels[5, 5, 1] = np.nan
    elif case == "negative":
        pixels[5, 5] = -0.1  # out-of-gamut light: the grade's matrices carry it into other channels
    else:
        pixels[5, 5] = 100.0
    taken = []
    encoder = SignalEncoder(grading, "lin_rec709", "rec709", exact=lambda p: taken.append(p) or exact(grading, p))
    assert np.array_equal(encode(encoder, pixels), exact(grading, pixels))
    assert len(taken) == 1 and encoder.exact_frames == 1 and encoder.table_frames == 0


def test_a_grade_no_table_can_follow_is_never_put_in_one():
    """A look with hard steps between neighbouring colours (a posterising LUT) cannot be
    interpolated within the limit: every frame is graded exactly instead."""
    from engine.media.grade_math import LutStep
    from engine.media.lut import Lut

    rng = np.random.default_rng(3)
    wild = Lut(rng.uniform(0, 1, (17, 17, 17, 3)).astype(np.float32))
    grading = Grading((LutStep(wild),), 1.0)
    table = SignalTable(grading, "lin_rec709", "rec709", 1.0)
    assert not table.accurate
    pixels = still("lake_a.jpg")
    encoder = SignalEncoder(grading, "lin_rec709", "rec709", exact=lambda p: exact(grading, p))
    assert np.array_equal(encode(encoder, pixels), exact(grading, pixels))
    assert encoder.exact_frames == 1



def test_a_grade_a_65_point_table_cannot_follow_gets_a_finer_table_before_the_exact_path():
    """A strong grade through a look LUT (benchmarks/grade.py's, a stop brighter) on a frame two stops over
    white, written as the encoder's Y'CbCr as an export writes it: 65 points miss it at some cells, so 97
    are baked, and the frame still takes a table, within the per-frame limit."""
    from app.nodes.grade import Grade
    from engine.media.signal_lut import FALLBACK_TABLE_SIZE, TABLE_SIZE
    from engine.media.ycbcr import ycbcr_of_signal

    params = {**Grade.schema.default_params(), "exposure": 1.0, "temperature": 5600.0, "tint": 0.05,
              "lift": [1.02, 1.0, 0.98], "gamma": [1.05, 1.0, 0.95], "gain": [1.05, 1.0, 0.97],
              "contrast": 1.15, "saturation": 1.1}
    look = read_cube(looks_folder() / "teal_orange.cube")
    grading = Grading(tuple(build_ops(params, "lin_rec709", [(look, "rec709")])), 1.0)
    assert not SignalTable(grading, "lin_rec709", "rec709", 4.0, size=TABLE_SIZE, matrix=1).accurate
    pixels = still("dawn.jpg") * np.float32(3.5 / float(np.max(still("dawn.jpg"))))
    encoder = SignalEncoder(grading, "lin_rec709", "rec709", exact=lambda p: exact(grading, p), matrix=1)
    signal = encode(encoder, pixels).astype(np.float64)
    assert encoder.table_for(4.0).size == FALLBACK_TABLE_SIZE
    assert (encoder.table_frames, encoder.exact_frames) == (1, 0)
    assert np.abs(signal - ycbcr_of_signal(exact(grading, pixels), 1)).max() / CODE <= 1.5

def test_a_frame_whose_own_pixels_the_table_misses_is_encoded_exactly(monkeypatch):
    """The per-frame check: with no error allowed, every frame of the sample grade goes the exact way."""
    import engine.media.signal_lut as signal_lut

    monkeypatch.setattr(signal_lut, "FRAME_MAX_ERROR_CODES", 0.0)
    grading, _ = sample_grade()
    pixels = still("dawn.jpg")
    encoder = SignalEncoder(grading, "lin_rec709", "rec709", exact=lambda p: exact(grading, p))
    assert np.array_equal(encode(encoder, pixels), exact(grading, pixels))
    assert (encoder.table_frames, encoder.exact_frames) == (0, 1)


def test_only_8_bit_sdr_movies_without_alpha_use_a_table():
    assert fits_table(8, True, "rec709", 3) and fits_table(8, True, "srgb", 3)
    assert not fits_table(10, True, "rec709", 3)  # 10-bit steps are finer than the table keeps
    assert not fits_table(8, True, "aces_sdr_rec709", 3)  # already a baked OpenColorIO LUT
    assert not fits_table(8, True, "rec709", 4)  # the grade runs before alpha is multiplied in
    assert not fits_table(16, False, "rec709", 3)  # image sequences


# ---- end to end: a graded clip exported losslessly, table path vs exact path ----------------

FPS = Fraction(24)


class Stills(NodeType):
    """The sample's stills in turn, brightened on frame 3 so a taller table is needed there; with
    `glare_frame`, that frame also holds a glint brighter than any table's top."""
    schema = NodeSchema("test.stills", "Stills", "Test", outputs=(Port("frames", FRAMES),))
    glare_frame: int | None = None

    def execute(self, ctx, inputs, params):
        pictures = [still(n, (256, 144)) for n in ("dawn.jpg", "lake_a.jpg", "lake_b.jpg", "night.jpg")]

        def frame(index: int) -> np.ndarray:
            picture = pictures[index % len(pictures)]
            if index == Stills.glare_frame:
                picture = picture.copy()
                picture[60:68, 100:108] = 40.0
            return picture * np.float32(1.6) if index == 3 else picture

        return {"frames": FunctionClip(ClipInfo(256, 144, FPS, 6, "lin_rec709", 3), frame)}


class HeldStills(NodeType):
    """Runs of one picture: a hold of dawn (the very same array, then a copy), dawn changed only between the QA grid's pixels, night, two black
    frames, night again, then night brighter."""
    schema = NodeSchema("test.held_stills", "Held stills", "Test", outputs=(Port("frames", FRAMES),))

    def execute(self, ctx, inputs, params):
        dawn, night = still("dawn.jpg", (256, 144)), still("night.jpg", (256, 144))
        touched = dawn.copy()
        touched[0:2, 0:2] = 0.9  # the QA grid reads pixels 1, 3, 5 ...: only its (1, 1) sees this
        touched[1, 1] = dawn[1, 1]  # so the grid finds dawn again, and only a full comparison tells them apart
        black = np.zeros_like(dawn)
        frames = [dawn, dawn, dawn.copy(), touched, touched.copy(), dawn, night, black, black.copy(),
                  night.copy(), night * np.float32(1.6)]
        return {"frames": FunctionClip(ClipInfo(256, 144, FPS, len(frames), "lin_rec709", 3), lambda i: frames[i])}


def lossless_export(tmp_path: Path, name: str, source: type[NodeType] = Stills) -> list[np.ndarray]:
    """The Stills through the sample's grade into an H.264 file at quality 0 (lossless), decoded."""
    _, params = sample_grade()
    graph = Graph(Registry([source, Grade, Export]))
    stack = UndoStack(graph)
    stack.push(AddNode(source.schema.type_id, node_id="src"))
    stack.push(AddNode("color.grade", node_id="grade", params={k: v for k, v in params.items() if k != "offset"}))
    stack.push(AddNode("output.export", node_id="export", params={
        "path": str(tmp_path / name), "format": "h264", "quality": 0, "output_transform": "rec709"}))
    stack.push(Connect("src", "frames", "grade", "frames"))
    stack.push(Connect("grade", "frames", "export", "frames"))
    report = Executor().run(graph)
    assert report.status == "finished", report.results["export"].message
    with av.open(str(tmp_path / name)) as container:
        return [f.to_ndarray(format="yuv420p").astype(np.float64) for f in container.decode(video=0)]


def same_export(tmp_path: Path, decoded: dict[str, list[np.ndarray]]) -> dict:
    """Two exports of one film (their names: their decoded frames) hold the same frames, bit for bit,
    and the same QA report (but for the file it names); that report."""
    (first, frames), (second, others) = decoded.items()
    for index, (one, other) in enumerate(zip(frames, others)):
        assert np.array_equal(one, other), index
    reports = [json.loads((tmp_path / f"{name}.qa.json").read_text()) for name in (first, second)]
    for report in reports:
        report.pop("file", None)
    assert reports[0] == reports[1]
    return reports[0]


class CountingEncoder(SignalEncoder):
    made: list[SignalEncoder] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        CountingEncoder.made.append(self)


def test_a_lossless_h264_export_decodes_to_todays_frames(tmp_path, monkeypatch):
    CountingEncoder.made = []
    monkeypatch.setattr(export_signal, "SignalEncoder", CountingEncoder)
    table = lossless_export(tmp_path, "table.mp4")
    # The H.264 export of a graded film went through tables, the bright frame through a taller one.
    (encoder,) = CountingEncoder.made
    assert (encoder.table_frames, encoder.exact_frames) == (6, 0)
    assert [top for top, made in encoder._tables.items() if made is not None] == [1.0, 2.0]
    monkeypatch.setattr(export_signal, "fits_table", lambda *a: False)
    reference = lossless_export(tmp_path, "exact.mp4")
    assert len(table) == len(reference) == 6
    for ours, theirs in zip(table, reference):
        difference = ours - theirs
        assert np.abs(difference).max() <= 2.0
        assert 10 * np.log10(255 ** 2 / max((difference ** 2).mean(), 1e-12)) >= 50.0


def test_a_frame_no_table_covers_is_written_exactly_among_the_tabled_ones(tmp_path, monkeypatch):
    """Its exact signal goes to the encoder's planes through the same matrix and chroma filter."""
    CountingEncoder.made = []
    monkeypatch.setattr(export_signal, "SignalEncoder", CountingEncoder)
    monkeypatch.setattr(Stills, "glare_frame", 4)
    table = lossless_export(tmp_path, "table.mp4")
    (encoder,) = CountingEncoder.made
    assert (encoder.table_frames, encoder.exact_frames) == (5, 1)
    monkeypatch.setattr(export_signal, "fits_table", lambda *a: False)
    reference = lossless_export(tmp_path, "exact.mp4")
    difference = table[4] - reference[4]
    assert np.abs(difference).max() <= 2.0
    assert 10 * np.log10(255 ** 2 / max((difference ** 2).mean(), 1e-12)) >= 50.0


def test_the_export_qa_reads_the_graded_frames_on_the_table_path(tmp_path, monkeypatch):
    lossless_export(tmp_path, "table.mp4")
    monkeypatch.setattr(export_signal, "fits_table", lambda *a: False)
    lossless_export(tmp_path, "exact.mp4")
    reports = [json.loads((tmp_path / f"{n}.qa.json").read_text()) for n in ("table", "exact")]
    assert reports[0] == reports[1]


@pytest.mark.parametrize("case", ["plain", "negative", "nan", "inf", "minus inf", "strided"])
def test_a_frames_value_range_is_numpys_and_a_nan_anywhere_makes_it_nan(case):
    """The range that picks a frame's table (or the exact path): the same as np.min/np.max, except that
    a NaN anywhere gives NaN for both, so the frame is never tabled."""
    pixels = np.random.default_rng(3).random((90, 160, 3), dtype=np.float32) * 3
    if case == "negative":
        pixels[7, 9, 2] = -0.25
    elif case == "nan":
        pixels[89, 159, 0] = np.nan
    elif case == "inf":
        pixels[0, 0, 1] = np.inf
    elif case == "minus inf":
        pixels[40, 3, 0] = -np.inf
    elif case == "strided":
        pixels = pixels[::2, ::3]
    low, high = value_range(pixels)
    if case == "nan":
        assert np.isnan(low) and np.isnan(high)
    else:
        assert (low, high) == (float(np.min(pixels)), float(np.max(pixels)))


@pytest.mark.parametrize("path", ["table", "exact"])
def test_frames_converted_on_several_threads_are_written_in_order_with_the_same_bits(tmp_path, monkeypatch, path):
    """The export converts frames on a pool (export_signal.EXPORT_WORKERS): the file holds the frames in
    their order and the bits one thread makes, on both paths, a bright frame and a glint among them."""
    monkeypatch.setattr(Stills, "glare_frame", 4)
    if path == "exact":
        monkeypatch.setattr(export_signal, "fits_table", lambda *a: False)
    monkeypatch.setattr(export_signal, "EXPORT_WORKERS", 1)
    alone = lossless_export(tmp_path, "alone.mp4")
    monkeypatch.setattr(export_signal, "EXPORT_WORKERS", 2)  # 4 ahead of 6 frames: the window moves
    together = lossless_export(tmp_path, "together.mp4")
    assert len(alone) == len(together) == 6
    assert len({frame.tobytes() for frame in alone}) == 5  # only frames 1 and 5 alike: a swap would show
    for index, (one, many) in enumerate(zip(alone, together)):
        assert np.array_equal(one, many), index


@pytest.mark.parametrize("workers", [1, 2])
def test_a_frame_that_repeats_the_one_before_is_written_from_its_planes_with_the_same_bits(
        tmp_path, monkeypatch, workers):
    """A hold, black frames and a picture that comes back after another: each run is converted once,
    and the file, and the QA's report, are what converting every frame gives."""
    monkeypatch.setattr(export_signal, "EXPORT_WORKERS", workers)
    CountingEncoder.made = []
    monkeypatch.setattr(export_signal, "SignalEncoder", CountingEncoder)
    reused = lossless_export(tmp_path, "reused.mp4", HeldStills)
    (encoder,) = CountingEncoder.made
    assert encoder.table_frames + encoder.exact_frames == 7  # dawn, touched, dawn, night, black, night, brighter
    monkeypatch.setattr(export_signal, "_repeats", lambda *args: False)
    every = lossless_export(tmp_path, "every.mp4", HeldStills)
    assert CountingEncoder.made[1].table_frames + CountingEncoder.made[1].exact_frames == 11
    assert len(reused) == len(every) == 11
    same_export(tmp_path, {"reused": reused, "every": every})


def at_origin(picture: np.ndarray, value: float, channel: int = 0) -> np.ndarray:
    """`picture` with `value` at pixel (0, 0), which the QA grid (pixels 1, 3, 5 ... each way) never reads."""
    picture = picture.copy()
    picture[0, 0, channel] = value
    return picture


class Misjudged(NodeType):
    """Frames whose QA grid misses what picks their way: a NaN, a highlight past the grid's table, a
    negative past the tolerance, an infinity, each at pixel (0, 0)."""
    schema = NodeSchema("test.misjudged", "Misjudged", "Test", outputs=(Port("frames", FRAMES),))
    second_passes, findings = 4, [("nan", "00:00:00:01"), ("nan", "00:00:00:05")]  # the NaN and the infinity

    def execute(self, ctx, inputs, params):
        dawn, night = still("dawn.jpg", (256, 144)), still("night.jpg", (256, 144))
        frames = [dawn, at_origin(dawn, np.nan, 1), at_origin(dawn, 3.0), at_origin(dawn, -0.01, 2), night,
                  at_origin(night, np.inf), night * np.float32(0.5)]
        return {"frames": FunctionClip(ClipInfo(256, 144, FPS, len(frames), "lin_rec709", 3), lambda i: frames[i])}


class Glints(NodeType):
    """A shot whose every frame holds a glint the QA grid misses (a sun on water): its table is the one
    for values up to 4, where the grid says 1."""
    schema = NodeSchema("test.glints", "Glints", "Test", outputs=(Port("frames", FRAMES),))
    second_passes, findings = 1, []  # the first frame's: the next ones start from the table it took

    def execute(self, ctx, inputs, params):
        dawn = still("dawn.jpg", (256, 144))
        frames = [at_origin(dawn * np.float32(1 - 0.02 * i), 3.0) for i in range(7)]
        return {"frames": FunctionClip(ClipInfo(256, 144, FPS, len(frames), "lin_rec709", 3), lambda i: frames[i])}


@pytest.mark.parametrize("source", [Misjudged, Glints])
def test_a_frame_converted_before_its_range_is_known_is_written_as_after_it(tmp_path, monkeypatch, source):
    """The export no longer reads each frame for its range first: the QA grid (or the table of the frame
    before, if higher) picks the table, and the kernel measures the range as it converts. Where the guess
    was wrong, the frame goes the way its own range says: the file, and the QA report (a NaN and an
    infinity found), are those of the old order. (One worker, so that frames convert one after the other
    and the second passes can be counted: two workers start two frames before either is measured.)"""
    CountingEncoder.made = []
    monkeypatch.setattr(export_signal, "SignalEncoder", CountingEncoder)
    monkeypatch.setattr(export_signal, "EXPORT_WORKERS", 1)
    after = lossless_export(tmp_path, "after.mp4", source)
    (encoder,) = CountingEncoder.made
    assert encoder.table_frames + encoder.exact_frames == 7
    assert encoder.second_passes == (source.second_passes if KERNEL is not None else 0)

    def range_first(self, pixels, sample, sample_signal, pix_fmt):  # the old order: value_range, then the table
        measured = value_range(pixels)
        return self.encode_frame(pixels, sample, sample_signal, measured, pix_fmt), measured

    monkeypatch.setattr(CountingEncoder, "convert", range_first)
    before = lossless_export(tmp_path, "before.mp4", source)
    assert CountingEncoder.made[1].second_passes == 0
    assert (CountingEncoder.made[1].table_frames, CountingEncoder.made[1].exact_frames) == (
        encoder.table_frames, encoder.exact_frames)
    assert len(after) == len(before) == 7
    report = same_export(tmp_path, {"after": after, "before": before})
    assert [(finding["check"], finding["start_tc"]) for finding in report["findings"]] == source.findings


def test_a_grade_baked_once_is_reused_by_the_next_export_of_it_and_only_by_that(monkeypatch):
    """signal_lut.baked_table keeps the last tables: an export of the same grade, transform, domain and
    matrix (the editor's render process exporting again after a title changed) takes the one baked
    before; anything that makes another table bakes anew, and the kept ones are bounded."""
    grading, params = sample_grade()
    bakes = []
    real = signal_lut.SignalTable

    def counted(*args, **kwargs):
        bakes.append(args[3])  # the domain's top
        return real(*args, **kwargs)

    monkeypatch.setattr(signal_lut, "SignalTable", counted)
    monkeypatch.setattr(signal_lut, "_baked", type(signal_lut._baked)())
    pixels = still("dawn.jpg")
    first = SignalEncoder(grading, "lin_rec709", "rec709", exact=None, matrix=1)
    out = encode(first, pixels)
    assert bakes == [1.0]
    again = SignalEncoder(Grading(*sample_grade()[0].__dict__.values()), "lin_rec709", "rec709", exact=None, matrix=1)
    assert np.array_equal(encode(again, pixels), out) and again.table_for(1.0) is first.table_for(1.0)
    assert bakes == [1.0]  # the same grade, rebuilt from the project: its table was not baked again
    warmer = Grading(tuple(build_ops({**params, "temperature": params.get("temperature", 6500) + 500},
                                     "lin_rec709", [(read_cube(looks_folder() / f"{params['look']}.cube"), "rec709")])),
                     params["mix"])
    for encoder in (SignalEncoder(warmer, "lin_rec709", "rec709", exact=None, matrix=1),  # another grade
                    SignalEncoder(grading, "lin_rec709", "srgb", exact=None, matrix=1),  # another transform
                    SignalEncoder(grading, "lin_rec709", "rec709", exact=None, matrix=5),  # another matrix
                    SignalEncoder(Grading(grading.ops, 0.5), "lin_rec709", "rec709", exact=None, matrix=1)):
        assert encoder.table_for(1.0) is not first.table_for(1.0)
    assert bakes == [1.0] * 5
    assert len(signal_lut._baked) == signal_lut.KEEP_BAKED  # the oldest (the first grade's) let go
    SignalEncoder(grading, "lin_rec709", "rec709", exact=None, matrix=1).table_for(1.0)
    assert bakes == [1.0] * 6


def test_a_grade_that_cannot_be_pickled_is_baked_each_time_and_still_exports(monkeypatch):
    monkeypatch.setattr(signal_lut, "_baked", type(signal_lut._baked)())

    def unpicklable(*args, **kwargs):
        raise TypeError("cannot pickle this grade")

    monkeypatch.setattr(signal_lut.pickle, "dumps", unpicklable)
    grading, _ = sample_grade()
    first, second = (SignalEncoder(grading, "lin_rec709", "rec709", exact=None, matrix=1) for _ in range(2))
    assert first.table_for(1.0) is not None and second.table_for(1.0) is not first.table_for(1.0)
    assert np.array_equal(encode(first, still("night.jpg")), encode(second, still("night.jpg")))
    assert len(signal_lut._baked) == 0


def test_an_export_keeps_no_converted_frame_for_its_qa_and_the_qa_still_finds_the_nan_frame(monkeypatch):
    """The QA asks each frame's conversion, after the export, whether the frame held a NaN. It once asked
    the frame's planes, which kept every encoder frame of the film alive until the export ended: 3 MB a
    1080p frame, 5 GB in a minute of film. It must keep only what the conversion found."""
    import gc
    import weakref

    from engine.media.export_formats import FORMATS
    from engine.qa.picture import FrameMeter

    alive, made = weakref.WeakSet(), []

    class Tracked(export_signal._FramePlanes):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            alive.add(self)
            made.append(1)

    monkeypatch.setattr(export_signal, "_FramePlanes", Tracked)
    pictures = [still(n, (256, 144)) for n in ("dawn.jpg", "lake_a.jpg", "night.jpg")]
    broken = pictures[1].copy()
    broken[70, 200, 1] = np.nan  # off the QA's grid: only the conversion, which reads every value, sees it

    def frame(index: int) -> np.ndarray:
        return broken if index == 4 else pictures[index % 3] * np.float32(1 + index / 10)

    clip = FunctionClip(ClipInfo(256, 144, FPS, 6, "lin_rec709", 3), frame)
    assert fits_table(8, True, "rec709", 3)
    meter = FrameMeter()
    written = list(export_signal.export_frames(clip, FORMATS["h264"], "rec709", meter, 0, 6))
    assert len(written) == 6 and all(isinstance(f, av.VideoFrame) for f in written)
    assert len(made) == 6  # one conversion a frame (none of these repeats the one before)
    gc.collect()
    assert len(alive) == 0  # the QA, still alive, holds none of them
    assert meter.figures()["bad"].tolist() == [False, False, False, False, True, False]
