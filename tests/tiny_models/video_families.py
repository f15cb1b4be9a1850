"""Tiny image-to-video pipelines: LTX-Video (first frame, and first/last frame through
LTXConditionPipeline on the same folder) and Wan 2.1 FLF2V (first frame, or first and last frame).
Shapes follow diffusers' get_dummy_components; the T5 tokenizer is the committed local one."""

from __future__ import annotations

from pathlib import Path

from . import text_encoders as te
from .common import save, seeded


def _ltx_vae():
    """Four 8-channel blocks, two of which scale: 4x spatial and 4x temporal compression."""
    from diffusers import AutoencoderKLLTXVideo

    return AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False,
        patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )


def _ltx_transformer():
    from diffusers import LTXVideoTransformer3DModel

    return LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=te.T5_HIDDEN,
    )


def build_ltx_video(folder: Path) -> Path:
    """Saved as LTXImageToVideoPipeline; LTXConditionPipeline opens the same folder (same components)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, LTXImageToVideoPipeline

    pipe = LTXImageToVideoPipeline(
        transformer=seeded(_ltx_transformer),
        vae=seeded(_ltx_vae),
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=te.t5_encoder(),
        tokenizer=te.t5_tokenizer(),
    )
    return save(pipe, folder)


WAN_IMAGE_SIZE = 4  # the CLIP vision encoder's image_size: 4x4 patches + 1 class token per picture
WAN_VARIANTS = ("flf2v", "i2v", "2.2-i2v")


def _wan_transformer(image_dim: int | None, pos_embed_seq_len: int | None):
    from diffusers import WanTransformer3DModel

    return seeded(lambda: WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=36,  # 16 noise + 4 mask + 16 condition latents
        out_channels=16, text_dim=te.T5_HIDDEN, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, image_dim=image_dim,
        pos_embed_seq_len=pos_embed_seq_len,
    ))


def build_wan(folder: Path, variant: str = "flf2v") -> Path:
    """WanImageToVideoPipeline in one of three real layouts (they take different inputs):
    - "flf2v" (Wan 2.1 FLF2V, the default): CLIP vision embeds of the first AND last frame, whose image
      embedding has a position table for two pictures (pos_embed_seq_len); it needs last_image;
    - "i2v" (Wan 2.1 I2V): CLIP vision embeds of the first frame only; it refuses last_image;
    - "2.2-i2v" (Wan 2.2 I2V A14B): no image encoder, two experts split at boundary_ratio; it takes
      the first frame with or without last_image (the frames only enter as VAE latents).
    """
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    if variant not in WAN_VARIANTS:
        raise ValueError(f"unknown Wan variant {variant!r}; one of {WAN_VARIANTS}")
    parts = {}
    if variant == "2.2-i2v":
        parts.update(transformer=_wan_transformer(None, None), transformer_2=_wan_transformer(None, None),
                     image_encoder=None, image_processor=None, boundary_ratio=0.9)
    else:
        vision = CLIPVisionConfig(
            hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2,
            image_size=WAN_IMAGE_SIZE, intermediate_size=16, patch_size=1,
        )
        tokens_per_image = WAN_IMAGE_SIZE * WAN_IMAGE_SIZE + 1
        pos_embed_seq_len = 2 * tokens_per_image if variant == "flf2v" else None
        parts.update(
            transformer=_wan_transformer(vision.hidden_size, pos_embed_seq_len),
            transformer_2=None,
            image_encoder=seeded(lambda: CLIPVisionModel(vision)),
            image_processor=CLIPImageProcessor(crop_size=WAN_IMAGE_SIZE, size=WAN_IMAGE_SIZE),
        )
    pipe = WanImageToVideoPipeline(
        vae=seeded(lambda: AutoencoderKLWan(
            base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True],
        )),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder=te.umt5_encoder(),
        tokenizer=te.t5_tokenizer(),
        **parts,
    )
    return save(pipe, folder)
