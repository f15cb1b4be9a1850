"""One denoiser saved alone as a single .safetensors file, the way ComfyUI-style model folders hold them.

The keys are diffusers' own (tiny shapes cannot be converted back to the original checkpoint layouts);
diffusers' from_single_file loads such a file as is when given the pipeline folder as its config."""

from __future__ import annotations

from pathlib import Path

# family id -> (the pipeline folder's denoiser subfolder, the diffusers model class)
SINGLE_FILE_DENOISERS = {
    "flux1": ("transformer", "FluxTransformer2DModel"),
    "sdxl": ("unet", "UNet2DConditionModel"),
}


def build_single_file(family_id: str, folder: Path) -> Path:
    """Build the family's pipeline in folder/pipeline and write its denoiser's weights to
    folder/<family_id>-<subfolder>.safetensors; returns that file. Load it with
    <ModelClass>.from_single_file(file, config=folder / "pipeline", subfolder=<subfolder>)."""
    import diffusers
    from safetensors.torch import save_file

    from . import build

    subfolder, class_name = SINGLE_FILE_DENOISERS[family_id]
    folder = Path(folder)
    pipeline_folder = build(family_id, folder / "pipeline")
    model = getattr(diffusers, class_name).from_pretrained(pipeline_folder, subfolder=subfolder, local_files_only=True)
    state = {key: tensor.contiguous() for key, tensor in model.state_dict().items()}
    path = folder / f"{family_id}-{subfolder}.safetensors"
    save_file(state, path, metadata={"format": "pt"})
    return path
