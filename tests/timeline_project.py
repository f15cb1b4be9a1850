"""A small film to edit on a timeline: three still + camera shots of colour bars joined by a Sequence,
two sounds in a Mix (one through a Place at 0.5 s, one linked straight in), exported. It renders in
seconds at 640x360, 24 fps: shot A is 1 s, shot B 2 s, shot C 1.5 s; B dissolves into C over 12 frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FPS = 24
SHOT_SECONDS = {"shot_a": 1.0, "shot_b": 2.0, "shot_c": 1.5}


def write_tone(path: Path, seconds: float, hz: float) -> Path:
    from scipy.io import wavfile

    t = np.arange(int(48000 * seconds)) / 48000.0
    wavfile.write(path, 48000, (0.2 * np.sin(2 * np.pi * hz * t)).astype(np.float32))
    return path


def build_timeline_graph(folder: Path, registry=None, fps: str = "24"):
    """(graph, undo stack) of the film; the two tones are written into `folder`."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph

    graph = Graph(registry or build_registry())
    stack = UndoStack(graph)
    push = stack.push
    push(AddNode("image.color_bars", (0, 0), {"resolution": "640x360"}, node_id="bars"))
    for row, (shot, seconds) in enumerate(SHOT_SECONDS.items()):
        push(AddNode("shot.scene", (300, row * 200), {"duration": seconds, "resolution": "640x360", "fps": fps,
                                                       "head_handle": 0.0, "tail_handle": 0.0},
                     label=f"Shot {shot[-1].upper()}", node_id=shot))
        push(Connect("bars", "image", shot, "keyframes"))
    push(AddNode("edit.sequence", (600, 200), {"transition": "cut",
                                               "joins": [{"join": 2, "transition": "dissolve", "seconds": 0.5}]},
                 label="Edit", node_id="cut"))
    for shot in SHOT_SECONDS:
        push(Connect(shot, "frames", "cut", "shots"))
    write_tone(folder / "line.wav", 1.0, 440.0)
    write_tone(folder / "bed.wav", 3.0, 220.0)
    push(AddNode("sound.music_file", (300, 700), {"path": str(folder / "line.wav"), "length": 0.0, "loop": False},
                 label="Line", node_id="line"))
    push(AddNode("sound.place", (500, 700), {"offset": 0.5}, label="Line at 0.5 s", node_id="line_at"))
    push(AddNode("sound.music_file", (300, 900), {"path": str(folder / "bed.wav"), "length": 0.0, "loop": False},
                 label="Bed", node_id="bed"))
    push(AddNode("sound.mix", (800, 800), node_id="mix"))
    push(Connect("line", "audio", "line_at", "audio"))
    push(Connect("line_at", "audio", "mix", "dialogue"))
    push(Connect("bed", "audio", "mix", "music"))
    push(AddNode("output.export", (900, 300), {"path": str(folder / "film.mp4"), "format": "h264"},
                 label="Film", node_id="export"))
    push(Connect("cut", "frames", "export", "frames"))
    push(Connect("mix", "mix", "export", "audio"))
    return graph, stack


def save_timeline_project(folder: Path, fps: str = "24") -> Path:
    from engine.project import Project, save_project

    folder.mkdir(parents=True, exist_ok=True)
    graph, _ = build_timeline_graph(folder, fps=fps)
    return save_project(Project(graph, "Timeline film"), folder / "film.aiprod")
