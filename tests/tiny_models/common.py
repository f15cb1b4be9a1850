"""What every tiny family builder shares: seeded construction and a safetensors-only save."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

T = TypeVar("T")

SEED = 0
TOKENIZERS_DIR = Path(__file__).resolve().parent / "tokenizers"  # made by make_tokenizers.py, committed
TOKENIZER_VOCAB_LIMIT = 1000  # the tiny CLIP / T5 / Gemma text encoders' vocab_size; every token id is below it


def seeded(make: Callable[[], T]) -> T:
    """Build one component right after torch.manual_seed(SEED), as diffusers' get_dummy_components does,
    so each component's random weights do not depend on what was built before it. The caller's global
    RNG state is restored afterwards (fork_rng), so building a model never shifts a test's random draws."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        component = make()
    if isinstance(component, torch.nn.Module):
        component.eval()  # dropout off: two runs with one seed must agree bit for bit
    return component


def save(pipe, folder: Path) -> Path:
    """Write the pipeline as a diffusers folder with .safetensors weights only (no pickled .bin)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder
