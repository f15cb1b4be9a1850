"""Tiny LTX-2: a joint audio-video transformer over a video VAE and an audio VAE (log-mel in, a
vocoder out), text through Gemma 3 and LTX-2's text connectors. Saved as LTX2ImageToVideoPipeline;
LTX2ConditionPipeline opens the same folder (same components).

Shapes follow diffusers' LTX-2 dummy components, checked against diffusers 0.42.1, except:
- Gemma 3 is built from a config (text 16 wide, 2 layers), not downloaded (text_encoders.py);
- each text connector is 2 heads x 8 = 16 wide: 0.42.1 projects the stacked hidden states to the
  caption width and runs the connectors at that width (the dummy's 4 heads x 8 no longer fits);
- the audio path is coherent for a test that encodes real sound: the audio VAE has three levels
  (the 4x time and 4x mel compression the pipelines assume, where the dummy's one level compresses
  nothing), and the vocoder upsamples by the mel hop (160), so it really makes its declared 16 kHz."""

from __future__ import annotations

from pathlib import Path

from . import text_encoders as te
from .common import save, seeded

AUDIO_SAMPLE_RATE = 16000
MEL_HOP = 160
MEL_BINS = 8
AUDIO_LATENT_CHANNELS = 2


def _transformer():
    from diffusers import LTX2VideoTransformer3DModel

    return LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=AUDIO_LATENT_CHANNELS * MEL_BINS // 4,
        audio_out_channels=AUDIO_LATENT_CHANNELS * MEL_BINS // 4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=te.GEMMA3_HIDDEN, rope_double_precision=False, rope_type="split",
        audio_sampling_rate=AUDIO_SAMPLE_RATE, audio_hop_length=MEL_HOP,
    )


def _connectors():
    """Gemma's stacked hidden states to the transformer's captions; each connector's width
    (heads x head dim) is the caption width."""
    from diffusers.pipelines.ltx2 import LTX2TextConnectors

    width = dict(num_attention_heads=2, attention_head_dim=te.GEMMA3_HIDDEN // 2, num_layers=1,
                 num_learnable_registers=None)
    connectors = {f"{branch}_connector_{k}": v for branch in ("video", "audio") for k, v in width.items()}
    return LTX2TextConnectors(
        caption_channels=te.GEMMA3_HIDDEN, text_proj_in_factor=te.GEMMA3_LAYERS + 1, **connectors,
        connector_rope_base_seq_len=32, rope_theta=10000.0, rope_double_precision=False,
        causal_temporal_positioning=False, rope_type="split",
    )


def _video_vae():
    from diffusers import AutoencoderKLLTX2Video

    return AutoencoderKLLTX2Video(
        latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,), layers_per_block=(1,),
        decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,), decoder_spatio_temporal_scaling=(True,),
        decoder_inject_noise=(False, False), downsample_type=("spatial",), upsample_residual=(False,),
        upsample_factor=(1,), timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True,
        decoder_causal=False,
    )


def _audio_vae():
    from diffusers import AutoencoderKLLTX2Audio

    # base_channels is the packed latent width (channels x latent mel bins): its per-channel statistics
    return AutoencoderKLLTX2Audio(
        base_channels=AUDIO_LATENT_CHANNELS * MEL_BINS // 4, output_channels=2, ch_mult=(1, 1, 1),
        num_res_blocks=1, attn_resolutions=None, in_channels=2, resolution=32, latent_channels=AUDIO_LATENT_CHANNELS,
        norm_type="pixel", causality_axis="height", dropout=0.0, mid_block_add_attention=False,
        sample_rate=AUDIO_SAMPLE_RATE, mel_hop_length=MEL_HOP, is_causal=True, mel_bins=MEL_BINS,
    )


def _vocoder():
    from diffusers.pipelines.ltx2 import LTX2Vocoder

    return LTX2Vocoder(
        in_channels=2 * MEL_BINS, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[11, 8, 8, 4],
        # 160 in all: one mel frame (hop 160 at 16 kHz) becomes exactly 160 samples (each kernel - factor
        # is even, so no transposed convolution adds a sample)
        upsample_factors=[5, 4, 4, 2],
        resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]], leaky_relu_negative_slope=0.1,
        output_sampling_rate=AUDIO_SAMPLE_RATE,
    )


def build_ltx2(folder: Path) -> Path:
    from diffusers import FlowMatchEulerDiscreteScheduler, LTX2ImageToVideoPipeline

    pipe = LTX2ImageToVideoPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=seeded(_video_vae),
        audio_vae=seeded(_audio_vae),
        text_encoder=te.gemma3_encoder(),
        tokenizer=te.gemma_tokenizer(),
        connectors=seeded(_connectors),
        transformer=seeded(_transformer),
        vocoder=seeded(_vocoder),
    )
    return save(pipe, folder)
