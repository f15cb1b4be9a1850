"""Gain, pan, fades, placement, layouts, ducking and the true-peak limiter, measured from outside.

Levels are measured here with plain numpy (RMS, energy) and true peaks with scipy's
resample_poly over the whole signal, not with the functions under test. The signal makers
are shared with test_mix.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from app.nodes.mix import Place
from engine.audio import dsp, loudness
from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.audio.ducking import DuckSettings, duck_gain

SR = SAMPLE_RATE


# ---- signals and meters (also used by test_mix.py) ------------------------------------------

def speech(seconds: float, start: float, stop: float, amplitude: float = 0.3, seed: int = 1) -> np.ndarray:
    """Mono voice-like sound: 250-3500 Hz noise in syllables (4 a second), between start and stop."""
    rng = np.random.default_rng(seed)
    frames = round(seconds * SR)
    t = np.arange(frames) / SR
    band = signal.butter(4, (250, 3500), "bandpass", fs=SR, output="sos")
    voice = signal.sosfilt(band, rng.standard_normal(frames))
    voice *= amplitude / np.sqrt(np.mean(voice ** 2)) * np.abs(np.sin(np.pi * 4 * t)) ** 0.5
    voice[(t < start) | (t >= stop)] = 0
    return voice[None].astype(np.float32)


def chord(seconds: float, amplitude: float = 0.1, channels: int = 2) -> np.ndarray:
    """A sustained A minor triad, the same on every channel."""
    t = np.arange(round(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63)) * amplitude
    return np.repeat(tone[None], channels, axis=0).astype(np.float32)


def noise(seconds: float, amplitude: float = 0.05, channels: int = 2, seed: int = 2) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((channels, round(seconds * SR))) * amplitude).astype(
        np.float32)


def rms_db(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-30)


def window(x: np.ndarray, start: float, stop: float) -> np.ndarray:
    return x[..., round(start * SR):round(stop * SR)]


def reference_true_peak_db(x: np.ndarray) -> float:
    """4x oversampled peak over the whole signal in one pass (no pieces, no shortcuts)."""
    return 20 * math.log10(float(np.abs(signal.resample_poly(x.astype(np.float64), 4, 1, axis=1)).max()))


def place(audio: np.ndarray, **params) -> np.ndarray:
    return Place().execute(None, {"audio": Audio(audio)}, Place.schema.default_params() | params)["audio"].samples


# ---- gain, pan, fades, placement ---------------------------------------------------------

def test_pan_hard_left_puts_all_energy_left_and_centre_is_minus_3_db_per_side():
    mono = noise(1.0, 0.2, channels=1)
    left = place(mono, pan=-1.0)
    assert left.shape == (2, SR)
    assert np.all(left[1] == 0)
    np.testing.assert_allclose(left[0], mono[0], rtol=1e-6)
    centre = place(mono, pan=0.0)
    for side in centre:
        assert rms_db(side) - rms_db(mono) == pytest.approx(-3.0103, abs=0.01)
    for pan in (-0.7, 0.3, 0.9):  # equal power: the two sides always add up to the source's energy
        panned = place(mono, pan=pan)
        energy = np.mean(panned[0] ** 2, dtype=np.float64) + np.mean(panned[1] ** 2, dtype=np.float64)
        assert 10 * math.log10(energy) == pytest.approx(rms_db(mono), abs=0.01)


def test_stereo_is_balanced_not_panned():
    stereo = np.stack([noise(1.0, 0.1, 1, seed=3)[0], noise(1.0, 0.1, 1, seed=4)[0]])
    np.testing.assert_array_equal(place(stereo, pan=0.0), stereo)  # the centre leaves a stereo image alone
    left = place(stereo, pan=-1.0)
    np.testing.assert_array_equal(left[0], stereo[0])
    assert np.all(left[1] == 0)


def test_gain_db_scales_by_the_decibels_asked():
    mono = noise(0.5, 0.1, channels=1)
    assert rms_db(place(mono, gain_db=-6.0)) - rms_db(place(mono)) == pytest.approx(-6.0, abs=1e-3)


@pytest.mark.parametrize("curve", dsp.CURVES)
def test_fades_hit_zero_at_the_ends_and_full_level_inside(curve):
    dc = np.full((1, SR * 2), 0.5, np.float32)
    out = place(dc, fade_in=0.5, fade_out=0.25, fade_curve=curve, pan=-1.0)[0]
    assert out[0] == 0.0 and out[-1] == 0.0
    np.testing.assert_allclose(out[SR // 2:SR * 2 - SR // 4], 0.5, rtol=1e-6)  # untouched between the fades
    rise = out[:SR // 2]
    assert np.all(np.diff(rise) >= 0) and rise[-1] > 0.49
    middle = rise[SR // 4] / 0.5
    expected = {"linear": 0.5, "equal-power": math.sin(math.pi / 4)}.get(curve)
    if expected is None:  # exponential: slow start, far below linear half way
        assert 0.0 < middle < 0.1
    else:
        assert middle == pytest.approx(expected, abs=1e-4)


def test_fades_longer_than_the_sound_still_end_in_silence():
    out = place(np.ones((1, 1000), np.float32), fade_in=1.0, fade_out=1.0, pan=-1.0)[0]
    assert out[0] == 0.0 and out[-1] == 0.0 and out.max() < 1.0


@pytest.mark.parametrize("offset, frame", [(0.1, 4800), (1001 / 24000, 2002), (2.5, 120000), (0.0, 0),
                                           (1 / 3, 16000)])
def test_offset_places_a_click_on_the_exact_sample(offset, frame):
    click = np.zeros((1, 100), np.float32)
    click[0, 0] = 1.0
    out = place(click, offset=offset, pan=-1.0)
    assert out.shape[1] == frame + 100
    assert np.flatnonzero(out[0]).tolist() == [frame]


def test_trim_and_length_take_the_asked_part():
    ramp = (np.arange(SR * 2, dtype=np.float32) / (SR * 2))[None]
    out = place(ramp, trim_start=0.5, length=0.25, pan=-1.0)[0]
    assert out.size == SR // 4
    assert out[0] == ramp[0, SR // 2] and out[-1] == ramp[0, SR // 2 + SR // 4 - 1]


def test_impossible_placements_are_clear_errors():
    from engine.errors import NodeExecutionError

    with pytest.raises(NodeExecutionError, match="trim_start .* past the end"):
        place(np.ones((1, 100), np.float32), trim_start=1.0)
    with pytest.raises(ValueError, match="negative"):
        dsp.seconds_to_frames(-0.5)
    with pytest.raises(ValueError, match="offset"):
        dsp.place(np.ones((1, 10), np.float32), -1)


# ---- layouts ----------------------------------------------------------------------------

def test_itu_downmix_of_5_1_to_stereo():
    surround = np.zeros((6, 1000), np.float32)
    surround[2] = 1.0  # centre
    surround[3] = 1.0  # LFE: left out of a stereo downmix
    surround[4] = 0.5  # left surround
    stereo = dsp.to_stereo(surround)
    np.testing.assert_allclose(stereo[0], 1 / math.sqrt(2) * 1.5, rtol=1e-6)
    np.testing.assert_allclose(stereo[1], 1 / math.sqrt(2), rtol=1e-6)


def test_upmix_puts_dialogue_in_the_centre_and_beds_around():
    voice = place(speech(2.0, 0.0, 2.0), pan=0.0)
    up = dsp.to_surround(voice, "dialogue")
    assert up.shape == (6, voice.shape[1])
    assert np.all(up[[0, 1, 3, 4, 5]] == 0)
    assert rms_db(up[2:3]) == pytest.approx(rms_db(speech(2.0, 0.0, 2.0)), abs=0.01)  # a centred voice keeps its level
    low, high = chord(2.0, 0.3), chord(2.0, 0.3)
    t = np.arange(2 * SR) / SR
    low[:] = 0.3 * np.sin(2 * np.pi * 50 * t)
    high[:] = 0.3 * np.sin(2 * np.pi * 2000 * t)
    for bed, lfe_expected in ((low, True), (high, False)):
        up = dsp.to_surround(bed, "music")
        np.testing.assert_array_equal(up[0:2], bed)
        assert rms_db(up[4:6]) - rms_db(bed) == pytest.approx(-6.0, abs=0.05)
        assert np.all(up[2] == 0)
        lfe = rms_db(window(up[3], 0.5, 2.0)) - rms_db(window(bed[0], 0.5, 2.0))
        assert (lfe > -12) if lfe_expected else (lfe < -60)


# ---- ducking ----------------------------------------------------------------------------

@pytest.mark.parametrize("detector", ["rms", "peak"])
def test_ducking_lowers_the_bed_by_the_depth_during_speech_and_recovers(detector):
    settings = DuckSettings(depth_db=-12.0, attack_ms=150.0, release_ms=600.0, threshold_db=-40.0,
                            detector=detector)
    key = place(speech(14.0, 4.0, 8.0), pan=0.0)
    music = chord(14.0)
    ducked = music * duck_gain(key, music.shape[1], settings)
    before = rms_db(window(ducked, 1.0, 3.5))
    assert rms_db(window(ducked, 4.5, 7.5)) - before == pytest.approx(-12.0, abs=1.5)
    assert rms_db(window(ducked, 10.0, 13.5)) - before == pytest.approx(0.0, abs=0.2)  # back after the release
    # No pumping: the level under the line is steady, syllable gaps included.
    levels = [rms_db(window(ducked, s, s + 0.05)) for s in np.arange(4.5, 7.5, 0.05)]
    assert max(levels) - min(levels) < 1.0
    # Read ahead: already at full depth when the first word starts.
    assert rms_db(window(ducked, 4.0, 4.05)) - before == pytest.approx(-12.0, abs=1.0)


def test_ducking_ignores_quiet_room_tone_and_rejects_boosts():
    key = place(noise(5.0, 0.001, channels=1), pan=0.0)  # -60 dBFS: under the threshold
    assert np.all(duck_gain(key, key.shape[1], DuckSettings()) == 1.0)
    with pytest.raises(ValueError, match="boost"):
        DuckSettings(depth_db=6.0)


# ---- loudness and true peak -------------------------------------------------------------

def test_full_scale_1k_sine_in_one_channel_reads_minus_3_lufs():
    t = np.arange(5 * SR) / SR
    sine = np.sin(2 * np.pi * 997 * t)[None].astype(np.float32)  # the standard's own calibration signal
    assert loudness.integrated_loudness(sine) == pytest.approx(-3.01, abs=0.05)
    assert loudness.quick_loudness(sine) == pytest.approx(-3.01, abs=0.05)


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_quick_loudness_agrees_with_pyloudnorm(channels):
    x = noise(6.0, 0.1, channels) * np.linspace(0.05, 1.0, 6 * SR, dtype=np.float32)
    assert loudness.quick_loudness(x) == pytest.approx(loudness.integrated_loudness(x), abs=0.02)


def test_limiter_catches_inter_sample_peaks():
    # A quarter-rate sine at 45 degrees: every sample is at 0.707 of its true peak (+3 dB between samples).
    t = np.arange(3 * SR)
    x = (0.95 * np.sin(np.pi / 2 * t + np.pi / 4))[None].repeat(2, 0).astype(np.float32)
    assert 20 * math.log10(np.abs(x).max()) < -3.0 and reference_true_peak_db(x) > -0.5
    limited = loudness.limit_true_peak(x, -1.0)
    assert reference_true_peak_db(limited) <= -1.0
    assert reference_true_peak_db(limited) > -1.3  # brought to the ceiling, not far under it


def test_limiter_only_touches_the_peaks():
    x = noise(6.0, 0.05)
    x[:, 3 * SR:3 * SR + 480] *= 40  # a 10 ms burst well over full scale
    limited = loudness.limit_true_peak(x, -1.0)
    assert reference_true_peak_db(limited) <= -1.0
    np.testing.assert_array_equal(limited[:, :int(2.9 * SR)], x[:, :int(2.9 * SR)])  # look-ahead is short
    np.testing.assert_array_equal(limited[:, int(4.5 * SR):], x[:, int(4.5 * SR):])  # release has ended
    quiet = noise(1.0, 0.01)
    assert loudness.limit_true_peak(quiet, -1.0) is quiet


def test_normalise_rejects_impossible_targets_and_silence():
    with pytest.raises(ValueError, match="above 0 LUFS"):
        loudness.normalise(noise(1.0), 3.0)
    with pytest.raises(ValueError, match="silent"):
        loudness.normalise(np.zeros((2, SR), np.float32), -23.0)
    with pytest.raises(ValueError, match="above full scale"):
        loudness.limit_true_peak(noise(1.0), 0.5)
