"""What each kind of model file looks like from its tensor names and a few shapes: one row per
family and part, tried in order, the first match wins. Add a model by adding its row (and its
family in families.py); put it above any row whose keys its files also carry.

The denoiser rows mirror diffusers' own single-file detection (CHECKPOINT_KEY_NAMES and
infer_diffusers_model_type in diffusers/loaders/single_file_utils.py, 0.42) key for key, with three
deliberate differences in order: LTX-2 comes before LTX-Video (an LTX-2 file has 48
`transformer_blocks.N.scale_shift_table` too, which diffusers' LTX branch reads as LTX-Video
0.9.7, and its VAE carries the same `per_channel_statistics`), FLUX.2 and Chroma before FLUX.1,
and nothing falls back to SD 1.5 when nothing matched. Rows for models AIPROD Studio does not run
(family None) are there so that their files are named and never taken for one that it does.
"""

from __future__ import annotations

from .families import FIRST_LAST_VIDEO, IMAGE_TO_IMAGE, IMAGE_TO_VIDEO, LORA, TEXT_ENCODER, VAE
from .key_match import (DIFFUSERS as D, MODEL, ORIGINAL as O, WHOLE, Variant as V, contains, has, lacks,
                        row, shape, starts)

NO_TASKS: tuple[str, ...] = ()
I2V_FLF = (IMAGE_TO_VIDEO, FIRST_LAST_VIDEO)

# --- Variant groups shared by a family's original and diffusers rows ---------------------------

INPAINT = V("inpaint", shape("input_blocks.0.0.weight", 1, 9), tasks=NO_TASKS)  # 4 latent + 4 masked + mask
SD3_VARIANTS = (V("3.5-large", has("joint_blocks.37.x_block.mlp.fc1.weight",
                                   "transformer_blocks.37.ff.net.0.proj.weight")),
                # 3.5 Large's pos_embed is 192x192 like 3 Medium's, so depth is asked first.
                V("3.5-medium", shape(("pos_embed", "pos_embed.pos_embed"), 1, 147456)),
                V("3-medium", shape(("pos_embed", "pos_embed.pos_embed"), 1, 36864)))
FLUX1_GUIDANCE = has("guidance_in.in_layer.bias", "guidance_in.in_layer.weight",
                     "time_text_embed.guidance_embedder.linear_1.weight")
FLUX1_VARIANTS = (  # Fill and Depth need their own pipelines: none of our tasks
    V("fill", shape(("img_in.weight", "x_embedder.weight"), 1, 384), tasks=NO_TASKS),
    V("depth", shape(("img_in.weight", "x_embedder.weight"), 1, 128), tasks=NO_TASKS),
    V("dev", FLUX1_GUIDANCE), V("schnell"))
FLUX2_KLEIN_SIZE = (V("4b", shape(("img_in.weight", "x_embedder.weight"), 0, 3072)),
                    V("9b", shape(("img_in.weight", "x_embedder.weight"), 0, 4096)))
LTX_SIZE = (V("13b", has("transformer_blocks.47.scale_shift_table")),
            V("2b", has("transformer_blocks.27.scale_shift_table")))
LTX_VERSION = (  # which diffusers config a checkpoint needs, read from the VAE it carries
    V("0.9.7", has("transformer_blocks.47.scale_shift_table")),
    V("0.9.5", shape("vae.encoder.conv_out.conv.weight", 1, 2048)),
    V("0.9.1", has("vae.decoder.last_time_embedder.timestep_embedder.linear_1.weight")),
    V("0.9.0", has("vae.decoder.up_blocks.9.res_blocks.0.conv1.conv.weight")))
WAN_PATCH = "patch_embedding.weight"  # (hidden, in_channels, 1, 2, 2) in both layouts
WAN_VERSION = (  # Wan 2.1's image models carry a CLIP image projection, 2.2's do not
    V("2.1", has("img_emb.proj.0.weight", "condition_embedder.image_embedder.ff.net.0.proj.weight")),
    V("2.2", shape(WAN_PATCH, 1, 36) | (shape(WAN_PATCH, 1, 48) & shape(WAN_PATCH, 0, 3072))))
WAN_KIND = (
    V("vace", has("vace_blocks.0.after_proj.bias", "vace_patch_embedding.weight"), tasks=NO_TASKS),
    V("animate", has("motion_encoder.dec.direction.weight", "motion_encoder.motion_synthesis_weight"),
      tasks=NO_TASKS),
    # 2.1 conditions on CLIP embeddings of its pictures: FLF2V has a position table for two (it needs
    # the last frame), I2V none (it takes the first only). 2.2 I2V has no image encoder: both work.
    V("flf2v", has("img_emb.emb_pos", "condition_embedder.image_embedder.pos_embed"), tasks=(FIRST_LAST_VIDEO,)),
    V("i2v", shape(WAN_PATCH, 1, 36) & has("img_emb.proj.0.weight", "condition_embedder.image_embedder.ff.net.0.proj.weight"),
      tasks=(IMAGE_TO_VIDEO,)),
    V("i2v", shape(WAN_PATCH, 1, 36)),  # 16 noise + 4 mask + 16 image latents
    # TI2V-5B puts the picture in the first latent frame (expand_timesteps): no last frame.
    V("ti2v", shape(WAN_PATCH, 1, 48) & shape(WAN_PATCH, 0, 3072), tasks=(IMAGE_TO_VIDEO,)),
    V("control", shape(WAN_PATCH, 1, 48), tasks=NO_TASKS),  # Wan-Fun control: 16 + 16 + 16
    V("t2v", tasks=NO_TASKS))
WAN_SIZE = (V("1.3b", shape(WAN_PATCH, 0, 1536)), V("5b", shape(WAN_PATCH, 0, 3072)),
            V("14b", shape(WAN_PATCH, 0, 5120)))
COGVIDEOX_PATCH = ("patch_embed.proj.weight", "mixins.patch_embed.proj.weight")
COGVIDEOX_KIND = (  # 1.5 patches with a Linear: in_channels x 2 x 2 x 2 columns
    V("i2v", shape(COGVIDEOX_PATCH, 1, 32, 256)), V("t2v", tasks=NO_TASKS))
COGVIDEOX_SIZE = (V("2b", shape(COGVIDEOX_PATCH, 0, 1920)), V("5b", shape(COGVIDEOX_PATCH, 0, 3072)))

SDXL_BASE_KEY = "conditioner.embedders.1.model.transformer.resblocks.9.mlp.c_proj.bias"
SDXL_REFINER_KEY = "conditioner.embedders.0.model.transformer.resblocks.9.mlp.c_proj.bias"
FLUX2_KEY = "single_stream_modulation.lin.weight"

MODELS = (
    # LTX-2 first: its files also carry every key the LTX-Video rows ask for.
    row("ltx2", "ltx2", MODEL, O, has("audio_patchify_proj.weight", "audio_adaln_single.linear.weight",
                                      "av_ca_a2v_gate_adaln_single.emb.timestep_embedder.linear_1.weight")),
    row("ltx2", "ltx2", MODEL, D, has("audio_proj_in.weight", "audio_scale_shift_table")),
    # Stable Diffusion UNets, in diffusers' order (inpaint, v2, playground, xl base, refiner).
    row("sdxl", "sdxl", WHOLE, O, has(SDXL_BASE_KEY),
        (INPAINT, V("playground-v2.5", has("edm_mean")), V("base"))),
    row("sdxl", "sdxl", WHOLE, O, has(SDXL_REFINER_KEY), (V("refiner", tasks=(IMAGE_TO_IMAGE,)),)),
    row("sd2", None, MODEL, O, shape("input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight", -1, 1024),
        (INPAINT,)),
    row("sd-upscaler", None, MODEL, O, has("input_blocks.10.0.skip_connection.bias")),
    # ControlNets copy their base model's blocks: they go before every base model's row.
    row("controlnet", None, MODEL, O, has(
        "control_model.time_embed.0.weight", "controlnet_cond_embedding.conv_in.weight",
        "controlnet_down_blocks.0.bias",
        "controlnet_blocks.0.weight", "controlnet_blocks.0.bias", "controlnet_x_embedder.weight",
        "controlnet_blocks.0.input_proj.weight")),
    row("stable-cascade", None, MODEL, O, has("clip_txt_mapper.weight", "down_blocks.1.0.channelwise.0.weight")),
    row("svd", "svd", MODEL, O, has("input_blocks.1.0.time_stack.emb_layers.1.bias",
                                    "input_blocks.1.1.time_stack.0.attn1.to_q.weight")),
    # An SDXL UNet alone: its class embedding takes 2816 inputs (base) or 2560 (refiner).
    row("sdxl", "sdxl", MODEL, O, shape("label_emb.0.0.weight", 1, 2816, 2560),
        (INPAINT, V("refiner", shape("label_emb.0.0.weight", 1, 2560), tasks=(IMAGE_TO_IMAGE,)), V("base"))),
    row("sd1", None, MODEL, O, has("output_blocks.11.0.skip_connection.weight"),
        (INPAINT, V("instruct-pix2pix", shape("input_blocks.0.0.weight", 1, 8)))),
    row("svd", "svd", MODEL, D, has("down_blocks.0.attentions.0.temporal_transformer_blocks.0.norm_in.weight")),
    row("sdxl", "sdxl", MODEL, D, shape("add_embedding.linear_1.weight", 1, 2816, 2560),
        (V("inpaint", shape("conv_in.weight", 1, 9), tasks=NO_TASKS),
         V("refiner", shape("add_embedding.linear_1.weight", 1, 2560), tasks=(IMAGE_TO_IMAGE,)), V("base"))),
    # MMDiT
    row("sd3", "sd3", MODEL, O, has("joint_blocks.0.context_block.adaLN_modulation.1.bias"), SD3_VARIANTS),
    row("sd3", "sd3", MODEL, D, has("pos_embed.pos_embed") & has("transformer_blocks.0.norm1_context.linear.weight"),
        SD3_VARIANTS),
    # FLUX and its descendants; klein is FLUX.2 without guidance distillation (no guidance embedder).
    row("flux2-klein", "flux2-klein", MODEL, O, has(FLUX2_KEY) & lacks("guidance_in.in_layer.weight"),
        FLUX2_KLEIN_SIZE),
    row("flux2", "flux2", MODEL, O, has(FLUX2_KEY), (V("dev"),)),
    row("flux2-klein", "flux2-klein", MODEL, D,
        has("single_stream_modulation.linear.weight") & lacks("time_guidance_embed.guidance_embedder.linear_1.weight"),
        FLUX2_KLEIN_SIZE),
    row("flux2", "flux2", MODEL, D, has("single_stream_modulation.linear.weight"), (V("dev"),)),
    row("flux3", None, MODEL, O, has("early_stream_modulations.image.lin.weight")),
    row("chroma", None, MODEL, O, has("distilled_guidance_layer.in_proj.bias")),
    row("ovis", None, MODEL, O, has("double_blocks.0.img_mlp.down_proj.weight")),
    row("flux1", "flux1", MODEL, O, has("double_blocks.0.img_attn.norm.key_norm.scale"), FLUX1_VARIANTS),
    row("flux1", "flux1", MODEL, D, has("x_embedder.weight") & has("single_transformer_blocks.0.proj_mlp.weight"),
        FLUX1_VARIANTS),
    # LTX-Video (after LTX-2). PixArt's diffusers layout shares LTX's 28 scale_shift_tables.
    row("ltx-video", "ltx-video", MODEL, D,
        has("proj_in.weight") & has("caption_projection.linear_1.weight") & has("scale_shift_table"),
        LTX_SIZE),
    row("ltx-video", "ltx-video", MODEL, O, has("patchify_proj.weight"), LTX_SIZE, LTX_VERSION),
    row("pixart", None, MODEL, D, has("pos_embed.proj.weight") & has("adaln_single.linear.weight")),
    row("sana", "sana", MODEL, O, has("blocks.0.cross_attn.q_linear.weight", "blocks.0.cross_attn.kv_linear.weight")),
    row("sana", "sana", MODEL, D, has("transformer_blocks.0.ff.conv_inverted.weight")),
    row("wan", "wan", MODEL, O, has("head.modulation"), WAN_VERSION, WAN_KIND, WAN_SIZE),
    row("wan", "wan", MODEL, D, has("condition_embedder.text_embedder.linear_1.weight") & has(WAN_PATCH),
        WAN_VERSION, WAN_KIND, WAN_SIZE),
    row("qwen-image-2.1", None, MODEL, O, has("txt_in.text_norm.weight")),
    # Qwen-Image ships with diffusers names, ComfyUI's copies too (maybe under model.diffusion_model.).
    row("qwen-image", "qwen-image", MODEL, D,
        has("txt_norm.weight") & has("img_in.weight") & has("transformer_blocks.0.img_mod.1.weight")),
    row("z-image", "z-image", MODEL, D, has("all_x_embedder.2-1.weight")),
    row("z-image", "z-image", MODEL, O, has("layers.0.adaLN_modulation.0.weight")),
    row("lumina2", None, MODEL, O, has("cap_embedder.0.weight")),
    row("hunyuanvideo15", "hunyuanvideo15", MODEL, O, has("vision_in.proj.0.bias")),
    row("hunyuanvideo15", "hunyuanvideo15", MODEL, D,
        has("cond_type_embed.weight") & has("context_embedder_2.linear_1.weight")),
    row("hunyuan-image-2.1", None, MODEL, O, has("byt5_in.fc1.bias") & has("double_blocks.0.img_attn_k_norm.weight")),
    row("hunyuan-video", None, MODEL, O, has("txt_in.individual_token_refiner.blocks.0.adaLN_modulation.1.bias")),
    row("cogvideox", "cogvideox", MODEL, D, has("patch_embed.text_proj.weight"), COGVIDEOX_KIND, COGVIDEOX_SIZE),
    row("cogvideox", "cogvideox", MODEL, O, has("mixins.patch_embed.proj.weight"), COGVIDEOX_KIND, COGVIDEOX_SIZE),
    row("stable-audio", "stable-audio", MODEL, O, has("model.model.transformer.rotary_pos_emb.inv_freq",
                                                      "transformer.rotary_pos_emb.inv_freq")),
    row("stable-audio", "stable-audio", MODEL, D, has("preprocess_conv.weight") & has("global_proj.0.weight")),
    row("ace-step", "ace-step", MODEL, D, has("proj_in_conv.weight") & has("time_embed_r.linear_1.weight")),
    row("mochi", None, MODEL, O, has("blocks.0.attn.qkv_x.weight")),
    row("auraflow", None, MODEL, O, has("double_layers.0.attn.w1q.weight")),
    row("hidream", None, MODEL, O, has("double_stream_blocks.0.block.adaLN_modulation.1.bias")),
    row("cosmos", None, MODEL, O, has("net.x_embedder.proj.1.weight")),
)

# --- VAEs and text encoders as ComfyUI keeps them (models/vae, models/text_encoders, models/clip) ---

KL_ORIGINAL = has("encoder.down.0.block.0.conv1.weight")  # the LDM AutoencoderKL
KL_DIFFUSERS = has("encoder.down_blocks.0.resnets.0.conv1.weight")
# encoder.conv_out makes mean and log-variance: twice the latent channels. 4 latent channels are
# SD 1.x/2.x/XL's layout (told apart by nothing in the keys); 16 are shared by SD3, FLUX.1 and
# Z-Image; 32 are FLUX.2's (its diffusers copy also keeps a BatchNorm of the latents).
KL_FLUX2 = shape("encoder.conv_out.weight", 0, 64) | has("bn.running_mean")
KL_4CH = shape("encoder.conv_out.weight", 0, 8)
KL_16CH = shape("encoder.conv_out.weight", 0, 32)
LTX_VAE_STATS = has("per_channel_statistics.mean-of-means", "vae.per_channel_statistics.mean-of-means")

VAES = (
    # LTX-2's video decoder has 7 up blocks (0-6); LTX-Video's have 9 or 10.
    row("ltx2", "ltx2", VAE, O, LTX_VAE_STATS & contains("decoder.up_blocks.6.") & ~contains("decoder.up_blocks.7.")),
    row("ltx2", "ltx2", VAE, O, starts("audio_vae."), (V("audio"),)),
    row("ltx-vae", None, VAE, D, has("latents_mean") & has("encoder.conv_in.conv.weight")),  # LTX-Video's or LTX-2's
    row("ltx-video", "ltx-video", VAE, O, LTX_VAE_STATS | has(
        "decoder.last_scale_shift_table", "vae.decoder.last_scale_shift_table",
        "decoder.up_blocks.9.res_blocks.0.conv1.conv.weight",
        "vae.decoder.up_blocks.9.res_blocks.0.conv1.conv.weight")),
    # Wan 2.1's VAE is also Qwen-Image's: same layout, same 16 channels.
    row("wan", "wan", VAE, O, has("decoder.middle.0.residual.0.gamma"),
        (V("2.2", shape("conv2.weight", 0, 48)), V("2.1", shape("conv2.weight", 0, 16)))),
    row("wan", "wan", VAE, D, has("decoder.mid_block.resnets.0.norm1.gamma") & has("quant_conv.weight"),
        (V("2.2", shape("post_quant_conv.weight", 0, 48)), V("2.1", shape("post_quant_conv.weight", 0, 16)))),
    row("hunyuanvideo15", "hunyuanvideo15", VAE, D,
        has("encoder.down_blocks.0.resnets.0.norm1.gamma") & has("encoder.conv_in.conv.weight")),
    row("hunyuan-video", None, VAE, O, has("decoder.mid.attn_1.k.bias") & has("decoder.conv_in.conv.bias")),
    row("cogvideox", "cogvideox", VAE, D, has("decoder.mid_block.resnets.0.norm1.norm_layer.weight")),
    row("svd", "svd", VAE, D, has("decoder.time_conv_out.weight")),
    row("stable-audio", "stable-audio", VAE, D, has("encoder.block.0.res_unit1.snake1.alpha")),
    row("sana", "sana", VAE, O, has("decoder.stages.1.op_list.0.main.conv.conv.bias", "encoder.project_in.conv.bias")),
    row("sana", "sana", VAE, D, has("encoder.down_blocks.0.0.conv1.weight")),
    row("flux2", "flux2", VAE, O, KL_ORIGINAL & KL_FLUX2),
    row("flux2", "flux2", VAE, D, KL_DIFFUSERS & KL_FLUX2),
    row("sdxl", "sdxl", VAE, O, KL_ORIGINAL & KL_4CH),
    row("sdxl", "sdxl", VAE, D, KL_DIFFUSERS & KL_4CH),
    row("vae-16ch", None, VAE, O, KL_ORIGINAL & KL_16CH),
    row("vae-16ch", None, VAE, D, KL_DIFFUSERS & KL_16CH),
)

T5_KEY = "encoder.block.0.layer.0.SelfAttention.k.weight"
CLIP_POSITIONS = "text_model.embeddings.position_embedding.weight"
# transformers 5 saves a CLIPTextModel without the "text_model." prefix (CLIPTextModelWithProjection
# keeps it); the token embedding tells its bare names from a CLIP vision model's (patch embedding).
CLIP_TEXT = (has("text_model.encoder.layers.0.self_attn.k_proj.weight")
             | (has("encoder.layers.0.self_attn.k_proj.weight") & has("embeddings.token_embedding.weight")))


def clip_width(width: int):
    return shape(CLIP_POSITIONS, 1, width) | shape(CLIP_POSITIONS.removeprefix("text_model."), 1, width)

LLM = contains("self_attn.q_proj.weight") & contains("embed_tokens.weight")

# A text encoder names a family only where no other family of ours uses it: T5-XXL serves SD3,
# FLUX.1, LTX-Video and CogVideoX; Qwen2.5-VL serves Qwen-Image and HunyuanVideo 1.5; Qwen3 serves
# Z-Image and FLUX.2 [klein]. They load with transformers as they are: the diffusers layout.
TEXT_ENCODERS = (
    # UMT5 gives every block its own relative position bias; T5 only the first.
    row("umt5", "wan", TEXT_ENCODER, D,
        has("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"), (V("umt5-xxl"),)),
    row("t5", None, TEXT_ENCODER, D, has(T5_KEY),
        (V("t5-xxl", shape(T5_KEY, 1, 4096)), V("t5-large", shape(T5_KEY, 1, 1024)),
         V("t5-base", shape(T5_KEY, 1, 768)), V("t5"))),
    row("clip", None, TEXT_ENCODER, D, CLIP_TEXT,
        (V("clip-l", clip_width(768)), V("clip-g", clip_width(1280)), V("clip-h", clip_width(1024)), V("clip"))),
    row("gemma3", "ltx2", TEXT_ENCODER, D, LLM & contains("pre_feedforward_layernorm") & contains("self_attn.q_norm"),
        (V("gemma3"),)),
    row("gemma2", None, TEXT_ENCODER, D, LLM & contains("pre_feedforward_layernorm"), (V("gemma2"),)),
    row("qwen2.5-vl", None, TEXT_ENCODER, D, LLM & contains("self_attn.q_proj.bias") & contains("visual."),
        (V("qwen2.5-vl"),)),
    row("qwen2", None, TEXT_ENCODER, D, LLM & contains("self_attn.q_proj.bias"), (V("qwen2"),)),
    row("qwen3", None, TEXT_ENCODER, D, LLM & contains("self_attn.q_norm"), (V("qwen3"),)),
    row("llm", None, TEXT_ENCODER, D, LLM, (V("llama-like"),)),  # Llama, Mistral: nothing tells them apart
)

# --- LoRAs: which model a LoRA is for, from the module names it adapts ------------------------

# "lora" is in every LoRA naming scheme (kohya lora_unet_/lora_te, PEFT lora_A/lora_B, diffusers
# .lora.down and lora_linear_layer) and in no model's own module names; LyCORIS adds LoHa and LoKr.
# Every file is asked this first, so it is three searches, not one per scheme.
LORA_MARKERS = contains("lora", "hada_w", "lokr_w")
# The width of the first attention query tells MMDiTs with the same module names apart.
DIFFUSERS_QUERY = "transformer.transformer_blocks.0.attn.to_q.lora_A.weight"

LORAS = (
    row("ltx2", "ltx2", LORA, None, contains("audio_attn1", "audio_to_video_attn", "video_to_audio_attn",
                                             "audio_ff", "av_ca_", "audio_adaln_single", "audio_patchify_proj")),
    # HunyuanVideo (20 double blocks) and 1.5 (54) name blocks as FLUX does; FLUX.1 has 19.
    row("hunyuanvideo15", "hunyuanvideo15", LORA, None,
        contains("byt5_in", "vision_in", "cond_type_embedding", "double_blocks.20.", "double_blocks_20_")),
    row("hunyuan-video", None, LORA, None,
        contains("double_blocks.19.", "double_blocks_19_", "individual_token_refiner", ".img_attn_qkv.")),
    row("flux2", "flux2", LORA, None, contains("to_qkv_mlp_proj", "stream_modulation", "single_blocks.47.",
                                               "single_blocks_47_")),
    row("qwen-image", "qwen-image", LORA, None, contains("img_mlp.net", "img_mlp_net", "txt_mlp.net", "txt_mlp_net",
                                                         "img_mod.1.", "img_mod_1.")),
    row("flux1", "flux1", LORA, None, contains("double_blocks", "single_blocks", "single_transformer_blocks")
        | shape(DIFFUSERS_QUERY, 1, 3072)),
    row("sd3", "sd3", LORA, None, contains("joint_blocks") | shape(DIFFUSERS_QUERY, 1, 1536, 2432)),
    row("wan", "wan", LORA, None, contains(".self_attn.q.", "_self_attn_q.", ".cross_attn.k.", "_cross_attn_k.",
                                           "transformer.blocks.0.attn1."),
        (V("i2v", contains("k_img", "add_k_proj")),)),
    row("z-image", "z-image", LORA, None, contains("layers") & contains(
        ".attention.to_q.", "_attention_to_q.", ".attention.qkv.", "_attention_qkv.", "feed_forward.w1",
        "feed_forward_w1")),
    # SDXL: kohya names its blocks the LDM way and its encoders te1/te2; SD 1.x has one encoder and
    # a single transformer per attention (SDXL has 2 and 10 from down block 1 on).
    row("sdxl", "sdxl", LORA, None, contains(
        "lora_unet_input_blocks_", "lora_unet_output_blocks_", "lora_unet_middle_block_", "lora_te1_", "lora_te2_",
        "text_encoder_2.", "down_blocks.2.attentions.0.transformer_blocks.1.",
        "down_blocks_2_attentions_0_transformer_blocks_1_", "input_blocks.4.1.transformer_blocks.1.",
        "input_blocks_4_1_transformer_blocks_1_")),
    row("sd1", None, LORA, None, contains("lora_unet_down_blocks_", "lora_te_text_model", "down_blocks.0.attentions.0.",
                                          "down_blocks_0_attentions_0_")),
    row("ltx-video", "ltx-video", LORA, None, contains("diffusion_model.transformer_blocks.") & contains(".attn1.")),
)

# --- __metadata__: what trainers write about a file, used only where the keys left a gap -------

# modelspec.architecture (the SAI model spec: "stable-diffusion-xl-v1-base/lora") and kohya's
# ss_base_model_version ("sdxl_base_v1-0"), by prefix, longest first where they overlap.
METADATA_FAMILIES = (
    ("stable-diffusion-xl-v1-refiner", "sdxl", "refiner"), ("stable-diffusion-xl", "sdxl", ""),
    ("sdxl", "sdxl", ""), ("stable-diffusion-v3", "sd3", ""), ("stable-diffusion-3", "sd3", ""), ("sd3", "sd3", ""),
    ("flux-1-dev", "flux1", "dev"), ("flux-1-schnell", "flux1", "schnell"), ("flux-1", "flux1", ""),
    ("flux1", "flux1", ""), ("flux-2", "flux2", ""), ("flux2", "flux2", ""), ("z-image", "z-image", ""),
    ("zimage", "z-image", ""), ("qwen-image", "qwen-image", ""), ("qwen_image", "qwen-image", ""),
    ("wan", "wan", ""), ("ltx-2", "ltx2", ""), ("ltx2", "ltx2", ""), ("ltx", "ltx-video", ""),
    ("hunyuan-video-1.5", "hunyuanvideo15", ""), ("hunyuan_video_15", "hunyuanvideo15", ""),
)
