"""The committed tiny tokenizers (see make_tokenizers.py) and the tiny text encoders that match them.

Every encoder's vocab_size is TOKENIZER_VOCAB_LIMIT, above every id the saved tokenizers produce,
and the hidden sizes are the ones the families' dummy denoisers expect (CLIP 32, T5 32, Mistral 16,
Gemma 3 16).
"""

from __future__ import annotations

from .common import TOKENIZER_VOCAB_LIMIT, TOKENIZERS_DIR, seeded

CLIP_HIDDEN = 32  # two CLIP encoders side by side give SDXL's cross_attention_dim of 64
T5_HIDDEN = 32  # Flux / SD3 joint_attention_dim, LTX caption_channels, Wan text_dim


def clip_tokenizer():
    from transformers import CLIPTokenizer

    return CLIPTokenizer.from_pretrained(TOKENIZERS_DIR / "clip")


def t5_tokenizer():
    from transformers import T5Tokenizer

    return T5Tokenizer.from_pretrained(TOKENIZERS_DIR / "t5")


def gemma_tokenizer():
    from transformers import GemmaTokenizer

    return GemmaTokenizer.from_pretrained(TOKENIZERS_DIR / "gemma")


def _clip_config():
    from transformers import CLIPTextConfig

    tok = clip_tokenizer()
    return CLIPTextConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        hidden_size=CLIP_HIDDEN, intermediate_size=37, layer_norm_eps=1e-5, num_attention_heads=4,
        num_hidden_layers=2, vocab_size=TOKENIZER_VOCAB_LIMIT, hidden_act="gelu", projection_dim=32,
        max_position_embeddings=tok.model_max_length,
    )


def clip_text_model():
    from transformers import CLIPTextModel

    return seeded(lambda: CLIPTextModel(_clip_config()))


def clip_text_model_with_projection():
    from transformers import CLIPTextModelWithProjection

    return seeded(lambda: CLIPTextModelWithProjection(_clip_config()))


def _t5_kwargs():
    return dict(
        vocab_size=TOKENIZER_VOCAB_LIMIT, d_model=T5_HIDDEN, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, dropout_rate=0.0, pad_token_id=0, eos_token_id=1,
        decoder_start_token_id=0,
    )


def t5_encoder():
    from transformers import T5Config, T5EncoderModel

    return seeded(lambda: T5EncoderModel(T5Config(**_t5_kwargs())))


def umt5_encoder():
    """Wan's real text encoder is UMT5 (same shapes as T5 here)."""
    from transformers import UMT5Config, UMT5EncoderModel

    return seeded(lambda: UMT5EncoderModel(UMT5Config(**_t5_kwargs())))


def gemma2_encoder(hidden_size: int = 8):
    """Sana's Gemma 2 decoder, one layer; hidden_size is the transformer's caption_channels."""
    from transformers import Gemma2Config, Gemma2Model

    config = Gemma2Config(
        head_dim=16, hidden_size=hidden_size, intermediate_size=64, max_position_embeddings=8192,
        num_attention_heads=2, num_hidden_layers=1, num_key_value_heads=2, vocab_size=TOKENIZER_VOCAB_LIMIT,
        pad_token_id=0, eos_token_id=1, bos_token_id=2, attn_implementation="eager",
    )
    return seeded(lambda: Gemma2Model(config))


def mistral_tokenizer():
    from transformers import LlamaTokenizer

    return LlamaTokenizer.from_pretrained(TOKENIZERS_DIR / "mistral")


MISTRAL_HIDDEN = 16
MISTRAL_LAYERS = 30  # FLUX.2 stacks hidden states 10, 20 and 30 by default (text_encoder_out_layers)


def mistral3_encoder():
    """FLUX.2's Mistral Small 3.1, as a 30-layer, 16-wide decoder with a one-layer Pixtral vision tower
    (the class needs one; text-to-image never runs it)."""
    from transformers import Mistral3Config, Mistral3ForConditionalGeneration

    tok = mistral_tokenizer()
    ids = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    config = Mistral3Config(
        text_config={
            "model_type": "mistral", "vocab_size": TOKENIZER_VOCAB_LIMIT, "hidden_size": MISTRAL_HIDDEN,
            "intermediate_size": 37, "max_position_embeddings": 8192, "num_attention_heads": 4,
            "num_hidden_layers": MISTRAL_LAYERS, "num_key_value_heads": 2, "head_dim": MISTRAL_HIDDEN // 4,
            "rms_norm_eps": 1e-05, "rope_theta": 1000000000.0, "sliding_window": None, **ids,
        },
        vision_config={
            "model_type": "pixtral", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 4,
            "intermediate_size": 37, "image_size": 30, "patch_size": 6, "num_channels": 3, "head_dim": 4,
        },
        image_seq_length=4, vision_feature_layer=-1, image_token_index=TOKENIZER_VOCAB_LIMIT - 1, **ids,
    )
    return seeded(lambda: Mistral3ForConditionalGeneration(config))


GEMMA3_HIDDEN = 16
GEMMA3_LAYERS = 2  # LTX-2 stacks every hidden state: the embeddings and each layer's (GEMMA3_LAYERS + 1)


def gemma3_encoder():
    """LTX-2's Gemma 3, as a 2-layer, 16-wide decoder with a one-layer SigLIP vision tower (the
    class needs one; LTX-2 only reads the text hidden states). Built from a config: no download."""
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    tok = gemma_tokenizer()
    ids = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    config = Gemma3Config(
        text_config={
            "vocab_size": TOKENIZER_VOCAB_LIMIT, "hidden_size": GEMMA3_HIDDEN, "intermediate_size": 32,
            "num_hidden_layers": GEMMA3_LAYERS, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8,
            "max_position_embeddings": 2048, "sliding_window": 64, **ids,
        },
        vision_config={
            "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
            "image_size": 8, "patch_size": 4, "num_channels": 3,
        },
        # ids of a picture's placeholder tokens: the top of the vocabulary, never made by the tokenizer
        mm_tokens_per_image=4, image_token_index=TOKENIZER_VOCAB_LIMIT - 1,
        boi_token_index=TOKENIZER_VOCAB_LIMIT - 2, eoi_token_index=TOKENIZER_VOCAB_LIMIT - 3,
    )
    return seeded(lambda: Gemma3ForConditionalGeneration(config))
