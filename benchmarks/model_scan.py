"""What telling model files apart costs a folder scan: read_header + classify on 200 files of ~2000
tensors each (SDXL checkpoint-like names, real shapes and offsets; the weights are a sparse hole,
so only the header is on disk). Target: under 300 ms for the 200.

Peers, on the same files: `json_ms` is json.loads of the headers alone (the floor of any Python
parse), `safe_open_ms` is the safetensors library reading the same names, shapes and dtypes
(safe_open + get_slice per tensor), the alternative engine/models/safetensors_header.py was
measured against; `python_ms` is a fixed pure-Python loop (10**6 additions), to compare machines. `scan_ms` is
read_header + classify per file; `read_header_ms` and `classify_ms` are the two halves alone;
`rescan_ms` is classify_file on files it has seen (unchanged size and mtime: a stat each).
Warm page cache, median of 5 runs. Last line: one JSON object.
"""

from __future__ import annotations

import json
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.models.checkpoint_keys import classify, classify_file, read_header  # noqa: E402

FILES = 200
RUNS = 5
DM = "model.diffusion_model."


def sdxl_like_tensors() -> dict[str, list[int]]:
    """~2000 names and shapes laid out like an SDXL checkpoint's UNet, VAE and text encoders."""
    shapes: dict[str, list[int]] = {}
    widths = [320] * 3 + [640] * 3 + [1280] * 3
    for block, width in enumerate(widths):
        base = f"{DM}input_blocks.{block}."
        shapes.update({base + "0.in_layers.2.weight": [width, width, 3, 3],
                       base + "0.emb_layers.1.weight": [width, 1280],
                       base + "0.out_layers.3.weight": [width, width, 3, 3]})
        depth = 0 if width == 320 else 2 if width == 640 else 10
        for t in range(depth):
            tb = f"{base}1.transformer_blocks.{t}."
            for attn in ("attn1", "attn2"):
                for p in ("to_q", "to_k", "to_v", "to_out.0"):
                    context = attn == "attn2" and p in ("to_k", "to_v")
                    shapes[f"{tb}{attn}.{p}.weight"] = [width, 2048 if context else width]
            shapes.update({tb + "ff.net.0.proj.weight": [width * 8, width], tb + "ff.net.2.weight": [width, width * 4],
                           **{f"{tb}norm{n}.weight": [width] for n in (1, 2, 3)}})
    for block in range(9):  # the decoder half mirrors the encoder
        for name, shape in list(shapes.items()):
            if name.startswith(f"{DM}input_blocks.{8 - block}."):
                shapes[name.replace(f"input_blocks.{8 - block}.", f"output_blocks.{block}.")] = shape
    shapes.update({DM + "input_blocks.0.0.weight": [320, 4, 3, 3], DM + "label_emb.0.0.weight": [1280, 2816]})
    clip_l = "conditioner.embedders.0.transformer.text_model.encoder.layers"
    clip_g = "conditioner.embedders.1.model.transformer.resblocks"
    for layer in range(32):
        for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[f"{clip_l}.{layer % 12}.self_attn.{p}.weight"] = [768, 768]
            shapes[f"{clip_g}.{layer}.attn.{p}.weight"] = [1280, 1280]
        shapes[f"{clip_g}.{layer}.mlp.c_proj.bias"] = [1280]
    for block in range(4):
        for i in range(2):
            for p in ("conv1", "conv2", "norm1", "norm2"):
                width = 128 << min(block, 2)
                shapes[f"first_stage_model.encoder.down.{block}.block.{i}.{p}.weight"] = [width, width, 3, 3]
                shapes[f"first_stage_model.decoder.up.{block}.block.{i}.{p}.weight"] = [width, width, 3, 3]
    for name, shape in list(shapes.items()):  # most layers have a bias: SDXL's 2500 tensors are half biases
        if len(shape) > 1 and not name.endswith(("to_q.weight", "to_k.weight", "to_v.weight")):
            shapes[name[: -len("weight")] + "bias"] = shape[:1]
    return shapes


def write_files(folder: Path) -> list[Path]:
    tensors, offset = {}, 0
    for name, shape in sdxl_like_tensors().items():
        size = 2
        for dim in shape:
            size *= dim
        tensors[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    header = json.dumps({"__metadata__": {"modelspec.title": "bench"}, **tensors}, separators=(",", ":")).encode()
    paths = []
    for i in range(FILES):
        path = folder / f"model{i:03}.safetensors"
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(header)) + header)
            f.truncate(8 + len(header) + offset)  # the weights: a hole, never written
        paths.append(path)
    return paths


def timed(action, paths) -> float:
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for path in paths:
            action(path)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def parse_only(path: Path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))


def library(path: Path):
    from safetensors import safe_open

    with safe_open(str(path), "np") as f:
        metadata = f.metadata()
        return metadata, {name: (f.get_slice(name).get_dtype(), f.get_slice(name).get_shape()) for name in f.keys()}


def python_loop(_path=None):
    total = 0
    for i in range(1_000_000):
        total += i
    return total


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp))
        found = classify(read_header(paths[0]))
        for path in paths:  # warm the page cache
            parse_only(path)
        result = {
            "files": FILES, "tensors_per_file": len(read_header(paths[0]).tensors),
            "header_bytes": struct.unpack("<Q", paths[0].read_bytes()[:8])[0],
            "classified_as": f"{found.family}/{found.part}/{found.variant}",
            "scan_ms": round(timed(lambda p: classify(read_header(p)), paths), 1),
            "read_header_ms": round(timed(read_header, paths), 1),
            "classify_ms": round(timed(classify, [read_header(p) for p in paths]), 1),
            "rescan_ms": round(timed(classify_file, paths), 1),
            "json_ms": round(timed(parse_only, paths), 1),
            "safe_open_ms": round(timed(library, paths), 1),
            "python_ms": round(timed(python_loop, [None]), 1),
            "target_ms": 300,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
