"""The model families AIPROD Studio can run, one table row each: what a family is for (its tasks),
which diffusers pipeline class does each task, and which pipeline class names in a diffusers
folder's model_index.json mean that family.

This is the extension point for a new model: add a row (and, for single-file checkpoints, its
key signature in key_signatures.py). The families and tasks are a small fixed vocabulary so that
the router, the Models dialog and the error messages all speak of the same things.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tasks: what a node asks the library for.
TEXT_TO_IMAGE = "text-to-image"
IMAGE_TO_IMAGE = "image-to-image"  # a reference picture and a strength (the Keyframe node's optional input)
IMAGE_TO_VIDEO = "image-to-video"  # the Scene's "full video diffusion": a video from its first keyframe
FIRST_LAST_VIDEO = "first-last-frame-video"  # the Scene's "first/last-frame video": between two keyframes
VIDEO_WITH_SOUND = "video-with-sound"  # a video model that also generates the shot's audio (LTX-2)
TEXT_TO_AUDIO = "text-to-audio"  # Music and Ambience's "diffusion" method
IMAGE_TEXT_SIMILARITY = "image-text-similarity"  # a CLIP or SigLIP model: Early abort's prompt check
TASKS = (TEXT_TO_IMAGE, IMAGE_TO_IMAGE, IMAGE_TO_VIDEO, FIRST_LAST_VIDEO, VIDEO_WITH_SOUND, TEXT_TO_AUDIO,
         IMAGE_TEXT_SIMILARITY)

TASK_LABELS = {  # what a task is called in messages
    TEXT_TO_IMAGE: "text to image",
    IMAGE_TO_IMAGE: "image to image",
    IMAGE_TO_VIDEO: "full video diffusion",
    FIRST_LAST_VIDEO: "first/last-frame video",
    VIDEO_WITH_SOUND: "video with sound",
    TEXT_TO_AUDIO: "text to audio",
    IMAGE_TEXT_SIMILARITY: "image-text similarity",
}
TASK_USES = {  # the node methods a model of the task enables (the Models dialog)
    TEXT_TO_IMAGE: "Keyframe",
    IMAGE_TO_IMAGE: "Keyframe with a reference picture",
    IMAGE_TO_VIDEO: "Scene: full video diffusion",
    FIRST_LAST_VIDEO: "Scene: first/last-frame video",
    VIDEO_WITH_SOUND: "Scene: generated sound",
    TEXT_TO_AUDIO: "Music and Ambience: diffusion model",
    IMAGE_TEXT_SIMILARITY: "Early abort: prompt similarity",
}

# Parts: files that are not a whole model but complete one (a ComfyUI tree keeps them apart).
LORA = "lora"
VAE = "vae"
TEXT_ENCODER = "text-encoder"
DENOISER = "denoiser"  # a UNet or transformer alone (ComfyUI's diffusion_models/, unet/)
PARTS = (LORA, VAE, TEXT_ENCODER, DENOISER)


@dataclass(frozen=True)
class Family:
    id: str
    label: str
    medium: str  # "image", "video" or "audio": what it makes
    denoiser: str  # "unet" or "transformer" (memory policy and previews differ)
    pipelines: dict[str, str]  # task -> the diffusers pipeline class that does it
    index_classes: tuple[str, ...]  # model_index.json _class_name values that mean this family
    # Frames the model makes natively (video): count = frame_step * k + 1 up to max_frames, at native_fps.
    frame_step: int = 1
    native_fps: float = 0.0
    max_frames: int = 1
    native_size: tuple[int, int] = (1024, 1024)  # the size it was trained at (its area sets a shot's default size)
    size_multiple: int = 8  # width and height must be multiples of this

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.pipelines)


def _family(id, label, medium, denoiser, pipelines, index_classes, **more) -> Family:
    return Family(id, label, medium, denoiser, pipelines, tuple(index_classes), **more)


FAMILIES: dict[str, Family] = {f.id: f for f in (
    _family("sdxl", "Stable Diffusion XL", "image", "unet",
            {TEXT_TO_IMAGE: "StableDiffusionXLPipeline", IMAGE_TO_IMAGE: "StableDiffusionXLImg2ImgPipeline"},
            ["StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline"]),
    _family("sd3", "Stable Diffusion 3", "image", "transformer",
            {TEXT_TO_IMAGE: "StableDiffusion3Pipeline", IMAGE_TO_IMAGE: "StableDiffusion3Img2ImgPipeline"},
            ["StableDiffusion3Pipeline", "StableDiffusion3Img2ImgPipeline"], size_multiple=16),
    _family("flux1", "FLUX.1", "image", "transformer",
            {TEXT_TO_IMAGE: "FluxPipeline", IMAGE_TO_IMAGE: "FluxImg2ImgPipeline"},
            ["FluxPipeline", "FluxImg2ImgPipeline"], size_multiple=16),
    _family("flux2", "FLUX.2", "image", "transformer",
            {TEXT_TO_IMAGE: "Flux2Pipeline", IMAGE_TO_IMAGE: "Flux2Pipeline"},
            ["Flux2Pipeline"], size_multiple=16),
    _family("flux2-klein", "FLUX.2 [klein]", "image", "transformer",
            {TEXT_TO_IMAGE: "Flux2KleinPipeline", IMAGE_TO_IMAGE: "Flux2KleinPipeline"},
            ["Flux2KleinPipeline"], size_multiple=16),
    _family("sana", "Sana", "image", "transformer",
            {TEXT_TO_IMAGE: "SanaPipeline"}, ["SanaPipeline", "SanaSprintPipeline"], size_multiple=32),
    _family("z-image", "Z-Image", "image", "transformer",
            {TEXT_TO_IMAGE: "ZImagePipeline", IMAGE_TO_IMAGE: "ZImageImg2ImgPipeline"},
            ["ZImagePipeline", "ZImageImg2ImgPipeline"], size_multiple=16),
    _family("qwen-image", "Qwen-Image", "image", "transformer",
            {TEXT_TO_IMAGE: "QwenImagePipeline", IMAGE_TO_IMAGE: "QwenImageImg2ImgPipeline"},
            ["QwenImagePipeline", "QwenImageImg2ImgPipeline"], size_multiple=16),
    _family("ltx-video", "LTX-Video", "video", "transformer",
            {IMAGE_TO_VIDEO: "LTXImageToVideoPipeline", FIRST_LAST_VIDEO: "LTXConditionPipeline"},
            ["LTXPipeline", "LTXImageToVideoPipeline", "LTXConditionPipeline"],
            frame_step=8, native_fps=24.0, max_frames=257, native_size=(768, 512), size_multiple=32),
    _family("ltx2", "LTX-2", "video", "transformer",
            {IMAGE_TO_VIDEO: "LTX2ImageToVideoPipeline", FIRST_LAST_VIDEO: "LTX2ConditionPipeline",
             VIDEO_WITH_SOUND: "LTX2ImageToVideoPipeline"},
            ["LTX2Pipeline", "LTX2ImageToVideoPipeline", "LTX2ConditionPipeline"],
            frame_step=8, native_fps=24.0, max_frames=121, native_size=(1280, 704), size_multiple=32),
    # Wan: the text-to-video checkpoints cannot take a picture; checkpoint_keys.py drops the video
    # tasks of a Wan (or CogVideoX) file or folder whose transformer has no image channels.
    _family("wan", "Wan", "video", "transformer",
            {IMAGE_TO_VIDEO: "WanImageToVideoPipeline", FIRST_LAST_VIDEO: "WanImageToVideoPipeline"},
            ["WanPipeline", "WanImageToVideoPipeline"], frame_step=4, native_fps=16.0, max_frames=81,
            native_size=(832, 480), size_multiple=16),
    _family("cogvideox", "CogVideoX", "video", "transformer",
            {IMAGE_TO_VIDEO: "CogVideoXImageToVideoPipeline"},
            ["CogVideoXPipeline", "CogVideoXImageToVideoPipeline"], frame_step=4, native_fps=8.0, max_frames=49,
            native_size=(720, 480), size_multiple=16),
    _family("svd", "Stable Video Diffusion", "video", "unet",
            {IMAGE_TO_VIDEO: "StableVideoDiffusionPipeline"}, ["StableVideoDiffusionPipeline"],
            frame_step=1, native_fps=7.0, max_frames=25, native_size=(1024, 576), size_multiple=64),
    _family("hunyuanvideo15", "HunyuanVideo 1.5", "video", "transformer",
            {IMAGE_TO_VIDEO: "HunyuanVideo15ImageToVideoPipeline"},
            ["HunyuanVideo15Pipeline", "HunyuanVideo15ImageToVideoPipeline"],
            frame_step=4, native_fps=24.0, max_frames=121, native_size=(848, 480), size_multiple=16),
    _family("stable-audio", "Stable Audio Open", "audio", "transformer",
            {TEXT_TO_AUDIO: "StableAudioPipeline"}, ["StableAudioPipeline"]),
    _family("stable-audio-3", "Stable Audio 3", "audio", "transformer",
            {TEXT_TO_AUDIO: "StableAudio3Pipeline"}, ["StableAudio3Pipeline"]),
    _family("audioldm2", "AudioLDM 2", "audio", "unet",
            {TEXT_TO_AUDIO: "AudioLDM2Pipeline"}, ["AudioLDM2Pipeline"]),
    _family("ace-step", "ACE-Step", "audio", "transformer",
            {TEXT_TO_AUDIO: "AceStepPipeline"}, ["AceStepPipeline"]),
)}

# Image-text similarity models: transformers folders (config.json, not model_index.json), told
# apart by the model class their config.json names. Not diffusion families: they make nothing, they
# score how well a picture matches a prompt (engine/models/prompt_similarity.py).
SIMILARITY_CLASSES = {"CLIPModel": "clip", "SiglipModel": "siglip"}  # config.json's architectures
SIMILARITY_MODEL_TYPES = {"clip": "clip", "siglip": "siglip"}  # its model_type, when architectures is missing
SIMILARITY_LABELS = {"clip": "CLIP", "siglip": "SigLIP"}


def similarity_kind(config) -> str | None:
    """"clip" or "siglip" when a parsed transformers config.json is a whole CLIP or SigLIP model
    (image and text towers both); None for anything else, such as a CLIPTextModel text encoder."""
    if not isinstance(config, dict):
        return None
    architectures = config.get("architectures")
    if isinstance(architectures, list) and architectures:
        # The class it was saved as decides: a CLIPTextModel or CLIPVisionModel is only half of one.
        return SIMILARITY_CLASSES.get(architectures[0]) if isinstance(architectures[0], str) else None
    model_type = config.get("model_type")
    return SIMILARITY_MODEL_TYPES.get(model_type) if isinstance(model_type, str) else None


_BY_INDEX_CLASS = {name: family for family in FAMILIES.values() for name in family.index_classes}


def family_of_pipeline_class(class_name: str) -> Family | None:
    """The family a diffusers folder belongs to, from its model_index.json _class_name."""
    return _BY_INDEX_CLASS.get(class_name)

