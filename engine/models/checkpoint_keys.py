"""What a model file is, told from its contents and never from its name: which family, whether
it is a whole checkpoint or a part (LoRA, VAE, text encoder, denoiser alone), its key layout,
variant, precision and the tasks it can do. Also the same for a diffusers folder, from its configs.

Header-only and free of torch and diffusers: a folder scan runs this on hundreds of files.
The signatures live in key_signatures.py; the header reader in safetensors_header.py.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from .families import (DENOISER, FAMILIES, FIRST_LAST_VIDEO, IMAGE_TO_IMAGE, IMAGE_TO_VIDEO, LORA,
                       family_of_pipeline_class)
from .key_match import DIFFUSERS, MODEL, ORIGINAL, WHOLE, Keys, Signature
from .key_signatures import LORA_MARKERS, LORAS, METADATA_FAMILIES, MODELS, TEXT_ENCODERS, VAES
from .safetensors_header import Header, ModelFileError, read_header

__all__ = ["Classification", "Header", "ModelFileError", "classify", "classify_file", "classify_folder_config",
           "read_header"]

# Models first: a whole checkpoint carries VAE and text-encoder keys too, under its own prefixes.
SIGNATURES: tuple[Signature, ...] = MODELS + VAES + TEXT_ENCODERS

PRECISIONS = {"F16": "fp16", "BF16": "bf16", "F32": "fp32", "F64": "fp64", "F8_E4M3": "fp8", "F8_E5M2": "fp8",
              "F8_E8M0": "fp8", "F4": "fp4", "F6_E2M3": "fp6", "F6_E3M2": "fp6", "I8": "int8", "U8": "uint8"}
TORCH_PRECISIONS = {"float16": "fp16", "bfloat16": "bf16", "float32": "fp32", "float64": "fp64",
                    "float8_e4m3fn": "fp8", "float8_e5m2": "fp8"}


@dataclass(frozen=True)
class Classification:
    """`family`: a families.py id, or None (not recognised, or not a model AIPROD Studio runs).
    `part`: None for a whole checkpoint, else a families.PARTS id. `key_format`: "original"
    (ComfyUI, Stability, BFL, Lightricks, Wan) or "diffusers"; "" when unknown. `variant`: free
    text ("base", "refiner", "dev", "2.1-i2v-14b"); "" when nothing more is known. `precision`:
    the dtype most of the weight bytes are in ("fp16", "bf16", "fp8", ...). `tasks`: the
    families.TASKS this file can do alone (none for a part). `licence`, `title`: from the
    file's metadata. `architecture`: the name of the signature that matched ("" if none did):
    the family, or what the file is when AIPROD Studio does not run it ("sd1", "chroma", "t5")."""

    family: str | None = None
    part: str | None = None
    key_format: str = ""
    variant: str = ""
    precision: str = ""
    tasks: tuple[str, ...] = ()
    licence: str = ""
    title: str = ""
    architecture: str = ""


def classify_file(path) -> Classification:
    """read_header and classify: ModelFileError for a file that is not a readable safetensors file.
    Remembered while the file keeps its size and modification time: a folder is scanned again each
    time models are listed, and parsing the JSON header is nearly all the cost of a first scan."""
    stat = os.stat(path)
    return _classified(os.fspath(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _classified(path: str, size: int, mtime_ns: int) -> Classification:
    return classify(read_header(path))


def classify(header: Header) -> Classification:
    """What the file whose header this is holds. Never raises: an unknown file is family None."""
    keys = Keys(header.tensors)
    about = dict(precision=_precision(header), licence=_metadata(header, "modelspec.license", "license"),
                 title=_metadata(header, "modelspec.title"))
    if LORA_MARKERS(keys):
        return _lora(header, keys, about)
    signature = _first(SIGNATURES, keys)
    if signature is None:
        return Classification(**about)
    family = signature.family
    if signature.part in (MODEL, WHOLE):
        part = None if signature.part == WHOLE or keys.bundles_more() else DENOISER
        tasks = _tasks(signature, keys)
    else:  # a VAE or text encoder does nothing alone; a shared one may say in its metadata whose it is
        part, tasks = signature.part, ()
        family = family or _metadata_family(header)[0]
    return Classification(family, part, signature.key_format, _variant(signature, keys), tasks=tasks,
                          architecture=signature.name, **about)


def _lora(header: Header, keys: Keys, about: dict) -> Classification:
    # PEFT/diffusers LoRAs name the diffusers modules under the pipeline component they adapt.
    diffusers = any(keys.starts(p) for p in ("transformer.", "unet.", "text_encoder", "base_model.model."))
    key_format = DIFFUSERS if diffusers else ORIGINAL
    signature = _first(LORAS, keys)
    if signature is None:  # module names too generic: the trainer's metadata may say what it was for
        family, variant = _metadata_family(header)
        return Classification(family, LORA, key_format, variant, **about)
    return Classification(signature.family, LORA, key_format, _variant(signature, keys),
                          architecture=signature.name, **about)


def _first(signatures, keys: Keys) -> Signature | None:
    return next((signature for signature in signatures if signature.when(keys)), None)


def _chosen(signature: Signature, keys: Keys):
    """The first variant that holds in each of the signature's groups."""
    for group in signature.variants:
        chosen = next((v for v in group if v.when is None or v.when(keys)), None)
        if chosen is not None:
            yield chosen


def _variant(signature: Signature, keys: Keys) -> str:
    return "-".join(v.tag for v in _chosen(signature, keys) if v.tag)


def _tasks(signature: Signature, keys: Keys) -> tuple[str, ...]:
    if signature.family is None:
        return ()
    for chosen in _chosen(signature, keys):
        if chosen.tasks is not None:
            return chosen.tasks
    return FAMILIES[signature.family].tasks


def _precision(header: Header) -> str:
    if not header.bytes_by_dtype:
        return ""
    dtype = max(header.bytes_by_dtype.items(), key=lambda item: item[1])[0]
    return PRECISIONS.get(dtype, str(dtype).lower())


def _metadata(header: Header, *names: str) -> str:
    return next((header.metadata[name].strip() for name in names if header.metadata.get(name, "").strip()), "")


def _metadata_family(header: Header) -> tuple[str | None, str]:
    """(family, variant) from what a trainer wrote in the metadata, or (None, "")."""
    for name in ("modelspec.architecture", "ss_base_model_version"):
        value = header.metadata.get(name, "").strip().lower()
        for prefix, family, variant in METADATA_FAMILIES:
            if value.startswith(prefix):
                return family, variant
    return None, ""


# --- Diffusers folders -------------------------------------------------------------------------

def classify_folder_config(model_index: Mapping, subconfigs: Mapping[str, Mapping]) -> Classification:
    """A diffusers folder, from its model_index.json and its subfolders' config.json files
    (`subconfigs`: subfolder name -> parsed config; missing ones are simply not known)."""
    if not isinstance(model_index, Mapping):
        return Classification()
    class_name = model_index.get("_class_name")
    family = family_of_pipeline_class(class_name) if isinstance(class_name, str) else None
    configs = {name: config for name, config in subconfigs.items() if isinstance(config, Mapping)}
    precision = _folder_precision(configs)
    if family is None:
        return Classification(precision=precision)
    denoiser = configs.get("transformer") or configs.get("unet") or {}
    variant, tasks = "", family.tasks
    refine = FOLDER_REFINEMENTS.get(family.id)
    if refine is not None:
        variant, narrowed = refine(model_index, denoiser, class_name)
        tasks = family.tasks if narrowed is None else narrowed
    return Classification(family.id, None, DIFFUSERS, variant, precision, tasks, architecture=family.id)


def _folder_precision(configs: Mapping[str, Mapping]) -> str:
    # diffusers writes no dtype into its own configs; transformers does (torch_dtype, or dtype in
    # transformers 5), so the denoiser's is taken when present, else an encoder's.
    for name in ("transformer", "unet", *sorted(configs)):
        config = configs.get(name) or {}
        dtype = config.get("torch_dtype") or config.get("dtype")
        if isinstance(dtype, str):
            return TORCH_PRECISIONS.get(dtype.removeprefix("torch."), dtype)
    return ""


def _wan_folder(index, denoiser, class_name):
    channels = denoiser.get("in_channels")
    version = "2.2" if index.get("boundary_ratio") is not None or index.get("expand_timesteps") else ""
    if channels is None:  # no transformer config: the pipeline class says what it was saved for
        kind, tasks = ("i2v", None) if class_name == "WanImageToVideoPipeline" else ("t2v", ())
    elif channels == 16:
        kind, tasks = "t2v", ()
    elif channels == 48 and index.get("expand_timesteps"):
        kind, tasks = "ti2v", (IMAGE_TO_VIDEO,)  # the picture replaces the first latent frame: no last frame
    elif channels == 36:
        # 2.1 conditions on CLIP embeddings of its pictures: FLF2V has a position table for two (it needs
        # the last frame), I2V none (it takes the first only). 2.2 has no image encoder (image_dim
        # unset): a last frame goes in as latents, as the first does.
        if denoiser.get("pos_embed_seq_len"):
            kind, tasks = "flf2v", (FIRST_LAST_VIDEO,)
        elif denoiser.get("image_dim"):
            kind, tasks = "i2v", (IMAGE_TO_VIDEO,)
        else:
            kind, tasks = "i2v", (IMAGE_TO_VIDEO, FIRST_LAST_VIDEO)
    else:
        kind, tasks = "", ()
    return "-".join(t for t in (version, kind) if t), tasks


def _cogvideox_folder(index, denoiser, class_name):
    channels = denoiser.get("in_channels")
    if channels is None:
        image = class_name == "CogVideoXImageToVideoPipeline"
    else:
        # noise + image latents (16 + 16 in the released models); the noise alone is text-to-video
        image = channels == 2 * denoiser.get("out_channels", 16)
    return ("i2v", None) if image else ("t2v", ())


def _sdxl_folder(index, denoiser, class_name):
    if denoiser.get("in_channels") == 9:
        return "inpaint", ()
    if denoiser.get("projection_class_embeddings_input_dim") == 2560 or index.get("requires_aesthetics_score"):
        return "refiner", (IMAGE_TO_IMAGE,)
    return "base", None


def _flux1_folder(index, denoiser, class_name):
    channels = denoiser.get("in_channels")
    if channels == 384:
        return "fill", ()
    if channels == 128:
        return "depth", ()
    guidance = denoiser.get("guidance_embeds")
    return ("dev" if guidance else "schnell" if guidance is False else ""), None


def _sd3_folder(index, denoiser, class_name):
    if denoiser.get("num_layers") == 38:
        return "3.5-large", None
    return {384: "3.5-medium", 192: "3-medium"}.get(denoiser.get("pos_embed_max_size"), ""), None


def _ltx_folder(index, denoiser, class_name):
    return {48: "13b", 28: "2b"}.get(denoiser.get("num_layers"), ""), None


# family id -> (model_index, denoiser config, pipeline class) -> (variant, tasks or None to keep the family's)
FOLDER_REFINEMENTS = {"wan": _wan_folder, "cogvideox": _cogvideox_folder, "sdxl": _sdxl_folder,
                      "flux1": _flux1_folder, "sd3": _sd3_folder, "ltx-video": _ltx_folder}
