"""A LoRA for a tiny pipeline, saved as one .safetensors file as LoRA files are shared (diffusers' keys,
as `save_lora_weights` writes them), so the Keyframe's LoRA table can be tested without a download."""

from __future__ import annotations

from pathlib import Path

from .common import SEED


def build_sdxl_lora(pipeline_folder: Path, file: Path, rank: int = 2) -> Path:
    """A rank-`rank` LoRA on the attention projections of the tiny SDXL UNet in `pipeline_folder`,
    with random (seeded, not zero) up-weights so that it visibly changes the picture."""
    import torch
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(pipeline_folder, subfolder="unet", local_files_only=True)
    config = LoraConfig(r=rank, lora_alpha=rank, init_lora_weights=False,
                        target_modules=["to_q", "to_k", "to_v", "to_out.0"])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        unet.add_adapter(config)
    with torch.no_grad():  # init_lora_weights=False leaves random A and B; make them strong enough to see
        for name, parameter in unet.named_parameters():
            if "lora_B" in name:
                parameter.mul_(4.0)
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    StableDiffusionXLPipeline.save_lora_weights(file.parent, unet_lora_layers=get_peft_model_state_dict(unet),
                                                weight_name=file.name, safe_serialization=True)
    return file
