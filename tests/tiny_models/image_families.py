"""Tiny text-to-image pipelines: SDXL (UNet), SD3, FLUX.1 and FLUX.2 (MMDiT transformers), Sana
(cheapest of the LLM-encoder families: a one-layer Gemma 2 and a two-block DC-AE). Shapes follow diffusers'
get_dummy_components for each pipeline; tokenizers are the committed local ones."""

from __future__ import annotations

from pathlib import Path

from . import text_encoders as te
from .common import save, seeded


def _sdxl_unet():
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=6 * 8 + 32,  # six time ids * 8 + text_encoder_2's projection_dim
        cross_attention_dim=2 * te.CLIP_HIDDEN, norm_num_groups=1,
    )


def _sd_vae(latent_channels: int = 4, **more):
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        block_out_channels=(4,), layers_per_block=1, in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D",), up_block_types=("UpDecoderBlock2D",),
        latent_channels=latent_channels, norm_num_groups=1, sample_size=32, **more,
    )


def build_sdxl(folder: Path) -> Path:
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline

    pipe = StableDiffusionXLPipeline(
        unet=seeded(_sdxl_unet),
        vae=seeded(_sd_vae),
        scheduler=EulerDiscreteScheduler(
            beta_start=0.00085, beta_end=0.012, steps_offset=1, beta_schedule="scaled_linear",
            timestep_spacing="leading",
        ),
        text_encoder=te.clip_text_model(),
        text_encoder_2=te.clip_text_model_with_projection(),
        tokenizer=te.clip_tokenizer(),
        tokenizer_2=te.clip_tokenizer(),
        image_encoder=None,
        feature_extractor=None,
    )
    return save(pipe, folder)


def _flow_vae(latent_channels: int):
    """SD3 / Flux style AutoencoderKL: no quant convs, a shift and a scale on the latents."""
    return _sd_vae(latent_channels, use_quant_conv=False, use_post_quant_conv=False,
                   shift_factor=0.0609, scaling_factor=1.5035)


def build_sd3(folder: Path) -> Path:
    from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline

    transformer = seeded(lambda: SD3Transformer2DModel(
        sample_size=32, patch_size=1, in_channels=4, num_layers=1, attention_head_dim=8, num_attention_heads=4,
        caption_projection_dim=32, joint_attention_dim=te.T5_HIDDEN, pooled_projection_dim=2 * te.CLIP_HIDDEN,
        out_channels=4,
    ))
    pipe = StableDiffusion3Pipeline(
        transformer=transformer,
        vae=seeded(lambda: _flow_vae(4)),
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=te.clip_text_model_with_projection(),
        text_encoder_2=te.clip_text_model_with_projection(),
        text_encoder_3=te.t5_encoder(),
        tokenizer=te.clip_tokenizer(),
        tokenizer_2=te.clip_tokenizer(),
        tokenizer_3=te.t5_tokenizer(),
        image_encoder=None,
        feature_extractor=None,
    )
    return save(pipe, folder)


def flux1_transformer():
    """FLUX.1's transformer; in_channels=4 is the VAE's one latent channel after 2x2 packing."""
    from diffusers import FluxTransformer2DModel

    return seeded(lambda: FluxTransformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=te.T5_HIDDEN, pooled_projection_dim=te.CLIP_HIDDEN,
        axes_dims_rope=[4, 4, 8],
    ))


def build_flux1(folder: Path) -> Path:
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline

    pipe = FluxPipeline(
        transformer=flux1_transformer(),
        vae=seeded(lambda: _flow_vae(1)),
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=te.clip_text_model(),
        text_encoder_2=te.t5_encoder(),
        tokenizer=te.clip_tokenizer(),
        tokenizer_2=te.t5_tokenizer(),
        image_encoder=None,
        feature_extractor=None,
    )
    return save(pipe, folder)


def build_sana(folder: Path) -> Path:
    from diffusers import AutoencoderDC, FlowMatchEulerDiscreteScheduler, SanaPipeline, SanaTransformer2DModel

    caption_channels = 8
    transformer = seeded(lambda: SanaTransformer2DModel(
        patch_size=1, in_channels=4, out_channels=4, num_layers=1, num_attention_heads=2, attention_head_dim=4,
        num_cross_attention_heads=2, cross_attention_head_dim=4, cross_attention_dim=8,
        caption_channels=caption_channels, sample_size=32,
    ))
    vae = seeded(lambda: AutoencoderDC(
        in_channels=3, latent_channels=4, attention_head_dim=2,
        encoder_block_types=("ResBlock", "EfficientViTBlock"), decoder_block_types=("ResBlock", "EfficientViTBlock"),
        encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
        encoder_qkv_multiscales=((), (5,)), decoder_qkv_multiscales=((), (5,)),
        encoder_layers_per_block=(1, 1), decoder_layers_per_block=(1, 1),
        downsample_block_type="conv", upsample_block_type="interpolate",
        decoder_norm_types="rms_norm", decoder_act_fns="silu", scaling_factor=0.41407,
    ))
    pipe = SanaPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder=te.gemma2_encoder(hidden_size=caption_channels),
        tokenizer=te.gemma_tokenizer(),
    )
    return save(pipe, folder)


def build_flux2(folder: Path) -> Path:
    """FLUX.2 [dev]: Mistral 3 text (three hidden layers stacked: joint_attention_dim is 3x its width),
    AutoencoderKLFlux2 latents packed 2x2 as in FLUX.1."""
    from diffusers import AutoencoderKLFlux2, FlowMatchEulerDiscreteScheduler, Flux2Pipeline, Flux2Transformer2DModel

    transformer = seeded(lambda: Flux2Transformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=3 * te.MISTRAL_HIDDEN, timestep_guidance_channels=256,
        axes_dims_rope=[4, 4, 4, 4],
    ))
    vae = seeded(lambda: AutoencoderKLFlux2(
        sample_size=32, in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",),
        up_block_types=("UpDecoderBlock2D",), block_out_channels=(4,), layers_per_block=1, latent_channels=1,
        norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
    ))
    pipe = Flux2Pipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=te.mistral3_encoder(),
        tokenizer=te.mistral_tokenizer(),
    )
    return save(pipe, folder)
