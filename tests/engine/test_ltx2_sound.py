"""LTX-2 sound through the Scene, on a tiny random-weight LTX-2 built here (no download, no network):
the shot's sound has its exact length at 48 kHz stereo and repeats by seed; a Voice line linked as
dialogue is encoded by the model's audio VAE and held clean through every denoising step, changes
the picture, and is itself the shot's sound; without LTX-2 the audio output has no value and a node
linked to it fails, saying why; the sound and its absence come back from the cache."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from app.nodes import build_registry
from app.nodes.scene_sound import dialogue_on_shot, shot_samples
from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.audio.dsp import resample_to_length
from engine.cache import DiskCache
from engine.commands import UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.models import ModelLocator
from engine.models.loading import RESIDENT_PIPELINES
from engine.models.ltx2_audio import encode_sound, held_sound, latent_frames
from engine.ports import ARRAY, AUDIO, FRAMES
from engine.schema import NodeSchema, Port
from tests import tiny_models
from tests.engine.builders import add, link

pytestmark = pytest.mark.slow

FPS = 24
DURATION = 0.3  # 7 frames at 24 fps; LTX-2 makes 9 (8k + 1) at 64x32 for it
SHOT_FRAMES = 7
SHOT_SAMPLES = SHOT_FRAMES * SAMPLE_RATE // FPS  # 14000


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any socket a library opens while these tests load or run models fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tiny models' operations are far smaller than the cost of keeping two threads in step: on a
    busy two-core machine a 2-step call takes ~1 s on one thread and up to 30 s on two."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def model_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    for family in ("ltx2", "ltx-video"):
        tiny_models.build(family, root / f"tiny-{family}")
    RESIDENT_PIPELINES.unload()  # from here on the module shares the loaded tiny LTX-2
    return root


@pytest.fixture(scope="module")
def locator(model_root, tmp_path_factory):
    return ModelLocator(tmp_path_factory.mktemp("data"), (model_root,))


def render(locator, build, targets=("shot",), cache=None):
    graph = Graph(build_registry())
    build(UndoStack(graph))
    return Executor(cache=cache, models=locator).run(graph, list(targets), load_outputs=True)


def scene(stack, method="full video diffusion", model="tiny-ltx2", keyframes=1, **params):
    values = {"method": method, "video_model": model, "duration": DURATION, "fps": str(FPS), "resolution": "640x360",
              "steps": 2, "guidance": 3.0, "generate_height": 32, "prompt": "she says hello", "seed": 3} | params
    add(stack, "shot.scene", "shot", **values)
    for number in range(keyframes):
        add(stack, "image.color_bars", f"bars{number}", resolution=("640x360", "1024x1024")[number])
        link(stack, f"bars{number}", "shot", "keyframes", "image")


def voice(stack, into="shot"):
    add(stack, "sound.voice", "voice", lines=[{"speaker": "", "text": "Hello there."}])
    link(stack, "voice", into, "dialogue", "audio")


def shot_of(report):
    assert not report.failed, [r.message for r in report.results.values() if r.message]
    return report.outputs["shot"]


def pictures(clip) -> np.ndarray:
    return np.stack(list(clip.frames()))


@functools.cache
def _plain(locator):
    """The LTX-2 shot without dialogue (rendered once, compared with by several tests)."""
    return shot_of(render(locator, scene))


# ---- sound made with the picture ----------------------------------------------------------------

def test_an_ltx2_shot_has_sound_of_its_exact_length_at_48_khz_stereo(locator):
    shot = _plain(locator)
    assert shot["frames"].frame_count == SHOT_FRAMES and shot_samples(SHOT_FRAMES, FPS) == SHOT_SAMPLES
    audio: Audio = shot["audio"]
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.shape == (2, SHOT_SAMPLES)
    assert audio.samples.dtype == np.float32 and np.isfinite(audio.samples).all() and audio.samples.std() > 0


def test_the_same_seed_gives_the_same_sound_and_another_seed_another(locator):
    first = _plain(locator)["audio"].samples
    again = shot_of(render(locator, scene))["audio"].samples
    other = shot_of(render(locator, lambda s: scene(s, seed=4)))["audio"].samples
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_first_last_frame_ltx2_video_has_sound_too(locator):
    shot = shot_of(render(locator, lambda s: scene(s, method="first/last-frame video", keyframes=2)))
    assert shot["frames"].frame_count == SHOT_FRAMES and shot["audio"].samples.shape == (2, SHOT_SAMPLES)


# ---- a dialogue the picture is made for ---------------------------------------------------------

def test_a_dialogue_is_the_audio_condition_and_the_shots_sound(locator, monkeypatch):
    from diffusers import LTX2ImageToVideoPipeline

    calls = []
    original = LTX2ImageToVideoPipeline.__call__

    @functools.wraps(original)
    def spy(self, *args, **kwargs):
        calls.append((self, kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LTX2ImageToVideoPipeline, "__call__", spy)

    def build(stack):
        scene(stack, head_handle=0.1, tail_handle=0.1)
        voice(stack)
        add(stack, "value.number", "line", value=0.1)  # the line's length drives the cut: 0.1 + handles
        link(stack, "line", "shot", "duration", "value")

    report = render(locator, build, targets=("shot", "voice"))
    shot = shot_of(report)
    (pipe, kwargs), = calls
    latents = kwargs["audio_latents"]
    assert isinstance(latents, torch.Tensor) and latents.ndim == 4
    assert latents.shape[2] == latent_frames(pipe, 9 / FPS)  # the model's 9 frames at its 24 fps
    assert "forward" not in vars(pipe.transformer)  # the hold ended with the call
    spoken = report.outputs["voice"]["audio"]
    expected = dialogue_on_shot(spoken, SHOT_SAMPLES, 0.1)  # the line starts after the head handle
    assert np.array_equal(shot["audio"].samples, expected.samples)
    assert np.abs(expected.samples[:, :SAMPLE_RATE // 10]).max() == 0 < np.abs(expected.samples).max()
    assert not np.array_equal(pictures(shot["frames"]), pictures(_plain(locator)["frames"]))


def test_the_held_dialogue_is_clean_at_every_step_and_comes_out_unchanged(model_root):
    from diffusers import LTX2ImageToVideoPipeline
    from PIL import Image

    pipe = LTX2ImageToVideoPipeline.from_pretrained(model_root / "tiny-ltx2", local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    seen = []
    inner = pipe.transformer.forward

    def recording(*args, **kwargs):
        seen.append({k: kwargs[k].clone() for k in ("audio_hidden_states", "audio_timestep", "audio_sigma")})
        return inner(*args, **kwargs)

    pipe.transformer.forward = recording
    t = np.linspace(0, 9 / FPS, int(SAMPLE_RATE * 9 / FPS), dtype=np.float32)
    speech = (0.3 * np.sin(2 * np.pi * 220 * t) * (t > 0.1))[None]  # silence, then a tone
    latents = encode_sound(pipe, speech, 9 / FPS)
    picture = Image.fromarray(np.full((32, 64, 3), 128, np.uint8))
    with held_sound(pipe, latents) as extra:
        output = pipe(prompt="hello", image=picture, height=32, width=64, num_frames=9, frame_rate=FPS,
                      num_inference_steps=2, output_type="latent", max_sequence_length=16,
                      generator=torch.Generator().manual_seed(0), **extra)
    assert pipe.transformer.forward is recording  # what was there before the hold is put back
    assert len(seen) >= 2  # every step, every guidance pass
    clean = seen[0]["audio_hidden_states"][:1]
    for call in seen:
        assert torch.equal(call["audio_hidden_states"], clean.expand_as(call["audio_hidden_states"]))
        assert not call["audio_timestep"].any() and not call["audio_sigma"].any()
    assert torch.allclose(output.audio, latents, atol=1e-6)  # no step moved the sound


# ---- no LTX-2: no sound -------------------------------------------------------------------------

@pytest.mark.parametrize("method, model", [("still + camera", ""), ("full video diffusion", "tiny-ltx-video")])
def test_without_ltx2_the_audio_output_has_no_value_and_a_linked_node_fails(locator, method, model):
    def build(stack):
        scene(stack, method=method, model=model)
        add(stack, "sound.place", "place")
        link(stack, "shot", "place", "audio", "audio")

    report = render(locator, build, targets=("shot", "place"))
    assert report.results["shot"].status == "ran" and report.outputs["shot"]["audio"] is None
    assert report.outputs["shot"]["frames"].frame_count == SHOT_FRAMES
    message = report.results["place"].message
    assert report.results["place"].status == "failed"
    assert "'audio' output, which has no value here" in message and "Only an LTX-2 model" in message


@pytest.mark.parametrize("method, model", [("still + camera", ""), ("full video diffusion", "tiny-ltx-video")])
def test_a_dialogue_the_shot_cannot_use_fails_clearly(locator, method, model):
    def build(stack):
        scene(stack, method=method, model=model)
        voice(stack)

    message = render(locator, build).results["shot"].message
    assert "dialogue" in message and "LTX-2" in message


# ---- the cache ----------------------------------------------------------------------------------

def test_the_sound_and_its_absence_come_back_from_the_cache(locator, tmp_path):
    cache = DiskCache(tmp_path / "cache")
    made = shot_of(render(locator, scene, cache=cache))["audio"]
    report = render(locator, scene, cache=cache)
    assert not report.ran and np.array_equal(shot_of(report)["audio"].samples, made.samples)

    def interpolated(stack):
        scene(stack, method="keyframes + interpolation", model="", keyframes=2)

    assert "shot" in render(locator, interpolated, cache=cache).ran
    again = render(locator, interpolated, cache=cache)
    assert not again.ran and again.outputs["shot"]["audio"] is None


def test_an_entry_stored_before_an_output_existed_is_made_again(tmp_path):
    cache = DiskCache(tmp_path / "cache")
    values = np.arange(4, dtype=np.float32)
    assert cache.store("a" * 40, {"frames": values}, {"frames": ARRAY})
    assert cache.load("a" * 40, {"frames": ARRAY, "audio": AUDIO}) is None  # a miss, not a KeyError later
    assert cache.store("b" * 40, {"frames": values, "audio": None}, {"frames": ARRAY, "audio": AUDIO})
    loaded = cache.load("b" * 40, {"frames": ARRAY, "audio": AUDIO})
    assert loaded["audio"] is None and np.array_equal(loaded["frames"], values)


def test_an_optional_output_must_say_when_it_has_a_value():
    with pytest.raises(ValueError, match="help text"):
        NodeSchema("test.sound", "Sound", "Test", outputs=(Port("audio", AUDIO, optional=True),))
    NodeSchema("test.sound", "Sound", "Test", outputs=(Port("frames", FRAMES), Port("audio", AUDIO, optional=True,
                                                                                 help="Only with a model.")))


# ---- the pieces ---------------------------------------------------------------------------------

def test_a_take_is_resampled_to_exactly_the_length_asked_keeping_its_pitch_in_proportion():
    rate, seconds = 16000, 0.375
    t = np.arange(int(rate * seconds)) / rate
    take = np.sin(2 * np.pi * 1000 * t).astype(np.float32)[None].repeat(2, axis=0)
    for total in (SHOT_SAMPLES, 18000, 18001):
        out = resample_to_length(take, total)
        assert out.shape == (2, total) and out.dtype == np.float32
        # 1 kHz over 0.375 s, stretched over total samples at 48 kHz: its cycles are kept, so its pitch
        # is 1 kHz * 0.375 s / (total / 48000 s)
        spectrum = np.abs(np.fft.rfft(out[0]))
        peak_hz = np.argmax(spectrum) * SAMPLE_RATE / total
        assert abs(peak_hz - 1000 * seconds * SAMPLE_RATE / total) < 2 * SAMPLE_RATE / total


def test_a_colour_conversion_first_does_not_stop_diffusers_loading():
    """colour-science leaves MagicMocks for a missing matplotlib, on which diffusers' first import
    raised: a Scene whose keyframes were colour-converted first could not load its model. A fresh
    interpreter, since this one imported diffusers long ago."""
    code = ("import numpy, engine; from engine.color import srgb_to_linear; srgb_to_linear(numpy.zeros(3)); "
            "import diffusers")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-2000:]
