"""Peak GPU memory of each generating family at 1280x720 and 1920x1080, through the real Keyframe,
Scene and Music nodes and AIPROD's own memory settings, with full-size architectures holding random
weights (benchmarks/full_size_models.py says why and which checkpoints they follow).

    python benchmarks/generation_vram.py [--families sdxl,flux1,...] [--levels 0,2] [--budget-s 420]
    python benchmarks/generation_vram.py --shrink     # one layer per stack, small sizes: wiring check on a CPU
    python benchmarks/generation_vram.py --families sdxl --sizes 720p --steps 1   # without CUDA: CPU seconds

Each case is one node render: the model library finds the family's tiny test pipeline, and its
loading is replaced by one that puts the full-size components into that pipeline; the placement
(memory setting) is forced to the one measured. Everything else, from the node's parameters to
apply_placement and the pipeline call, is the product's own path. A case prints one JSON line; the
last line is one JSON object with all of them. peak_allocated_gb is the node's own peak_vram_gb
(PyTorch's allocator over the pipeline call); peak_reserved_gb is what the allocator held from the
driver, nearer what nvidia-smi shows (add the CUDA context, about 0.5 GB).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app.nodes import build_registry  # noqa: E402
from benchmarks import full_size_models  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.models import ModelLocator, denoise, loading  # noqa: E402
from engine.models.memory import (LEVEL_NAMES, MODEL_OFFLOAD, Placement, apply_placement,  # noqa: E402
                                  torch_dtype)
from tests import tiny_models  # noqa: E402

STILLS = REPO_ROOT / "resources" / "examples" / "stills"
# family -> (tiny folder builder, what is measured)
FAMILIES = {
    "sdxl": (lambda f: tiny_models.build("sdxl", f), "keyframe"),
    "flux1": (lambda f: tiny_models.build("flux1", f), "keyframe"),
    "ltx-video": (lambda f: tiny_models.build("ltx-video", f), "first/last-frame video"),
    "wan": (lambda f: tiny_models.build_wan(f, "i2v"), "full video diffusion"),
    "stable-audio": (lambda f: tiny_models.build("stable-audio", f), "music"),
}
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
SHRUNK_SIZES = {"144p": (256, 144)}
SHOT_SECONDS = 2.0  # a video case's shot; its frame count follows from the family's native fps
MUSIC_SECONDS = 30.0


class FullSizeLoader:
    """Stands in for loading.load_pipeline: the tiny folder's light parts around full-size components,
    built once per family (building is not what is measured) and placed as the placement says."""

    def __init__(self, device: str, shrink: bool):
        self.device, self.shrink = device, shrink
        self.parts: dict = {}

    def prepare(self, family: str, dtype) -> float:
        self.release()
        started = time.perf_counter()
        self.parts = full_size_models.build(family, self.device, dtype, self.shrink)
        return time.perf_counter() - started

    def release(self) -> None:
        self.parts = {}
        loading.RESIDENT_PIPELINES.unload()

    def __call__(self, model, pipeline_class: str, placement: Placement, library):
        import torch

        cls = getattr(loading._diffusers(), pipeline_class)  # quietened as the product's own loading is
        pipe = cls.from_pretrained(str(model.path), **self.parts, dtype=torch_dtype(placement.dtype),
                                   local_files_only=True)
        pipe.set_progress_bar_config(disable=True)
        if placement.device == "cuda" and placement.level >= MODEL_OFFLOAD:
            pipe.to("cpu")  # offloading starts from weights in CPU memory, as a load from disk leaves them
            torch.cuda.empty_cache()
        apply_placement(pipe, placement)
        return pipe


def graph_for(kind: str, model: str, width: int, height: int, steps: int) -> Graph:
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    if kind == "keyframe":
        stack.push(AddNode("shot.keyframe", node_id="node", params={
            "model": model, "prompt": "a red fox at dawn in a snowy forest", "width": width, "height": height,
            "steps": steps, "guidance": 5.0, "seed": 1}))
    elif kind == "music":
        stack.push(AddNode("sound.music", node_id="node", params={
            "method": "diffusion", "audio_model": model, "prompt": "slow strings", "length": MUSIC_SECONDS,
            "steps": steps, "seed": 1}))
    else:
        for still, name in (("first", "dawn.jpg"), ("last", "night.jpg")):
            stack.push(AddNode("media.import_image", node_id=still, params={"path": str(STILLS / name)}))
        stack.push(AddNode("shot.scene", node_id="node", params={
            "method": kind, "video_model": model, "duration": SHOT_SECONDS, "fps": "24",
            # the shot's size; a shrunk check generates at 144 p inside the smallest shot size
            "resolution": f"{width}x{height}" if height >= 360 else "640x360", "steps": steps, "guidance": 3.0, "generate_height": height,
            "prompt": "the fox runs through the snow", "seed": 3}))
        for still in ("first", "last"):
            stack.push(Connect(still, "image", "node", "keyframes"))
    return graph


def run_case(locator, family: str, kind: str, level: int, size_name: str, size, steps: int, placement) -> dict:
    import torch

    denoise.placement_for = lambda model: placement
    graph = graph_for(kind, f"full-{family}", *size, steps)
    started = time.perf_counter()
    report = Executor(models=locator).run(graph, load_outputs=True)
    seconds = time.perf_counter() - started
    result = report.results["node"]
    case = {"family": family, "node": kind, "size": size_name if kind != "music" else f"{MUSIC_SECONDS:g} s",
            "setting": LEVEL_NAMES[level] if placement.device == "cuda" else "CPU", "steps": steps,
            "status": result.status, "seconds": round(seconds, 2)}
    if result.status == "failed":
        case["message"] = result.message
        return case
    stats = result.stats
    case.update({"peak_allocated_gb": stats.get("peak_vram_gb"), "device": stats.get("device"),
                 "denoise_s": stats.get("denoise_s"), "generated": stats.get("generated")})
    if torch.cuda.is_available():
        case["peak_reserved_gb"] = round(torch.cuda.max_memory_reserved() / 1e9, 2)
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--levels", default=f"0,{MODEL_OFFLOAD}", help="memory settings (0 on GPU ... 3 sequential)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"picture sizes, of {', '.join(SIZES)}")
    parser.add_argument("--budget-s", type=float, default=420.0, help="start no new family after this many seconds")
    parser.add_argument("--shrink", action="store_true", help="one layer per stack, small size (a CPU wiring check)")
    args = parser.parse_args()

    import torch

    started = time.perf_counter()
    cuda = torch.cuda.is_available() and not args.shrink
    device = "cuda" if cuda else "cpu"
    dtype_name = ("bfloat16" if torch.cuda.is_bf16_supported() else "float16") if cuda else "float32"
    levels = [int(x) for x in args.levels.split(",")] if cuda else [0]
    sizes = {name: SIZES[name] for name in args.sizes.split(",")} if not args.shrink else SHRUNK_SIZES
    full_loader = FullSizeLoader(device, args.shrink)
    loading.load_pipeline = full_loader  # ResidentPipelines.get calls it by this module-level name
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        locator = ModelLocator(Path(tmp) / "data", (root,))
        for family in args.families.split(","):
            if time.perf_counter() - started > args.budget_s:
                cases.append({"family": family, "status": "skipped", "message": "time budget spent"})
                print(json.dumps(cases[-1]), flush=True)
                continue
            build_tiny, kind = FAMILIES[family]
            build_tiny(root / f"full-{family}")
            build_s = full_loader.prepare(family, torch_dtype(dtype_name))
            parameters = sum(p.numel() for part in full_loader.parts.values()
                             if isinstance(part, torch.nn.Module) for p in part.parameters())
            for level in levels:
                for size_name, size in (sizes.items() if kind != "music" else [("", (0, 0))]):
                    placement = Placement(device, dtype_name, level)
                    case = run_case(locator, family, kind, level, size_name, size, args.steps, placement)
                    case.update({"parameters_b": round(parameters / 1e9, 2), "build_s": round(build_s, 1)})
                    cases.append(case)
                    print(json.dumps(case), flush=True)
                loading.RESIDENT_PIPELINES.unload()
            full_loader.release()
    print(json.dumps({"device": torch.cuda.get_device_name() if cuda else "cpu", "dtype": dtype_name,
                      "torch": torch.__version__, "shot_seconds": SHOT_SECONDS, "shrink": args.shrink,
                      "seconds": round(time.perf_counter() - started, 1), "cases": cases}))


if __name__ == "__main__":
    main()
