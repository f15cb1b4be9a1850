"""Place and Mix: how tracks become a film's soundtrack.

Place puts one sound on the timeline of the mix (offset, trim, gain, pan, fades) as stereo.
Mix sums the placed sounds into four buses (dialogue, music, ambience, effects), ducks the
music and ambience under the dialogue, and brings the whole to a delivery loudness under a
true-peak ceiling, in stereo or 5.1. It also hands out stems: the same buses with the same
gains (ducking and the loudness gain included) but unlimited, so they sum back to the mix
before its limiter, as a re-mix or a dub in another language needs.
"""

from __future__ import annotations

import math

import numpy as np

from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.audio.dsp import (CURVES, apply_fades, balance_gains, db_to_gain, fit_length, pan_gains, place,
                              resample, seconds_to_frames, to_layout, to_stereo)
from engine.audio.ducking import DETECTORS, DuckSettings, duck_gain
from engine.audio.loudness import normalise
from engine.errors import NodeExecutionError
from engine.ports import AUDIO, FLOAT
from engine.schema import BoolParam, EnumParam, FloatParam, NodeSchema, NodeType, Port

BUSES = ("dialogue", "music", "ambience", "fx")
LOUDNESS_TARGETS = {"ebu_r128": -23.0, "streaming": -14.0, "custom": None}  # id (saved) -> LUFS
LOUDNESS_LABELS = {"ebu_r128": "EBU R128 (−23 LUFS)", "streaming": "Streaming (−14 LUFS)", "custom": "Custom"}
# The labels projects saved before ids; frozen, so rewording a label never breaks a project.
LOUDNESS_RENAMED = {"EBU R128 (−23 LUFS)": "ebu_r128", "Streaming (−14 LUFS)": "streaming", "Custom": "custom"}
LAYOUTS = {"stereo": 2, "5.1": 6}
_BUS_HELP = {
    "dialogue": "Voices: they duck the music and ambience, and go to the centre speaker in 5.1.",
    "music": "Score and songs: ducked under dialogue.",
    "ambience": "Room tone and backgrounds: ducked under dialogue.",
    "fx": "Sound effects: never ducked, so hits land at the level they were set to.",
}


def _samples(audio: Audio) -> np.ndarray:
    """The samples at the engine's rate (a sound made at another rate is converted, not sped up)."""
    return resample(audio.samples, audio.sample_rate, SAMPLE_RATE)


class Place(NodeType):
    schema = NodeSchema(
        type_id="sound.place", title="Place", category="Sound",
        # Cheap to redo and mostly silence once offset: not worth a copy in the disk cache per track.
        cache_outputs=False,
        inputs=(Port("audio", AUDIO, help="The sound to place: mono, stereo or 5.1 (folded to stereo)."),),
        outputs=(Port("audio", AUDIO, help="Stereo, starting at the start of the mix."),),
        params=(
            FloatParam("offset", 0.0, min=0.0, step=0.1, help="Seconds of silence before the sound starts."),
            FloatParam("gain_db", 0.0, min=-60.0, max=24.0, step=0.5, help="Level change in dB."),
            FloatParam("pan", 0.0, min=-1.0, max=1.0, step=0.05,
                       help="-1 left, 0 centre, 1 right. Mono is panned at equal power (-3 dB each side at the "
                            "centre); stereo is balanced (the far side fades)."),
            FloatParam("fade_in", 0.0, min=0.0, step=0.1, help="Seconds to fade in from silence."),
            FloatParam("fade_out", 0.0, min=0.0, step=0.1, help="Seconds to fade out to silence."),
            EnumParam("fade_curve", "equal-power", CURVES,
                      help="Fade shape: equal-power suits crossfades, exponential sounds even to the ear."),
            FloatParam("trim_start", 0.0, min=0.0, step=0.1, help="Seconds cut from the start of the sound."),
            FloatParam("length", 0.0, min=0.0, step=0.1,
                       help="Seconds of the sound used after the trim; 0: all of the rest."),
        ),
        help="Puts one sound in the mix: when it starts, how loud, where in the stereo field, and its fades.",
    )

    def execute(self, ctx, inputs, params):
        samples = _samples(inputs["audio"])
        frames = samples.shape[1]
        start = seconds_to_frames(params["trim_start"])
        if start >= frames:
            raise NodeExecutionError(f"trim_start ({params['trim_start']:g} s) is at or past the end of the sound "
                                     f"({frames / SAMPLE_RATE:.3f} s); trim less")
        end = frames if params["length"] == 0 else min(frames, start + seconds_to_frames(params["length"]))
        if end <= start:
            raise NodeExecutionError(f"length {params['length']:g} s is shorter than one sample; "
                                     "use 0 for the whole sound or a longer length")
        region = samples[:, start:end]
        if region.shape[0] == 1:
            sides = pan_gains(params["pan"])
        else:
            region, sides = to_stereo(region), balance_gains(params["pan"])
        gain = db_to_gain(params["gain_db"])
        stereo = region * np.array([[sides[0] * gain], [sides[1] * gain]], np.float32)
        faded = apply_fades(stereo, seconds_to_frames(params["fade_in"]), seconds_to_frames(params["fade_out"]),
                            params["fade_curve"])
        return {"audio": Audio(place(faded, seconds_to_frames(params["offset"])))}


class Mix(NodeType):
    schema = NodeSchema(
        type_id="sound.mix", title="Mix", category="Sound",
        inputs=tuple(Port(bus, AUDIO, optional=True, multiple=True, help=_BUS_HELP[bus]) for bus in BUSES) + (
            Port("length", FLOAT, optional=True, help="Length of the mix in seconds; unlinked: the longest input."),),
        outputs=(
            Port("mix", AUDIO, help="The finished mix at the loudness target, true peaks under the ceiling."),
            Port("dialogue_stem", AUDIO, help="The dialogue bus as it is in the mix (before the limiter)."),
            Port("music_stem", AUDIO, help="The music bus as it is in the mix, ducking included."),
            Port("effects_stem", AUDIO, help="Ambience and effects as they are in the mix."),
            Port("loudness", FLOAT, help="Integrated loudness of the mix in LUFS, as measured."),
        ),
        params=tuple(FloatParam(f"{bus}_gain_db", 0.0, min=-60.0, max=24.0, step=0.5,
                                help=f"Level of the {bus} bus in dB.") for bus in BUSES) + (
            BoolParam("duck", True, help="Lower music and ambience while dialogue plays."),
            FloatParam("duck_depth_db", -12.0, min=-60.0, max=0.0, step=1.0,
                       help="How far music and ambience go down under dialogue, in dB."),
            FloatParam("duck_attack_ms", 150.0, min=0.0, max=5000.0, step=10.0,
                       help="Milliseconds to go all the way down (it starts that long before the words)."),
            FloatParam("duck_release_ms", 600.0, min=0.0, max=10000.0, step=10.0,
                       help="Milliseconds to come back after the dialogue ends."),
            FloatParam("duck_threshold_db", -40.0, min=-90.0, max=0.0, step=1.0,
                       help="Dialogue level (dBFS) above which someone is speaking."),
            EnumParam("duck_detector", "rms", DETECTORS,
                      help="How dialogue level is read: rms (average over 10 ms) or peak."),
            EnumParam("loudness_target", "ebu_r128", tuple(LOUDNESS_LABELS.items()), renamed=LOUDNESS_RENAMED,
                      help="Delivery loudness: EBU R128 for broadcast, -14 LUFS for streaming platforms."),
            FloatParam("custom_lufs", -16.0, min=-60.0, max=0.0, step=0.5,
                       help="The target in LUFS when loudness_target is Custom."),
            FloatParam("true_peak_dbtp", -1.0, min=-20.0, max=0.0, step=0.1,
                       help="Ceiling for true (4x oversampled) peaks, in dBTP."),
            EnumParam("layout", "stereo", tuple(LAYOUTS),
                      help="stereo, or 5.1 (L R C LFE Ls Rs: dialogue in the centre, beds also in the surrounds)."),
        ),
        help="Sums dialogue, music, ambience and effects, ducks the beds under dialogue, and delivers the mix "
             "at a loudness target with a true-peak ceiling, plus stems.",
    )

    def execute(self, ctx, inputs, params):
        linked = {bus: [_samples(audio) for audio in inputs[bus]] for bus in BUSES}
        if not any(linked.values()):
            raise NodeExecutionError("the mix is empty: link sounds (e.g. from Place nodes) to dialogue, music, "
                                     "ambience or fx")
        frames = self.frames(inputs["length"], linked)
        if frames == 0:
            raise NodeExecutionError("every sound linked to the mix is empty (0 s long); link sounds with content")
        channels = LAYOUTS[params["layout"]]
        buses = {bus: self.bus(linked[bus], bus, channels, frames, params[f"{bus}_gain_db"]) for bus in BUSES}
        ctx.progress(0.2, "ducking")
        if params["duck"] and linked["dialogue"]:
            try:
                settings = DuckSettings(params["duck_depth_db"], params["duck_attack_ms"], params["duck_release_ms"],
                                        params["duck_threshold_db"], params["duck_detector"])
            except ValueError as exc:
                raise NodeExecutionError(str(exc)) from exc
            gain = duck_gain(buses["dialogue"], frames, settings)
            buses["music"] *= gain
            buses["ambience"] *= gain
        stems = {"dialogue_stem": buses["dialogue"], "music_stem": buses["music"],
                 "effects_stem": buses["ambience"] + buses["fx"]}
        ctx.progress(0.4, "loudness")
        target = LOUDNESS_TARGETS[params["loudness_target"]]
        target = params["custom_lufs"] if target is None else target
        try:
            unlimited = stems["dialogue_stem"] + stems["music_stem"]
            unlimited += stems["effects_stem"]
            mix, gain_db, loudness = normalise(unlimited, target, params["true_peak_dbtp"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        # The stems get the mix's loudness gain, not their own: they must add up to the mix.
        scale = np.float32(db_to_gain(gain_db))
        outputs = {name: Audio(stem * scale) for name, stem in stems.items()}
        return {"mix": Audio(mix), **outputs, "loudness": loudness}

    @staticmethod
    def bus(sounds: list[np.ndarray], role: str, channels: int, frames: int, gain_db: float) -> np.ndarray:
        """The sounds of one bus summed in the mix's layout, at the bus gain (a new array: inputs stay as they are)."""
        total = np.zeros((channels, frames), np.float32) if not sounds else None
        for samples in sounds:
            # Cut to length before changing layout: a 5.1 upmix of audio past the end is wasted work.
            laid = to_layout(fit_length(samples, frames), channels, role)
            if total is None:
                # A fresh array can be the bus itself; one that is still the input must be copied.
                total = laid.copy() if np.shares_memory(laid, samples) else laid
            else:
                total += laid
        total *= np.float32(db_to_gain(gain_db))
        return total

    @staticmethod
    def frames(length: float | None, linked: dict[str, list[np.ndarray]]) -> int:
        if length is None:
            return max(samples.shape[1] for sounds in linked.values() for samples in sounds)
        if not (math.isfinite(length) and length > 0):
            raise NodeExecutionError(f"the mix length is {length} s; link a positive number of seconds, or unlink "
                                     "length to use the longest input")
        frames = seconds_to_frames(length)
        if frames == 0:
            raise NodeExecutionError(f"the mix length {length} s is shorter than one sample; link a longer length")
        return frames
