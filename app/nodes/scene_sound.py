"""The Scene's sound: its `audio` output and its `dialogue` input, which only a video model that
makes sound with the picture (LTX-2) can serve.

Sound and picture are mapped onto the shot alike: the model's span (its frame count at its frame
rate) is stretched over the shot's exact length, so a sound stays where its frames are. Without
such a model the shot has no sound: the output has no value (never silence standing in for one),
and a node linked to it fails with SOUND_HELP as the reason.
"""

from __future__ import annotations

from fractions import Fraction

from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.audio.dsp import place, resample, resample_to_length, seconds_to_frames, to_stereo
from engine.models.families import VIDEO_WITH_SOUND
from engine.models.ltx2_audio import generated_sound

SOUND_HELP = ("The shot's sound, 48 kHz stereo, exactly the shot's length: the linked dialogue fitted to the shot, "
              "or else the sound the model made with the picture. Only an LTX-2 model making the shot ('full "
              "video diffusion' or 'first/last-frame video') has sound; with another model or method this output "
              "has no value, and a node linked to it fails rather than getting silence.")
DIALOGUE_HELP = ("A Voice line the picture is made for (LTX-2 only): the model sees the speech while it makes "
                 "the shot, so mouths tend to move with the words. The audio output is then this line itself, "
                 "starting after the head handle when the duration is linked.")
# What the node help says about sound: what it does, and what it does not promise.
SOUND_GUARANTEES = (
    "With an LTX-2 model the shot also has sound (the audio output). A linked dialogue conditions the "
    "picture: LTX-2 encodes the speech with its own audio VAE and sees it, clean, at every denoising step "
    "while it makes the frames. That is conditioning, not lip sync: it is not frame-accurate, nothing "
    "checks that lips match the words, and how well mouths follow depends on the model and the shot. A "
    "shot longer than the model's span (121 frames, ~5 s for LTX-2) is made at that span and slowed to "
    "fit, and the speech the model sees is sped up to match.")


def makes_sound(model) -> bool:
    """Whether the installed model generates sound with its picture."""
    return VIDEO_WITH_SOUND in model.tasks


def shot_samples(count: int, fps: Fraction) -> int:
    """48 kHz samples in a shot of `count` frames at `fps` (the time model's one rule)."""
    return seconds_to_frames(Fraction(count) / fps)


def dialogue_on_shot(dialogue: Audio, total: int, start: float) -> Audio:
    """The dialogue as the shot's sound: stereo at 48 kHz, starting `start` seconds into the shot,
    cut or padded with silence around the line to exactly `total` samples."""
    samples = dialogue.samples if dialogue.sample_rate == SAMPLE_RATE else resample(
        dialogue.samples, dialogue.sample_rate, SAMPLE_RATE)
    return Audio(place(to_stereo(samples), seconds_to_frames(start), total))


def generated_on_shot(output, total: int) -> Audio:
    """The model's sound (its whole span, at its vocoder's rate) stretched over the shot's `total`
    samples at 48 kHz, stereo, as its frames are stretched over the shot's frames."""
    return Audio(resample_to_length(to_stereo(generated_sound(output)), total))
