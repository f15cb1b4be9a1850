"""Place + Mix through the executor: loudness targets, true peak, ducking, stems, 5.1, errors.

Loudness is checked with three meters besides the node's own figure: pyloudnorm with its
default filter design, a small BS.1770-4 implementation written here from the standard, and
ffmpeg's ebur128 filter when ffmpeg is installed. True peak is checked by oversampling the
whole mix 4x with scipy here.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pyloudnorm
import pytest
from scipy import signal
from scipy.io import wavfile

from app.nodes.mix import Mix, Place
from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.commands import UndoStack
from engine.context import CancelToken, RunContext
from engine.errors import NodeExecutionError, ParamError
from engine.events import EventEmitter
from engine.executor import Executor
from engine.graph import Graph
from engine.ports import AUDIO, FLOAT
from engine.registry import Registry
from engine.schema import EnumParam, FloatParam, IntParam, NodeSchema, NodeType, Port
from tests.engine.builders import add, link
from tests.engine.test_dsp import chord, noise, reference_true_peak_db, rms_db, speech, window

SR = SAMPLE_RATE
EBU, STREAMING = "ebu_r128", "streaming"


class Sound(NodeType):
    """Test-only source: a synthetic sound of the asked kind."""

    schema = NodeSchema("test.sound", "Sound", "Test", outputs=(Port("audio", AUDIO),), params=(
        EnumParam("kind", "speech", ("speech", "chord", "noise", "hits", "centre_5_1", "tone")),
        FloatParam("seconds", 5.0), FloatParam("amplitude", 0.1), IntParam("channels", 2),
        FloatParam("frequency", 440.0)))

    def execute(self, ctx, inputs, params):
        seconds, amplitude = params["seconds"], params["amplitude"]
        if params["kind"] == "speech":
            samples = speech(seconds, 0.0, seconds, amplitude)
        elif params["kind"] == "chord":
            samples = chord(seconds, amplitude, params["channels"])
        elif params["kind"] == "noise":
            samples = noise(seconds, amplitude, params["channels"])
        elif params["kind"] == "tone":  # a mono sine: one line in the spectrum, to tell sounds apart
            t = np.arange(round(seconds * SR)) / SR
            samples = (amplitude * np.sin(2 * np.pi * params["frequency"] * t))[None].astype(np.float32)
        elif params["kind"] == "hits":  # loud decaying bursts: the limiter's work
            samples = np.zeros((1, round(seconds * SR)), np.float32)
            burst = noise(0.3, amplitude, 1, seed=7)[0] * np.exp(-np.arange(round(0.3 * SR)) / 2400)
            for start in np.arange(0.5, seconds - 0.5, 2.0):
                samples[0, round(start * SR):round(start * SR) + burst.size] += burst
        else:
            samples = np.zeros((6, round(seconds * SR)), np.float32)
            samples[2] = speech(seconds, 0.0, seconds, amplitude)[0]
        return {"audio": Audio(samples)}


class Seconds(NodeType):
    schema = NodeSchema("test.seconds", "Seconds", "Test", outputs=(Port("value", FLOAT),),
                        params=(FloatParam("value", 1.0),))

    def execute(self, ctx, inputs, params):
        return {"value": params["value"]}


def new_graph() -> tuple[Graph, UndoStack]:
    graph = Graph(Registry([Sound, Seconds, Place, Mix]))
    return graph, UndoStack(graph)


def scene(stack, hits: bool = True, **mix_params) -> str:
    """A 14 s scene: a line of dialogue from 4 s to 9 s over music, a room bed and (optionally) hits."""
    add(stack, "test.sound", "voice", kind="speech", seconds=5.0, amplitude=0.2)
    add(stack, "sound.place", "voice_at", offset=4.0)
    add(stack, "test.sound", "score", kind="chord", seconds=14.0, amplitude=0.1)
    add(stack, "sound.place", "score_at", gain_db=-3.0, fade_in=0.5, fade_out=1.0)
    add(stack, "test.sound", "room", kind="noise", seconds=14.0, amplitude=0.01)
    add(stack, "sound.mix", "mix", **mix_params)
    link(stack, "voice", "voice_at", "audio", "audio")
    link(stack, "score", "score_at", "audio", "audio")
    link(stack, "voice_at", "mix", "dialogue", "audio")
    link(stack, "score_at", "mix", "music", "audio")
    link(stack, "room", "mix", "ambience", "audio")  # unplaced: a stereo sound goes in as it is
    if hits:
        add(stack, "test.sound", "bang", kind="hits", seconds=14.0, amplitude=0.8)
        add(stack, "sound.place", "bang_at", pan=0.5)
        link(stack, "bang", "bang_at", "audio", "audio")
        link(stack, "bang_at", "mix", "fx", "audio")
    return "mix"


def graph_with(stack, graph, **mix_params):
    scene(stack, **mix_params)
    return graph


def render(graph, node="mix", cache=None):
    report = Executor(cache=cache).run(graph, [node], load_outputs=True)
    return report, report.outputs.get(node)


# ---- independent meters ---------------------------------------------------------------

def bs1770(x: np.ndarray) -> float:
    """ITU-R BS.1770-4 integrated loudness from the standard's text, for 48 kHz (channels, frames)."""
    if x.shape[0] == 6:
        x, weights = x[[0, 1, 2, 4, 5]], [1.0, 1.0, 1.0, 1.41, 1.41]
    else:
        weights = [1.0] * x.shape[0]
    y = signal.lfilter([1.53512485958697, -2.69169618940638, 1.19839281085285],
                       [1.0, -1.69065929318241, 0.73248077421585], x.astype(np.float64), axis=1)
    y = signal.lfilter([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621], y, axis=1)
    block, step = int(0.4 * SR), int(0.1 * SR)
    z = np.array([[np.mean(ch[s:s + block] ** 2) for ch in y] for s in range(0, y.shape[1] - block + 1, step)])
    loud = -0.691 + 10 * np.log10(np.maximum(z @ np.array(weights), 1e-30))
    kept = z[loud > -70]
    relative = -0.691 + 10 * np.log10(kept.mean(axis=0) @ weights) - 10
    return float(-0.691 + 10 * np.log10(z[(loud > -70) & (loud > relative)].mean(axis=0) @ weights))


def ffmpeg_ebur128(x: np.ndarray, tmp_path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter reads a stereo WAV."""
    path = tmp_path / "mix.wav"
    wavfile.write(path, SR, x.T.astype(np.float32))
    out = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = out[out.rindex("Summary:"):]
    lufs = float(summary.split("I:")[1].split("LUFS")[0])
    peak = float(summary.split("Peak:")[1].split("dBFS")[0])
    return lufs, peak


# ---- loudness and true peak -----------------------------------------------------------

def test_the_reference_meter_reads_the_standards_calibration_tone():
    t = np.arange(4 * SR) / SR
    tone = np.sin(2 * np.pi * 997 * t)
    assert bs1770(tone[None]) == pytest.approx(-3.01, abs=0.02)  # BS.1770: 0 dBFS 997 Hz in one channel
    assert bs1770(np.stack([tone, tone]) * 10 ** (-20 / 20)) == pytest.approx(-20.0, abs=0.03)


@pytest.mark.parametrize("target_name, target", [(EBU, -23.0), (STREAMING, -14.0)])
def test_mix_meets_the_loudness_target_under_the_true_peak_ceiling(target_name, target, tmp_path):
    graph, stack = new_graph()
    report, out = render(graph_with(stack, graph, loudness_target=target_name))
    assert report.status == "finished", report.results
    mix = out["mix"].samples
    assert mix.shape == (2, 14 * SR) and mix.dtype == np.float32
    assert pyloudnorm.Meter(SR).integrated_loudness(mix.T.astype(np.float64)) == pytest.approx(target, abs=0.5)
    assert bs1770(mix) == pytest.approx(target, abs=0.5)
    assert out["loudness"] == pytest.approx(bs1770(mix), abs=0.05)  # the figure reported is the mix's
    assert reference_true_peak_db(mix) <= -1.0
    if shutil.which("ffmpeg"):
        lufs, peak = ffmpeg_ebur128(mix, tmp_path)
        assert lufs == pytest.approx(target, abs=0.5)
        assert peak < -0.95  # ffmpeg's own interpolator; it prints one decimal


@pytest.mark.parametrize("target_name, custom, expected", [
    ("custom", -18.0, -18.0), ("custom", -30.0, -30.0),
    (EBU, -30.0, -23.0),  # custom_lufs is only read when the target is Custom
])
def test_a_custom_loudness_target_is_met_under_the_true_peak_ceiling(target_name, custom, expected, tmp_path):
    graph, stack = new_graph()
    report, out = render(graph_with(stack, graph, loudness_target=target_name, custom_lufs=custom))
    assert report.status == "finished", report.results
    mix = out["mix"].samples
    assert bs1770(mix) == pytest.approx(expected, abs=0.5)
    assert pyloudnorm.Meter(SR).integrated_loudness(mix.T.astype(np.float64)) == pytest.approx(expected, abs=0.5)
    assert out["loudness"] == pytest.approx(bs1770(mix), abs=0.05)
    assert reference_true_peak_db(mix) <= -1.0
    if shutil.which("ffmpeg"):
        lufs, peak = ffmpeg_ebur128(mix, tmp_path)
        assert lufs == pytest.approx(expected, abs=0.5)
        assert peak < -0.95


def test_streaming_mix_is_limited_and_its_stems_still_add_up():
    graph, stack = new_graph()
    _, out = render(graph_with(stack, graph, loudness_target=STREAMING))
    mix = out["mix"].samples
    stems = out["dialogue_stem"].samples + out["music_stem"].samples + out["effects_stem"].samples
    assert reference_true_peak_db(stems) > 0.0  # the hits needed the limiter at this loudness
    touched = np.any(np.abs(stems - mix) > 1e-6, axis=0)
    assert 0 < touched.mean() < 0.5  # around the hits only
    # Where they differ, the mix is the stems' sum turned down: one gain at or under 1 for both channels.
    s, m = stems[:, touched].astype(np.float64), mix[:, touched].astype(np.float64)
    gain = (s * m).sum(axis=0) / np.maximum((s * s).sum(axis=0), 1e-30)
    assert np.all(gain <= 1.0 + 1e-5) and gain.min() < 0.9
    np.testing.assert_allclose(m, gain * s, atol=1e-5)


def test_stems_sum_to_the_mix_when_nothing_is_limited():
    graph, stack = new_graph()
    _, out = render(graph_with(stack, graph, hits=False))
    stems = out["dialogue_stem"].samples + out["music_stem"].samples + out["effects_stem"].samples
    np.testing.assert_allclose(stems, out["mix"].samples, atol=1e-6)
    assert rms_db(window(out["dialogue_stem"].samples, 0.0, 3.9)) < -200  # the line is placed at 4 s


# ---- ducking ----------------------------------------------------------------------------

def test_ambience_ducks_under_dialogue_by_the_depth_and_effects_do_not():
    graph, stack = new_graph()
    _, out = render(graph_with(stack, graph, hits=False, duck_depth_db=-18.0))
    room = out["effects_stem"].samples  # the room bed alone: this scene has no effects
    before = rms_db(window(room, 1.0, 3.5))
    # White noise over seconds has a steady level, so the dip is read to a fraction of a dB.
    assert rms_db(window(room, 4.5, 8.5)) - before == pytest.approx(-18.0, abs=0.3)
    assert rms_db(window(room, 10.5, 12.5)) - before == pytest.approx(0.0, abs=0.2)

    # The same noise on the fx bus keeps its level through the line: effects are never ducked.
    graph, stack = new_graph()
    add(stack, "test.sound", "voice", kind="speech", seconds=5.0, amplitude=0.2)
    add(stack, "sound.place", "voice_at", offset=4.0)
    add(stack, "test.sound", "rain", kind="noise", seconds=14.0, amplitude=0.01)
    add(stack, "sound.mix", "mix", duck_depth_db=-18.0)
    link(stack, "voice", "voice_at", "audio", "audio")
    link(stack, "voice_at", "mix", "dialogue", "audio")
    link(stack, "rain", "mix", "fx", "audio")
    _, out = render(graph)
    rain = out["effects_stem"].samples
    assert rms_db(window(rain, 4.5, 8.5)) - rms_db(window(rain, 1.0, 3.5)) == pytest.approx(0.0, abs=0.2)


def duck_envelope_db(release_ms: float, plain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, gain in dB) of the duck on the music, every 10 ms, as heard in the music stem.

    Measured as the ducked stem's RMS over the `plain` (unducked) stem's in each 10 ms window, so the
    chord's own beating cancels; scaled to 0 dB before the line, which cancels the two mixes'
    different loudness gains.
    """
    graph, stack = new_graph()
    _, out = render(graph_with(stack, graph, hits=False, duck_depth_db=-12.0, duck_release_ms=release_ms))
    ducked = out["music_stem"].samples.astype(np.float64)
    hop = SR // 100
    starts = np.arange(0, ducked.shape[1] - hop + 1, hop)
    power = [np.array([np.mean(x[:, s:s + hop] ** 2) for s in starts]) for x in (ducked, plain)]
    gain_db = 10 * np.log10(power[0] / power[1])
    times = (starts + hop / 2) / SR
    return times, gain_db - np.median(gain_db[(times > 1.0) & (times < 3.0)])


def test_the_duck_release_time_is_honoured():
    graph, stack = new_graph()
    _, undocked = render(graph_with(stack, graph, hits=False, duck=False))
    plain = undocked["music_stem"].samples.astype(np.float64)
    line_end, hold = 9.0, 0.25  # the line is 4 s to 9 s; the duck holds 250 ms so it cannot pump between words

    recovered = {}
    for release in (0.3, 3.0):
        times, gain = duck_envelope_db(release * 1000, plain)
        at = lambda t: float(np.interp(t, times, gain))  # noqa: E731
        assert at(6.5) == pytest.approx(-12.0, abs=0.3) and at(8.9) == pytest.approx(-12.0, abs=0.3)
        # Halfway through the release the gain is halfway back (the ramp is a straight line in dB).
        assert at(line_end + hold + release / 2) == pytest.approx(-6.0, abs=1.0)
        # The first moment after the line from which the music stays within 1 dB of its undocked level.
        after = times > line_end
        outside = np.flatnonzero(after & (times < 12.9) & (np.abs(gain) > 1.0))
        recovered[release] = times[outside[-1] + 1] - line_end
        # A straight ramp in dB crosses -1 dB of -12 at 11/12 of the release, after the hold.
        assert recovered[release] == pytest.approx(hold + release * 11 / 12, abs=0.05)
        assert np.all(np.abs(gain[(times > line_end + hold + release + 0.05) & (times < 12.9)]) < 0.2)
    # Where the short release is back, the long one has hardly begun to come up.
    times, gain = duck_envelope_db(3000.0, plain)
    assert float(np.interp(line_end + recovered[0.3], times, gain)) < -10.0
    assert recovered[3.0] - recovered[0.3] == pytest.approx((3.0 - 0.3) * 11 / 12, abs=0.05)


def test_music_stem_ducks_under_dialogue_by_the_depth_and_recovers():
    graph, stack = new_graph()
    _, out = render(graph_with(stack, graph, duck_depth_db=-12.0, duck_release_ms=600.0))
    music = out["music_stem"].samples
    before = rms_db(window(music, 1.0, 3.5))
    assert rms_db(window(music, 4.5, 8.5)) - before == pytest.approx(-12.0, abs=1.5)
    assert rms_db(window(music, 10.5, 12.5)) - before == pytest.approx(0.0, abs=0.5)

    graph, stack = new_graph()
    _, undocked = render(graph_with(stack, graph, duck=False))
    music = undocked["music_stem"].samples
    assert rms_db(window(music, 4.5, 8.5)) - rms_db(window(music, 1.0, 3.5)) == pytest.approx(0.0, abs=0.2)


# ---- several sounds on one bus ---------------------------------------------------------

TONES = ((300.0, 0.0, 0.0), (700.0, 1.5, -6.0), (1600.0, 3.0, -12.0))  # Hz, offset s, gain dB; 3 s each


def tone_level(x: np.ndarray, frequency: float, start: float, stop: float) -> float:
    """Amplitude of one sine in the left channel over [start, stop): a single DFT bin at that frequency.

    The windows used are whole seconds, so every tone here fits whole cycles and the others
    project to zero on it.
    """
    part = window(x[0], start, stop).astype(np.float64)
    t = np.arange(part.size) / SR
    return float(2 * np.abs(np.sum(part * np.exp(-2j * np.pi * frequency * t))) / part.size)


@pytest.mark.parametrize("bus, stem", [("dialogue", "dialogue_stem"), ("music", "music_stem"),
                                       ("ambience", "effects_stem"), ("fx", "effects_stem")])
def test_every_sound_linked_into_one_bus_is_in_the_mix(bus, stem):
    graph, stack = new_graph()
    add(stack, "sound.mix", "mix", duck=False)
    for index, (frequency, offset, gain_db) in enumerate(TONES):
        add(stack, "test.sound", f"tone{index}", kind="tone", frequency=frequency, seconds=3.0, amplitude=0.2)
        add(stack, "sound.place", f"tone{index}_at", offset=offset, gain_db=gain_db)
        link(stack, f"tone{index}", f"tone{index}_at", "audio", "audio")
        link(stack, f"tone{index}_at", "mix", bus, "audio")
    report, out = render(graph)
    assert report.status == "finished", report.results
    mix = out["mix"].samples
    assert mix.shape == (2, 6 * SR)  # the last tone ends at 6 s

    # Each tone is heard in its own time and nowhere else, at its own gain relative to the others.
    spans = [(offset, offset + 3.0) for _, offset, _ in TONES]
    windows = ((0.25, 1.25), (1.75, 2.75), (3.25, 4.25), (4.75, 5.75))
    levels = {(f, w): tone_level(mix, f, *w) for f, _, _ in TONES for w in windows}
    loudest = max(levels.values())
    for (frequency, w), level in levels.items():
        start, stop = spans[[f for f, _, _ in TONES].index(frequency)]
        if start <= w[0] and w[1] <= stop:
            assert level > 0.1 * loudest, (frequency, w)
        else:
            assert level < 1e-4 * loudest, (frequency, w)
    assert levels[700.0, windows[1]] / levels[300.0, windows[1]] == pytest.approx(10 ** (-6 / 20), rel=0.01)
    assert levels[1600.0, windows[2]] / levels[700.0, windows[2]] == pytest.approx(10 ** (-6 / 20), rel=0.01)
    assert levels[300.0, windows[0]] == pytest.approx(levels[300.0, windows[1]], rel=0.01)  # no overlap dip

    # The mix is the three placed tones summed (centred mono: 1/sqrt 2 per side), times one loudness gain.
    t = np.arange(6 * SR) / SR
    expected = sum(0.2 * 10 ** (g / 20) / np.sqrt(2) * np.sin(2 * np.pi * f * t) * ((t >= o) & (t < o + 3.0))
                   for f, o, g in TONES)
    scale = float(mix[0] @ expected / (expected @ expected))
    np.testing.assert_allclose(mix, np.stack([expected, expected]) * scale, atol=2e-5)
    assert bs1770(mix) == pytest.approx(-23.0, abs=0.5)

    # The bus's stem carries them all; the other stems are silent; together they are the mix.
    np.testing.assert_allclose(out[stem].samples, mix, atol=1e-6)
    for other in {"dialogue_stem", "music_stem", "effects_stem"} - {stem}:
        assert not out[other].samples.any()


# ---- layouts ----------------------------------------------------------------------------

def test_5_1_mix_has_dialogue_in_the_centre_and_meets_its_target():
    graph, stack = new_graph()
    report, out = render(graph_with(stack, graph, layout="5.1", loudness_target=STREAMING))
    assert report.status == "finished", report.results
    for name in ("mix", "dialogue_stem", "music_stem", "effects_stem"):
        assert out[name].channels == 6 and out[name].layout == "5.1"
    dialogue, music, mix = out["dialogue_stem"].samples, out["music_stem"].samples, out["mix"].samples
    assert np.all(dialogue[[0, 1, 3, 4, 5]] == 0) and rms_db(dialogue[2:3]) > -60
    assert np.all(music[2] == 0) and rms_db(music[4:6]) - rms_db(music[0:2]) == pytest.approx(-6.0, abs=0.1)
    assert rms_db(music[3:4]) > -80  # the chord's root (220 Hz) leaks into the 120 Hz LFE low-pass, but little
    assert rms_db(music[3:4]) < rms_db(music[0:1]) - 20
    assert bs1770(mix) == pytest.approx(-14.0, abs=0.5)
    assert pyloudnorm.Meter(SR).integrated_loudness(mix[[0, 1, 2, 4, 5]].T.astype(np.float64)) == pytest.approx(
        -14.0, abs=0.5)
    assert reference_true_peak_db(mix) <= -1.0


def test_mono_and_5_1_sources_fold_into_a_stereo_mix():
    graph, stack = new_graph()
    add(stack, "test.sound", "voice51", kind="centre_5_1", seconds=3.0, amplitude=0.2)
    add(stack, "test.sound", "bed", kind="chord", seconds=3.0, channels=1)
    add(stack, "sound.mix", "mix", duck=False)
    link(stack, "voice51", "mix", "dialogue", "audio")
    link(stack, "bed", "mix", "music", "audio")
    _, out = render(graph)
    dialogue = out["dialogue_stem"].samples
    assert dialogue.shape == (2, 3 * SR)
    np.testing.assert_allclose(dialogue[0], dialogue[1])  # the centre channel lands equally on both sides
    music = out["music_stem"].samples
    np.testing.assert_allclose(music[0], music[1])


# ---- length, cache, errors -------------------------------------------------------------

def test_length_input_sets_the_mix_length_exactly_and_the_mix_caches(cache):
    graph, stack = new_graph()
    scene(stack, hits=False)
    add(stack, "test.seconds", "len", value=6.5)
    link(stack, "len", "mix", "length", "value")
    report, out = render(graph, cache=cache)
    assert out["mix"].frames == 6.5 * SR and out["music_stem"].frames == 6.5 * SR
    again, cached = render(graph, cache=cache)
    assert again.results["mix"].status == "cached"
    np.testing.assert_array_equal(cached["mix"].samples, out["mix"].samples)
    assert cached["loudness"] == out["loudness"]


def test_an_empty_mix_fails_with_a_message_naming_the_fix():
    graph, stack = new_graph()
    add(stack, "sound.mix", "mix")
    report, _ = render(graph)
    assert report.status == "failed"
    assert "the mix is empty: link sounds" in report.results["mix"].message


def test_a_target_above_0_lufs_is_refused_by_the_parameter_and_by_the_node():
    graph, stack = new_graph()
    with pytest.raises(ParamError, match="custom_lufs must be at most 0"):
        add(stack, "sound.mix", "mix", loudness_target="custom", custom_lufs=3.0)
    params = Mix.schema.default_params() | {"loudness_target": "custom", "custom_lufs": 3.0}
    inputs = {bus: [] for bus in ("dialogue", "music", "ambience")} | {
        "fx": [Audio(noise(1.0))], "length": None}
    with pytest.raises(NodeExecutionError, match="above 0 LUFS .* use -23 LUFS"):
        Mix().execute(RunContext("mix", "run", EventEmitter(), CancelToken()), inputs, params)


def test_negative_length_and_silence_are_refused():
    graph, stack = new_graph()
    scene(stack, hits=False)
    add(stack, "test.seconds", "len", value=-2.0)
    link(stack, "len", "mix", "length", "value")
    report, _ = render(graph)
    assert "positive number of seconds" in report.results["mix"].message

    graph, stack = new_graph()
    add(stack, "test.sound", "quiet", kind="noise", seconds=2.0, amplitude=0.0)
    add(stack, "sound.mix", "mix")
    link(stack, "quiet", "mix", "ambience", "audio")
    report, _ = render(graph)
    assert "silent" in report.results["mix"].message
