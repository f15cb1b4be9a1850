"""The 60-second 1080p test film of benchmarks/pipeline.py, built from the sample's stills with the engine's commands.

An opening title card, then six shots: four stills under camera moves and two pairs of keyframes
joined by optical-flow in-betweens (the method of the sample's Lake shot), a lower third over the
city shot, a 1 s dissolve at every join, a fade to black, the sample's warm grade, one spoken line
over a score, a ducking mix and an H.264 export with the mix as its sound.

Lengths: the card 4 s and the shots 11, 10, 11, 10, 10, 10 s (shots of a calm film, 8-12 s
each); the Sequence overlaps each of the 6 dissolves, so 4 + 62 - 6 x 1 = 60 s = 1440 frames at 24 fps.
`quick` makes the same film short: card 2 s, shots 2.5 s, dissolves 0.5 s (2 + 15 - 3 = 14 s).
"""

from __future__ import annotations

import shutil
from pathlib import Path

STILL, FLOW = "still + camera", "keyframes + interpolation"
# id, method, stills (keyframes in order), camera move (None: locked off), amount, seconds
SHOTS = (
    ("dawn", STILL, ("dawn",), "push in", 0.15, 11.0),
    ("lake", FLOW, ("lake_a", "lake_b"), None, 0.0, 10.0),
    ("night", STILL, ("night",), "pan right", 0.12, 11.0),
    ("lake_wide", STILL, ("lake_b",), "pull out", 0.12, 10.0),
    ("lake_return", FLOW, ("lake_b", "lake_a"), None, 0.0, 10.0),
    ("dawn_tilt", STILL, ("dawn",), "tilt up", 0.1, 10.0),
)
CARD, DISSOLVE, FADE_OUT = 4.0, 1.0, 1.5
QUICK_CARD, QUICK_SHOT, QUICK_DISSOLVE = 2.0, 2.5, 0.5
FILM = {"resolution": "1920x1080", "fps": "24"}
LINE = "Every film starts with a single frame. A still, a slow move, and the light does the rest."


def build_film60(folder: Path, stills: Path, quick: bool = False) -> tuple[Path, int, float]:
    """Writes `folder`/film60.aiprod (stills copied beside it); returns it, its frame count and seconds."""
    from app.nodes import build_registry
    from app.nodes.scene import fps_of, frame_count_for
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(stills, folder / "stills", dirs_exist_ok=True)
    card, dissolve = (QUICK_CARD, QUICK_DISSOLVE) if quick else (CARD, DISSOLVE)
    lengths = [QUICK_SHOT if quick else shot[5] for shot in SHOTS]
    fps = fps_of(FILM["fps"])
    frames = (frame_count_for(card, fps) + sum(frame_count_for(s, fps) for s in lengths)
              - len(SHOTS) * frame_count_for(dissolve, fps))
    seconds = frames / float(fps)

    graph = Graph(build_registry())
    stack = UndoStack(graph)

    def node(type_id, node_id, label, **params):
        stack.push(AddNode(type_id, (0, 0), params, label=label, node_id=node_id))

    def wire(src, src_port, dst, dst_port):
        stack.push(Connect(src, src_port, dst, dst_port))

    for name in sorted({s for shot in SHOTS for s in shot[2]}):
        node("media.import_image", f"still_{name}", name, path=f"stills/{name}.jpg")
    node("title.overlay", "opening", "Opening title", text="AIPROD Studio\npresents", size=9.0, duration=card,
         fade_in=min(1.0, card / 4), fade_out=min(1.0, card / 4), **FILM)
    node("edit.sequence", "cut", "Sequence", transition="dissolve", transition_seconds=dissolve,
         fade_out=min(FADE_OUT, lengths[-1] / 2))
    wire("opening", "frames", "cut", "shots")
    for (shot, method, keys, move, amount, _), length in zip(SHOTS, lengths):
        node("shot.scene", shot, shot, duration=length, method=method, **FILM)
        for key in keys:
            wire(f"still_{key}", "image", shot, "keyframes")
        if move:
            node("shot.camera_path", f"{shot}_move", move, move=move, amount=amount)
            wire(f"{shot}_move", "path", shot, "camera")
        if shot == "night":
            node("title.overlay", "lower_third", "Lower third", text="The city, after dark", size=5.0,
                 placement="lower third", start=min(1.0, length / 5), end=min(6.0, length * 0.8),
                 fade_in=0.5 * min(1.0, length / 5), fade_out=0.5 * min(1.0, length / 5))
            wire(shot, "frames", "lower_third", "frames")
            shot = "lower_third"
        wire(shot, "frames", "cut", "shots")
    node("color.grade", "grade", "Warm look", look="warm_cinematic", mix=0.7, saturation=1.05)
    wire("cut", "frames", "grade", "frames")
    node("output.export", "export", "Export film", path="film60.mp4", format="h264", quality=18)
    wire("grade", "frames", "export", "frames")

    node("sound.voice", "narrator", "Narrator", lines=[{"text": LINE}], speaking_rate=0.95)
    node("sound.place", "narration", "Narration", offset=min(5.0, card / 2))
    wire("narrator", "audio", "narration", "audio")
    node("sound.music", "score", "Score", length=seconds, mood="warm", tempo=80.0, key="D", intensity=0.45, seed=7)
    node("sound.mix", "mix", "Mix", duck=True)
    wire("narration", "audio", "mix", "dialogue")
    wire("score", "audio", "mix", "music")
    wire("mix", "mix", "export", "audio")
    path = save_project(Project(graph, "Film 60 s", {"note": "Built by benchmarks/pipeline_film60.py"}),
                        folder / "film60.aiprod")
    return Path(path), frames, seconds


def probe(path: Path) -> dict:
    """What the film file holds: frames, size, seconds of picture and of sound, and the sound's peak."""
    import av
    import numpy as np

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        found = {"frames": video.frames, "size": f"{video.codec_context.width}x{video.codec_context.height}",
                 "seconds": round(float(container.duration / av.time_base), 3) if container.duration else None,
                 "video_codec": video.codec_context.name, "audio": None}
        if container.streams.audio:
            audio = container.streams.audio[0]
            samples, peak = 0, 0.0
            for frame in container.decode(audio):
                data = frame.to_ndarray()
                samples += frame.samples
                peak = max(peak, float(np.abs(data).max()) if data.size else 0.0)
            found["audio"] = {"codec": audio.codec_context.name, "channels": audio.codec_context.channels,
                              "seconds": round(samples / audio.codec_context.sample_rate, 3),
                              "peak_dbfs": round(20 * np.log10(peak), 1) if peak > 0 else None}
    return found
