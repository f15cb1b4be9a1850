"""Tiny image-to-video pipelines: LTX-Video (first frame, and first/last frame through
LTXConditionPipeline on the same folder), Wan (2.1 FLF2V by default; 2.1 I2V and 2.2 I2V layouts too),
CogVideoX I2V and Stable Video Diffusion. Shapes follow diffusers' get_dummy_components; the T5
tokenizer is the committed local one."""

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


def build_svd(folder: Path) -> Path:
    """Stable Video Diffusion: a spatio-temporal UNet conditioned on a CLIP vision embedding of the
    picture. The pipeline resizes a PIL picture to 224x224 for CLIP, so the vision encoder takes 224
    (with 14-pixel patches, as the real ViT-H/14 does: 257 tokens), not diffusers' tensor-only 32."""
    from diffusers import (AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, StableVideoDiffusionPipeline,
                           UNetSpatioTemporalConditionModel)
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    unet = seeded(lambda: UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=32, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32, num_attention_heads=8,  # 32 and 64 channels: its GroupNorms have 32 groups
        projection_class_embeddings_input_dim=3 * 32,  # fps, motion bucket, noise augmentation: 32 each
        addition_time_embed_dim=32,
    ))
    vision = CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4, image_size=224,
        intermediate_size=37, patch_size=14,
    )
    pipe = StableVideoDiffusionPipeline(
        unet=unet,
        vae=seeded(lambda: AutoencoderKLTemporalDecoder(
            block_out_channels=[32, 64], in_channels=3, out_channels=3,  # its decoder's GroupNorm has 32 groups
            down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"], latent_channels=4,
        )),
        image_encoder=seeded(lambda: CLIPVisionModelWithProjection(vision)),
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
        scheduler=EulerDiscreteScheduler(
            beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
            num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002,
            steps_offset=1, timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True,
        ),
    )
    return save(pipe, folder)


COGVIDEOX_SIZE = 16  # learned position embeddings fix the size: 2x2 latents, as in the real I2V model (480x720)


def build_cogvideox(folder: Path) -> Path:
    """CogVideoX I2V. Its learned position embeddings make the transformer take one size only,
    COGVIDEOX_SIZE square, and max_text_seq_length is the pipeline's default max_sequence_length (226)
    so a call without that argument works too."""
    from diffusers import (AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXImageToVideoPipeline,
                           CogVideoXTransformer3DModel)

    latent_size = COGVIDEOX_SIZE // 8  # the VAE's four blocks: 8x spatial compression
    transformer = seeded(lambda: CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16,  # RoPE needs a head dim divisible by 16
        in_channels=8, out_channels=4, time_embed_dim=2, text_embed_dim=te.T5_HIDDEN, num_layers=1,
        sample_width=latent_size, sample_height=latent_size, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=226,
        use_rotary_positional_embeddings=True, use_learned_positional_embeddings=True,
    ))
    vae = seeded(lambda: AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), latent_channels=4,
        layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4,
    ))
    pipe = CogVideoXImageToVideoPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=CogVideoXDDIMScheduler(),
        text_encoder=te.t5_encoder(),
        tokenizer=te.t5_tokenizer(),
    )
    return save(pipe, folder)
