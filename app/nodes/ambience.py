"""Ambience and effect nodes: procedural room tone, wind, rain and crowd beds, and whoosh/hit one-shots.

Importing a recorded ambience or effect file is the Music File node (it reads any sound file).
"""

from __future__ import annotations

from engine.audio.ambience import BEDS, EFFECTS, MAX_EFFECT_LENGTH, MAX_LENGTH, bed, effect
from engine.errors import NodeExecutionError
from engine.ports import AUDIO, FLOAT
from engine.schema import EnumParam, FloatParam, NodeSchema, NodeType, Port, SeedParam

from .music import GAIN, length_from
from .sound_diffusion import DIFFUSION, SoundDiffusion, diffusion_audio, diffusion_params


class Ambience(SoundDiffusion, NodeType):
    schema = NodeSchema(
        type_id="sound.ambience", title="Ambience", category="Sound",
        inputs=(Port("length", FLOAT, optional=True, overrides="length",
                     help="Length in seconds; overrides the length parameter."),),
        outputs=(Port("audio", AUDIO),),
        params=(
            EnumParam("bed", "room tone", BEDS, help="What the place sounds like."),
            FloatParam("length", 30.0, min=0.1, max=MAX_LENGTH, step=1.0, help="Length in seconds."),
            FloatParam("intensity", 0.5, min=0.0, max=1.0, step=0.05,
                       help="How strong: louder room, harder wind and rain, a bigger crowd."),
            SeedParam(help="Which variation; the same seed always gives the same sound."),
            GAIN,
            *diffusion_params("a seamless procedural bed of the chosen kind."),
        ),
        help="A stereo background bed: room tone, wind, rain or crowd murmur, or generated from a prompt "
             "by an installed text-to-audio model.",
    )

    def planned_seconds(self, params, linked):
        return None if "length" in linked else params["length"]

    def execute(self, ctx, inputs, params):
        length = length_from(params)
        if params["method"] == DIFFUSION:
            return {"audio": diffusion_audio(ctx, params, length, "Ambience")}
        ctx.progress(0.1, f"making {params['bed']}")
        try:
            audio = bed(params["bed"], length, params["intensity"], params["seed"], params["gain_db"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"audio": audio}


class SoundFX(NodeType):
    schema = NodeSchema(
        type_id="sound.fx", title="Sound Effect", category="Sound",
        inputs=(Port("length", FLOAT, optional=True, overrides="length",
                     help="Length in seconds; overrides the length parameter."),),
        outputs=(Port("audio", AUDIO),),
        params=(
            EnumParam("type", "whoosh", EFFECTS, help="whoosh: something passing fast; hit: an impact."),
            FloatParam("length", 1.5, min=0.05, max=MAX_EFFECT_LENGTH, step=0.1,
                       help="Length in seconds; the sound fits it."),
            SeedParam(help="Which variation; the same seed always gives the same sound."),
            GAIN,
        ),
        help="A one-shot effect shaped to its length: a whoosh or an impact.",
    )

    def planned_seconds(self, params, linked):
        return None if "length" in linked else params["length"]

    def execute(self, ctx, inputs, params):
        length = length_from(params)
        try:
            audio = effect(params["type"], length, params["seed"], params["gain_db"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"audio": audio}
