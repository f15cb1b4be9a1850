"""Tiny random-weight image-text similarity models (CLIP, SigLIP) saved as transformers folders:
config.json, model.safetensors and, for CLIP, the committed tiny tokenizer and an image processor,
so the prompt check of early abort can load and run one offline."""

from __future__ import annotations

from pathlib import Path

from .common import TOKENIZER_VOCAB_LIMIT, seeded
from .text_encoders import _clip_config, clip_tokenizer

IMAGE_SIZE = 32
VISION = {"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 4,
          "image_size": IMAGE_SIZE, "patch_size": 8}


def build_clip(folder: Path) -> Path:
    """A whole CLIPModel (text and vision towers) with its tokenizer and image processor."""
    from transformers import CLIPConfig, CLIPModel
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    text = _clip_config()
    config = CLIPConfig(text_config=text.to_dict(), vision_config=VISION, projection_dim=16,
                        bos_token_id=text.bos_token_id, eos_token_id=text.eos_token_id, pad_token_id=text.pad_token_id)
    seeded(lambda: CLIPModel(config)).save_pretrained(folder, safe_serialization=True)
    clip_tokenizer().save_pretrained(folder)
    CLIPImageProcessorPil(size={"shortest_edge": IMAGE_SIZE},
                       crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}).save_pretrained(folder)
    return Path(folder)


def build_siglip_weights(folder: Path) -> Path:
    """A whole SiglipModel's config and weights only (no tokenizer): enough to be recognised."""
    from transformers import SiglipConfig, SiglipModel

    text = {"vocab_size": TOKENIZER_VOCAB_LIMIT, "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2,
            "num_attention_heads": 4, "max_position_embeddings": 16}
    config = SiglipConfig(text_config=text, vision_config=VISION, bos_token_id=None, eos_token_id=None)
    seeded(lambda: SiglipModel(config)).save_pretrained(folder, safe_serialization=True)
    return Path(folder)
