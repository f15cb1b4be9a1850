"""The Voice node speaks real words with a local Piper voice, times them, and explains a missing voice.

The built-in voice is loaded once for the whole module (the engine keeps loaded voices), so the
tests cost the synthesis only: Piper runs ~25x faster than real time on two CPU cores.
"""

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from app.nodes.values import TextValue
from app.nodes.voice import Voice, parse_script, parse_speakers, script_takes, speaker_voices
from engine.audio.buffer import SAMPLE_RATE
from engine.audio.tts import BUILTIN_VOICE, find_voices, load_voice, resolve_voice, split_sentences, \
    synthesize_line
from engine.commands import AddNode, Connect, UndoStack
from engine.executor import Executor
from engine.graph import Graph
from engine.models import ModelLocator
from engine.project import project_from_data
from engine.registry import Registry
from tests.engine.stub_nodes import project_root

FOX = "The quick brown fox jumps over the lazy dog near the river bank."


@pytest.fixture(scope="module", autouse=True)
def builtin_voice():
    return load_voice(resolve_voice(BUILTIN_VOICE, None))


def user_models(*folders):
    """What the CLI and the editor build: the (test's) data folder, then more model folders."""
    from app import settings

    return ModelLocator(settings.data_dir(), folders)


def run_voice(text_input=None, models=None, **params):
    """Run a Voice; a `text` or `speakers` string is the version 2 script text, read as an old project's is."""
    params = Voice.upgrade_params(params, 2) if "text" in params or isinstance(params.get("speakers"), str) else params
    graph = Graph(Registry((Voice, TextValue)))
    stack = UndoStack(graph)
    stack.push(AddNode("sound.voice", params=params, node_id="v"))
    if text_input is not None:
        stack.push(AddNode("value.text", params={"text": text_input}, node_id="t"))
        stack.push(Connect("t", "text", "v", "text"))
    report = Executor(models=models if models is not None else user_models()).run(graph, ["v"], load_outputs=True)
    return report, report.outputs.get("v")


def spoken(models=None, **params):
    report, outputs = run_voice(models=models, **params)
    assert report.status == "finished", report.results["v"].message
    return outputs


def frame_rms(samples, ms=20):
    hop = SAMPLE_RATE * ms // 1000
    n = len(samples) // hop
    return np.sqrt(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1))


def test_a_sentence_becomes_speech_with_word_timings():
    out = spoken(text=FOX)
    audio, timings = out["audio"], out["timings"]
    assert audio.channels == 1 and audio.sample_rate == SAMPLE_RATE
    seconds = float(audio.duration)
    assert out["duration"] == pytest.approx(seconds)
    assert 1.5 <= 13 / seconds <= 4.5  # a human speaking rate, not a beep or a drawl
    samples = audio.samples[0]
    assert np.sqrt(np.mean(samples**2)) > 0.03  # not silence
    levels = frame_rms(samples)
    assert levels.max() > 0.1 and np.percentile(levels, 10) < 0.3 * levels.max()  # syllables rise and fall
    (line,) = timings["lines"]
    assert [w["text"] for w in line["words"]] == FOX.split()
    times = [t for w in line["words"] for t in (w["start"], w["end"])]
    assert times == sorted(times) and 0 <= times[0] and times[-1] <= seconds + 0.001
    assert all(w["end"] > w["start"] for w in line["words"])
    assert line["start"] == line["sentences"][0]["start"] and line["end"] == pytest.approx(seconds, abs=0.002)


def test_word_times_follow_the_pause_at_a_comma():
    out = spoken(text="Wait here, and I will bring the car around.")
    words = {w["text"]: w for w in out["timings"]["lines"][0]["words"]}
    assert words["and"]["start"] - words["here,"]["end"] > 0.1  # the pause falls between the clauses
    samples = out["audio"].samples[0]
    pause = samples[round(words["here,"]["end"] * SAMPLE_RATE) + 480: round(words["and"]["start"] * SAMPLE_RATE) - 480]
    assert len(pause) > 0 and np.sqrt(np.mean(pause**2)) < 0.01  # and it is quiet there


def test_estimated_word_times_agree_with_the_models_alignments(builtin_voice):
    """Only where Piper can give alignments (the `onnx` package installed)."""
    pytest.importorskip("onnx")
    from piper import SynthesisConfig
    from scipy.signal import resample_poly

    from engine.audio import tts

    text = "Nobody knew where the old lighthouse keeper had gone; the lamp still burned every night."
    chunks = list(builtin_voice.synthesize(text, SynthesisConfig(), include_alignments=True))
    audio = resample_poly(np.concatenate([c.audio_float_array for c in chunks]), 320, 147).astype(np.float32)
    begin, end = tts._voiced_span(audio)
    words = tts._word_texts(text)
    weights = [tts._phoneme_count(builtin_voice, w) for w in words]
    exact = tts._aligned_word_spans(tts._aligned_phonemes(chunks, 48000 / 22050), weights, begin, end)
    estimate = tts._estimate_word_spans(audio, weights, words, begin, end)
    errors = [abs(a[0] - b[0]) / SAMPLE_RATE for a, b in zip(exact, estimate)]
    assert np.mean(errors) < 0.15 and max(errors) < 0.35  # the fallback when alignments are unavailable
    assert spoken(text=text)["timings"]["word_timing"] == "aligned"


def test_faster_speaking_rate_is_shorter():
    normal = spoken(text=FOX)["duration"]
    fast = spoken(text=FOX, speaking_rate=1.5)["duration"]
    assert fast < 0.85 * normal


def test_line_pause_is_silence_of_that_length():
    out = spoken(text="The first line is here.\nAnd the second one follows.", line_pause=1.0)
    first, second = out["timings"]["lines"]
    assert second["start"] - first["end"] == pytest.approx(1.0, abs=0.002)
    samples = out["audio"].samples[0]
    gap = samples[round(first["end"] * SAMPLE_RATE) + 10: round(second["start"] * SAMPLE_RATE) - 10]
    assert len(gap) > 0.9 * SAMPLE_RATE and np.abs(gap).max() == 0.0
    before = samples[round((first["end"] - 0.4) * SAMPLE_RATE): round(first["end"] * SAMPLE_RATE)]
    after = samples[round(second["start"] * SAMPLE_RATE): round((second["start"] + 0.4) * SAMPLE_RATE)]
    assert np.abs(before).max() > 0.05 and np.abs(after).max() > 0.05  # speech right up to the pause


def test_sentence_pause_separates_sentences():
    out = spoken(text="Stop right there. Do not move.", sentence_pause=0.7)
    first, second = out["timings"]["lines"][0]["sentences"]
    assert first["text"] == "Stop right there." and second["text"] == "Do not move."
    assert second["start"] - first["end"] == pytest.approx(0.7, abs=0.002)


def test_speaker_tags_make_takes_and_are_not_spoken():
    out = spoken(text="ALICE: Good morning.\nBOB: Good morning.\nNote: bring milk.",
                 speakers=f"ALICE={BUILTIN_VOICE}")
    lines = out["timings"]["lines"]
    assert [(l["speaker"], l["text"]) for l in lines] == [("ALICE", "Good morning."), ("BOB", "Good morning."),
                                                          ("", "Note: bring milk.")]
    assert lines[1]["voice"] == BUILTIN_VOICE  # BOB is not mapped: the default voice speaks
    tagged = lines[0]["end"] - lines[0]["start"]
    named = spoken(text="Alice, good morning.")["timings"]["lines"][0]
    assert tagged < (named["end"] - named["start"]) - 0.2  # "Alice" takes time to say; the tag took none


def test_text_input_overrides_the_parameter():
    report, out = run_voice(text_input="Hello from the wire.", text="This is not spoken.")
    assert report.status == "finished", report.results["v"].message
    assert out["timings"]["lines"][0]["text"] == "Hello from the wire."


def test_a_voice_dropped_into_the_voices_folder_can_be_used(tmp_path):
    folder = tmp_path / "user-data" / "voices"  # conftest points the data folder at tmp_path / "user-data"
    folder.mkdir(parents=True)
    builtin = find_voices(None)[BUILTIN_VOICE]
    shutil.copy(builtin.model, folder / "narrator.onnx")
    shutil.copy(builtin.config, folder / "narrator.onnx.json")
    assert list(find_voices(folder)) == [BUILTIN_VOICE, "narrator"]
    default = Voice.schema.default_params()
    assert Voice().missing_models({**default, "voice": "narrator"}, user_models()) == []
    out = spoken(text="Now I am the narrator.", voice="narrator")
    assert out["timings"]["lines"][0]["voice"] == "narrator" and out["duration"] > 0.5
    (missing,) = Voice().missing_models({**default, "voice": "nobody"}, user_models())
    assert (missing.param, missing.name) == ("voice", "nobody") and str(folder) in missing.hint
    assert "nobody.onnx and nobody.onnx.json" in missing.hint
    report, _ = run_voice(text="Hello.", voice="nobody")
    message = report.results["v"].message
    assert "'nobody' is not installed" in message and f"{BUILTIN_VOICE}, narrator" in message


def test_voices_in_model_folders_are_found_and_offered(tmp_path):
    builtin = find_voices(None)[BUILTIN_VOICE]
    studio = tmp_path / "studio-models"  # a shared model tree, its voices in a piper/ subfolder
    (studio / "piper").mkdir(parents=True)
    shutil.copy(builtin.model, studio / "piper" / "studio-voice.onnx")
    shutil.copy(builtin.config, studio / "piper" / "studio-voice.onnx.json")
    farm = tmp_path / "farm-models"  # a headless render's folder, named by the environment
    farm.mkdir()
    shutil.copy(builtin.model, farm / "farm-voice.onnx")
    shutil.copy(builtin.config, farm / "farm-voice.onnx.json")
    params = {**Voice.schema.default_params(), "voice": "studio-voice"}
    assert "studio-voice" not in Voice().suggestions("voice", user_models()) \
        and Voice().missing_models(params, user_models())
    models = user_models(studio, farm)  # the Preferences' folder, then AIPROD_MODEL_DIRS's
    assert Voice().suggestions("voice", models) == [BUILTIN_VOICE, "studio-voice", "farm-voice"]
    assert Voice().missing_models(params, models) == []
    out = spoken(models=models, text="Spoken from the farm.", voice="farm-voice")
    assert out["timings"]["lines"][0]["voice"] == "farm-voice" and out["duration"] > 0.5
    assert Voice().suggestions("text", models) == []  # only the voice has a list


def test_two_renders_in_one_process_find_the_voices_of_their_own_locator(tmp_path):
    """No global: each RunContext looks in the folders its render was given, side by side."""
    builtin = find_voices(None)[BUILTIN_VOICE]
    for name in ("alpha", "beta"):
        (tmp_path / name).mkdir()
        shutil.copy(builtin.model, tmp_path / name / f"{name}-voice.onnx")
        shutil.copy(builtin.config, tmp_path / name / f"{name}-voice.onnx.json")
    alpha, beta = ModelLocator(tmp_path / "data-a", [tmp_path / "alpha"]), ModelLocator(None, [tmp_path / "beta"])
    assert spoken(models=alpha, text="First.", voice="alpha-voice")["duration"] > 0.2
    assert spoken(models=beta, text="Second.", voice="beta-voice")["duration"] > 0.2
    report, _ = run_voice(models=beta, text="Third.", voice="alpha-voice")
    assert report.status == "failed" and "'alpha-voice' is not installed" in report.results["v"].message
    assert Voice().suggestions("voice", alpha) == [BUILTIN_VOICE, "alpha-voice"]
    assert Voice().suggestions("voice", beta) == [BUILTIN_VOICE, "beta-voice"]
    assert Voice().suggestions("voice", ModelLocator()) == [BUILTIN_VOICE]  # no locator given: the built-in only


def test_missing_or_broken_voice_files_are_clear_errors(tmp_path):
    folder = tmp_path / "user-data" / "voices"
    folder.mkdir(parents=True)
    (folder / "broken.onnx").write_bytes(b"this is not an onnx model")
    shutil.copy(find_voices(None)[BUILTIN_VOICE].config, folder / "broken.onnx.json")
    (folder / "lonely.onnx").write_bytes(b"no config beside me")
    report, _ = run_voice(text="Hello.", voice="broken")
    message = report.results["v"].message
    assert report.status == "failed" and "broken.onnx is not a usable ONNX voice model" in message
    assert "download the voice again" in message
    report, _ = run_voice(text="Hello.", voice="lonely")
    assert "voice 'lonely' has no config: put lonely.onnx.json" in report.results["v"].message
    report, _ = run_voice(text="BOB: Hi.\nALICE: Hello.", speakers="ALICE=ghost")
    assert report.results["v"].status == "failed"  # every voice is checked before anything is spoken
    assert "'ghost' is not installed" in report.results["v"].message
    (ghost,) = Voice().missing_models({**Voice.schema.default_params(),
                                      "speakers": [{"speaker": "ALICE", "voice": "ghost"}]}, user_models())
    assert (ghost.param, ghost.name) == ("speakers", "ghost")


def test_a_chinese_voice_without_its_g2pw_model_is_a_clear_error_not_a_download(tmp_path):
    folder = tmp_path / "user-data" / "voices"
    folder.mkdir(parents=True)
    builtin = find_voices(None)[BUILTIN_VOICE]
    shutil.copy(builtin.model, folder / "zh.onnx")
    config = json.loads(builtin.config.read_text())
    (folder / "zh.onnx.json").write_text(json.dumps({**config, "phoneme_type": "pinyin"}))
    report, _ = run_voice(text="Hello.", voice="zh")
    message = report.results["v"].message
    assert report.status == "failed" and "g2pW model, which is not installed" in message
    assert str(folder / "g2pW") in message


def test_empty_text_and_bad_mapping_are_clear_errors():
    report, _ = run_voice(text="  \n\n ")
    assert "Voice has no text to speak" in report.results["v"].message
    report, _ = run_voice(text="...")
    assert "nothing to say" in report.results["v"].message
    # The old mapping text that does not read is kept as saved (loading warns), never half-read.
    assert Voice.upgrade_params({"text": "Hi.", "speakers": "ALICE"}, 2) == {
        "speakers": "ALICE", "lines": [{"speaker": "", "text": "Hi."}]}
    report, _ = run_voice(lines=[{"text": "Hi."}], speakers=[{"speaker": "ALICE", "voice": " "}])
    assert report.results["v"].message == "speakers row 1, column voice: give the voice, or remove the row"
    assert Voice().problems({**Voice.schema.default_params(), "speakers": "ALICE"}, None) == [
        "speakers must be a table (a list of rows), got 'ALICE'"]


def test_a_version_2_voice_opens_with_its_script_as_lines_and_speakers():
    data = {"schema_version": 1, "kind": "aiprod.project", "name": "old", "settings": {}, "links": [],
            "nodes": [{"object": "Node.1", "id": "v", "type": "sound.voice", "type_version": 2, "position": [0, 0],
                       "params": {"text": "ALICE: Hi.\n\nDr. Smith: Sit.\nNote: milk\nalice: Yes.",
                                  "speakers": "alice = my-voice;\nDr. Smith=other", "seed": 4}}]}
    project = project_from_data(data, Registry((Voice,)))
    params = project.graph.nodes["v"].params
    assert project.graph.nodes["v"].type_version == 3 and "text" not in params and params["seed"] == 4
    assert params["speakers"] == [{"speaker": "ALICE", "voice": "my-voice"}, {"speaker": "DR. SMITH", "voice": "other"}]
    assert script_takes(params["lines"]) == parse_script(data["nodes"][0]["params"]["text"],
                                                         speaker_voices(params["speakers"]))
    assert params["lines"][1] == {"speaker": "DR. SMITH", "text": "Sit."}
    assert params["lines"][2] == {"speaker": "", "text": "Note: milk"}


def test_script_parsing():
    speakers = parse_speakers("alice = my-voice;\nBOB=other")
    assert speakers == {"ALICE": "my-voice", "BOB": "other"}
    assert parse_script("ALICE: Hi.\n\nDR. SMITH: Sit.\nNote: milk\nalice: Yes.", speakers) == [
        ("ALICE", "Hi."), ("DR. SMITH", "Sit."), ("", "Note: milk"), ("ALICE", "Yes.")]
    assert split_sentences("Mr. Smith left. Did he? Yes!  \"Go.\" Fine") == [
        "Mr. Smith left.", "Did he?", "Yes!", "\"Go.\"", "Fine"]


def test_a_line_and_a_seed_give_the_same_samples_every_time(builtin_voice):
    first = synthesize_line(builtin_voice, FOX, seed=5).samples
    synthesize_line(builtin_voice, "Something else in between.", seed=5)  # what was said before does not matter
    again = synthesize_line(builtin_voice, FOX, seed=5).samples
    other = synthesize_line(builtin_voice, FOX, seed=6).samples
    assert first.dtype == np.float32 and np.array_equal(first, again)
    assert not np.array_equal(first[: len(other)], other[: len(first)])  # another seed, another take
    assert abs(len(other) - len(first)) < 0.1 * len(first)  # of the same line at the same pace


def test_the_same_take_in_another_process(builtin_voice):
    code = ("import hashlib, sys; from engine.audio.tts import BUILTIN_VOICE, load_voice, resolve_voice, "
            "synthesize_line; voice = load_voice(resolve_voice(BUILTIN_VOICE, None)); "
            "print(hashlib.md5(synthesize_line(voice, sys.argv[1], seed=5).samples.tobytes()).hexdigest())")
    there = subprocess.run([sys.executable, "-c", code, FOX], capture_output=True, text=True, check=True,
                           cwd=project_root()).stdout.strip()
    assert there == hashlib.md5(synthesize_line(builtin_voice, FOX, seed=5).samples.tobytes()).hexdigest()


def test_the_voice_nodes_seed_picks_the_take():
    one, again, two = spoken(text=FOX, seed=1), spoken(text=FOX, seed=1), spoken(text=FOX, seed=2)
    assert np.array_equal(one["audio"].samples, again["audio"].samples) and one["timings"] == again["timings"]
    assert not np.array_equal(one["audio"].samples[:, :1000], two["audio"].samples[:, :1000])


def test_a_version_1_voice_node_loads_with_seed_0():
    """Version 1 had no seed; a saved project opens with the seed a new node gets."""
    saved = {"object": "Node.1", "id": "v", "type": "sound.voice", "type_version": 1, "position": [0, 0],
             "params": {"text": "Hello.", "voice": BUILTIN_VOICE, "speaking_rate": 0.95}}
    project = project_from_data({"schema_version": 1, "kind": "aiprod.project", "nodes": [saved], "links": []},
                                Registry((Voice,)))
    node = project.graph.nodes["v"]
    assert node.type_version == Voice.schema.version
    assert node.params["seed"] == 0 and node.params["speaking_rate"] == 0.95
    assert not project.warnings
