"""Does a take's preview follow its prompt? An installed CLIP or SigLIP model scores the picture
against the prompt (the cosine similarity of their embeddings), and early abort (denoise.py) stops
a take scoring under the threshold of that kind of model.

The check sees the same cheap linear preview as the other take checks (take_checks.py), 20-40 %
into the schedule: blurry, but the layout and colours of the subject are there. Its thresholds are
set to reject only a take far from its prompt, not to rank good ones.

The model is the first installed one by name, or the one AIPROD_SIMILARITY_MODEL names ("off": no
prompt check). It is loaded once per process, locally only (safetensors, local_files_only, the
offline switches), and runs on the CPU in float32: one picture and one prompt take a fraction of a
second there, and the GPU's memory stays the pipeline's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np

from .families import IMAGE_TEXT_SIMILARITY
from .library import InstalledModel, ModelLibrary
from .loading import ModelError, _diffusers

CHOICE_VARIABLE = "AIPROD_SIMILARITY_MODEL"
CHECK_NAME = "prompt similarity"

# CLIP (ViT-B/32 to ViT-L/14): a picture and a caption that match score about 0.25-0.35, unrelated
# pairs about 0.10-0.18 (the spread OpenAI's and LAION's CLIP-score studies report). An early preview
# scores lower than the finished picture, so the bar sits at the top of the unrelated range: only a
# take that looks like nothing the prompt asks for is stopped.
CLIP_MIN_SIMILARITY = 0.18
# SigLIP trains with a sigmoid on scale * cosine + bias (scale ~110, bias ~-10 to -17): a pair counts
# as matching from a cosine near 0.1-0.15, and unrelated pairs sit near 0 or below. 0.05 keeps the
# same margin under a match as CLIP's bar does.
SIGLIP_MIN_SIMILARITY = 0.05


def min_similarity(kind: str) -> float:
    """The threshold for a model of `kind` ("clip" or "siglip"), read when asked (tests change it)."""
    return SIGLIP_MIN_SIMILARITY if kind == "siglip" else CLIP_MIN_SIMILARITY


def similarity_model(library: ModelLibrary) -> InstalledModel | None:
    """The CLIP or SigLIP model the prompt check uses, or None: none installed, or turned off."""
    choice = os.environ.get(CHOICE_VARIABLE, "").strip()
    if choice.lower() == "off":
        return None
    installed = sorted((m for m in library.for_task(IMAGE_TEXT_SIMILARITY) if not m.is_pickle), key=lambda m: m.name)
    if choice:
        chosen = [m for m in installed if m.name == choice]
        if not chosen:
            have = ", ".join(m.name for m in installed) or "none is installed"
            raise ModelError(f"{CHOICE_VARIABLE} names '{choice}', which is not an installed CLIP or SigLIP model "
                             f"({have}); name one of them, or set it to 'off'")
        return chosen[0]
    return installed[0] if installed else None


class _Scorer:
    """A loaded model with its tokenizer and image processor; the last prompt's embedding is kept
    (every check of a node scores the same prompt)."""

    def __init__(self, model: InstalledModel):
        transformers = _loaded_transformers()
        import torch

        self.model = model
        local = {"local_files_only": True}
        try:
            self.net = transformers.AutoModel.from_pretrained(str(model.path), use_safetensors=True,
                                                              dtype=torch.float32, **local).eval()
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(model.path), **local)
            self.images = transformers.AutoImageProcessor.from_pretrained(str(model.path), **local)
        except Exception as exc:  # a damaged file, a missing tokenizer or preprocessor_config.json
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise ModelError(f"'{model.name}' ({model.path}), the prompt-similarity model of Early abort, cannot be "
                             f"loaded: {first}; replace or remove it, or set {CHOICE_VARIABLE}=off") from exc
        positions = getattr(getattr(self.net.config, "text_config", None), "max_position_embeddings", 77)
        self.max_length = int(min(positions, getattr(self.tokenizer, "model_max_length", positions) or positions))
        self._prompt: tuple[str, object] | None = None

    def _text(self, prompt: str):
        if self._prompt is None or self._prompt[0] != prompt:
            # Padded to the full length: SigLIP was trained that way (CLIP pools at its end token and
            # masks the padding, so it gives the same embedding either way).
            tokens = self.tokenizer([prompt], padding="max_length", truncation=True, max_length=self.max_length,
                                    return_tensors="pt")
            self._prompt = (prompt, _normalised(self.net.get_text_features(**tokens)))
        return self._prompt[1]

    def similarity(self, picture: np.ndarray, prompt: str) -> float:
        """Cosine similarity of `picture` (h x w x 3, 0..1) and `prompt`."""
        import torch

        pixels = np.round(np.clip(picture, 0.0, 1.0) * 255.0).astype(np.uint8)
        with torch.inference_mode():
            inputs = self.images(images=[pixels], return_tensors="pt")
            image = _normalised(self.net.get_image_features(pixel_values=inputs["pixel_values"]))
            return float((image * self._text(prompt)).sum())


def _normalised(features):
    import torch

    # transformers 5 returns an output object whose pooler_output is the projected embedding; 4.x the tensor.
    embedding = features if isinstance(features, torch.Tensor) else features.pooler_output
    return embedding / embedding.norm(dim=-1, keepdim=True)


def _loaded_transformers():
    _diffusers()  # the offline switches and quiet logging, as for a pipeline
    import transformers

    return transformers


_scorers: dict[str, _Scorer] = {}
_scorers_lock = threading.Lock()


def scorer_for(model: InstalledModel, fingerprint: str) -> _Scorer:
    """The loaded `model`, loading it on first use; one model stays resident (a changed file reloads)."""
    key = f"{model.path}\n{fingerprint}"
    with _scorers_lock:
        scorer = _scorers.get(key)
        if scorer is None:
            _scorers.clear()
            scorer = _scorers[key] = _Scorer(model)
        return scorer


def prompt_check(library: ModelLibrary, prompt) -> Callable[[np.ndarray], tuple[str, str] | None] | None:
    """frames -> (check name, why) or None, for a take of `prompt`; None when there is nothing to
    check: an empty prompt, or no CLIP or SigLIP model in use. The model loads at the first check."""
    if not isinstance(prompt, str) or not prompt.strip():
        return None
    model = similarity_model(library)
    if model is None:
        return None

    def check(frames: np.ndarray) -> tuple[str, str] | None:
        picture = frames[len(frames) // 2]  # a video's middle frame: its first and last lean on the keyframes
        score = scorer_for(model, library.fingerprint(model)).similarity(picture, prompt)
        threshold = min_similarity(model.family or "clip")
        if score < threshold:
            return CHECK_NAME, f"{CHECK_NAME} {score:.2f} under {threshold:.2f} by '{model.name}'"
        return None

    return check
