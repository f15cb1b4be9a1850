"""Keyframe node: a picture generated from text (and optionally a reference picture) by an
installed text-to-image model, on the studio's own GPU, seed-locked.

Its output is an IMAGE in the working space like an imported still, so it feeds Scene, Grade and
Title unchanged. Which family the model is (SDXL, SD3, FLUX, Sana, Z-Image, Qwen-Image...) is read
from its files; the arguments its pipeline does not take are left out (generation.accepted).
"""

from __future__ import annotations

import numpy as np

from engine.image import WORKING_SPACES
from engine.models.denoise import Generation, run_generation
from engine.models.families import FAMILIES, IMAGE_TO_IMAGE, TEXT_TO_IMAGE
from engine.models.latent_preview import preview_latents
from engine.models.loading import ModelError, require_model
from engine.ports import IMAGE
from engine.schema import (EnumParam, FloatParam, IntParam, NodeSchema, NodeType, Port, SeedParam, StringParam,
                           TableParam)

from . import generation as gen

LORA_COLUMNS = (StringParam("lora", "", help="A LoRA's name: its .safetensors file in a model folder (loras/)."),
                FloatParam("weight", 1.0, min=-4.0, max=4.0, step=0.05, help="How strongly it applies; 1 = as made."))


class Keyframe(NodeType):
    schema = NodeSchema(
        type_id="shot.keyframe", title="Keyframe", category="Shot",
        inputs=(Port("reference", IMAGE, optional=True,
                     help="A picture to start from (its composition and colours); Strength says how far the "
                          "result may move away from it."),),
        outputs=(Port("image", IMAGE, help="The generated picture, scene-linear in the working space."),),
        params=(
            StringParam("model", "", label="Model",
                        help="An installed text-to-image model (SDXL, SD 3.x, FLUX.1/2, Sana, Z-Image, "
                             "Qwen-Image): its diffusers folder or .safetensors file name in a model folder. "
                             "Help ▸ Models lists what is installed."),
            StringParam("prompt", "", multiline=True, help="What the picture shows."),
            StringParam("negative_prompt", "", multiline=True,
                        help="What it must not show (families without a negative prompt, such as FLUX.1, "
                             "ignore it)."),
            IntParam("width", 1344, min=16, max=4096, step=16, help="Width in pixels. A model that needs a "
                     "multiple (8 for SDXL, 16 for FLUX) makes the picture a few pixels larger and it is "
                     "cropped to this size about its centre."),
            IntParam("height", 768, min=16, max=4096, step=16, help="Height in pixels."),
            IntParam("steps", 28, min=1, max=200, help="Denoising steps: more is slower and finer; turbo and "
                                                      "schnell models want 1-4."),
            FloatParam("guidance", 5.0, min=0.0, max=30.0, step=0.5,
                       help="How closely the picture follows the prompt (classifier-free guidance); "
                            "0 or 1 turns it off (turbo, schnell)."),
            FloatParam("strength", 0.6, min=0.0, max=1.0, step=0.05,
                       help="With a reference picture: 0 keeps it, 1 ignores it."),
            TableParam("loras", LORA_COLUMNS, help="LoRA files applied to the model, each with its weight."),
            EnumParam("working_space", "lin_rec709", WORKING_SPACES,
                      help="The working space the picture is converted to from the model's sRGB."),
            SeedParam(help="Which picture: the same seed, prompt and model give the same picture, bit for bit "
                           "on one machine."),
            *gen.early_abort_params(),
        ),
        help="Generates a keyframe with an installed text-to-image model on this machine's GPU (or CPU).",
        preview_port="image",
    )

    def _task(self, reference_linked: bool) -> str:
        return IMAGE_TO_IMAGE if reference_linked else TEXT_TO_IMAGE

    def suggestions(self, param_name, models):
        if param_name == "model":
            return gen.installed_names(models, TEXT_TO_IMAGE)
        return []

    def missing_models(self, params, models):
        found = gen.missing(models, "model", params.get("model", ""), TEXT_TO_IMAGE)
        for row in params.get("loras") or []:
            found += gen.missing(models, "loras", str(row.get("lora", "")), "lora")
        return found

    def problems(self, params, paths):
        return [] if params.get("model") else ["no model is chosen: pick an installed text-to-image model"]

    def fingerprint(self, params, ctx):
        prints = {"model": gen.model_fingerprint(ctx, params["model"])}
        for row in params["loras"]:
            prints[f"lora:{row['lora']}"] = gen.model_fingerprint(ctx, row["lora"])
        return prints | gen.prompt_check_fingerprint(ctx, params)

    def execute(self, ctx, inputs, params):
        reference = inputs.get("reference")
        task = self._task(reference is not None)
        library = ctx.models.library()
        model = require_model(library, params["model"], task, "Keyframe")
        width, height = params["width"], params["height"]
        made_w, made_h = gen.generation_size(width, height, model.family)
        loras = []
        for number, row in enumerate(params["loras"], start=1):
            lora = library.find(row["lora"])
            if lora is None or lora.part != "lora":
                raise ModelError(f"LoRA row {number}: '{row['lora']}' is not an installed LoRA; "
                                 + ctx.models.where_to_put("its .safetensors file (a loras/ folder is fine)"))
            loras.append((lora, row["weight"]))
        pipeline_class = FAMILIES[model.family].pipelines[task]
        wanted = {"prompt": params["prompt"], "negative_prompt": params["negative_prompt"] or None,
                  "width": made_w, "height": made_h,
                  "num_inference_steps": params["steps"], "guidance_scale": params["guidance"],
                  "output_type": "np",
                  # Sana would otherwise render at its nearest trained size and resize: the size asked
                  # for is the size made, at the cost of pictures at odd sizes a Sana model knows less well.
                  "use_resolution_binning": False}
        if reference is not None:
            picture = gen.srgb_picture(reference).resize((made_w, made_h))
            wanted.update(image=picture, strength=params["strength"])
        generation = Generation(model, pipeline_class, wanted, params["steps"], params["seed"], loras,
                                early_abort=gen.early_abort_of(params))
        output, _pipe = run_generation(ctx, library, generation, previewer=preview_latents)
        if (made_w, made_h) != (width, height):
            ctx.stats["generated"] = f"{made_w}x{made_h}, cropped to {width}x{height}"
        pictures = gen.centre_crop(np.asarray(output.images), width, height)
        return {"image": gen.images_from_srgb(pictures, params["working_space"])[0]}

