"""Builds resources/examples/sample.aiprod, the sample film, through the engine's own commands.

    python resources/examples/make_sample.py

A 17-second film at 720p24 that uses every cheap render method and the whole chain: stills with
camera moves, two keyframes joined by optical-flow in-betweens, an opening title and a lower
third, dissolves and fades, a graded look, a narrator, a score, wind, a ducked loudness-normalised
mix, and an H.264 export. Editing the file by hand is fine too; this script is the record of intent.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.nodes import build_registry  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.project import Project, save_project  # noqa: E402

HERE = Path(__file__).resolve().parent
FILM = {"resolution": "1280x720 (720p)", "fps": "24"}
NARRATION = ("Every film starts with a single frame. "
             "A still, a slow move, and the light does the rest.")


def build() -> Graph:
    graph = Graph(build_registry())
    stack = UndoStack(graph)

    def node(type_id, node_id, x, y, label="", **params):
        stack.push(AddNode(type_id, (x, y), params, label=label, node_id=node_id))
        return node_id

    def wire(src, src_port, dst, dst_port):
        stack.push(Connect(src, src_port, dst, dst_port))

    # Picture: four shots, cheapest method that gives each its motion.
    node("title.overlay", "opening", 0, 0, "Opening title", text="AIPROD Studio\npresents", size=9.0,
         duration=4.0, fade_in=1.0, fade_out=1.0, **FILM)
    node("media.import_image", "dawn_still", 0, 180, "Dawn still", path="stills/dawn.jpg")
    node("shot.camera_path", "push_in", 0, 300, "Slow push in", move="push in", amount=0.15)
    node("shot.scene", "dawn", 300, 200, "Dawn", duration=6.0, **FILM)
    wire("dawn_still", "image", "dawn", "keyframes")
    wire("push_in", "path", "dawn", "camera")
    node("media.import_image", "lake_a", 0, 440, "Lake, boat left", path="stills/lake_a.jpg")
    node("media.import_image", "lake_b", 0, 560, "Lake, boat right", path="stills/lake_b.jpg")
    node("shot.scene", "lake", 300, 480, "Lake (interpolated)", duration=4.0,
         method="keyframes + interpolation", **FILM)
    wire("lake_a", "image", "lake", "keyframes")
    wire("lake_b", "image", "lake", "keyframes")
    node("media.import_image", "night_still", 0, 700, "Night still", path="stills/night.jpg")
    node("shot.camera_path", "pan", 0, 820, "Pan right", move="pan right", amount=0.12)
    node("shot.scene", "night", 300, 740, "City", duration=6.0, **FILM)
    wire("night_still", "image", "night", "keyframes")
    wire("pan", "path", "night", "camera")
    node("title.overlay", "lower_third", 600, 740, "Lower third", text="The city, after dark", size=5.0,
         placement="lower third", start=1.0, end=5.0, fade_in=0.5, fade_out=0.5)
    wire("night", "frames", "lower_third", "frames")

    # Edit, grade, deliver.
    node("edit.sequence", "cut", 900, 300, "Sequence", transition="dissolve", transition_seconds=1.0,
         fade_in=0.0, fade_out=1.5)
    for shot in ("opening", "dawn", "lake", "lower_third"):
        wire(shot, "frames", "cut", "shots")
    node("color.grade", "grade", 1150, 300, "Warm look", look="warm_cinematic", mix=0.7, saturation=1.05)
    wire("cut", "frames", "grade", "frames")
    node("output.export", "export", 1400, 300, "Export film", path="sample.mp4", format="H.264 (yuv420p)")
    wire("grade", "frames", "export", "frames")

    # Sound: narrator over a score and wind, ducked and normalised to EBU R128.
    node("sound.voice", "narrator", 300, 1000, "Narrator", text=NARRATION, speaking_rate=0.95)
    node("sound.place", "narration", 600, 1000, "Narration at 4.5 s", offset=4.5)
    wire("narrator", "audio", "narration", "audio")
    node("sound.music", "score", 300, 1150, "Score", length=17.0, mood="warm", tempo=80.0, key="D",
         intensity=0.45, seed=7)
    node("sound.ambience", "wind", 300, 1300, "Wind", bed="wind", length=17.0, intensity=0.3, seed=3)
    node("sound.mix", "mix", 900, 1100, "Mix", duck=True)
    wire("narration", "audio", "mix", "dialogue")
    wire("score", "audio", "mix", "music")
    wire("wind", "audio", "mix", "ambience")
    return graph


def main() -> None:
    graph = build()
    if "export" in graph.nodes and graph.schema_of("export").input("audio") is not None:
        Connect("mix", "mix", "export", "audio").do(graph)  # the Export node muxes the mix
    project = Project(graph, "Sample film", {"note": "Built by resources/examples/make_sample.py"})
    print(save_project(project, HERE / "sample.aiprod"))


if __name__ == "__main__":
    main()
