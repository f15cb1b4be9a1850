"""Tiny random-weight diffusers pipelines, saved as local diffusers folders, for CPU tests.

Each build_<family>(folder) makes the pipeline the way diffusers' own tests do (get_dummy_components:
torch.manual_seed(0) before each component, a few channels, one or two layers), with the committed
local tokenizers (tokenizers/, made by make_tokenizers.py) since nothing may be downloaded, and saves
it with .safetensors weights. The family ids are engine/models/families.py's.
"""

from __future__ import annotations

from pathlib import Path

from .audio_families import build_stable_audio
from .common import TOKENIZER_VOCAB_LIMIT, TOKENIZERS_DIR
from .lora import build_sdxl_lora
from .image_families import build_flux1, build_flux2, build_sana, build_sd3, build_sdxl
from .ltx2 import build_ltx2
from .single_file import SINGLE_FILE_DENOISERS, build_single_file
from .video_families import COGVIDEOX_SIZE, WAN_VARIANTS, build_cogvideox, build_ltx_video, build_svd, build_wan

BUILDERS = {
    "sdxl": build_sdxl,
    "sd3": build_sd3,
    "flux1": build_flux1,
    "flux2": build_flux2,
    "sana": build_sana,
    "ltx-video": build_ltx_video,
    "ltx2": build_ltx2,
    "wan": build_wan,
    "cogvideox": build_cogvideox,
    "svd": build_svd,
    "stable-audio": build_stable_audio,
}
FAMILIES_BUILT = tuple(BUILDERS)


def build(family_id: str, folder: Path) -> Path:
    """Build family_id's tiny pipeline into folder (created if need be) and return the folder."""
    try:
        builder = BUILDERS[family_id]
    except KeyError:
        raise ValueError(f"no tiny pipeline for family {family_id!r}; built: {', '.join(FAMILIES_BUILT)}") from None
    return builder(Path(folder))


__all__ = [
    "BUILDERS", "COGVIDEOX_SIZE", "FAMILIES_BUILT", "SINGLE_FILE_DENOISERS", "TOKENIZERS_DIR", "TOKENIZER_VOCAB_LIMIT",
    "WAN_VARIANTS", "build", "build_cogvideox", "build_flux1", "build_flux2", "build_ltx2", "build_ltx_video",
    "build_sana", "build_sd3", "build_sdxl", "build_sdxl_lora", "build_single_file", "build_stable_audio", "build_svd",
    "build_wan",
]
