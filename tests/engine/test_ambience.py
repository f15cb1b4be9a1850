"""Ambience beds and one-shot effects sound like what they are named, in wide stereo, repeatably."""

import numpy as np
import pytest
from scipy import signal

from app.nodes.ambience import Ambience, SoundFX
from engine.audio.ambience import BEDS, bed, effect
from engine.commands import AddNode, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.registry import Registry

SR = 48000


def spectrum(x: np.ndarray, nperseg: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    return signal.welch(x.astype(np.float64).mean(axis=0), SR, nperseg=min(nperseg, x.shape[1]))


def share(f, p, lo, hi) -> float:
    return float(p[(f >= lo) & (f < hi)].sum() / p.sum())


def rms(x) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


@pytest.fixture(scope="module")
def beds():
    return {kind: bed(kind, 6.0, 0.6, seed=3).samples for kind in BEDS}


def test_beds_have_exact_length_wide_stereo_and_no_clipping(beds):
    for kind, x in beds.items():
        assert x.shape == (2, 6 * SR), kind
        assert np.isfinite(x).all() and np.abs(x).max() <= 1.0, kind
        assert rms(x) > 0.002, kind
        assert np.corrcoef(x)[0, 1] < 0.9, kind  # decorrelated sides: a space, not a mono point


def test_beds_repeat_for_a_seed_and_vary_with_it():
    for kind in BEDS:
        a, b, c = (bed(kind, 2.0, 0.5, seed=s).samples for s in (1, 1, 2))
        assert np.array_equal(a, b), kind
        assert not np.allclose(a, c), kind


def test_wind_is_low_and_gusty(beds):
    f, p = spectrum(beds["wind"])
    assert share(f, p, 0, 1000) > 0.9
    level = np.sqrt((beds["wind"].mean(axis=0).astype(np.float64) ** 2).reshape(-1, SR // 10).mean(axis=1))
    assert level.std() / level.mean() > 0.15  # it rises and falls with gusts


def test_rain_is_broadband_with_transients(beds):
    f, p = spectrum(beds["rain"])
    assert share(f, p, 2000, 20000) > 0.5 and share(f, p, 200, 2000) > 0.01
    x = beds["rain"][0].astype(np.float64)
    kurtosis = np.mean((x - x.mean()) ** 4) / np.var(x) ** 2
    assert kurtosis > 4.0  # droplets: far spikier than Gaussian noise (3)


def test_room_tone_is_quiet_and_has_a_hum(beds):
    assert rms(beds["room tone"]) < 0.03  # below -30 dBFS
    assert all(rms(beds["room tone"]) < 0.5 * rms(beds[k]) for k in ("wind", "rain", "crowd murmur"))
    f, p = spectrum(beds["room tone"], SR)  # 1 Hz bins
    hum = max(p[np.argmin(abs(f - 50))], p[np.argmin(abs(f - 60))])
    assert hum > 10 * np.median(p[(f > 30) & (f < 90)])


def test_crowd_sits_in_the_voice_band_and_talks_in_syllables():
    x = bed("crowd murmur", 6.0, 0.0, seed=8).samples
    f, p = spectrum(x)
    assert share(f, p, 150, 3500) > 0.8
    envelope = np.abs(signal.hilbert(x.astype(np.float64).mean(axis=0)))
    envelope = signal.resample_poly(envelope, 1, 480)  # 100 Hz
    fm, pm = signal.welch(envelope - envelope.mean(), 100, nperseg=256)
    assert share(fm, pm, 2.5, 9) > 2 * share(fm, pm, 12, 30)  # syllable-rate modulation


def test_intensity_makes_wind_louder():
    assert rms(bed("wind", 3.0, 0.9, seed=1).samples) > 1.5 * rms(bed("wind", 3.0, 0.1, seed=1).samples)


def test_whoosh_sweeps_and_swells():
    x = effect("whoosh", 2.0, seed=4).samples
    assert x.shape == (2, 2 * SR) and np.abs(x).max() <= 1.0
    level = [rms(x[:, i:i + SR // 10]) for i in range(0, x.shape[1], SR // 10)]
    assert 5 <= int(np.argmax(level)) <= 17  # the swell peaks inside, not at an edge
    def centroid(seg):
        f, p = spectrum(seg)
        return float((f * p).sum() / p.sum())
    assert centroid(x[:, int(1.1 * SR):int(1.3 * SR)]) > 2 * centroid(x[:, int(0.1 * SR):int(0.3 * SR)])


def test_hit_is_a_low_thump_that_decays():
    x = effect("hit", 1.5, seed=4).samples
    assert x.shape == (2, round(1.5 * SR)) and np.abs(x).max() <= 1.0
    assert int(np.argmax(np.abs(x).max(axis=0))) < 0.05 * SR  # the impact is at the start
    f, p = spectrum(x)
    assert share(f, p, 0, 200) > 0.5
    assert rms(x[:, -SR // 4:]) < 0.1 * rms(x[:, : SR // 4])


@pytest.mark.parametrize("call,message", [
    (lambda: bed("thunder", 2.0), "unknown ambience 'thunder'"), (lambda: effect("zap"), "unknown effect 'zap'"),
    (lambda: bed("wind", 0.0), "length"), (lambda: effect("hit", 600.0), "effect length"),
    (lambda: bed("wind", 2.0, intensity=3), "intensity"),
])
def test_bad_requests_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_ambience_and_fx_nodes_through_the_executor():
    graph = Graph(Registry((Ambience, SoundFX)))
    stack = UndoStack(graph)
    stack.push(AddNode("sound.ambience", params={"bed": "rain", "length": 2.5, "seed": 4}, node_id="amb"))
    stack.push(AddNode("sound.fx", params={"type": "hit", "length": 0.8, "gain_db": -6.0}, node_id="fx"))
    report = Executor().run(graph, ["amb", "fx"], load_outputs=True)
    assert report.status == "finished", {n: r.message for n, r in report.results.items()}
    assert report.outputs["amb"]["audio"].frames == round(2.5 * SR)
    fx = report.outputs["fx"]["audio"].samples
    assert fx.shape == (2, round(0.8 * SR)) and 0.3 < np.abs(fx).max() < 0.5  # 0.9 peak at -6 dB
