"""The Music node composes real music: exact length, audible tempo and key, a build and a cadence home.

The checks listen the way simple music-information-retrieval does: tempo from the
autocorrelation of a spectral-flux onset envelope, key from a chroma profile correlated with
the Krumhansl-Kessler key profiles, and the ending from the chroma of the last seconds.
"""

import numpy as np
import pytest
from scipy import signal

from app.nodes.ambience import Ambience, SoundFX
from app.nodes.music import Music, MusicFile
from app.nodes.values import NumberValue
from engine.audio.music import MOOD_NAMES, NOTE_NAMES, arrange, compose
from engine.audio.music.moods import mood as find_mood
from engine.audio.music.parts import PartWriter
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.registry import Registry

SR = 48000
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def mono(audio) -> np.ndarray:
    return audio.samples.astype(np.float64).mean(axis=0)


def onset_envelope(x: np.ndarray, hop: int = 512) -> np.ndarray:
    """Spectral flux: the summed rise of log-magnitude per STFT frame (note and drum onsets)."""
    _, _, z = signal.stft(x, SR, nperseg=2048, noverlap=2048 - hop)
    mag = np.log1p(100 * np.abs(z))
    return np.maximum(0.0, np.diff(mag, axis=1)).sum(axis=0)


def tempo(x: np.ndarray, hop: int = 512) -> float:
    flux = onset_envelope(x, hop)
    flux = flux - flux.mean()
    ac = np.correlate(flux, flux, "full")[flux.size - 1:]
    fps = SR / hop
    lags = np.arange(ac.size)
    bpm = 60 * fps / np.maximum(lags, 1)
    usable = (bpm >= 50) & (bpm <= 250)
    lag = int(lags[usable][np.argmax(ac[usable])])
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
    return 60 * fps / (lag + 0.5 * (a - c) / (a - 2 * b + c))  # parabolic peak refinement


def chroma(x: np.ndarray) -> np.ndarray:
    f, _, z = signal.stft(x, SR, nperseg=16384)  # 2.9 Hz bins: semitones are resolved from ~100 Hz up
    power = (np.abs(z) ** 2).mean(axis=1)
    keep = (f > 100) & (f < 2500)
    classes = np.round(12 * np.log2(f[keep] / 440.0) + 69).astype(int) % 12
    c = np.bincount(classes, weights=power[keep], minlength=12)
    return c / c.sum()


def detect_key(x: np.ndarray) -> tuple[int, str]:
    c = chroma(x)
    scores = [(np.corrcoef(c, np.roll(profile, tonic))[0, 1], tonic, name)
              for tonic in range(12) for name, profile in (("major", MAJOR), ("minor", MINOR))]
    return max(scores)[1:]


def test_length_is_exact_for_awkward_lengths_and_tempos():
    for length, bpm, mood in ((0.5, 120, "warm"), (3.21, 40, "tense"), (7.3, 200, "playful"),
                              (12.345, 97, "mysterious")):
        audio = compose(length, mood, bpm, "E", seed=3)
        assert audio.channels == 2 and audio.sample_rate == SR
        assert audio.frames == round(length * SR)


@pytest.mark.parametrize("mood", MOOD_NAMES)
def test_every_mood_makes_sound_without_clipping(mood):
    x = compose(12.0, mood, 110, "G", intensity=1.0, seed=5).samples
    assert np.isfinite(x).all()
    assert np.abs(x).max() <= 1.0
    assert np.sqrt(np.mean(x ** 2)) > 0.03  # about -30 dBFS: a real mix, not silence
    assert abs(x[:, -1]).max() < 1e-3  # the tail fade ends in silence on the last frame


def test_same_seed_same_music_other_seed_other_music():
    a = compose(8.0, "warm", 100, "C", seed=11).samples
    b = compose(8.0, "warm", 100, "C", seed=11).samples
    c = compose(8.0, "warm", 100, "C", seed=12).samples
    assert np.array_equal(a, b)
    assert not np.allclose(a, c, atol=1e-3)


@pytest.mark.parametrize("bpm,mood", [(90, "warm"), (128, "triumphant"), (75, "tense")])
def test_tempo_is_detectable(bpm, mood):
    found = tempo(mono(compose(20.0, mood, bpm, "D", intensity=0.9, seed=2)))
    assert any(abs(found - bpm * k) <= 0.03 * bpm * k for k in (0.5, 1.0, 2.0)), found


@pytest.mark.parametrize("key,mood,expected", [("D", "warm", "major"), ("A", "tense", "minor")])
def test_key_is_detectable(key, mood, expected):
    tonic, mode = detect_key(mono(compose(20.0, mood, 100, key, intensity=0.7, seed=4)))
    assert (NOTE_NAMES[tonic], mode) == (key, expected)


@pytest.mark.parametrize("key,mood", [("F#", "tense"), ("A#", "warm"), ("C", "mysterious")])
def test_ending_resolves_to_the_tonic(key, mood):
    audio = compose(16.0, mood, 110, key, intensity=0.8, seed=6)
    last = chroma(mono(audio)[-2 * SR:])
    assert int(np.argmax(last)) == NOTE_NAMES.index(key)
    arrangement, _, _ = arrange(16.0, mood, 110, key, intensity=0.8, seed=6)
    assert arrangement.slots[-1].section == "final" and arrangement.slots[-1].chord.root == 0
    assert arrangement.slots[-2].section == "cadence"


def test_low_intensity_is_quieter_and_sparser():
    def measure(intensity):
        x = compose(20.0, "warm", 100, "A", intensity=intensity, seed=1)
        arrangement, scale, rng = arrange(20.0, "warm", 100, "A", intensity=intensity, seed=1)
        notes = PartWriter(arrangement, find_mood("warm"), scale, rng).write()
        return np.sqrt(np.mean(x.samples ** 2)), len(notes), {n.part for n in notes}

    quiet_rms, quiet_notes, quiet_parts = measure(0.2)
    loud_rms, loud_notes, loud_parts = measure(0.9)
    assert quiet_rms < 0.8 * loud_rms
    assert quiet_notes < 0.5 * loud_notes
    assert "snare" not in quiet_parts and {"kick", "snare", "hat"} <= loud_parts


def test_arrangement_builds_then_settles():
    arrangement, _, _ = arrange(90.0, "triumphant", 120, "C", intensity=1.0, seed=0)
    energies = [s.energy for s in arrangement.slots]
    peak = int(np.argmax(energies))
    assert energies[0] < 0.5 < energies[peak]
    assert 0.4 * len(energies) < peak < len(energies) - 2  # the peak is well inside, not at the end
    assert energies[-1] < energies[peak]
    assert arrangement.slots[-2].chord.offsets[:3] == (7, 11, 14)  # V into the final I


@pytest.mark.parametrize("kwargs,message", [
    ({"length": 0}, "length"), ({"tempo": 250}, "tempo"), ({"mood": "angry"}, "unknown mood 'angry'"),
    ({"key": "H"}, "unknown key 'H'"), ({"mode": "locrian9"}, "unknown mode"), ({"intensity": 2}, "intensity"),
])
def test_impossible_requests_are_clear_errors(kwargs, message):
    request = {"length": 5.0, "mood": "warm", "tempo": 100, "key": "C", "intensity": 0.5} | kwargs
    with pytest.raises(ValueError, match=message):
        compose(**request)


def sound_registry() -> Registry:
    return Registry((Music, MusicFile, Ambience, SoundFX, NumberValue))


def test_music_node_through_the_executor_with_a_linked_length():
    graph = Graph(sound_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("value.number", params={"value": 4.5}, node_id="len"))
    stack.push(AddNode("sound.music", params={"mood": "playful", "tempo": 132, "seed": 9}, node_id="m"))
    stack.push(Connect("len", "value", "m", "length"))
    report = Executor().run(graph, ["m"], load_outputs=True)
    assert report.status == "finished", report.results["m"].message
    audio = report.outputs["m"]["audio"]
    assert audio.frames == round(4.5 * SR) and audio.channels == 2


def test_music_node_reports_a_bad_linked_length():
    graph = Graph(sound_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("value.number", params={"value": -2.0}, node_id="len"))
    stack.push(AddNode("sound.music", node_id="m"))
    stack.push(Connect("len", "value", "m", "length"))
    report = Executor().run(graph, ["m"])
    assert report.status == "failed"
    assert "linked input 'length' does not fit: length must be at least 0.1, got -2.0" in report.results["m"].message
