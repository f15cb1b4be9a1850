"""Real-time factor of the sound nodes: seconds of compute per second of audio, through the nodes.

    .venv/bin/python benchmarks/sound.py [--seconds 60]

Voice speaks a paragraph, Music composes a cue, Mix mixes voice + music + ambience to -23 LUFS
with ducking and the true-peak limiter. Each node's time comes from the executor's own report
(no cache), so it is what a render pays. Targets: each RTF <= 0.1 on the CPU.
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.nodes import build_registry  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402

PARAGRAPH = ("The lighthouse had stood on the cliff for a hundred years. Every night its lamp turned "
             "over the black water, and every morning the keeper wrote one line in the log. "
             "Nobody remembered when the last ship had passed. Still, the lamp burned.")


def build(seconds: float) -> Graph:
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("sound.voice", params={"lines": [{"text": PARAGRAPH}]}, node_id="voice"))
    stack.push(AddNode("sound.music", params={"length": seconds, "mood": "melancholic", "tempo": 84.0,
                                              "intensity": 0.7}, node_id="music"))
    stack.push(AddNode("sound.ambience", params={"bed": "wind", "length": seconds}, node_id="wind"))
    stack.push(AddNode("sound.place", params={"offset": 2.0}, node_id="line"))
    stack.push(AddNode("sound.mix", node_id="mix"))
    stack.push(Connect("voice", "audio", "line", "audio"))
    stack.push(Connect("line", "audio", "mix", "dialogue"))
    stack.push(Connect("music", "audio", "mix", "music"))
    stack.push(Connect("wind", "audio", "mix", "ambience"))
    return graph


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the music, ambience and mix")
    args = parser.parse_args()
    graph = build(args.seconds)
    Executor().run(graph, ["voice"])  # load the voice model once, as an editor session would
    started = time.perf_counter()
    report = Executor().run(graph, ["mix"], load_outputs=True)
    assert report.status == "finished", {n: r.message for n, r in report.results.items() if r.message}
    voice_seconds = report.results["voice"].seconds
    spoken = float(Executor().run(graph, ["voice"], load_outputs=True).outputs["voice"]["duration"])
    mix_length = float(report.outputs["mix"]["mix"].duration)
    result = {
        "voice_rtf": round(voice_seconds / spoken, 4),
        "music_rtf": round(report.results["music"].seconds / args.seconds, 4),
        "ambience_rtf": round(report.results["wind"].seconds / args.seconds, 4),
        "mix_rtf": round(report.results["mix"].seconds / mix_length, 4),
        "voice_audio_s": round(spoken, 2), "music_audio_s": args.seconds, "mix_audio_s": round(mix_length, 2),
        "mix_lufs": round(report.outputs["mix"]["loudness"], 2), "total_s": round(time.perf_counter() - started, 2),
        "target_rtf": 0.1,
    }
    result["meets_target"] = all(result[k] <= 0.1 for k in ("voice_rtf", "music_rtf", "mix_rtf"))
    print(f"voice {result['voice_rtf']}  music {result['music_rtf']}  mix {result['mix_rtf']} (RTF, lower is faster)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
