"""Music nodes: a composed score cue of an exact length, and an imported music file fitted to a length."""

from __future__ import annotations

from engine.audio.audio_file import fit_length, load_audio
from engine.audio.buffer import Audio
from engine.audio.music import MAX_LENGTH, MAX_TEMPO, MIN_TEMPO, MODE_CHOICES, MOOD_NAMES, NOTE_NAMES, compose
from engine.audio.music.render import limit
from engine.errors import NodeExecutionError
from engine.ports import AUDIO, FLOAT
from engine.schema import BoolParam, EnumParam, FloatParam, NodeSchema, NodeType, PathParam, Port, SeedParam

from .sound_diffusion import DIFFUSION, SoundDiffusion, diffusion_audio, diffusion_params

AUDIO_FILTER = "Audio (*.wav *.flac *.mp3 *.m4a *.aac *.ogg *.opus *.aif *.aiff)"
GAIN = FloatParam("gain_db", 0.0, min=-60.0, max=12.0, step=0.5, label="Gain (dB)",
                  help="Level change in decibels; peaks are limited below full scale.")


def length_from(params: dict, allow_zero: bool = False) -> float:
    """The length (a linked length has already replaced the parameter); a clear error if it cannot be used."""
    length = params["length"]
    if allow_zero and length == 0:
        return 0.0
    if not (isinstance(length, (int, float)) and 0 < length <= MAX_LENGTH):
        raise NodeExecutionError(f"the length is {length!r} s; it must be between 0 and {MAX_LENGTH:.0f} seconds")
    return float(length)


class Music(SoundDiffusion, NodeType):
    schema = NodeSchema(
        type_id="sound.music", title="Music", category="Sound",
        inputs=(Port("length", FLOAT, optional=True, overrides="length",
                     help="Length in seconds (e.g. a sequence's); overrides the length parameter."),),
        outputs=(Port("audio", AUDIO),),
        params=(
            FloatParam("length", 30.0, min=0.1, max=MAX_LENGTH, step=1.0, help="Length of the cue in seconds."),
            EnumParam("mood", "warm", MOOD_NAMES, help="Character: mode, harmony, instruments, register, groove."),
            FloatParam("tempo", 100.0, min=MIN_TEMPO, max=MAX_TEMPO, step=1.0, label="Tempo (BPM)",
                       help="Beats per minute."),
            EnumParam("key", "C", NOTE_NAMES, help="Tonic of the cue."),
            EnumParam("mode", "auto", MODE_CHOICES, help="Scale; auto: the mood's own (e.g. minor for tense)."),
            FloatParam("intensity", 0.5, min=0.0, max=1.0, step=0.05,
                       help="Energy: how many layers play, how busy and how loud; drums enter above ~0.4."),
            SeedParam(help="Which variation of the cue; the same seed always gives the same music."),
            GAIN,
            *diffusion_params("composed from the mood, tempo, key and intensity."),
        ),
        help="A score cue of an exact length: composed (it builds and resolves to the tonic), or generated "
             "from a prompt by an installed text-to-audio model.",
    )

    def planned_seconds(self, params, linked):
        return None if "length" in linked else params["length"]

    def execute(self, ctx, inputs, params):
        length = length_from(params)
        if params["method"] == DIFFUSION:
            return {"audio": diffusion_audio(ctx, params, length, "Music")}
        try:
            audio = compose(length, params["mood"], params["tempo"], params["key"], params["mode"],
                            params["intensity"], params["seed"], params["gain_db"], progress=ctx.progress)
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        return {"audio": audio}


class MusicFile(NodeType):
    schema = NodeSchema(
        type_id="sound.music_file", title="Music File", category="Sound",
        inputs=(Port("length", FLOAT, optional=True, overrides="length",
                     help="Length in seconds; overrides the length parameter."),),
        outputs=(Port("audio", AUDIO),),
        params=(
            PathParam("path", "", file_filter=AUDIO_FILTER, required=True,
                      help="A music, ambience or effect file (WAV, FLAC, MP3, AAC, Opus...)."),
            FloatParam("length", 0.0, min=0.0, max=MAX_LENGTH, step=1.0,
                       help="Seconds to cut or extend it to; 0: the file's own length."),
            BoolParam("loop", True, help="When the length is longer than the file: loop it (else silence after)."),
            GAIN,
        ),
        help="Imports any sound file as 48 kHz stereo, optionally cut or looped to a length.",
        opens_files=(".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac"), opens_files_param="path",
    )

    def planned_seconds(self, params, linked):
        return None if "length" in linked else (params["length"] or None)  # 0: the whole file, known once read

    def execute(self, ctx, inputs, params):
        if not params["path"]:
            raise NodeExecutionError("no audio file chosen; set the path parameter to a sound file")
        length = length_from(params, allow_zero=True)
        try:
            audio = load_audio(ctx.resolve_path(params["path"]))
            ctx.progress(0.8, "decoded")
            if length:
                audio = fit_length(audio, length, params["loop"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        if params["gain_db"]:
            audio = Audio(limit(audio.samples * 10 ** (params["gain_db"] / 20), ceiling=1.0))
        return {"audio": audio}
