"""The tiny random-weight pipelines of tests/tiny_models: each family builds quickly into a diffusers
folder of .safetensors weights, loads back offline with its pipeline class, and a 2-step call on the
CPU gives the right shape, bit for bit the same for the same seed. Nothing here touches the network."""

from __future__ import annotations

import functools
import json
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

import engine  # noqa: F401  (its offline switches are set before diffusers / transformers load)
from engine.models.families import FAMILIES
from tests.tiny_models import (FAMILIES_BUILT, SINGLE_FILE_DENOISERS, TOKENIZER_VOCAB_LIMIT, TOKENIZERS_DIR,
                               WAN_VARIANTS, build, build_single_file, build_wan)

PROMPT = "a red fox at dawn"


def test_the_network_guard_fails_a_connection(no_network):
    with pytest.raises(pytest.fail.Exception, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9))
    with socket.socket() as sock, pytest.raises(pytest.fail.Exception):
        sock.connect(("127.0.0.1", 9))
    with pytest.raises(pytest.fail.Exception):
        socket.getaddrinfo("huggingface.co", 443)
    assert len(no_network) == 3
    no_network.clear()  # seen and expected: the teardown check is for the other tests


@dataclass
class Built:
    folder: Path
    seconds: float


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Each family (or Wan variant) built once for the module, on first use, timed."""
    cache: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in cache:
            folder = tmp_path_factory.mktemp("tiny") / name.replace(":", "-")  # no colons in Windows paths
            started = time.perf_counter()
            if name.startswith("wan:"):
                build_wan(folder, variant=name.split(":", 1)[1])
            else:
                build(name, folder)
            cache[name] = Built(folder, time.perf_counter() - started)
        return cache[name]

    return get


def _picture(width: int, height: int, seed: int):
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


@dataclass
class Call:
    """One pipeline call: the class that loads the folder, its arguments, and the output expected."""
    pipeline: str
    kwargs: dict = field(default_factory=dict)
    output: str = "images"  # the output attribute: images, frames or audios
    shape: tuple = ()


def _ltx_condition_kwargs(width, height, frames):
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    return {"conditions": [LTXVideoCondition(image=_picture(width, height, 1), frame_index=0),
                           LTXVideoCondition(image=_picture(width, height, 2), frame_index=frames - 1)],
            "height": height, "width": width, "num_frames": frames}


def _ltx2_condition_kwargs(width, height, frames):
    """LTX-2 places a condition by latent frame: 0 is the first, -1 the last."""
    from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

    return {"conditions": [LTX2VideoCondition(frames=_picture(width, height, 1), index=0),
                           LTX2VideoCondition(frames=_picture(width, height, 2), index=-1)],
            "height": height, "width": width, "num_frames": frames}


@functools.cache
def _calls() -> dict[str, Call]:
    """Built on first use, not at collection: the LTX condition needs diffusers imported."""
    image = dict(prompt=PROMPT, height=32, width=48, output_type="pt")
    video = dict(prompt=PROMPT, output_type="pt", max_sequence_length=16)
    return {
        "sdxl": Call("StableDiffusionXLPipeline", image, shape=(1, 3, 32, 48)),
        "sd3": Call("StableDiffusion3Pipeline", dict(image, max_sequence_length=16), shape=(1, 3, 32, 48)),
        "flux1": Call("FluxPipeline", dict(image, max_sequence_length=16), shape=(1, 3, 32, 48)),
        # FLUX.2 with its defaults: 512 chat-templated tokens, hidden states 10, 20 and 30 of Mistral 3
        "flux2": Call("Flux2Pipeline", image, shape=(1, 3, 32, 48)),
        # Sana would otherwise render at its nearest ~1 MP aspect-ratio bin and resize down (seconds, not ms)
        "sana": Call("SanaPipeline", dict(image, height=32, width=64, use_resolution_binning=False),
                     shape=(1, 3, 32, 64)),
        "ltx-video": Call("LTXImageToVideoPipeline",
                          dict(video, image=_picture(64, 32, 1), height=32, width=64, num_frames=9),
                          "frames", (1, 9, 3, 32, 64)),
        "ltx-video:first-last": Call("LTXConditionPipeline", dict(video, **_ltx_condition_kwargs(64, 32, 9)),
                                     "frames", (1, 9, 3, 32, 64)),
        "ltx2": Call("LTX2ImageToVideoPipeline",
                     dict(video, image=_picture(64, 32, 1), height=32, width=64, num_frames=9),
                     "frames", (1, 9, 3, 32, 64)),
        "ltx2:first-last": Call("LTX2ConditionPipeline", dict(video, **_ltx2_condition_kwargs(64, 32, 9)),
                                "frames", (1, 9, 3, 32, 64)),
        "wan:flf2v": Call("WanImageToVideoPipeline",
                          dict(video, image=_picture(32, 16, 1), last_image=_picture(32, 16, 2),
                               height=16, width=32, num_frames=5),
                          "frames", (1, 5, 3, 16, 32)),
        "wan:i2v": Call("WanImageToVideoPipeline",
                        dict(video, image=_picture(32, 16, 1), height=16, width=32, num_frames=5),
                        "frames", (1, 5, 3, 16, 32)),
        "wan:2.2-i2v": Call("WanImageToVideoPipeline",
                            dict(video, image=_picture(32, 16, 1), height=16, width=32, num_frames=5),
                            "frames", (1, 5, 3, 16, 32)),
        "wan:2.2-i2v:first-last": Call("WanImageToVideoPipeline",
                                       dict(video, image=_picture(32, 16, 1), last_image=_picture(32, 16, 2),
                                            height=16, width=32, num_frames=5),
                                       "frames", (1, 5, 3, 16, 32)),
        # CogVideoX's learned position embeddings take one size and the full 226 text tokens (the default)
        "cogvideox": Call("CogVideoXImageToVideoPipeline",
                          dict(prompt=PROMPT, output_type="pt", image=_picture(16, 16, 1), height=16, width=16,
                               num_frames=9),
                          "frames", (1, 9, 3, 16, 16)),
        "svd": Call("StableVideoDiffusionPipeline",
                    dict(image=_picture(64, 32, 1), height=32, width=64, num_frames=3, decode_chunk_size=3,
                         output_type="pt"),
                    "frames", (1, 3, 3, 32, 64)),
        # 0.5 s at the tiny VAE's 8 kHz; without audio_end_in_s it makes its whole 128 * 64 samples
        "stable-audio": Call("StableAudioPipeline", dict(prompt=PROMPT, audio_end_in_s=0.5), "audios", (1, 2, 4000)),
        "stable-audio:full": Call("StableAudioPipeline", dict(prompt=PROMPT), "audios", (1, 2, 8192)),
    }


CALL_IDS = ("sdxl", "sd3", "flux1", "flux2", "sana", "ltx-video", "ltx-video:first-last", "ltx2", "ltx2:first-last",
            "wan:flf2v", "wan:i2v", "wan:2.2-i2v", "wan:2.2-i2v:first-last", "cogvideox", "svd", "stable-audio",
            "stable-audio:full")


def _folder_name(call_id: str) -> str:
    """The built folder a call runs on: "wan:flf2v" is a Wan variant, "ltx-video:first-last" the ltx-video folder."""
    parts = call_id.split(":")
    return ":".join(parts[:2]) if parts[0] == "wan" else parts[0]


def _run_twice(folder: Path, call: Call):
    import diffusers

    pipe = getattr(diffusers, call.pipeline).from_pretrained(folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    outputs = []
    for _ in range(2):
        result = pipe(**call.kwargs, num_inference_steps=2, generator=torch.Generator().manual_seed(0))
        outputs.append(getattr(result, call.output))
    return outputs


def test_every_family_built_is_an_engine_family():
    assert set(FAMILIES_BUILT) <= set(FAMILIES)
    assert {"sdxl", "sd3", "flux1", "ltx-video", "wan", "stable-audio"} <= set(FAMILIES_BUILT)
    with pytest.raises(ValueError, match="no tiny pipeline"):
        build("no-such-family", Path("unused"))


@pytest.mark.parametrize("family_id", FAMILIES_BUILT)
def test_builds_a_safetensors_diffusers_folder_quickly(family_id, tiny, tmp_path, no_network):
    built = tiny(family_id)  # the first build also pays for importing the model classes
    folder = built.folder
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] in FAMILIES[family_id].index_classes
    weights = {p.suffix for p in folder.rglob("*") if p.suffix in (".safetensors", ".bin", ".pt", ".ckpt", ".pth")}
    assert weights == {".safetensors"}
    started = time.perf_counter()
    build(family_id, tmp_path / family_id)
    rebuild_s = time.perf_counter() - started
    assert rebuild_s < 5, f"{family_id} took {rebuild_s:.1f} s to build (first build {built.seconds:.1f} s)"


def test_every_call_is_listed():
    assert CALL_IDS == tuple(_calls())


@pytest.mark.parametrize("call_id", CALL_IDS)
def test_loads_offline_and_two_steps_are_reproducible(call_id, tiny, no_network):
    call = _calls()[call_id]
    first, second = _run_twice(tiny(_folder_name(call_id)).folder, call)
    assert tuple(first.shape) == call.shape
    assert torch.isfinite(first).all()
    assert torch.equal(first, second), "the same seed gave different outputs"


@pytest.mark.parametrize("call_id", ["ltx2", "ltx2:first-last"])
def test_ltx2_makes_sound_with_its_frames(call_id, tiny, no_network):
    """9 frames at 24 fps are 0.375 s: 9 audio latent frames (25 a second), 33 causal mel frames of
    160 samples, 5280 samples of stereo at the vocoder's 16 kHz."""
    import diffusers

    call = _calls()[call_id]
    pipe = getattr(diffusers, call.pipeline).from_pretrained(tiny("ltx2").folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    result = pipe(**call.kwargs, num_inference_steps=2, generator=torch.Generator().manual_seed(0))
    assert pipe.vocoder.config.output_sampling_rate == 16000
    assert tuple(result.audio.shape) == (1, 2, 33 * 160) and torch.isfinite(result.audio).all()
    assert result.audio.abs().max() > 0


def test_wan_21_variants_refuse_the_input_they_were_not_made_for(tiny, no_network):
    """Wan 2.1 FLF2V's image embedding pairs the first and last frames' tokens, so it cannot take one
    picture, and the 2.1 I2V one cannot take two; only Wan 2.2's layout takes both (tested above)."""
    flf2v = _calls()["wan:flf2v"]
    alone = Call(flf2v.pipeline, {k: v for k, v in flf2v.kwargs.items() if k != "last_image"}, "frames")
    with pytest.raises(RuntimeError):
        _run_twice(tiny("wan:flf2v").folder, alone)
    i2v = _calls()["wan:i2v"]
    with pytest.raises(RuntimeError):
        _run_twice(tiny("wan:i2v").folder, Call(i2v.pipeline, dict(i2v.kwargs, last_image=_picture(32, 16, 2))))


def test_wan_variants_are_known():
    assert set(WAN_VARIANTS) == {name.split(":")[1] for name in CALL_IDS if name.startswith("wan:")}


@pytest.mark.parametrize("family_id", SINGLE_FILE_DENOISERS)
def test_a_single_file_denoiser_loads_with_the_folder_as_config(family_id, tmp_path, no_network):
    import diffusers
    from safetensors import safe_open

    subfolder, class_name = SINGLE_FILE_DENOISERS[family_id]
    path = build_single_file(family_id, tmp_path)
    assert path.suffix == ".safetensors" and path.is_file()
    model_class = getattr(diffusers, class_name)
    loaded = model_class.from_single_file(str(path), config=str(tmp_path / "pipeline"), subfolder=subfolder,
                                          local_files_only=True)
    expected = model_class.from_pretrained(tmp_path / "pipeline", subfolder=subfolder, local_files_only=True)
    with safe_open(path, "pt") as saved:
        assert set(saved.keys()) == set(expected.state_dict())
    got, want = loaded.state_dict(), expected.state_dict()
    assert got.keys() == want.keys()
    assert all(torch.equal(got[key], want[key]) for key in want)


@pytest.mark.parametrize("name", ["clip", "t5", "gemma", "mistral"])
def test_the_committed_tokenizers_load_offline_and_know_prompt_words(name, no_network):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(TOKENIZERS_DIR / name, local_files_only=True)
    ids = tokenizer(PROMPT).input_ids
    special = set(tokenizer.all_special_ids)
    words = [i for i in ids if i not in special]
    # one known piece per word (the unknown token is one of the special ids left out)
    assert len(words) == len(PROMPT.split()), tokenizer.convert_ids_to_tokens(ids)
    assert len(tokenizer) <= TOKENIZER_VOCAB_LIMIT and max(ids) < TOKENIZER_VOCAB_LIMIT


def test_the_mistral_tokenizer_applies_flux2s_chat_layout(no_network):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(TOKENIZERS_DIR / "mistral", local_files_only=True)
    messages = [[{"role": "system", "content": [{"type": "text", "text": "Describe."}]},
                 {"role": "user", "content": [{"type": "text", "text": PROMPT}]}]]
    text = tokenizer.apply_chat_template(messages, tokenize=False)[0]
    assert text == f"<s>[SYSTEM_PROMPT]Describe.[/SYSTEM_PROMPT][INST]{PROMPT}[/INST]"
    ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, return_tensors="pt",
                                        padding="max_length", truncation=True, max_length=32)["input_ids"][0]
    assert tokenizer.convert_tokens_to_ids("[INST]") in ids.tolist() and len(ids) == 32
