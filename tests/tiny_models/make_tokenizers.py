"""Build the tiny tokenizers under tests/tiny_models/tokenizers/ once; the saved folders are committed.

diffusers' own tests download theirs from hf-internal-testing repos, which these tests may not do.
Each vocabulary is a few hundred entries (every id below TOKENIZER_VOCAB_LIMIT, the tiny text
encoders' vocab_size) and holds whole pieces for a small list of everyday prompt words, so a
prompt such as "a red fox at dawn" becomes real ids rather than unknown tokens.

Run it as a module (a plain script path would let this folder shadow the `tokenizers` library):
    PYTHONPATH=. python -m tests.tiny_models.make_tokenizers
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .common import TOKENIZER_VOCAB_LIMIT, TOKENIZERS_DIR

CLIP_MAX_LENGTH = 77  # CLIPTextConfig.max_position_embeddings
T5_MAX_LENGTH = 64  # Stable Audio pads every prompt to model_max_length; the others pass max_sequence_length

WORDS = (
    "a an the of in on at and with by to from is red green blue black white dark light bright "
    "fox cat dog bird horse man woman girl boy tree forest city street house room sea sky sun moon "
    "rain snow fire water night day dawn dusk morning evening cinematic photo film shot close wide "
    "portrait landscape music sound ambience wind birds piano drum beat calm soft loud quality bad "
    "blurry low high walking running standing dance monkey"
).split()


def _merges_for(pieces: list[list[str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """Left-to-right BPE merges that rebuild each word from its symbols; returns (new tokens, merges)."""
    tokens: list[str] = []
    merges: list[tuple[str, str]] = []
    seen = set()
    for symbols in pieces:
        left = symbols[0]
        for right in symbols[1:]:
            merged = left + right
            if merged not in seen:
                seen.add(merged)
                tokens.append(merged)
                merges.append((left, right))
            left = merged
    return tokens, merges


def make_clip(folder: Path) -> None:
    """CLIP's byte-level BPE: 256 byte symbols, the same with </w>, merges for WORDS, the two specials last."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab_list = alphabet + [c + "</w>" for c in alphabet]
    words = [list(w[:-1]) + [w[-1] + "</w>"] for w in WORDS if len(w) > 1]
    tokens, merges = _merges_for(words)
    vocab_list += tokens + ["<|startoftext|>", "<|endoftext|>"]  # eos is the highest id, as in CLIP
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    tokenizer = CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=CLIP_MAX_LENGTH)
    tokenizer.save_pretrained(folder)


def make_t5(folder: Path) -> None:
    """T5's SentencePiece Unigram: <pad>=0, </s>=1, <unk>=2, then characters and whole words (higher scores)."""
    import string

    from transformers import T5Tokenizer

    chars = string.ascii_letters + string.digits + string.punctuation
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(c, -8.0) for c in chars] + [("▁" + c, -7.0) for c in chars]
    pieces += [("▁" + w, -3.0) for w in WORDS if len(w) > 1]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=T5_MAX_LENGTH)
    tokenizer.save_pretrained(folder)


def make_gemma(folder: Path) -> None:
    """Gemma's BPE over characters with byte fallback (Sana's text encoder is Gemma 2)."""
    import string

    from transformers import GemmaTokenizer

    vocab_list = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    vocab_list += [f"<0x{b:02X}>" for b in range(256)]
    vocab_list += ["▁"] + list(string.ascii_letters + string.digits + string.punctuation)
    words = [["▁"] + list(w) for w in WORDS]
    tokens, merges = _merges_for(words)
    vocab_list += tokens
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    tokenizer = GemmaTokenizer(vocab=vocab, merges=merges, add_bos_token=True, model_max_length=8192)
    tokenizer.save_pretrained(folder)


# Mistral's chat layout, reduced to what FLUX.2 sends: a system message and a user message, each
# either a string or a list of {"type": "text", "text": ...} parts.
MISTRAL_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages %}"
    "{%- if message['content'] is string %}{%- set text = message['content'] %}"
    "{%- else %}{%- set text = message['content'] | selectattr('type', 'equalto', 'text')"
    " | map(attribute='text') | join('') %}{%- endif %}"
    "{%- if message['role'] == 'system' %}[SYSTEM_PROMPT]{{ text }}[/SYSTEM_PROMPT]"
    "{%- elif message['role'] == 'user' %}[INST]{{ text }}[/INST]"
    "{%- else %}{{ text }}{{ eos_token }}{%- endif %}"
    "{%- endfor %}"
)
MISTRAL_CONTROL = ["[INST]", "[/INST]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"]


def make_mistral(folder: Path) -> None:
    """A Llama-style BPE with byte fallback and Mistral's control tokens and chat template
    (FLUX.2's text encoder is Mistral Small 3.1; its pipeline calls tokenizer.apply_chat_template)."""
    import string

    from transformers import LlamaTokenizer

    vocab_list = ["<unk>", "<s>", "</s>", "<pad>"] + MISTRAL_CONTROL
    vocab_list += [f"<0x{b:02X}>" for b in range(256)]
    vocab_list += ["▁"] + list(string.ascii_letters + string.digits + string.punctuation)
    tokens, merges = _merges_for([["▁"] + list(w) for w in WORDS])
    vocab_list += tokens
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    tokenizer = LlamaTokenizer(vocab=vocab, merges=merges, pad_token="<pad>", add_bos_token=False,
                               model_max_length=8192, chat_template=MISTRAL_CHAT_TEMPLATE)
    tokenizer.add_special_tokens({"additional_special_tokens": MISTRAL_CONTROL})
    tokenizer.save_pretrained(folder)


MAKERS = {"clip": make_clip, "t5": make_t5, "gemma": make_gemma, "mistral": make_mistral}


def main() -> None:
    for name, make in MAKERS.items():
        folder = TOKENIZERS_DIR / name
        shutil.rmtree(folder, ignore_errors=True)
        make(folder)
        from transformers import AutoTokenizer

        size = len(AutoTokenizer.from_pretrained(folder))
        assert size <= TOKENIZER_VOCAB_LIMIT, f"{name}: {size} tokens, above the text encoders' vocab_size"
        print(folder, size, "tokens:", ", ".join(sorted(p.name for p in folder.iterdir())))


if __name__ == "__main__":
    main()
