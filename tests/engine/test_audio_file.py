"""Sound files of any common format come in as 48 kHz stereo; damaged ones are named, not half-imported."""

import wave

import av
import numpy as np
import pytest

from app.nodes.music import MusicFile
from engine.audio.audio_file import fit_length, load_audio
from engine.audio.buffer import Audio
from engine.commands import AddNode, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.registry import Registry

SR = 48000


def tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def write_wav(path, samples: np.ndarray, rate: int = 44100) -> None:
    """Mono or (channels, frames) float samples as 16-bit PCM with the standard library."""
    data = np.atleast_2d(samples)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((data.T * 32767).astype("<i2").tobytes())


def write_with_av(path, codec: str, samples: np.ndarray, rate: int = 44100) -> None:
    """Stereo float samples encoded with PyAV (FLAC, MP3, Opus...)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="stereo")
        frame_size = stream.codec_context.frame_size or 1024
        pts = 0
        for start in range(0, samples.shape[1], frame_size):
            block = np.ascontiguousarray(samples[:, start:start + frame_size], dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = rate, pts
            pts += block.shape[1]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def peak_frequency(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * SR / x.size)


def test_mono_wav_at_44k1_becomes_48k_stereo_of_the_same_duration(tmp_path):
    write_wav(tmp_path / "a.wav", tone(2.5, 44100))
    audio = load_audio(tmp_path / "a.wav")
    assert audio.sample_rate == SR and audio.channels == 2
    assert abs(audio.frames - round(2.5 * SR)) <= 2
    assert np.array_equal(audio.samples[0], audio.samples[1])  # mono plays on both sides
    assert abs(np.abs(audio.samples).max() - 0.5) < 0.01  # at full level, not -3 dB
    assert abs(peak_frequency(audio.samples[0]) - 440.0) < 2.0  # resampled, not re-pitched


@pytest.mark.parametrize("codec,suffix,tolerance", [("flac", "flac", 2), ("libmp3lame", "mp3", 3000),
                                                    ("libopus", "opus", 3000)])
def test_compressed_formats_decode_with_their_channels(tmp_path, codec, suffix, tolerance):
    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg build has no {codec} encoder")
    rate = 48000 if codec == "libopus" else 44100
    samples = np.stack([tone(2.0, rate), tone(2.0, rate, 660.0, 0.25)])
    write_with_av(tmp_path / f"a.{suffix}", codec, samples, rate)
    audio = load_audio(tmp_path / f"a.{suffix}")
    assert audio.channels == 2 and abs(audio.frames - 2 * SR) <= tolerance
    middle = audio.samples[:, SR // 2: SR + SR // 2]
    assert abs(peak_frequency(middle[0]) - 440.0) < 3 and abs(peak_frequency(middle[1]) - 660.0) < 3
    assert np.abs(middle[0]).max() > 1.5 * np.abs(middle[1]).max()  # left stays left


def test_truncated_wav_is_reported_not_imported_short(tmp_path):
    write_wav(tmp_path / "a.wav", tone(2.0, 44100))
    data = (tmp_path / "a.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.wav is truncated"):
        load_audio(tmp_path / "cut.wav")


def test_corrupt_missing_and_soundless_files_are_clear_errors(tmp_path):
    (tmp_path / "junk.mp3").write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(ValueError, match="cannot decode audio file .*junk.mp3"):
        load_audio(tmp_path / "junk.mp3")
    with pytest.raises(ValueError, match="nope.wav does not exist"):
        load_audio(tmp_path / "nope.wav")
    data = (tmp_path / "a.flac")
    write_with_av(data, "flac", np.stack([tone(1.0, 44100)] * 2))
    (tmp_path / "cut.flac").write_bytes(data.read_bytes()[:300])
    with pytest.raises(ValueError, match="cut.flac"):
        load_audio(tmp_path / "cut.flac")


def test_fit_length_cuts_loops_and_pads_to_exact_frames():
    ramp = Audio(np.tile(np.sin(np.linspace(0, 40 * np.pi, SR, dtype=np.float32)), (2, 1)))  # 1 s, 20 cycles
    assert fit_length(ramp, 0.4).frames == round(0.4 * SR)
    looped = fit_length(ramp, 3.7)
    assert looped.frames == round(3.7 * SR)
    assert np.abs(np.diff(looped.samples[0, : -SR // 10])).max() < 0.02  # seamless: no click at the seams
    padded = fit_length(ramp, 2.0, loop=False)
    assert padded.frames == 2 * SR and not padded.samples[:, SR:].any()


def test_music_file_node_loops_a_file_to_a_length(tmp_path):
    write_wav(tmp_path / "loop.wav", np.stack([tone(1.0, 44100)] * 2))
    graph = Graph(Registry((MusicFile,)))
    stack = UndoStack(graph)
    stack.push(AddNode("sound.music_file", params={"path": "loop.wav", "length": 2.5}, node_id="f"))
    stack.push(AddNode("sound.music_file", params={"path": "gone.wav"}, node_id="missing"))
    report = Executor(project_dir=tmp_path).run(graph, ["f", "missing"], load_outputs=True)
    assert report.results["f"].status == "ran"
    assert report.outputs["f"]["audio"].frames == round(2.5 * SR)
    assert report.results["missing"].status == "failed"
    assert "gone.wav does not exist" in report.results["missing"].message
