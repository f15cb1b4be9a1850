"""Local generation end to end, on tiny random-weight pipelines built here (no download, no network):
the library finds and classifies them, each backend runs 2 steps through its real node, a seed
reproduces bit for bit, a changed weight file re-renders and an unchanged one comes from cache,
pickles are refused, a missing model names its folder, and a cancel mid-denoise stores nothing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from app.nodes import build_registry
from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.cache import DiskCache
from engine.commands import UndoStack
from engine.context import CancelToken
from engine.events import EventEmitter, NodePreview, NodeProgress
from engine.executor import Executor
from engine.graph import Graph
from engine.image import Image
from engine.models import ModelLocator
from engine.models.families import FIRST_LAST_VIDEO, IMAGE_TO_VIDEO, TEXT_TO_AUDIO, TEXT_TO_IMAGE
from engine.models.loading import RESIDENT_PIPELINES
from tests import tiny_models
from tests.engine.builders import add, link

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_network")]

SIZE = 32


@pytest.fixture(scope="module")
def model_root(tmp_path_factory):
    """A model folder laid out as a studio might: diffusers folders, and a ComfyUI-style tree with a
    single-file transformer."""
    root = tmp_path_factory.mktemp("models")
    for family in ("sdxl", "flux1", "sd3", "flux2", "sana", "ltx-video", "svd", "cogvideox", "stable-audio"):
        tiny_models.build(family, root / f"tiny-{family}")
    tiny_models.build_wan(root / "tiny-wan-flf2v", "flf2v")  # Wan 2.1 FLF2V: first and last frame only
    tiny_models.build_wan(root / "tiny-wan-i2v", "i2v")  # Wan 2.1 I2V: the first frame only
    comfy = root / "ComfyUI" / "models" / "diffusion_models"
    comfy.mkdir(parents=True)
    made = tiny_models.build_single_file("flux1", tmp_path_factory.mktemp("single"))
    made.rename(comfy / made.name)  # the file alone: its configuration comes from tiny-flux1
    tiny_models.build_sdxl_lora(root / "tiny-sdxl", root / "loras" / "tiny-sdxl-lora.safetensors")
    (root / "old-model.ckpt").write_bytes(b"\x80\x04not really a pickle")
    (root / "half-copied.safetensors").write_bytes((10**6).to_bytes(8, "little") + b'{"w": {"dtype"')
    return root


@pytest.fixture
def locator(model_root, tmp_path):
    RESIDENT_PIPELINES.unload()  # each test loads what it needs: no state shared through the pool
    return ModelLocator(tmp_path / "data", (model_root,))


def single_file_name(model_root) -> str:
    return next((model_root / "ComfyUI" / "models" / "diffusion_models").glob("*.safetensors")).stem


def render(locator, build, cache=None, cancel=None, events=None, previews=True):
    """Build a graph with `build(stack)`, render it; (report, graph)."""
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    build(stack)
    executor = Executor(cache=cache, events=events or EventEmitter(), models=locator, previews=previews)
    return executor.run(graph, cancel=cancel, load_outputs=True), graph


def keyframe(stack, node_id="key", **params):
    values = {"model": "tiny-sdxl", "prompt": "a red fox at dawn", "width": SIZE, "height": SIZE, "steps": 2,
              "guidance": 5.0, "seed": 7} | params
    return add(stack, "shot.keyframe", node_id, **values)


def image_of(report, node_id="key") -> Image:
    assert not report.failed, [r.message for r in report.results.values() if r.status == "failed"]
    return report.outputs[node_id]["image"]


# ---- the library --------------------------------------------------------------------------------

def test_the_library_finds_and_classifies_each_model_from_its_files(locator, model_root):
    library = locator.library()
    found = {m.name: m for m in library.scan()}
    assert found["tiny-sdxl"].family == "sdxl" and TEXT_TO_IMAGE in found["tiny-sdxl"].tasks
    assert found["tiny-flux1"].family == "flux1" and found["tiny-flux1"].storage == "diffusers"
    assert {IMAGE_TO_VIDEO, FIRST_LAST_VIDEO} <= set(found["tiny-ltx-video"].tasks)
    assert found["tiny-wan-flf2v"].tasks == (FIRST_LAST_VIDEO,) and found["tiny-wan-i2v"].tasks == (IMAGE_TO_VIDEO,)
    assert found["tiny-stable-audio"].tasks == (TEXT_TO_AUDIO,)
    single = found[single_file_name(model_root)]
    assert (single.storage, single.family, single.part) == ("single-file", "flux1", "denoiser")
    assert found["old-model"].storage == "pickle"
    assert "half-copied" not in found and any("half-copied.safetensors" in p for p in library.problems)
    # A UNet LoRA in diffusers' keys has SD 1.x's module names too: a LoRA, family not told (a real SDXL one
    # shows itself by its tenth transformer block or its text_encoder_2 keys; this tiny one has neither).
    assert found["tiny-sdxl-lora"].part == "lora"
    assert [m.name for m in library.for_task(TEXT_TO_IMAGE)] == ["tiny-flux1", "tiny-flux2", "tiny-sana", "tiny-sd3",
                                                                "tiny-sdxl"]


def test_a_second_scan_reads_the_index_not_the_files(locator, monkeypatch):
    library = locator.library()
    first = library.scan()
    import engine.models.library as library_module

    def no_reading(path):
        raise AssertionError(f"{path} was identified again although it did not change")

    monkeypatch.setattr(library_module, "identify_folder", no_reading)
    monkeypatch.setattr(library_module, "identify_file", no_reading)
    written = library.index_file.stat().st_mtime_ns
    assert library.scan() == first
    assert library.index_file.stat().st_mtime_ns == written  # nothing changed: nothing rewritten


# ---- keyframes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["tiny-sdxl", "tiny-flux1", "tiny-sd3", "tiny-flux2", "tiny-sana"])
def test_keyframe_generates_a_working_space_picture_of_the_asked_size(locator, model):
    report, _graph = render(locator, lambda s: keyframe(s, model=model))
    image = image_of(report)
    assert image.pixels.shape == (SIZE, SIZE, 3) and image.pixels.dtype == np.float32
    assert image.color_space == "lin_rec709" and np.isfinite(image.pixels).all()
    assert image.pixels.std() > 0  # a picture, not a flat fill
    stats = report.results["key"].stats
    assert stats["model"] == model and stats["steps"] == 2 and stats["device"].startswith("CPU")


def test_a_size_the_model_cannot_make_is_made_larger_and_cropped_about_its_centre(locator):
    # FLUX takes multiples of 16: 40x24 is made at 48x32, whose middle 40x24 is the picture.
    report, _graph = render(locator, lambda s: keyframe(s, model="tiny-flux1", width=40, height=24))
    cropped = image_of(report).pixels
    assert cropped.shape == (24, 40, 3)
    assert report.results["key"].stats["generated"] == "48x32, cropped to 40x24"
    made = image_of(render(locator, lambda s: keyframe(s, model="tiny-flux1", width=48, height=32))[0]).pixels
    assert np.array_equal(cropped, made[4:28, 4:44])


def test_a_single_file_checkpoint_loads_inside_its_familys_folder(locator, model_root):
    report, _graph = render(locator, lambda s: keyframe(s, model=single_file_name(model_root)))
    assert image_of(report).pixels.shape == (SIZE, SIZE, 3)


def test_the_same_seed_gives_the_same_bits_and_another_seed_another_picture(locator):
    first = image_of(render(locator, lambda s: keyframe(s, seed=7))[0]).pixels
    RESIDENT_PIPELINES.unload()  # loaded afresh: the weights, not the pool, give the result
    again = image_of(render(locator, lambda s: keyframe(s, seed=7))[0]).pixels
    other = image_of(render(locator, lambda s: keyframe(s, seed=8))[0]).pixels
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_lora_changes_the_picture_by_its_weight(locator):
    plain = image_of(render(locator, lambda s: keyframe(s))[0]).pixels
    lora = lambda weight: [{"lora": "tiny-sdxl-lora", "weight": weight}]  # noqa: E731
    with_lora = image_of(render(locator, lambda s: keyframe(s, loras=lora(1.0)))[0]).pixels
    at_zero = image_of(render(locator, lambda s: keyframe(s, loras=lora(0.0)))[0]).pixels
    again = image_of(render(locator, lambda s: keyframe(s))[0]).pixels  # the LoRA is taken off again
    assert not np.allclose(plain, with_lora, atol=1e-3)
    np.testing.assert_allclose(at_zero, plain, atol=1e-5)
    assert np.array_equal(again, plain)


def test_a_lora_that_is_not_installed_is_named(locator):
    report, _graph = render(locator, lambda s: keyframe(s, loras=[{"lora": "film-grain-xl", "weight": 0.8}]))
    message = report.results["key"].message
    assert "LoRA row 1" in message and "'film-grain-xl'" in message


def test_a_reference_picture_turns_the_keyframe_into_image_to_image(locator):
    def build(stack):
        keyframe(stack, "ref", seed=1)
        keyframe(stack, "key", strength=0.5)
        link(stack, "ref", "key", "reference", "image")

    report, _graph = render(locator, build)
    assert image_of(report).pixels.shape == (SIZE, SIZE, 3)


def test_a_changed_weight_file_re_renders_and_an_unchanged_one_comes_from_cache(locator, model_root, tmp_path):
    cache = DiskCache(tmp_path / "cache")
    build = lambda s: keyframe(s)  # noqa: E731
    assert render(locator, build, cache)[0].ran == ["key"]
    assert render(locator, build, cache)[0].cached == ["key"]
    weights = next((model_root / "tiny-sdxl" / "unet").glob("*.safetensors"))
    original = weights.read_bytes()
    try:
        changed = bytearray(original)
        changed[-4:] = bytes(4)  # the last weight's last float zeroed: the same size, other content
        weights.write_bytes(bytes(changed))
        assert render(locator, build, cache)[0].ran == ["key"]
    finally:
        weights.write_bytes(original)


def test_a_pickle_checkpoint_is_refused_unless_allowed(locator):
    report, _graph = render(locator, lambda s: keyframe(s, model="old-model"))
    message = report.results["key"].message
    assert "pickle" in message and "Preferences" in message


def test_a_missing_model_names_the_model_the_node_and_the_folder(locator, tmp_path):
    report, _graph = render(locator, lambda s: keyframe(s, model="flux-dev"))
    message = report.results["key"].message
    assert "'flux-dev'" in message and "Keyframe" in message and str(tmp_path / "data" / "models") in message
    assert "tiny-sdxl" in message  # what is installed instead


def test_cancelling_mid_denoise_stops_at_the_next_step_and_stores_nothing(locator, tmp_path):
    cache = DiskCache(tmp_path / "cache")
    cancel = CancelToken()
    events = EventEmitter()
    steps_seen = []

    def on_event(event):
        if isinstance(event, NodeProgress) and event.message.startswith("step 1/"):
            steps_seen.append(event.message)
            cancel.cancel()

    events.connect(on_event)
    report, _graph = render(locator, lambda s: keyframe(s, steps=4), cache, cancel, events)
    assert report.status == "cancelled" and steps_seen == ["step 1/4"]
    assert render(locator, lambda s: keyframe(s, steps=4), cache)[0].ran == ["key"]  # nothing was stored


def test_a_denoising_node_reports_its_steps_and_shows_previews(locator):
    events = EventEmitter()
    seen = []
    events.connect(seen.append)
    render(locator, lambda s: keyframe(s, steps=4), events=events)
    steps = [e.message for e in seen if isinstance(e, NodeProgress) and e.message.startswith("step")]
    assert steps == ["step 0/4", "step 1/4", "step 2/4", "step 3/4", "step 4/4"]
    previews = [e for e in seen if isinstance(e, NodePreview)]
    assert previews and all(p.pixels.dtype == np.uint8 and p.pixels.shape[2] == 3 for p in previews)


def test_a_render_that_shows_no_pictures_makes_no_previews_and_the_same_picture(locator):
    """The CLI asks for none: each preview is a copy off the GPU that waits for the GPU to finish."""
    events = EventEmitter()
    seen = []
    events.connect(seen.append)
    report, _graph = render(locator, lambda s: keyframe(s, steps=4), events=events, previews=False)
    assert [e for e in seen if isinstance(e, NodeProgress) and e.message == "step 4/4"]
    assert not [e for e in seen if isinstance(e, NodePreview)]
    shown, _graph = render(locator, lambda s: keyframe(s, steps=4))
    assert np.array_equal(image_of(report).pixels, image_of(shown).pixels)


# ---- video and sound ----------------------------------------------------------------------------

def scene(stack, method, model, **params):
    values = {"method": method, "video_model": model, "duration": 1.0, "fps": "24", "resolution": "640x360",
              "steps": 2, "guidance": 3.0, "generate_height": SIZE, "prompt": "the fox runs", "seed": 3} | params
    return add(stack, "shot.scene", "shot", **values)


def two_keyframe_shot(method, model):
    """A graph builder: two generated keyframes into a Scene made by `method` with `model`."""

    def build(stack):
        keyframe(stack, "first", seed=1)
        keyframe(stack, "last", seed=2)
        scene(stack, method, model)
        link(stack, "first", "shot", "keyframes", "image")
        link(stack, "last", "shot", "keyframes", "image")

    return build


@pytest.mark.parametrize("method, model", [("first/last-frame video", "tiny-ltx-video"),
                                           ("first/last-frame video", "tiny-wan-flf2v"),
                                           ("full video diffusion", "tiny-wan-i2v"),
                                           ("full video diffusion", "tiny-ltx-video")])
def test_the_scene_video_methods_make_the_shots_exact_frames(locator, method, model):
    report, _graph = render(locator, two_keyframe_shot(method, model))
    assert not report.failed, [r.message for r in report.results.values() if r.message]
    clip = report.outputs["shot"]["frames"]
    assert (clip.frame_count, clip.fps, clip.width, clip.height) == (24, Fraction(24), 640, 360)
    frames = list(clip.frames())
    assert len(frames) == 24 and all(np.isfinite(f).all() for f in frames)
    assert report.results["shot"].stats["model"] == model


@pytest.mark.parametrize("model, resolution, height", [("tiny-svd", "640x360", 32),
                                                       ("tiny-cogvideox", "1024x1024", 16)])  # learnt for 16x16
def test_other_image_to_video_families_make_the_shot_from_its_first_keyframe(locator, model, resolution, height):
    def build(stack):
        keyframe(stack, "first", seed=1)
        scene(stack, "full video diffusion", model, resolution=resolution, generate_height=height)
        link(stack, "first", "shot", "keyframes", "image")

    report, _graph = render(locator, build)
    assert not report.failed, [r.message for r in report.results.values() if r.message]
    clip = report.outputs["shot"]["frames"]
    assert clip.frame_count == 24 and (clip.width, clip.height) == tuple(map(int, resolution.split("x")))


def test_a_shot_longer_than_the_models_window_is_slowed_and_says_so(locator):
    from engine.events import NodeWarning

    events = EventEmitter()
    warnings = []
    events.connect(lambda e: warnings.append(e.message) if isinstance(e, NodeWarning) else None)

    def build(stack):
        keyframe(stack, "first", seed=1)
        scene(stack, "full video diffusion", "tiny-svd", duration=5.0, fps="24", generate_height=32)  # SVD: 25 frames
        link(stack, "first", "shot", "keyframes", "image")

    report, _graph = render(locator, build, events=events)
    assert report.outputs["shot"]["frames"].frame_count == 120
    assert any("tiny-svd makes at most 25 frames (3.4 s at 7 fps)" in w and "slowed" in w for w in warnings)


def test_first_last_frame_video_needs_two_keyframes(locator):
    def build(stack):
        keyframe(stack, "first", seed=1)
        scene(stack, "first/last-frame video", "tiny-ltx-video")
        link(stack, "first", "shot", "keyframes", "image")

    report, _graph = render(locator, build)
    assert "needs 2 keyframes" in report.results["shot"].message


def test_music_by_diffusion_has_the_exact_length_at_48_khz_and_repeats_by_seed(locator):
    def build(stack):
        add(stack, "sound.music", "cue", method="diffusion", audio_model="tiny-stable-audio", prompt="slow strings",
            length=0.5, steps=2, seed=4)

    first = render(locator, build)[0]
    assert not first.failed, first.results["cue"].message
    audio: Audio = first.outputs["cue"]["audio"]
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.shape == (2, SAMPLE_RATE // 2)
    again: Audio = render(locator, build)[0].outputs["cue"]["audio"]
    assert np.array_equal(audio.samples, again.samples)


def test_aiprod_models_lists_each_model_with_what_it_enables(model_root, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setenv("AIPROD_MODEL_DIRS", str(model_root))
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "tiny-sdxl (Stable Diffusion XL" in out and "enables: Keyframe" in out
    assert "tiny-wan-flf2v" in out and "Scene: first/last-frame video" in out
    assert "old-model (pickle checkpoint" in out


def test_the_render_summary_shows_each_generations_model_steps_and_device(model_root, tmp_path, monkeypatch, capsys):
    from app.cli import main
    from engine.commands import AddNode, Connect
    from engine.project import Project, save_project

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    keyframe(stack)
    stack.push(AddNode("output.save_image", params={"path": "key.png"}, node_id="file"))
    stack.push(Connect("key", "image", "file", "image"))
    project = save_project(Project(graph, "Summary"), tmp_path / "summary.aiprod")
    monkeypatch.setenv("AIPROD_MODEL_DIRS", str(model_root))
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["render", str(project), "--no-cache"]) == 0
    summary = capsys.readouterr().err
    assert "tiny-sdxl, CPU, float32" in summary and "2 steps in" in summary


def test_a_model_copied_in_after_the_first_scan_is_found_by_name(locator, model_root, tmp_path, monkeypatch):
    import engine.models.library as library_module

    library = locator.library()
    library.scan()
    monkeypatch.setattr(library_module, "RESCAN_AFTER_S", 0.0)
    late = model_root / "late-arrival"
    try:
        tiny_models.build("sdxl", late)
        assert library.find("late-arrival") is not None
    finally:
        import shutil

        shutil.rmtree(late)
        library.scan()


def test_a_hub_download_with_fp16_copies_counts_and_loads_only_what_it_reads(tmp_path):
    """A folder as `hf download` leaves it: each component's weights only as x.fp16.safetensors (then it
    loads as that variant), or both plain and fp16 (then the plain ones are read and counted)."""
    import shutil

    only_fp16 = tiny_models.build("sdxl", tmp_path / "models" / "only-fp16")
    both = shutil.copytree(only_fp16, tmp_path / "models" / "both")
    for weights in list(only_fp16.rglob("*.safetensors")):
        weights.rename(weights.with_name(weights.name.replace(".safetensors", ".fp16.safetensors")))
    for weights in list(both.rglob("*.safetensors")):
        shutil.copy(weights, weights.with_name(weights.name.replace(".safetensors", ".fp16.safetensors")))
    locator = ModelLocator(tmp_path / "data", (tmp_path / "models",))
    found = {m.name: m for m in locator.library().scan()}
    plain_size = sum(p.stat().st_size for p in both.rglob("*.safetensors") if ".fp16." not in p.name)
    assert (found["both"].weights_variant, found["both"].size_bytes) == ("", plain_size)
    assert found["only-fp16"].weights_variant == "fp16"
    RESIDENT_PIPELINES.unload()
    report, _graph = render(locator, lambda s: keyframe(s, model="only-fp16"))
    assert image_of(report).pixels.shape == (SIZE, SIZE, 3)


def test_an_allowed_pickle_checkpoint_is_identified_with_the_weights_only_guard_and_runs(tmp_path):
    import torch
    from diffusers import FluxTransformer2DModel

    folder = tiny_models.build("flux1", tmp_path / "models" / "tiny-flux1")
    state = FluxTransformer2DModel.from_pretrained(folder, subfolder="transformer", local_files_only=True).state_dict()
    torch.save(state, tmp_path / "models" / "old-flux.ckpt")
    refused = ModelLocator(tmp_path / "data", (tmp_path / "models",))
    assert refused.library().find("old-flux").family is None  # not opened at all
    allowed = ModelLocator(tmp_path / "data", (tmp_path / "models",), allow_pickle=True)
    found = allowed.library().find("old-flux")
    assert (found.storage, found.family, found.part) == ("pickle", "flux1", "denoiser")
    RESIDENT_PIPELINES.unload()
    report, _graph = render(allowed, lambda s: keyframe(s, model="old-flux"))
    assert image_of(report).pixels.shape == (SIZE, SIZE, 3)


def test_a_pickle_that_smuggles_code_is_not_run_even_when_pickles_are_allowed(tmp_path):
    import pickle

    class Payload:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "evil.ckpt").write_bytes(pickle.dumps({"w": Payload()}))
    allowed = ModelLocator(tmp_path / "data", (tmp_path / "models",), allow_pickle=True)
    library = allowed.library()
    assert library.find("evil") is None
    assert any("evil.ckpt" in p and "not a loadable checkpoint" in p for p in library.problems)
    assert not (tmp_path / "pwned").exists()


def test_weights_that_do_not_fit_their_config_name_the_model_in_one_line(tmp_path):
    import shutil

    folder = tiny_models.build("sdxl", tmp_path / "models" / "mixed-up")
    unet = next((folder / "unet").glob("*.safetensors"))
    shutil.copy(next((folder / "vae").glob("*.safetensors")), unet)  # the VAE's weights where the UNet's go
    locator = ModelLocator(tmp_path / "data", (tmp_path / "models",))
    RESIDENT_PIPELINES.unload()
    report, _graph = render(locator, lambda s: keyframe(s, model="mixed-up"))
    message = report.results["key"].message
    assert "'mixed-up'" in message and "cannot be loaded as StableDiffusionXLPipeline" in message
    assert "\n" not in message and "Traceback" not in message


def test_a_downloaded_folders_licence_comes_from_its_model_card(tmp_path):
    folder = tiny_models.build("sdxl", tmp_path / "models" / "carded")
    (folder / "README.md").write_text("---\nlicense: openrail++\ntags:\n- text-to-image\n---\n# A model\n")
    locator = ModelLocator(tmp_path / "data", (tmp_path / "models",))
    assert locator.library().find("carded").licence == "openrail++"
