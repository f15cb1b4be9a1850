"""Full-size diffusion components holding random weights, for measuring GPU memory without weights.

A pipeline's memory at a given size depends on its architecture and precision, not on the values of
its weights. Weights cannot be downloaded here, so each family's heavy components (denoiser, text
encoders, image encoder, VAE) are built from the architecture of its published checkpoint, written
out below, and given random weights; the light parts (tokenizers, scheduler) come from the tiny test
pipeline of the same family. `shrink=True` keeps the widths but one layer per stack, so the wiring
can be checked on a CPU in seconds.

Architectures (config.json of each checkpoint, as published with it):
- SDXL: stabilityai/stable-diffusion-xl-base-1.0 (UNet 2.6 B, CLIP ViT-L and OpenCLIP bigG text encoders).
- FLUX.1: black-forest-labs/FLUX.1-dev (12 B transformer with guidance embedding, CLIP-L, T5-XXL encoder).
- LTX-Video: Lightricks/LTX-Video 0.9 (2 B transformer, T5-XXL, the 0.9 video VAE).
- Wan: Wan-AI/Wan2.1-I2V-14B-720P-Diffusers (14 B transformer, UMT5-XXL, CLIP ViT-H/14 image encoder).
- Stable Audio: stabilityai/stable-audio-open-1.0 (1.1 B DiT, T5-base, Oobleck VAE).
"""

from __future__ import annotations

from collections.abc import Callable


def _layers(count: int, shrink: bool) -> int:
    return 1 if shrink else count


def clip_l(shrink: bool):
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(CLIPTextConfig(
        vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=_layers(12, shrink),
        num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768))


def clip_big_g(shrink: bool):
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    return CLIPTextModelWithProjection(CLIPTextConfig(
        vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_hidden_layers=_layers(32, shrink),
        num_attention_heads=20, max_position_embeddings=77, hidden_act="gelu", projection_dim=1280))


def t5_xxl(shrink: bool, umt5: bool = False):
    """The encoder of T5 v1.1 XXL (FLUX.1, LTX-Video) or of UMT5-XXL (Wan): 4.7 B / 5.7 B parameters."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_cls, model_cls = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    return model_cls(config_cls(
        vocab_size=256384 if umt5 else 32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=_layers(24, shrink),
        num_heads=64, relative_attention_num_buckets=32, feed_forward_proj="gated-gelu",
        tie_word_embeddings=False))


def t5_base(shrink: bool):
    from transformers import T5Config, T5EncoderModel

    return T5EncoderModel(T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072,
                                   num_layers=_layers(12, shrink), num_heads=12, feed_forward_proj="relu"))


def sd_vae(latent_channels: int, **more):
    from diffusers import AutoencoderKL

    return AutoencoderKL(in_channels=3, out_channels=3, latent_channels=latent_channels,
                         block_out_channels=(128, 256, 512, 512), layers_per_block=2,
                         down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                         **more)


def sdxl(shrink: bool) -> dict:
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel(
        in_channels=4, out_channels=4, block_out_channels=(320, 640, 1280), layers_per_block=2,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2, 2) if shrink else (1, 2, 10), attention_head_dim=(5, 10, 20),
        cross_attention_dim=2048, use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=256, projection_class_embeddings_input_dim=2816, sample_size=128)
    return {"unet": unet, "vae": sd_vae(4, scaling_factor=0.13025, sample_size=1024, force_upcast=True),
            "text_encoder": clip_l(shrink), "text_encoder_2": clip_big_g(shrink)}


def flux1(shrink: bool) -> dict:
    from diffusers import FluxTransformer2DModel

    transformer = FluxTransformer2DModel(num_layers=_layers(19, shrink), num_single_layers=_layers(38, shrink),
                                         guidance_embeds=True)
    vae = sd_vae(16, scaling_factor=0.3611, shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False,
                 sample_size=1024)
    return {"transformer": transformer, "vae": vae, "text_encoder": clip_l(shrink), "text_encoder_2": t5_xxl(shrink)}


def ltx_video(shrink: bool) -> dict:
    from diffusers import AutoencoderKLLTXVideo, LTXVideoTransformer3DModel

    return {"transformer": LTXVideoTransformer3DModel(num_layers=_layers(28, shrink)), "vae": AutoencoderKLLTXVideo(),
            "text_encoder": t5_xxl(shrink)}


def wan_i2v(shrink: bool) -> dict:
    from diffusers import AutoencoderKLWan, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    transformer = WanTransformer3DModel(in_channels=36, image_dim=1280, added_kv_proj_dim=5120,
                                        num_layers=_layers(40, shrink))
    image_encoder = CLIPVisionModel(CLIPVisionConfig(
        hidden_size=1280, intermediate_size=5120, num_hidden_layers=_layers(32, shrink), num_attention_heads=16,
        image_size=224, patch_size=14, projection_dim=1024, hidden_act="gelu"))
    return {"transformer": transformer, "vae": AutoencoderKLWan(), "text_encoder": t5_xxl(shrink, umt5=True),
            "image_encoder": image_encoder, "image_processor": CLIPImageProcessor(crop_size=224, size=224)}


def stable_audio(shrink: bool) -> dict:
    from diffusers import AutoencoderOobleck, StableAudioDiTModel, StableAudioProjectionModel

    return {"transformer": StableAudioDiTModel(num_layers=_layers(24, shrink)), "vae": AutoencoderOobleck(),
            "text_encoder": t5_base(shrink),
            "projection_model": StableAudioProjectionModel(text_encoder_dim=768, conditioning_dim=768,
                                                           min_value=0, max_value=512)}


BUILDERS: dict[str, Callable[[bool], dict]] = {
    "sdxl": sdxl, "flux1": flux1, "ltx-video": ltx_video, "wan": wan_i2v, "stable-audio": stable_audio,
}


def build(family: str, device: str, dtype, shrink: bool = False) -> dict:
    """The family's heavy components on `device` at `dtype` (modules marked to stay in fp32, as a
    checkpoint loaded with torch_dtype keeps them, stay in fp32), random weights, in eval mode."""
    import torch

    with torch.device(device):
        parts = BUILDERS[family](shrink)
    for part in parts.values():
        if isinstance(part, torch.nn.Module):
            part.to(dtype).eval().requires_grad_(False)
            keep = getattr(part, "_keep_in_fp32_modules", None) or []
            for name, module in part.named_modules():
                if keep and any(k in name.split(".") for k in keep):
                    module.to(torch.float32)
    if device == "cuda":
        torch.cuda.empty_cache()
    return parts
