"""Builds resources/examples/generated.aiprod, the locally generated film, through the engine's own commands.

    python resources/examples/make_generated.py

A 10-second film at 720p24 whose pictures and score are generated on this machine: two keyframes
of one harbour (before dawn, at sunrise) from an SDXL model, a first/last-frame video shot between
them from an LTX-Video model, a still + camera shot that holds the sunrise keyframe with a slow
push in, an opening title, a Sequence with dissolves and a fade out, a score from Stable Audio Open,
a Mix and an H.264 export.

No model ships with AIPROD Studio. Opened without them, the project still loads: the editor lists
the missing models with the folder each goes in (as `aiprod validate` does), a backdrop titled
"Needs models: ..." frames the nodes that need them, and a Text node inside it says how to get
them. The models are named as the folders a Hugging Face download gives them:

    stable-diffusion-xl-base-1.0   stabilityai/stable-diffusion-xl-base-1.0   (Keyframe, SDXL)
    LTX-Video-0.9.7-distilled      Lightricks/LTX-Video-0.9.7-distilled        (Scene, first/last-frame video)
    stable-audio-open-1.0          stabilityai/stable-audio-open-1.0          (Music, diffusion)

LTX-Video 0.9.7 distilled is guidance- and timestep-distilled: the diffusers documentation asks for
a guidance of 1.0 and 4 to 10 steps (https://huggingface.co/docs/diffusers/api/pipelines/ltx_video),
hence the Scene's 8 steps and guidance 1. Editing the file by hand is fine too; this script is the
record of intent.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.nodes import build_registry  # noqa: E402
from engine.annotation_commands import AddBackdrop  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.project import Project, save_project  # noqa: E402
from engine.project_model import ProjectModel  # noqa: E402

HERE = Path(__file__).resolve().parent
FILM = {"resolution": "1280x720", "fps": "24"}

# The models, by the folder names `hf download REPO --local-dir MODELS/NAME` gives them.
IMAGE_MODEL = "stable-diffusion-xl-base-1.0"
VIDEO_MODEL = "LTX-Video-0.9.7-distilled"
AUDIO_MODEL = "stable-audio-open-1.0"
MODELS = ((IMAGE_MODEL, "stabilityai/stable-diffusion-xl-base-1.0", "the two Keyframes (SDXL)"),
          (VIDEO_MODEL, "Lightricks/LTX-Video-0.9.7-distilled", "the Harbour Scene (first/last-frame video)"),
          (AUDIO_MODEL, "stabilityai/stable-audio-open-1.0", "the Score (Music, diffusion)"))

# Shots in the order they play, and the dissolve that overlaps each with the one before it.
OPENING, HARBOUR, SUNRISE = 3.0, 5.0, 4.0
DISSOLVE = 1.0
FADE_OUT = 1.5
LENGTH = OPENING + HARBOUR + SUNRISE - 2 * DISSOLVE  # 10 s

# The two keyframes show one place in two lights: LTX moves best between similar pictures.
HARBOUR_LOOK = ("wooden fishing boats moored at an old stone quay, calm water, gulls on the harbour wall, "
                "35mm film still, wide shot, natural light")
NEGATIVE = "text, watermark, logo, blurry, low quality, deformed boats"

INSTALL_NOTE = "\n".join((
    "How to install the models this film needs",
    "",
    "This project generates its pictures and its score on this machine. It needs three models, each a "
    "diffusers folder named exactly as below (the project finds a model by its folder name):",
    "",
    *(f"  {name}  for {use}" for name, _repo, use in MODELS),
    "",
    "Put them in a model folder: the models/ folder of AIPROD Studio's data folder "
    "(~/.local/share/aiprod-studio/models on Linux; the missing-model notice names it on this machine), "
    "a folder added under Preferences > Model folders, or a folder listed in AIPROD_MODEL_DIRS. "
    "A ComfyUI models/ folder added in Preferences is searched too.",
    "",
    "On a machine with internet access (pip install huggingface_hub gives the hf command), with MODELS "
    "one of those folders:",
    "",
    *(f"  hf download {repo} --local-dir MODELS/{name}" for name, repo, _use in MODELS),
    "",
    "Downloaded elsewhere, copy the three folders into MODELS. Each must hold model_index.json and its "
    "sub-folders. Stable Audio Open is gated: accept its licence on its Hugging Face page and run "
    "hf auth login before downloading it. Older huggingface_hub versions spell the command "
    "huggingface-cli download.",
    "",
    "Already have them under other names? Type those names into the Keyframes' Model, the Harbour "
    "Scene's Video model and the Score's Audio model. The rest of the film needs no model.",
    ""))

# Node size on the canvas (app/ui/node_item.py: 210 wide; the height of a node with a thumbnail),
# and the room a backdrop leaves around its nodes and for its title (app/ui/backdrop_model.py).
NODE_W, NODE_H = 210.0, 180.0
MARGIN, TITLE_H = 40.0, 28.0


def frame(graph: Graph, node_ids, extra_height: float = 0.0) -> tuple[float, float, float, float]:
    """A backdrop rect (x, y, w, h) around the nodes, as the editor's 'frame selection' makes one."""
    xs = [graph.nodes[n].position[0] for n in node_ids]
    ys = [graph.nodes[n].position[1] for n in node_ids]
    left, top = min(xs) - MARGIN, min(ys) - MARGIN - TITLE_H
    right, bottom = max(xs) + NODE_W + MARGIN, max(ys) + NODE_H + MARGIN + extra_height
    return left, top, right - left, bottom - top


def build() -> ProjectModel:
    graph = Graph(build_registry())
    model = ProjectModel(graph)
    stack = UndoStack(model)

    def node(type_id, node_id, x, y, label="", **params):
        stack.push(AddNode(type_id, (x, y), params, label=label, node_id=node_id))
        return node_id

    def wire(src, src_port, dst, dst_port):
        stack.push(Connect(src, src_port, dst, dst_port))

    # What needs models, in one column inside the backdrop, with the note on top.
    node("value.text", "install_note", 0, 0, "How to install the models", text=INSTALL_NOTE)
    keyframe = {"model": IMAGE_MODEL, "negative_prompt": NEGATIVE, "width": 1344, "height": 768, "steps": 30,
                "guidance": 6.0}
    node("shot.keyframe", "key_first", 0, 260, "Keyframe: before dawn",
         prompt=f"A quiet fishing harbour before dawn, deep blue light, harbour lamps still lit, mist on the water, "
                f"{HARBOUR_LOOK}", seed=11, **keyframe)
    node("shot.keyframe", "key_last", 0, 480, "Keyframe: sunrise",
         prompt=f"The same fishing harbour at sunrise, warm golden light across the water, the mist lifting, "
                f"{HARBOUR_LOOK}", seed=12, **keyframe)
    node("shot.scene", "harbour", 280, 370, "Harbour (first/last-frame video)", duration=HARBOUR,
         method="first/last-frame video", video_model=VIDEO_MODEL, steps=8, guidance=1.0, generate_height=0,
         prompt="Dawn breaks over a fishing harbour: the blue light turns gold, the mist lifts off the water, "
                "ripples cross the harbour and the moored boats rock gently; locked-off camera",
         seed=5, **FILM)
    wire("key_first", "image", "harbour", "keyframes")
    wire("key_last", "image", "harbour", "keyframes")
    node("sound.music", "score", 0, 740, "Score (Stable Audio Open)", method="diffusion", audio_model=AUDIO_MODEL,
         prompt="Calm ambient film score, soft felt piano and warm sustained strings, slow, hopeful, "
                "gentle swell at the end, high quality", length=LENGTH, steps=100, guidance=7.0, seed=3)

    # The rest needs no model.
    node("title.overlay", "opening", 640, 0, "Opening title", text="Harbour Light\nmade on this machine",
         size=7.0, duration=OPENING, fade_in=0.75, fade_out=0.75, **FILM)
    node("shot.camera_path", "push_in", 640, 640, "Slow push in", move="push in", amount=0.12)
    node("shot.scene", "sunrise", 900, 480, "Sunrise (still + camera)", duration=SUNRISE, **FILM)
    wire("key_last", "image", "sunrise", "keyframes")
    wire("push_in", "path", "sunrise", "camera")
    node("edit.sequence", "cut", 1180, 260, "Sequence", transition="dissolve", transition_seconds=DISSOLVE,
         fade_in=0.0, fade_out=FADE_OUT)
    for shot in ("opening", "harbour", "sunrise"):
        wire(shot, "frames", "cut", "shots")
    node("sound.mix", "mix", 1180, 740, "Mix", duck=False)
    wire("score", "audio", "mix", "music")
    node("output.export", "export", 1440, 300, "Export film", path="generated.mp4", format="h264")
    wire("cut", "frames", "export", "frames")
    wire("mix", "mix", "export", "audio")

    names = ", ".join(name for name, _repo, _use in MODELS)
    stack.push(AddBackdrop(frame(graph, ["install_note", "key_first", "key_last", "harbour", "score"]),
                           f"Needs models: {names} (the note inside says where they go)", "#6a3a3a"))
    return model


def main() -> None:
    model = build()
    project = Project(model.graph, "Generated film", {"note": "Built by resources/examples/make_generated.py"},
                      model=model)
    print(save_project(project, HERE / "generated.aiprod"))


if __name__ == "__main__":
    main()
