"""Builds resources/examples/sample.aiprod, the sample film, through the engine's own commands.

    python resources/examples/make_sample.py

An 18-second film at 720p24 that uses every cheap render method and the whole chain: stills with
camera moves, two keyframes joined by optical-flow in-betweens, an opening title and a lower
third, dissolves and fades, a graded look, two spoken lines (the second one times the city shot:
its length is the line's plus head and tail handles), a score, wind, a mix that ducks both under
the lines and is loudness-normalised, and an H.264 export. Editing the file by hand is fine too;
this script is the record of intent.

The script speaks the city line to learn its length, so that the score and the wind can be made
as long as the film. It speaks the take the Voice node will speak (the same text and seed, 0),
rounded to the quarter second; the export pads or cuts the sound to the picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.nodes import build_registry  # noqa: E402
from app.nodes.scene import fps_of, frame_count_for  # noqa: E402
from engine.audio.tts import BUILTIN_VOICE, find_voices, load_voice, synthesize_line  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.project import Project, save_project  # noqa: E402

HERE = Path(__file__).resolve().parent
FILM = {"resolution": "1280x720", "fps": "24"}
NARRATION = ("Every film starts with a single frame. "
             "A still, a slow move, and the light does the rest.")
CITY_LINE = "By night the city keeps its own time. Every lit window is another story."
SPEAKING_RATE = 0.95
# Shots in the order they play, and the dissolve that overlaps each with the one before it.
OPENING, DAWN, LAKE = 4.0, 6.0, 4.0
DISSOLVE = 1.0
CITY_START = OPENING + DAWN + LAKE - 3 * DISSOLVE  # the city is the fourth shot: three dissolves before it
# The city line starts once the dissolve into the city is over, and ends before the film's fade to black.
FADE_OUT = 1.5
CITY_HEAD, CITY_TAIL = DISSOLVE, FADE_OUT + 0.5
NARRATION_AT = OPENING - DISSOLVE + 1.5  # 1.5 s into the dawn shot, half a second after it is fully in


def line_seconds(text: str) -> float:
    """How long the built-in voice takes to say `text`, to the quarter second, as a Voice node with
    seed 0 says it (rounded, so that a new version of the voice moves the film's length less often)."""
    voice = load_voice(find_voices([])[BUILTIN_VOICE])
    return round(synthesize_line(voice, text, SPEAKING_RATE, seed=0).samples.size / 48000 * 4) / 4


def film_seconds(city_line: float) -> float:
    """The film's length: everything up to the city shot, then the city shot as the Scene will frame it."""
    fps = fps_of(FILM["fps"])
    return CITY_START + frame_count_for(CITY_HEAD + city_line + CITY_TAIL, fps) / float(fps)


def build() -> Graph:
    graph = Graph(build_registry())
    length = film_seconds(line_seconds(CITY_LINE))
    stack = UndoStack(graph)

    def node(type_id, node_id, x, y, label="", **params):
        stack.push(AddNode(type_id, (x, y), params, label=label, node_id=node_id))
        return node_id

    def wire(src, src_port, dst, dst_port):
        stack.push(Connect(src, src_port, dst, dst_port))

    # Picture: four shots, cheapest method that gives each its motion.
    node("title.overlay", "opening", 0, 0, "Opening title", text="AIPROD Studio\npresents", size=9.0,
         duration=OPENING, fade_in=1.0, fade_out=1.0, **FILM)
    node("media.import_image", "dawn_still", 0, 180, "Dawn still", path="stills/dawn.jpg")
    node("shot.camera_path", "push_in", 0, 300, "Slow push in", move="push in", amount=0.15)
    node("shot.scene", "dawn", 300, 200, "Dawn", duration=DAWN, **FILM)
    wire("dawn_still", "image", "dawn", "keyframes")
    wire("push_in", "path", "dawn", "camera")
    node("media.import_image", "lake_a", 0, 440, "Lake, boat left", path="stills/lake_a.jpg")
    node("media.import_image", "lake_b", 0, 560, "Lake, boat right", path="stills/lake_b.jpg")
    node("shot.scene", "lake", 300, 480, "Lake (interpolated)", duration=LAKE,
         method="keyframes + interpolation", **FILM)
    wire("lake_a", "image", "lake", "keyframes")
    wire("lake_b", "image", "lake", "keyframes")
    node("media.import_image", "night_still", 0, 700, "Night still", path="stills/night.jpg")
    node("shot.camera_path", "pan", 0, 820, "Pan right", move="pan right", amount=0.12)
    # The city shot lasts as long as its line, plus handles: dialogue drives the cut.
    node("sound.voice", "city_voice", 0, 940, "City line", lines=[{"text": CITY_LINE}], speaking_rate=SPEAKING_RATE)
    node("shot.scene", "night", 300, 740, "City (timed by its line)", duration=6.0, head_handle=CITY_HEAD,
         tail_handle=CITY_TAIL, **FILM)
    wire("night_still", "image", "night", "keyframes")
    wire("pan", "path", "night", "camera")
    wire("city_voice", "duration", "night", "duration")
    node("title.overlay", "lower_third", 600, 740, "Lower third", text="The city, after dark", size=5.0,
         placement="lower third", start=1.0, end=5.0, fade_in=0.5, fade_out=0.5)
    wire("night", "frames", "lower_third", "frames")

    # Edit, grade, deliver.
    node("edit.sequence", "cut", 900, 300, "Sequence", transition="dissolve",
         transition_seconds=DISSOLVE, fade_in=0.0, fade_out=FADE_OUT)
    for shot in ("opening", "dawn", "lake", "lower_third"):
        wire(shot, "frames", "cut", "shots")
    node("color.grade", "grade", 1150, 300, "Warm look", look="warm_cinematic", mix=0.7, saturation=1.05)
    wire("cut", "frames", "grade", "frames")
    node("output.export", "export", 1400, 300, "Export film", path="sample.mp4", format="h264")
    wire("grade", "frames", "export", "frames")

    # Sound: two lines over a score and wind, the beds ducked under both, normalised to EBU R128.
    node("sound.voice", "narrator", 300, 1000, "Narrator", lines=[{"text": NARRATION}], speaking_rate=SPEAKING_RATE)
    node("sound.place", "narration", 600, 1000, f"Narration at {NARRATION_AT:g} s", offset=NARRATION_AT)
    wire("narrator", "audio", "narration", "audio")
    # Where the city shot starts in the Sequence, plus its head handle: the line plays over its own shot.
    city_at = CITY_START + CITY_HEAD
    node("sound.place", "city_line_at", 600, 880, f"City line at {city_at:g} s", offset=city_at)
    wire("city_voice", "audio", "city_line_at", "audio")
    node("sound.music", "score", 300, 1150, "Score", length=length, mood="warm", tempo=80.0, key="D",
         intensity=0.45, seed=7)
    node("sound.ambience", "wind", 300, 1300, "Wind", bed="wind", length=length, intensity=0.3, seed=3)
    node("sound.mix", "mix", 900, 1100, "Mix", duck=True)
    wire("narration", "audio", "mix", "dialogue")
    wire("city_line_at", "audio", "mix", "dialogue")
    wire("score", "audio", "mix", "music")
    wire("wind", "audio", "mix", "ambience")
    return graph


def main() -> None:
    graph = build()
    if "export" in graph.nodes and graph.schema_of("export").input("audio") is not None:
        UndoStack(graph).push(Connect("mix", "mix", "export", "audio"))  # the Export node muxes the mix
    project = Project(graph, "Sample film", {"note": "Built by resources/examples/make_sample.py"})
    print(save_project(project, HERE / "sample.aiprod"))


if __name__ == "__main__":
    main()
