"""Generation overhead: the same tiny pipeline and step count through the Keyframe node and as a
direct diffusers call in the same run, on a warm (already loaded) pipeline; and the model
library's scan of a folder of 200 models, first and second time.

    .venv/bin/python benchmarks/generation.py [--steps 20] [--size 64] [--repeats 5] [--models 200]

The last line of stdout is one JSON object: node_s, direct_s, overhead_ratio (target <= 1.05; the
node as the editor runs it, with latent previews), cli_node_s and cli_overhead_ratio (as the CLI
runs it, without),
outside_call_ms and inside_call_overhead_ms (where the node's extra time goes),
scan_first_ms, scan_ms (the second scan; target < 500), and the machine's device.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from app.nodes import build_registry  # noqa: E402
from engine.commands import AddNode, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.models import ModelLocator  # noqa: E402
from engine.models.denoise import seeded_generator  # noqa: E402
from engine.models.loading import RESIDENT_PIPELINES  # noqa: E402
from tests import tiny_models  # noqa: E402

TARGET_OVERHEAD = 1.05
TARGET_SCAN_MS = 500


def node_seconds(locator: ModelLocator, steps: int, size: int) -> float:
    return node_run(locator, steps, size)[0]


def node_run(locator: ModelLocator, steps: int, size: int, previews: bool = True) -> tuple[float, float]:
    """(seconds of the whole render, seconds of the pipeline call inside it, as the node's stats give).
    With previews, as the editor renders (a latent preview every few steps); without, as the CLI does."""
    graph = Graph(build_registry())
    UndoStack(graph).push(AddNode("shot.keyframe", node_id="key", params={
        "model": "bench-sdxl", "prompt": "a red fox at dawn", "width": size, "height": size, "steps": steps,
        "guidance": 5.0, "seed": 1}))
    started = time.perf_counter()
    report = Executor(models=locator, previews=previews).run(graph, load_outputs=True)
    seconds = time.perf_counter() - started
    assert not report.failed, report.results["key"].message
    return seconds, report.results["key"].stats["denoise_s"]


def direct_seconds(steps: int, size: int) -> float:
    """The resident pipeline called as a diffusers user would, with the same arguments."""
    pipe = RESIDENT_PIPELINES._resident.pipe
    started = time.perf_counter()
    output = pipe(prompt="a red fox at dawn", width=size, height=size, num_inference_steps=steps, guidance_scale=5.0,
                  output_type="np", generator=seeded_generator(1))
    seconds = time.perf_counter() - started
    assert np.isfinite(output.images).all()
    return seconds


def fake_models(folder: Path, count: int) -> None:
    """`count` models: three quarters single .safetensors files with ~1,000 tensors named as an SDXL
    checkpoint's, a quarter diffusers folders (model_index.json and component configs)."""
    from safetensors.numpy import save_file

    names = [f"model.diffusion_model.input_blocks.{i}.{j}.weight" for i in range(12) for j in range(40)]
    names += [f"conditioner.embedders.1.model.transformer.resblocks.{i}.mlp.c_proj.bias" for i in range(32)]
    names += [f"first_stage_model.decoder.up.{i}.block.{j}.conv1.weight" for i in range(4) for j in range(100)]
    tensors = {name: np.zeros((1,), np.float16) for name in names}
    for number in range(count):
        if number % 4 == 3:
            model = folder / f"diffusers-{number}"
            (model / "unet").mkdir(parents=True)
            (model / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionXLPipeline",
                                                                "unet": ["diffusers", "UNet2DConditionModel"]}))
            (model / "unet" / "config.json").write_text(json.dumps({"_class_name": "UNet2DConditionModel",
                                                                    "in_channels": 4}))
        else:
            save_file(tensors, str(folder / f"checkpoint-{number}.safetensors"))


def scan_times(count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        root.mkdir()
        fake_models(root, count)
        locator = ModelLocator(Path(tmp) / "data", (root,))
        library = locator.library()
        started = time.perf_counter()
        found = library.scan()
        first = time.perf_counter() - started
        assert len(found) == count, f"found {len(found)} of {count} models"
        started = time.perf_counter()
        library.scan()
        second = time.perf_counter() - started
    return first * 1000, second * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=64)  # the tiny VAE halves: 64 px is 32x32 latents
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", type=int, default=200)
    args = parser.parse_args()

    import torch

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        tiny_models.build("sdxl", root / "bench-sdxl")
        locator = ModelLocator(Path(tmp) / "data", (root,))
        node_seconds(locator, args.steps, args.size)  # load, fingerprint and warm up once
        direct_seconds(args.steps, args.size)
        node, inside, direct, cli = [], [], [], []
        for _ in range(args.repeats):  # alternating, so drift in the machine's speed hits all alike
            seconds, call = node_run(locator, args.steps, args.size)
            node.append(seconds)
            inside.append(call)
            direct.append(direct_seconds(args.steps, args.size))
            cli.append(node_run(locator, args.steps, args.size, previews=False)[0])
        dtype = str(RESIDENT_PIPELINES._resident.pipe.dtype)  # what the memory policy chose (bf16 on CUDA)
        RESIDENT_PIPELINES.unload()
    scan_first_ms, scan_ms = scan_times(args.models)
    node_s, direct_s = statistics.median(node), statistics.median(direct)
    result = {
        "node_s": round(node_s, 4), "direct_s": round(direct_s, 4), "overhead_ratio": round(node_s / direct_s, 3),
        "target_overhead_ratio": TARGET_OVERHEAD,
        # The same render as `aiprod render` runs it: no latent previews, which nobody would see.
        "cli_node_s": round(statistics.median(cli), 4),
        "cli_overhead_ratio": round(statistics.median(cli) / direct_s, 3),
        # Where the node's extra time goes: around the pipeline call (executor, cache key, model
        # fingerprint, output conversion), and inside it (step callbacks, latent previews).
        "outside_call_ms": round(statistics.median(n - c for n, c in zip(node, inside)) * 1000, 1),
        "inside_call_overhead_ms": round((statistics.median(inside) - direct_s) * 1000, 1),
        "steps": args.steps, "size": args.size,
        "device": "cuda" if torch.cuda.is_available() else "cpu", "dtype": dtype,
        "models_scanned": args.models, "scan_first_ms": round(scan_first_ms, 1), "scan_ms": round(scan_ms, 1),
        "target_scan_ms": TARGET_SCAN_MS,
    }
    print(f"node {node_s:.3f} s vs direct {direct_s:.3f} s ({result['overhead_ratio']}x); "
          f"scan of {args.models} models {scan_first_ms:.0f} ms, again {scan_ms:.0f} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
