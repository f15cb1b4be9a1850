"""Sound in exports: the film's soundtrack muxed with its picture, and audio-only WAV / FLAC files.

Each film is exported through the executor and decoded back with PyAV: durations, codecs, channel
layouts, samples (PCM: to the 24-bit step), loudness (AAC / Opus: within 0.5 LU) and sync (a
one-frame white flash and a click at the same instant must come back together).
"""

from fractions import Fraction

import av
import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from app.nodes.export import Export
from app.nodes.export_audio import ExportAudio
from engine.audio.buffer import Audio
from engine.commands import AddNode, Connect, UndoStack
from engine.context import CancelToken
from engine.events import EventEmitter, NodeProgress
from engine.executor import Executor
from engine.graph import Graph
from engine.media.clip import ClipInfo, FunctionClip
from engine.ports import AUDIO, FRAMES
from engine.registry import Registry
from engine.schema import FloatParam, IntParam, NodeSchema, NodeType, Port

FPS = Fraction(24000, 1001)
RATE = 48000
CLICK = 48  # samples: a 1 ms burst, a sharp peak that survives AAC


class Flash(NodeType):
    """Dark grey frames, one of them white."""

    schema = NodeSchema("test.flash", "Flash", "Test", outputs=(Port("frames", FRAMES),),
                        params=(IntParam("width", 128), IntParam("height", 72), IntParam("count", 48),
                                IntParam("flash_at", -1)))

    def execute(self, ctx, inputs, params):
        def render(index):
            level = 1.0 if index == params["flash_at"] else 0.02
            return np.full((params["height"], params["width"], 3), level, np.float32)

        info = ClipInfo(params["width"], params["height"], FPS, params["count"])
        return {"frames": FunctionClip(info, render)}


def sound(seconds, channels=2, click_at=-1.0, seed=1):
    """Quiet pink-ish noise (distinct per channel), or silence with a click at `click_at` seconds."""
    frames = round(seconds * RATE)
    if click_at >= 0:
        samples = np.zeros((channels, frames), np.float32)
        start = round(click_at * RATE)
        samples[:, start:start + CLICK] = 0.8 * np.hanning(CLICK).astype(np.float32)
        return samples
    noise = np.random.default_rng(seed).standard_normal((channels, frames))
    red = signal.lfilter([1.0], [1.0, -0.9], noise, axis=1)  # more bass than treble, as in music and speech
    red *= 0.05 / red.std(axis=1, keepdims=True) * np.linspace(0.6, 1.0, channels)[:, None]
    return red.astype(np.float32)


class Sound(NodeType):
    schema = NodeSchema("test.sound", "Sound", "Test", outputs=(Port("audio", AUDIO),),
                        params=(FloatParam("seconds", 2.0), IntParam("channels", 2), FloatParam("click_at", -1.0),
                                IntParam("rate", RATE)))

    def execute(self, ctx, inputs, params):
        samples = sound(params["seconds"], params["channels"], params["click_at"])
        if params["rate"] != RATE:  # the same sound made at another rate
            from engine.audio.dsp import resample
            samples = resample(samples, RATE, params["rate"])
        return {"audio": Audio(samples, params["rate"])}


def run(graph, cache=None, cancel_on_progress_of=None):
    cancel, events = CancelToken(), EventEmitter()
    if cancel_on_progress_of:
        events.connect(lambda e: cancel.cancel() if isinstance(e, NodeProgress) and e.node_id ==
                       cancel_on_progress_of else None)
    return Executor(cache=cache, events=events).run(graph, cancel=cancel)


def film(path, picture=None, audio=None, cache=None, cancel=False, **params):
    graph = Graph(Registry([Flash, Sound, Export]))
    stack = UndoStack(graph)
    stack.push(AddNode("test.flash", params=picture or {}, node_id="pic"))
    stack.push(AddNode("test.sound", params=audio or {}, node_id="snd"))
    stack.push(AddNode("output.export", params={"path": str(path), **params}, node_id="out"))
    stack.push(Connect("pic", "frames", "out", "frames"))
    stack.push(Connect("snd", "audio", "out", "audio"))
    return run(graph, cache, "out" if cancel else None)


def audio_file(path, audio=None, cache=None, cancel=False, **params):
    graph = Graph(Registry([Sound, ExportAudio]))
    stack = UndoStack(graph)
    stack.push(AddNode("test.sound", params=audio or {}, node_id="snd"))
    stack.push(AddNode("output.export_audio", params={"path": str(path), **params}, node_id="out"))
    stack.push(Connect("snd", "audio", "out", "audio"))
    return run(graph, cache, "out" if cancel else None)


def stream_duration(stream):
    """Seconds the stream lasts as its container says: MP4 / MOV / MXF in the stream, Matroska in a tag."""
    if stream.duration:
        return stream.duration * stream.time_base
    hours, minutes, seconds = stream.metadata["DURATION"].split(":")
    return (int(hours) * 60 + int(minutes)) * 60 + Fraction(seconds)


def read_audio(path):
    """(samples as float (channels, n) or int32 >> shift for integer formats, stream facts)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        facts = {"codec": ctx.codec.name, "layout": ctx.layout.name, "format": ctx.format.name,
                 "rate": ctx.sample_rate, "channels": ctx.channels,
                 "duration": stream_duration(stream)}
        chunks, first_pts = [], None
        for frame in container.decode(stream):
            if first_pts is None:
                first_pts = frame.pts * frame.time_base
            data = frame.to_ndarray()
            chunks.append(data if frame.format.is_planar else data.reshape(-1, ctx.channels).T)
        facts["start"] = first_pts
    return np.concatenate(chunks, axis=1), facts


def read_video(path):
    """The mean level of each decoded frame and its time, plus the stream's duration."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [(f.to_ndarray(format="gray").mean(), f.pts * f.time_base) for f in container.decode(stream)]
        duration = stream_duration(stream)
    return frames, duration


def as_float(samples):
    """Decoded samples as -1..1 floats, whatever their format."""
    if samples.dtype.kind == "i":
        return samples / float(2 ** (8 * samples.dtype.itemsize - 1))
    return samples


def loudness(samples):
    samples = as_float(samples)
    meter = pyloudnorm.Meter(RATE, filter_class="DeMan")
    chosen = samples[[0, 1, 2, 4, 5]] if samples.shape[0] == 6 else samples
    return meter.integrated_loudness(chosen.T.astype(np.float64))


FILMS = [  # format, file, audio codec, layout as read back
    ("h264", "f.mp4", "aac", "stereo"),
    ("h264", "f.mkv", "aac", "stereo"),
    ("h265_10bit", "f.mov", "aac", "stereo"),
    ("vp9", "f.webm", "opus", "stereo"),  # WebM cannot hold AAC
    ("av1_svt", "f.mp4", "aac", "stereo"),
    ("prores_422_hq", "f.mov", "pcm_s24le", "stereo"),
    ("dnxhr_hq", "f.mxf", "pcm_s24le", "2 channels"),  # FFmpeg's MXF stores the channel count, not the layout
]


@pytest.mark.parametrize("fmt,name,codec,layout", FILMS)
def test_film_sound_lasts_as_long_as_the_picture_and_keeps_its_loudness(tmp_path, fmt, name, codec, layout):
    # 3 s of sound under 2 s of picture: cut to the picture.
    picture_size = {"width": 256, "height": 144} if fmt.startswith("dnxhr") else {}
    report = film(tmp_path / name, picture=picture_size, audio={"seconds": 3.0}, format=fmt)
    assert report.status == "finished", report.results["out"].message
    samples, facts = read_audio(tmp_path / name)
    frames, video_duration = read_video(tmp_path / name)
    picture = Fraction(48) / FPS
    assert len(frames) == 48 and facts["codec"] == codec and facts["rate"] == RATE and facts["layout"] == layout
    # Matroska's duration tags count the encoder's priming (AAC 1024 samples, Opus 312): still within a frame.
    assert abs(video_duration - picture) < 1 / FPS and abs(facts["duration"] - picture) < 1 / FPS
    # What a decoder gives, priming removed (AAC in MP4 ends on a whole 1024-sample frame: the edit list,
    # which players honour, ends it at the picture's end; PyAV decodes the frame whole).
    assert abs(samples.shape[1] - picture * RATE) < RATE / FPS
    expected = sound(3.0)[:, :round(picture * RATE)]
    assert abs(loudness(samples) - loudness(expected)) < 0.5
    # MXF keeps no free-text tag: its render record lies beside it (engine.render_record); the QA report too
    record = [f"{name}.record.json"] if name.endswith(".mxf") else []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, name.rsplit(".", 1)[0] + ".qa.json", *record])


def test_prores_pcm_is_24_bit_exact(tmp_path):
    report = film(tmp_path / "p.mov", audio={"seconds": 1.5}, format="prores_422_hq")  # shorter: padded
    assert report.status == "finished", report.results["out"].message
    samples, facts = read_audio(tmp_path / "p.mov")
    assert facts["format"] == "s32" and facts["duration"] == Fraction(96096, RATE)  # 48 frames at 23.976
    assert samples.shape == (2, 96096)
    expected = np.round(sound(1.5).astype(np.float64) * 2**23)
    back = samples >> 8
    assert np.abs(back[:, :72000] - expected).max() <= 1  # within 1 LSB (in fact exact)
    assert not back[:, 72000:].any()  # silence after the sound ends
    assert not (samples & 0xFF).any()  # really 24 bits


@pytest.mark.parametrize("fmt,name", [("h264", "s.mp4"), ("vp9", "s.webm"), ("prores_422_hq", "s.mov")])
def test_a_click_lands_on_its_flash(tmp_path, fmt, name):
    flash = 29
    report = film(tmp_path / name, picture={"flash_at": flash}, audio={"click_at": float(flash / FPS)}, format=fmt)
    assert report.status == "finished", report.results["out"].message
    frames, _ = read_video(tmp_path / name)
    samples, facts = read_audio(tmp_path / name)
    seen = int(np.argmax([level for level, _ in frames]))
    assert seen == flash
    flash_time = frames[seen][1]
    click_time = facts["start"] + Fraction(int(np.argmax(np.abs(samples).sum(axis=0))) - CLICK // 2, RATE)
    assert abs(click_time - flash_time) < Fraction(1024, RATE), float(click_time - flash_time)


def test_frame_range_cuts_the_sound_too(tmp_path):
    first, last, flash = 10, 33, 20
    report = film(tmp_path / "r.mp4", picture={"flash_at": flash}, audio={"click_at": float(flash / FPS)},
                  format="h264", first_frame=first, last_frame=last)
    assert report.status == "finished", report.results["out"].message
    frames, video_duration = read_video(tmp_path / "r.mp4")
    samples, facts = read_audio(tmp_path / "r.mp4")
    picture = Fraction(last - first + 1) / FPS
    assert len(frames) == 24 and abs(facts["duration"] - picture) < 1 / FPS
    click = facts["start"] + Fraction(int(np.argmax(np.abs(samples).sum(axis=0))) - CLICK // 2, RATE)
    assert abs(click - Fraction(flash - first) / FPS) < Fraction(1024, RATE)
    assert int(np.argmax([level for level, _ in frames])) == flash - first


@pytest.mark.parametrize("fmt,name,codec", [("h264", "6.mp4", "aac"),
                                            ("prores_422_hq", "6.mov", "pcm_s24le"),
                                            ("vp9", "6.webm", "opus")])
def test_five_one_is_tagged_and_keeps_its_channel_order(tmp_path, fmt, name, codec):
    report = film(tmp_path / name, audio={"seconds": 2.0, "channels": 6}, picture={"count": 24}, format=fmt)
    assert report.status == "finished", report.results["out"].message
    samples, facts = read_audio(tmp_path / name)
    assert facts["layout"] == "5.1" and facts["channels"] == 6 and facts["codec"] == codec
    expected = sound(2.0, 6)[:, :round(Fraction(24) / FPS * RATE)]
    if codec == "pcm_s24le":
        assert np.abs((samples >> 8) - np.round(expected * 2**23)).max() <= 1
    else:  # levels rise from L to Rs: each channel is where it belongs (LFE is band-limited by the codec)
        levels = np.sqrt((samples[:, 2048:expected.shape[1] - 2048] ** 2).mean(axis=1))
        wanted = np.sqrt((expected ** 2).mean(axis=1))
        keep = [0, 1, 2, 4, 5]
        assert np.allclose(levels[keep], wanted[keep], rtol=0.1), (levels, wanted)


def test_image_sequence_gets_a_24_bit_wav_beside_it(tmp_path, cache):
    (tmp_path / "seq").mkdir()
    pattern = tmp_path / "seq" / "shot_%03d.png"
    params = {"picture": {"count": 6, "width": 32, "height": 18}, "audio": {"seconds": 1.0},
              "format": "png_sequence", "first_frame": 2}
    report = film(pattern, cache=cache, **params)
    assert report.status == "finished", report.results["out"].message
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == [
        "shot.aiprod.json", "shot.qa.json", "shot.wav", "shot_002.png", "shot_003.png", "shot_004.png", "shot_005.png"]
    samples, facts = read_audio(tmp_path / "seq" / "shot.wav")
    start, stop = round(2 / FPS * RATE), round(6 / FPS * RATE)
    assert facts["codec"] == "pcm_s24le" and samples.shape == (2, stop - start)
    assert np.abs((samples >> 8) - np.round(sound(1.0)[:, start:stop].astype(np.float64) * 2**23)).max() <= 1
    assert film(pattern, cache=cache, **params).results["out"].status == "cached"
    (tmp_path / "seq" / "shot.wav").unlink()
    assert film(pattern, cache=cache, **params).results["out"].status == "ran"
    assert (tmp_path / "seq" / "shot.wav").is_file()


def test_a_sound_at_another_rate_is_resampled_not_sped_up(tmp_path):
    report = film(tmp_path / "r.mov", audio={"seconds": 3.0, "rate": 44100}, format="prores_422_hq",
                  picture={"count": 24})
    assert report.status == "finished", report.results["out"].message
    samples, facts = read_audio(tmp_path / "r.mov")
    assert facts["rate"] == RATE and samples.shape[1] == round(Fraction(24) / FPS * RATE)
    error = as_float(samples)[:, 1000:40000] - sound(3.0)[:, 1000:40000]
    assert np.sqrt((error ** 2).mean()) < 0.1 * 0.05  # the same sound at the same time (the top octave aside)


@pytest.mark.parametrize("fmt,name,codec,layout,channels", [
    ("wav24", "m.wav", "pcm_s24le", "stereo", 2),
    ("wav16", "m.wav", "pcm_s16le", "5.1", 6),
    ("flac24", "m.flac", "flac", "5.1", 6),
    ("flac24", "m.flac", "flac", "mono", 1),
])
def test_audio_only_files_round_trip(tmp_path, fmt, name, codec, layout, channels):
    report = audio_file(tmp_path / name, audio={"seconds": 2.5, "channels": channels}, format=fmt)
    assert report.status == "finished", report.results["out"].message
    samples, facts = read_audio(tmp_path / name)
    assert (facts["codec"], facts["layout"], facts["rate"]) == (codec, layout, RATE)
    assert samples.shape == (channels, 120000)
    bits = 16 if "16" in fmt else 24
    back = samples.astype(np.int64) >> (32 - bits) if samples.dtype == np.int32 else samples.astype(np.int64)
    assert np.abs(back - np.round(sound(2.5, channels).astype(np.float64) * 2 ** (bits - 1))).max() <= 1
    assert abs(loudness(back / 2 ** (bits - 1)) - loudness(sound(2.5, channels))) < 0.01
    if codec == "flac":  # STREAMINFO says 24 bits per sample (not 32 with zero low bytes)
        head = (tmp_path / name).read_bytes()[:42]
        assert head[:4] == b"fLaC" and ((head[20] & 1) << 4 | head[21] >> 4) + 1 == 24
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    written = report.results["out"]
    assert written.status == "ran"


def test_audio_file_render_is_cached_until_the_file_goes(tmp_path, cache):
    target = tmp_path / "stem.wav"
    assert audio_file(target, cache=cache).results["out"].status == "ran"
    assert audio_file(target, cache=cache).results["out"].status == "cached"
    target.unlink()
    assert audio_file(target, cache=cache).results["out"].status == "ran"
    assert target.is_file()


def test_wrong_extension_is_refused(tmp_path):
    report = audio_file(tmp_path / "m.wav", format="flac24")
    assert report.status == "failed" and "written to a .flac file" in report.results["out"].message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["film", "sequence", "audio"])
def test_cancelled_export_leaves_no_file(tmp_path, kind):
    if kind == "film":
        report = film(tmp_path / "c.mp4", format="h264", cancel=True)
    elif kind == "sequence":
        (tmp_path / "seq").mkdir()
        report = film(tmp_path / "seq" / "c_%03d.png", format="png_sequence", picture={"count": 4}, cancel=True)
    else:
        report = audio_file(tmp_path / "c.flac", format="flac24", audio={"seconds": 4.0}, cancel=True)
    assert report.status == "cancelled"
    assert [p for p in tmp_path.rglob("*") if p.name != "seq"] == []


def test_a_path_whose_extension_does_not_fit_the_format_is_named_by_the_formats_label():
    """The project saves the id ("wav24"); the user reads the label the inspector shows."""
    params = {**ExportAudio.schema.default_params(), "format": "wav24", "path": "mix.flac"}
    (problem,) = ExportAudio().problems(params, None)
    assert problem.startswith("WAV 24-bit is written to a .wav file") and "wav24" not in problem
