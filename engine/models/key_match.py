"""The vocabulary of the checkpoint signature table (key_signatures.py): what a row may ask of a
file's tensor names, and the row and variant records themselves.

A condition is a small value (has, lacks, shape, contains, starts, combined with & | ~), so the
table reads as data and a new model is a new row, not a new branch. Every question is answered
from the header's names: a dict lookup, or a substring search in all names joined once.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass

# Where an original-layout denoiser's keys may start: bare (BFL, Wan, Lightricks releases), under
# the LDM/ComfyUI checkpoint prefix, or under the prefix ComfyUI's own saves and LoRAs use.
DENOISER_PREFIXES = ("", "model.diffusion_model.", "diffusion_model.")

ORIGINAL = "original"  # the layout of the model's own code: ComfyUI, Stability, BFL, Lightricks, Wan
DIFFUSERS = "diffusers"  # the layout diffusers and transformers load without converting
MODEL = "model"  # a row's part: the denoiser, or a whole checkpoint when the file carries more (see BUNDLED)
WHOLE = "whole"  # a row's part: keys found only in a whole checkpoint (SDXL's text encoders)

# Prefixes under which a checkpoint carries its VAE or text encoders next to the denoiser.
BUNDLED = ("first_stage_model.", "vae.", "audio_vae.", "vocoder.", "conditioner.", "cond_stage_model.",
           "text_encoders.", "pretransform.")


class Keys:
    """A file's tensor names as the conditions ask about them."""

    __slots__ = ("_tensors", "_blob", "_contains")

    def __init__(self, tensors: Mapping[str, Mapping]):
        self._tensors = tensors
        self._blob: str | None = None
        self._contains: dict[str, bool] = {}  # several rows ask the same (the language-model encoders)

    def find(self, name: str) -> str | None:
        """`name` as it is in the file, bare or under one of the DENOISER_PREFIXES."""
        for prefix in DENOISER_PREFIXES:
            if prefix + name in self._tensors:
                return prefix + name
        return None

    def shape(self, name: str) -> list | None:
        found = self.find(name)
        return self._tensors[found]["shape"] if found is not None else None

    @property
    def blob(self) -> str:
        # Every name on its own line: "any name contains / starts with" becomes one substring
        # search in C instead of a Python loop over thousands of names per question.
        if self._blob is None:
            self._blob = "\n" + "\n".join(self._tensors) + "\n"
        return self._blob

    def contains(self, text: str) -> bool:
        found = self._contains.get(text)
        if found is None:
            found = self._contains[text] = text in self.blob
        return found

    def starts(self, prefix: str) -> bool:
        return "\n" + prefix in self.blob

    def bundles_more(self) -> bool:
        """Whether the file carries a VAE or text encoder besides its denoiser."""
        return any(self.starts(prefix) for prefix in BUNDLED)


class Condition(abc.ABC):
    """A test on a checkpoint's keys; conditions combine with &, | and ~."""

    @abc.abstractmethod
    def __call__(self, keys: Keys) -> bool:
        """Whether `keys` pass this test."""

    def __and__(self, other: Condition) -> Condition:
        return _All((self, other))

    def __or__(self, other: Condition) -> Condition:
        return _Any((self, other))

    def __invert__(self) -> Condition:
        return _Not(self)


@dataclass(frozen=True)
class _Has(Condition):
    names: tuple[str, ...]

    def __call__(self, keys: Keys) -> bool:
        return any(keys.find(name) is not None for name in self.names)


@dataclass(frozen=True)
class _Shape(Condition):
    names: tuple[str, ...]
    dim: int
    values: tuple[int, ...]

    def __call__(self, keys: Keys) -> bool:
        for name in self.names:
            shape = keys.shape(name)
            if shape is not None:
                return -len(shape) <= self.dim < len(shape) and shape[self.dim] in self.values
        return False


@dataclass(frozen=True)
class _Contains(Condition):
    texts: tuple[str, ...]

    def __call__(self, keys: Keys) -> bool:
        return any(keys.contains(text) for text in self.texts)


@dataclass(frozen=True)
class _Starts(Condition):
    prefixes: tuple[str, ...]

    def __call__(self, keys: Keys) -> bool:
        return any(keys.starts(prefix) for prefix in self.prefixes)


@dataclass(frozen=True)
class _All(Condition):
    parts: tuple[Condition, ...]

    def __call__(self, keys: Keys) -> bool:
        return all(part(keys) for part in self.parts)


@dataclass(frozen=True)
class _Any(Condition):
    parts: tuple[Condition, ...]

    def __call__(self, keys: Keys) -> bool:
        return any(part(keys) for part in self.parts)


@dataclass(frozen=True)
class _Not(Condition):
    part: Condition

    def __call__(self, keys: Keys) -> bool:
        return not self.part(keys)


def has(*names: str) -> Condition:
    """One of `names` is a tensor (bare or under a DENOISER_PREFIXES prefix)."""
    return _Has(names)


def lacks(*names: str) -> Condition:
    return _Not(_Has(names))


def shape(names: str | tuple[str, ...], dim: int, *values: int) -> Condition:
    """The first of `names` that is in the file has `shape[dim]` among `values`."""
    return _Shape((names,) if isinstance(names, str) else names, dim, values)


def contains(*texts: str) -> Condition:
    """Some tensor name contains one of `texts` (LoRAs and text encoders name their layers freely)."""
    return _Contains(texts)


def starts(*prefixes: str) -> Condition:
    return _Starts(prefixes)


@dataclass(frozen=True)
class Variant:
    """One answer to a question about a matched file: `tag` goes into Classification.variant when
    `when` holds (None: always, a group's fallback); `tasks`, when given, replaces the family's
    tasks (a Wan text-to-video checkpoint cannot start from a picture)."""

    tag: str
    when: Condition | None = None
    tasks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Signature:
    """A table row. `name`: what the row recognises (the family id, or what the file is when
    AIPROD Studio does not run it: "sd1", "chroma", "t5"). `family`: a families.py id or None.
    `part`: MODEL, WHOLE or a families.PARTS id. `key_format`: ORIGINAL or DIFFUSERS (None for a
    LoRA, whose format is read from its names). `when`: the keys that identify it. `variants`:
    groups of Variant; the first that holds in each group adds its tag, in group order."""

    name: str
    family: str | None
    part: str
    key_format: str | None
    when: Condition
    variants: tuple[tuple[Variant, ...], ...] = ()


def row(name, family, part, key_format, when, *variant_groups) -> Signature:
    return Signature(name, family, part, key_format, when, tuple(tuple(group) for group in variant_groups))
