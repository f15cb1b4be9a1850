"""A model file is told from its contents: synthetic safetensors files with the key names of real
checkpoints and the shapes that decide (every other tensor is one element), and broken files."""

import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import save_file

from engine.models.checkpoint_keys import (Classification, ModelFileError, classify, classify_file,
                                           classify_folder_config, read_header)
from engine.models.families import (FIRST_LAST_VIDEO, IMAGE_TO_IMAGE, IMAGE_TO_VIDEO, TEXT_TO_IMAGE,
                                    VIDEO_WITH_SOUND)
from tests.engine.stub_nodes import project_root

ONE = (1,)
DM = "model.diffusion_model."


def write(folder, name, tensors, metadata=None):
    """`tensors`: name -> a shape (float16 zeros) or an array."""
    arrays = {k: v if isinstance(v, np.ndarray) else np.zeros(v, np.float16) for k, v in tensors.items()}
    path = folder / name
    save_file(arrays, str(path), metadata=metadata)
    return path


def big(*shape):
    """A tensor whose shape matters and is too large for float16 zeros in a test: one byte each."""
    return np.zeros(shape, np.uint8)


SDXL_TEXT_AND_VAE = {
    "conditioner.embedders.0.transformer.text_model.embeddings.position_embedding.weight": ONE,
    "conditioner.embedders.1.model.transformer.resblocks.9.mlp.c_proj.bias": ONE,
    "conditioner.embedders.1.model.text_projection": ONE,
    "first_stage_model.encoder.down.0.block.0.conv1.weight": ONE,
    "first_stage_model.decoder.conv_out.weight": ONE,
}
SDXL_BASE = {**SDXL_TEXT_AND_VAE, DM + "input_blocks.0.0.weight": (320, 4, 1, 1),
             DM + "label_emb.0.0.weight": (1, 2816), DM + "output_blocks.8.0.skip_connection.weight": ONE,
             DM + "input_blocks.4.1.transformer_blocks.1.attn1.to_k.weight": ONE}


def one(path) -> Classification:
    return classify(read_header(path))


def test_sdxl_base_checkpoint(tmp_path):
    found = one(write(tmp_path, "sd_xl_base_1.0.safetensors", SDXL_BASE,
                      {"modelspec.title": "SDXL 1.0 Base", "modelspec.license": "CreativeML Open RAIL++-M"}))
    assert found == Classification("sdxl", None, "original", "base", "fp16", (TEXT_TO_IMAGE, IMAGE_TO_IMAGE),
                                   "CreativeML Open RAIL++-M", "SDXL 1.0 Base", "sdxl")


SDXL_REFINER = {"conditioner.embedders.0.model.transformer.resblocks.9.mlp.c_proj.bias": ONE,
                "conditioner.embedders.0.model.text_projection": ONE, "first_stage_model.decoder.conv_out.weight": ONE,
                DM + "input_blocks.0.0.weight": (384, 4, 1, 1), DM + "label_emb.0.0.weight": (1, 2560)}
SDXL_INPAINT = {**SDXL_BASE, DM + "input_blocks.0.0.weight": (1, 9, 1, 1)}


def test_sdxl_refiner_does_image_to_image_only(tmp_path):
    found = one(write(tmp_path, "refiner.safetensors", SDXL_REFINER))
    assert (found.family, found.part, found.variant, found.tasks) == ("sdxl", None, "refiner", (IMAGE_TO_IMAGE,))


def test_sdxl_inpaint_checkpoint_has_no_task_of_ours(tmp_path):
    found = one(write(tmp_path, "inpaint.safetensors", SDXL_INPAINT))
    assert (found.family, found.variant, found.tasks) == ("sdxl", "inpaint", ())


def test_the_name_says_flux_but_the_keys_say_sdxl(tmp_path):
    found = one(write(tmp_path, "flux-dev.safetensors", SDXL_BASE))
    assert (found.family, found.variant) == ("sdxl", "base")


SD3_MEDIUM = {DM + "joint_blocks.0.context_block.adaLN_modulation.1.bias": (9216,),
              DM + "joint_blocks.23.x_block.mlp.fc1.weight": ONE, DM + "pos_embed": (1, 36864, 1),
              DM + "x_embedder.proj.weight": ONE, "first_stage_model.decoder.conv_in.weight": ONE,
              "text_encoders.clip_l.transformer.text_model.embeddings.position_embedding.weight": ONE}
SD35_LARGE = {"joint_blocks.0.context_block.adaLN_modulation.1.bias": (14592,),
              "joint_blocks.37.x_block.mlp.fc1.weight": ONE, "pos_embed": (1, 36864, 1), "x_embedder.proj.weight": ONE}


def test_sd3_medium_with_its_encoders_is_a_whole_checkpoint(tmp_path):
    found = one(write(tmp_path, "sd3_medium_incl_clips.safetensors", SD3_MEDIUM))
    assert found == Classification("sd3", None, "original", "3-medium", "fp16", (TEXT_TO_IMAGE, IMAGE_TO_IMAGE),
                                   architecture="sd3")


def test_sd35_large_transformer_alone(tmp_path):
    found = one(write(tmp_path, "sd3.5_large.safetensors", SD35_LARGE))
    assert (found.family, found.part, found.variant) == ("sd3", "denoiser", "3.5-large")


FLUX1 = {"double_blocks.0.img_attn.norm.key_norm.scale": ONE, "double_blocks.18.img_mod.lin.weight": ONE,
         "single_blocks.37.linear1.weight": ONE, "img_in.weight": (1, 64), "time_in.in_layer.weight": ONE,
         "vector_in.in_layer.weight": ONE, "txt_in.weight": ONE}
FLUX1_DEV = {**FLUX1, "guidance_in.in_layer.bias": ONE, "guidance_in.in_layer.weight": ONE}
FLUX1_FILL = {**FLUX1_DEV, "img_in.weight": (1, 384)}


def test_flux1_dev_and_schnell(tmp_path):
    dev = one(write(tmp_path, "dev.safetensors", FLUX1_DEV))
    schnell = one(write(tmp_path, "schnell.safetensors", FLUX1))
    assert dev == Classification("flux1", "denoiser", "original", "dev", "fp16", (TEXT_TO_IMAGE, IMAGE_TO_IMAGE),
                                 architecture="flux1")
    assert (schnell.family, schnell.variant) == ("flux1", "schnell")


def test_flux1_fill_is_recognised_but_runs_none_of_our_tasks(tmp_path):
    found = one(write(tmp_path, "fill.safetensors", FLUX1_FILL))
    assert (found.family, found.variant, found.tasks) == ("flux1", "fill", ())


FLUX2 = {"double_blocks.0.img_attn.norm.key_norm.scale": ONE, "double_stream_modulation_img.lin.weight": ONE,
         "single_stream_modulation.lin.weight": ONE, "single_blocks.47.linear1.weight": ONE}
FLUX2_DEV = {**FLUX2, "img_in.weight": (6144, 1), "guidance_in.in_layer.weight": ONE}


def test_flux2_is_not_taken_for_flux1(tmp_path):
    dev = one(write(tmp_path, "flux2-dev.safetensors", FLUX2_DEV))
    klein = one(write(tmp_path, "klein.safetensors", {**FLUX2, "img_in.weight": (3072, 1)}))
    assert (dev.family, dev.variant, dev.part) == ("flux2", "dev", "denoiser")
    assert (klein.family, klein.variant) == ("flux2-klein", "4b")


def test_chroma_has_flux_keys_but_is_not_flux(tmp_path):
    found = one(write(tmp_path, "chroma.safetensors", {**FLUX1, "distilled_guidance_layer.in_proj.bias": ONE}))
    assert (found.family, found.architecture, found.tasks) == (None, "chroma", ())


LTX_VIDEO = {DM + "patchify_proj.weight": ONE, DM + "adaln_single.emb.timestep_embedder.linear_1.bias": ONE,
             DM + "transformer_blocks.27.scale_shift_table": ONE, DM + "caption_projection.linear_1.weight": ONE,
             "vae.per_channel_statistics.mean-of-means": ONE, "vae.encoder.conv_in.conv.bias": ONE,
             "vae.encoder.conv_out.conv.weight": (1, 2048, 1),
             "vae.decoder.last_scale_shift_table": ONE, "vae.decoder.up_blocks.8.res_blocks.0.conv1.conv.weight": ONE}


def test_ltx_video_with_its_vae(tmp_path):
    found = one(write(tmp_path, "ltx-video-2b-v0.9.5.safetensors", LTX_VIDEO))
    assert found == Classification("ltx-video", None, "original", "2b-0.9.5", "fp16",
                                   (IMAGE_TO_VIDEO, FIRST_LAST_VIDEO), architecture="ltx-video")


LTX2 = {**LTX_VIDEO, DM + "transformer_blocks.47.scale_shift_table": ONE, DM + "audio_patchify_proj.weight": ONE,
        DM + "av_ca_a2v_gate_adaln_single.emb.timestep_embedder.linear_1.weight": ONE,
        "audio_vae.per_channel_statistics.mean-of-means": ONE, "vocoder.conv_pre.weight": ONE}


def test_ltx2_carries_ltx_video_keys_and_is_still_ltx2(tmp_path):
    found = one(write(tmp_path, "ltx-2-19b-dev.safetensors", LTX2))
    assert (found.family, found.part) == ("ltx2", None)
    assert VIDEO_WITH_SOUND in found.tasks and IMAGE_TO_VIDEO in found.tasks


WAN = {"head.modulation": ONE, "blocks.0.self_attn.q.weight": ONE, "blocks.0.cross_attn.k.weight": ONE,
       "text_embedding.0.weight": ONE, "time_embedding.0.weight": ONE}
WAN21_I2V = {**WAN, "patch_embedding.weight": big(5120, 36, 1, 1, 1), "img_emb.proj.0.weight": ONE,
             "blocks.0.cross_attn.k_img.weight": ONE}
WAN21_T2V = {**{DM + k: v for k, v in WAN.items()}, DM + "patch_embedding.weight": big(1536, 16, 1, 1, 1)}


def test_wan21_image_to_video(tmp_path):
    found = one(write(tmp_path, "wan2.1_i2v_480p_14B_bf16.safetensors", WAN21_I2V))
    assert (found.family, found.part, found.key_format) == ("wan", "denoiser", "original")
    assert found.variant == "2.1-i2v-14b"
    assert found.tasks == (IMAGE_TO_VIDEO,)  # 2.1 I2V takes the first frame only (FLF2V is its own model)


def test_wan21_text_to_video_does_none_of_our_tasks(tmp_path):
    found = one(write(tmp_path, "wan2.1_t2v_1.3B.safetensors", WAN21_T2V))
    assert (found.family, found.variant, found.tasks) == ("wan", "t2v-1.3b", ())


def test_wan22_ti2v_starts_from_a_picture_but_not_from_two(tmp_path):
    found = one(write(tmp_path, "wan2.2_ti2v_5B.safetensors",
                      {**WAN, "patch_embedding.weight": big(3072, 48, 1, 1, 1)}))
    assert (found.variant, found.tasks) == ("2.2-ti2v-5b", (IMAGE_TO_VIDEO,))


def test_diffusers_flux_transformer_single_file(tmp_path):
    found = one(write(tmp_path, "diffusion_pytorch_model.safetensors", {
        "x_embedder.weight": (1, 64), "context_embedder.weight": ONE, "transformer_blocks.0.attn.to_q.weight": ONE,
        "single_transformer_blocks.0.proj_mlp.weight": ONE, "single_transformer_blocks.0.attn.to_q.weight": ONE,
        "time_text_embed.guidance_embedder.linear_1.weight": ONE, "proj_out.weight": ONE}))
    assert (found.family, found.part, found.key_format, found.variant) == ("flux1", "denoiser", "diffusers", "dev")


def test_diffusers_sdxl_unet(tmp_path):
    found = one(write(tmp_path, "unet.safetensors", {
        "conv_in.weight": (1, 4, 1, 1), "add_embedding.linear_1.weight": (1, 2816),
        "time_embedding.linear_1.weight": ONE, "up_blocks.0.resnets.0.conv1.weight": ONE,
        "down_blocks.1.attentions.0.transformer_blocks.1.attn1.to_q.weight": ONE}))
    assert (found.family, found.part, found.key_format, found.variant) == ("sdxl", "denoiser", "diffusers", "base")


def test_kohya_sdxl_lora(tmp_path):
    found = one(write(tmp_path, "detail.safetensors", {
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.lora_down.weight": ONE,
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.lora_up.weight": ONE,
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.alpha": ONE,
        "lora_te2_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight": ONE},
        {"ss_base_model_version": "sdxl_base_v1-0", "modelspec.title": "Detail"}))
    assert found == Classification("sdxl", "lora", "original", "", "fp16", (), title="Detail", architecture="sdxl")


def test_peft_flux_lora(tmp_path):
    found = one(write(tmp_path, "style.safetensors", {
        "transformer.single_transformer_blocks.0.attn.to_k.lora_A.weight": (16, 1),
        "transformer.single_transformer_blocks.0.attn.to_k.lora_B.weight": (1, 16),
        "transformer.transformer_blocks.0.attn.to_q.lora_A.weight": (16, 3072)}))
    assert (found.family, found.part, found.key_format, found.tasks) == ("flux1", "lora", "diffusers", ())


def test_a_lora_whose_names_say_nothing_takes_its_family_from_the_metadata(tmp_path):
    found = one(write(tmp_path, "lora.safetensors", {"unet.mid.lora_A.weight": ONE},
                      {"modelspec.architecture": "stable-diffusion-xl-v1-base/lora"}))
    assert (found.family, found.part) == ("sdxl", "lora")


def test_sdxl_vae(tmp_path):
    found = one(write(tmp_path, "sdxl_vae.safetensors", {
        "encoder.down.0.block.0.conv1.weight": ONE, "encoder.conv_out.weight": (8, 1, 1, 1), "quant_conv.weight": ONE,
        "decoder.up.0.block.0.conv1.weight": ONE, "decoder.conv_out.weight": ONE}))
    assert found == Classification("sdxl", "vae", "original", "", "fp16", (), architecture="sdxl")


def test_wan_vae(tmp_path):
    found = one(write(tmp_path, "wan_2.1_vae.safetensors", {
        "decoder.middle.0.residual.0.gamma": ONE, "conv2.weight": (16, 1, 1, 1, 1), "encoder.conv1.weight": ONE}))
    assert (found.family, found.part, found.variant) == ("wan", "vae", "2.1")


def test_t5_xxl_text_encoder(tmp_path):
    found = one(write(tmp_path, "t5xxl_fp16.safetensors", {
        "encoder.block.0.layer.0.SelfAttention.k.weight": (1, 4096),
        "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": ONE,
        "encoder.block.1.layer.0.SelfAttention.k.weight": ONE, "shared.weight": ONE,
        "encoder.final_layer_norm.weight": ONE}))
    assert found == Classification(None, "text-encoder", "diffusers", "t5-xxl", "fp16", (), architecture="t5")


def test_umt5_belongs_to_wan_and_clip_l_to_nobody_in_particular(tmp_path):
    umt5 = one(write(tmp_path, "umt5.safetensors", {
        "encoder.block.0.layer.0.SelfAttention.k.weight": (1, 4096),
        "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight": ONE}))
    clip_l = one(write(tmp_path, "clip_l.safetensors", {
        "text_model.encoder.layers.0.self_attn.k_proj.weight": ONE,
        "text_model.embeddings.position_embedding.weight": (77, 768)}))
    assert (umt5.family, umt5.part, umt5.variant) == ("wan", "text-encoder", "umt5-xxl")
    assert (clip_l.family, clip_l.part, clip_l.variant) == (None, "text-encoder", "clip-l")


def test_a_clip_text_encoder_saved_by_transformers_5_without_its_prefix_is_known_a_vision_one_is_not(tmp_path):
    bare = one(write(tmp_path, "clip_g_bare.safetensors", {
        "encoder.layers.0.self_attn.k_proj.weight": ONE, "embeddings.token_embedding.weight": ONE,
        "embeddings.position_embedding.weight": (77, 1280)}))
    assert (bare.family, bare.part, bare.variant) == (None, "text-encoder", "clip-g")
    vision = one(write(tmp_path, "image_encoder.safetensors", {
        "encoder.layers.0.self_attn.k_proj.weight": ONE, "embeddings.patch_embedding.weight": ONE,
        "embeddings.position_embedding.weight": (257, 1024)}))
    assert vision.part != "text-encoder"


def test_gemma3_text_encoder_is_ltx2s(tmp_path):
    found = one(write(tmp_path, "gemma_3_12B_it.safetensors", {
        "model.language_model.embed_tokens.weight": ONE, "model.language_model.layers.0.self_attn.q_proj.weight": ONE,
        "model.language_model.layers.0.self_attn.q_norm.weight": ONE,
        "model.language_model.layers.0.pre_feedforward_layernorm.weight": ONE}))
    assert (found.family, found.part, found.variant) == ("ltx2", "text-encoder", "gemma3")


def test_an_unknown_file_is_no_family(tmp_path):
    found = one(write(tmp_path, "mystery.safetensors", {"foo.weight": (3, 3), "bar": ONE}))
    assert found == Classification(precision="fp16")


def test_precision_is_the_dtype_most_weight_bytes_are_in(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file as save_torch

    def saved(name, tensors):
        save_torch(tensors, str(tmp_path / name))
        return one(tmp_path / name)

    norms = {k: torch.zeros(4, dtype=torch.float32) for k in ("a.norm", "b.norm", "c.norm")}
    scaled = saved("fp8.safetensors", {**norms, "double_blocks.0.img_attn.norm.key_norm.scale": torch.zeros(1),
                                       "w": torch.zeros(64, 64, dtype=torch.float8_e4m3fn)})
    assert (scaled.family, scaled.precision) == ("flux1", "fp8")  # more fp32 tensors, more fp8 bytes
    assert saved("bf16.safetensors", {"w": torch.zeros(8, dtype=torch.bfloat16)}).precision == "bf16"
    assert saved("empty.safetensors", {}).precision == ""


# --- Broken files ------------------------------------------------------------------------------

def raw_file(path, header: bytes, data: bytes = b"", length: int | None = None):
    path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header + data)
    return path


@pytest.mark.parametrize("case, expected", [
    ("truncated", "truncated"), ("absurd", "100 MB"), ("not_json", "not JSON"), ("past_end", "past"),
    ("short", "too short"), ("list", "not an object"), ("no_offsets", "data_offsets"), ("bad_shape", "malformed"),
])
def test_broken_files_are_refused_with_their_name(tmp_path, case, expected):
    entry = {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}
    path = tmp_path / f"broken-{case}.safetensors"
    if case == "truncated":
        full = tmp_path / "full.safetensors"
        save_file({"a": np.zeros((4,), np.float16)}, str(full))
        path.write_bytes(full.read_bytes()[:20])
    elif case == "absurd":
        raw_file(path, b"{}", length=1 << 40)
    elif case == "not_json":
        raw_file(path, b"\x00\xffnot json at all")
    elif case == "past_end":
        raw_file(path, json.dumps({"a": {**entry, "data_offsets": [0, 4000]}}).encode(), b"\0" * 4)
    elif case == "short":
        path.write_bytes(b"abc")
    elif case == "list":
        raw_file(path, b"[1, 2]")
    elif case == "no_offsets":
        raw_file(path, json.dumps({"a": {"dtype": "F16", "shape": [2]}}).encode(), b"\0" * 4)
    elif case == "bad_shape":
        raw_file(path, json.dumps({"a": {**entry, "shape": "2"}}).encode(), b"\0" * 4)
    with pytest.raises(ModelFileError) as raised:
        read_header(path)
    message = str(raised.value)
    assert path.name in message and expected in message and "\n" not in message
    assert isinstance(raised.value, ValueError)


def test_a_file_name_with_a_newline_still_makes_a_one_line_message(tmp_path):
    path = raw_file(tmp_path / "two\nlines.safetensors", b"nope")
    with pytest.raises(ModelFileError) as raised:
        classify_file(path)
    assert "\n" not in str(raised.value) and "lines.safetensors" in str(raised.value)


def test_header_gives_names_shapes_dtypes_and_metadata(tmp_path):
    header = read_header(write(tmp_path, "x.safetensors", {"a.weight": (2, 3)}, {"modelspec.title": "X"}))
    assert list(header.tensors) == ["a.weight"]
    assert (header.shape("a.weight"), header.dtype("a.weight"), header.shape("b")) == ((2, 3), "F16", None)
    assert dict(header.metadata) == {"modelspec.title": "X"}


def test_reading_and_classifying_loads_neither_torch_nor_diffusers():
    code = ("import sys, engine.models.checkpoint_keys\n"
            "print(sorted(m for m in ('torch', 'diffusers', 'transformers', 'safetensors') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project_root())
    assert out.stdout.strip() == "[]"


# --- Diffusers folders -------------------------------------------------------------------------

def test_folder_family_comes_from_the_pipeline_class():
    found = classify_folder_config({"_class_name": "FluxPipeline"}, {
        "transformer": {"_class_name": "FluxTransformer2DModel", "in_channels": 64, "guidance_embeds": False},
        "text_encoder_2": {"torch_dtype": "bfloat16"}})
    assert found == Classification("flux1", None, "diffusers", "schnell", "bf16", (TEXT_TO_IMAGE, IMAGE_TO_IMAGE),
                                   architecture="flux1")


@pytest.mark.parametrize("index, transformer, variant, tasks", [
    ({"_class_name": "WanPipeline"}, {"in_channels": 16}, "t2v", ()),
    ({"_class_name": "WanImageToVideoPipeline"}, {"in_channels": 36, "image_dim": 1280}, "i2v", (IMAGE_TO_VIDEO,)),
    ({"_class_name": "WanImageToVideoPipeline"}, {"in_channels": 36, "image_dim": 1280, "pos_embed_seq_len": 514},
     "flf2v", (FIRST_LAST_VIDEO,)),
    ({"_class_name": "WanImageToVideoPipeline", "boundary_ratio": 0.9}, {"in_channels": 36}, "2.2-i2v",
     (IMAGE_TO_VIDEO, FIRST_LAST_VIDEO)),
    ({"_class_name": "WanPipeline", "expand_timesteps": True}, {"in_channels": 48}, "2.2-ti2v", (IMAGE_TO_VIDEO,)),
    ({"_class_name": "WanPipeline"}, None, "t2v", ()),
    ({"_class_name": "CogVideoXPipeline"}, {"in_channels": 16}, "t2v", ()),
    ({"_class_name": "CogVideoXImageToVideoPipeline"}, {"in_channels": 32}, "i2v", (IMAGE_TO_VIDEO,)),
    ({"_class_name": "CogVideoXImageToVideoPipeline"}, {"in_channels": 8, "out_channels": 4}, "i2v", (IMAGE_TO_VIDEO,)),
])
def test_folder_video_tasks_follow_the_transformers_channels(index, transformer, variant, tasks):
    found = classify_folder_config(index, {"transformer": transformer} if transformer else {})
    assert (found.variant, found.tasks) == (variant, tasks)


def test_folder_of_an_unknown_pipeline():
    assert classify_folder_config({"_class_name": "KandinskyPipeline"}, {}).family is None
    assert classify_folder_config([], {}).family is None


# --- The same decisions as diffusers' own single-file detection ----------------------------------

class _Shaped:
    def __init__(self, shape):
        self.shape = tuple(shape)


@pytest.mark.slow  # imports diffusers and torch: the reference, never used at run time
@pytest.mark.parametrize("tensors, theirs, ours", [
    (SDXL_BASE, "xl_base", ("sdxl", "base")), (SDXL_REFINER, "xl_refiner", ("sdxl", "refiner")),
    (SDXL_INPAINT, "xl_inpaint", ("sdxl", "inpaint")), (SD3_MEDIUM, "sd3", ("sd3", "3-medium")),
    (SD35_LARGE, "sd35_large", ("sd3", "3.5-large")), (FLUX1_DEV, "flux-dev", ("flux1", "dev")),
    (FLUX1, "flux-schnell", ("flux1", "schnell")), (FLUX1_FILL, "flux-fill", ("flux1", "fill")),
    (FLUX2_DEV, "flux-2-dev", ("flux2", "dev")), (LTX_VIDEO, "ltx-video-0.9.5", ("ltx-video", "2b-0.9.5")),
    (WAN21_I2V, "wan-i2v-14B", ("wan", "2.1-i2v-14b")), (WAN21_T2V, "wan-t2v-1.3B", ("wan", "t2v-1.3b")),
    # The one deliberate difference: diffusers tries LTX-Video first and reads LTX-2's 48 blocks as 0.9.7.
    (LTX2, "ltx-video-0.9.7", ("ltx2", "")),
])
def test_decisions_match_diffusers_single_file_detection(tmp_path, tensors, theirs, ours):
    single_file_utils = pytest.importorskip("diffusers.loaders.single_file_utils")
    header = read_header(write(tmp_path, "model.safetensors", tensors))
    checkpoint = {name: _Shaped(entry["shape"]) for name, entry in header.tensors.items()}
    assert single_file_utils.infer_diffusers_model_type(checkpoint) == theirs
    found = classify(header)
    assert (found.family, found.variant) == ours
