"""Voice: dialogue spoken by a local Piper voice, one take per line, with word timings for subtitles.

A line may start with a speaker tag ("ALICE: Where were you?"); the tag picks the speaker's voice
from the `speakers` mapping and is not spoken. Timings are seconds from the start of the output
audio, as floats rounded to the millisecond (what SRT and WebVTT can express); sample indices
are `round(t * 48000)` to within 24 samples.
"""

from __future__ import annotations

import re

import numpy as np

from engine.audio.buffer import SAMPLE_RATE, Audio
from engine.audio.tts import BUILTIN_VOICE, VoiceError, alignments_available, load_voice, synthesize_line
from engine.errors import NodeExecutionError, short_repr
from engine.fingerprint import file_fingerprint
from engine.ports import AUDIO, FLOAT, SUBTITLES, TEXT
from engine.schema import FloatParam, MissingModel, NodeSchema, NodeType, Port, SeedParam, StringParam

# "ALICE:", "DR. SMITH:", "BOB 2:" — screenplay tags are capitals, so "Note: bring milk" is spoken
# as written unless "Note" is named in the speakers mapping.
_TAG = re.compile(r"^\s*([^:\s][^:]{0,39}?)\s*:\s*(\S.*)$")
_CAPS_TAG = re.compile(r"^[A-Z0-9][A-Z0-9 .'_-]*$")


def parse_speakers(mapping: str) -> dict[str, str]:
    """'ALICE=en_US-joe-medium; BOB=my-voice' -> {'ALICE': ..., 'BOB': ...} (tags compared in capitals)."""
    speakers = {}
    for entry in re.split(r"[;\n]", mapping):
        if not entry.strip():
            continue
        tag, sep, voice = entry.partition("=")
        if not sep or not tag.strip() or not voice.strip():
            raise ValueError(f"speakers entry {short_repr(entry.strip())} should look like NAME=voice")
        speakers[tag.strip().upper()] = voice.strip()
    return speakers


def parse_script(text: str, speakers: dict[str, str]) -> list[tuple[str, str]]:
    """(speaker, words) per non-empty line; speaker is '' for an untagged line."""
    takes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _TAG.match(line)
        if match and (_CAPS_TAG.match(match.group(1)) or match.group(1).upper() in speakers):
            takes.append((match.group(1).upper(), match.group(2).strip()))
        else:
            takes.append(("", line.strip()))
    return takes


def _ms(samples: int) -> float:
    return round(samples / SAMPLE_RATE, 3)


class Voice(NodeType):
    schema = NodeSchema(
        type_id="sound.voice", title="Voice", category="Sound", version=2,
        inputs=(Port("text", TEXT, optional=True, overrides="text", help="Overrides the text parameter when linked."),),
        outputs=(Port("audio", AUDIO, help="All lines spoken in order, mono."),
                 Port("timings", SUBTITLES, help="Lines, sentences and words with start/end seconds."),
                 Port("duration", FLOAT, help="Length of the audio in seconds.")),
        params=(
            StringParam("text", "", multiline=True,
                        help="One take per line; 'NAME: words' gives the line to a speaker."),
            StringParam("voice", BUILTIN_VOICE, help="Voice for untagged lines and unmapped speakers. "
                        "Add Piper voices (NAME.onnx + NAME.onnx.json) to the voices folder in the data folder, "
                        "or to a model folder set in Preferences."),
            StringParam("speakers", "", multiline=True, help="Voices per speaker: 'ALICE=en_US-joe-medium; BOB=...'."),
            FloatParam("speaking_rate", 1.0, min=0.5, max=2.0, step=0.05, help="1.5 speaks half as fast again."),
            FloatParam("sentence_pause", 0.25, min=0.0, max=5.0, step=0.05,
                       help="Seconds of silence between sentences."),
            FloatParam("line_pause", 0.6, min=0.0, max=10.0, step=0.1, help="Seconds of silence between lines."),
            FloatParam("gain_db", 0.0, min=-40.0, max=20.0, step=0.5, help="Level change; 0 dB peaks at -6 dBFS."),
            SeedParam(help="Which take of each line; the same seed always speaks a line the same way."),
        ),
        help="Speaks dialogue with a local text-to-speech voice (Piper) and times every word.",
    )

    @classmethod
    def upgrade_params(cls, params, from_version):
        # Version 1 had no seed and drew fresh noise for every take, so no earlier take can be
        # matched; 0 is the seed a new Voice node gets.
        if from_version < 2:
            params.setdefault("seed", 0)
        return params

    def missing_models(self, params, models):
        try:
            names = self._voice_names(params)
        except ValueError:
            return []
        installed = models.voices()
        return [MissingModel("voice" if name == params["voice"] else "speakers", name, "Piper voices (*.onnx)",
                             models.where_to_put(f"{name}.onnx and {name}.onnx.json (a Piper voice)", voice=True))
                for name in names if name not in installed]

    def suggestions(self, param_name, models):
        return list(models.voices()) if param_name == "voice" else []

    def _voice_names(self, params) -> list[str]:
        return list(dict.fromkeys([params["voice"], *parse_speakers(params["speakers"]).values()]))

    def problems(self, params, paths):
        # Whether the voices are installed depends on the model folders, which problems() is not
        # given: missing_models(params, models) reports them (`aiprod validate` lists both).
        try:
            self._voice_names(params)
        except ValueError as exc:
            return [str(exc)]
        return []

    def fingerprint(self, params, ctx):
        # The voice files are what this node reads: replacing a voice re-speaks the lines.
        prints = {"word_timing": "aligned" if alignments_available() else "estimated"}
        try:
            names = self._voice_names(params)
        except ValueError:
            return prints
        installed = ctx.models.voices()
        for name in names:
            voice = installed.get(name)
            prints[f"voice:{name}"] = (file_fingerprint(voice.model) + file_fingerprint(voice.config)
                                       if voice else "not installed")
        return prints

    def execute(self, ctx, inputs, params):
        text = params["text"]  # the linked text, if any (the executor applies the override)
        try:
            speakers = parse_speakers(params["speakers"])
        except ValueError as exc:
            raise NodeExecutionError(str(exc)) from exc
        takes = parse_script(text, speakers)
        if not takes:
            raise NodeExecutionError("Voice has no text to speak: type lines in its text parameter "
                                     "or link a Text input")
        names = [speakers.get(speaker, params["voice"]) for speaker, _ in takes]
        try:  # every voice is found before any line is spoken: a typo fails at once, not minutes in
            files = {name: ctx.models.voice(name) for name in names}
        except VoiceError as exc:
            raise NodeExecutionError(str(exc)) from exc
        pause = np.zeros(round(params["line_pause"] * SAMPLE_RATE), np.float32)
        pieces, lines, cursor, exact = [], [], 0, True
        for index, ((speaker, words), name) in enumerate(zip(takes, names)):
            ctx.progress(index / len(takes), f"line {index + 1} of {len(takes)}")
            try:
                speech = synthesize_line(load_voice(files[name]), words, params["speaking_rate"],
                                         params["sentence_pause"], params["gain_db"], params["seed"])
            except VoiceError as exc:
                raise NodeExecutionError(f"line {index + 1}: {exc}") from exc
            if pieces:
                pieces.append(pause)
                cursor += len(pause)
            pieces.append(speech.samples)
            exact = exact and speech.exact_words
            lines.append({
                "speaker": speaker, "voice": name, "text": words,
                "start": _ms(cursor + speech.sentences[0].start), "end": _ms(cursor + speech.sentences[-1].end),
                "sentences": [{"text": s.text, "start": _ms(cursor + s.start), "end": _ms(cursor + s.end)}
                              for s in speech.sentences],
                "words": [{"text": w.text, "start": _ms(cursor + w.start), "end": _ms(cursor + w.end)}
                          for s in speech.sentences for w in s.words],
            })
            cursor += len(speech.samples)
        samples = np.concatenate(pieces)[None, :]
        timings = {"lines": lines, "duration": _ms(cursor), "word_timing": "aligned" if exact else "estimated"}
        return {"audio": Audio(samples), "timings": timings, "duration": cursor / SAMPLE_RATE}
