"""What a pickle checkpoint holds, read only when the user allowed pickles: the tensor names,
shapes and dtypes as a safetensors Header, so the one classifier identifies both formats.

torch.load runs with weights_only=True (tensors and plain containers only; no arbitrary objects),
and mmap=True so a 20 GB checkpoint is mapped, not read, to learn its keys.
"""

from __future__ import annotations

from pathlib import Path

from .safetensors_header import Header, ModelFileError

# torch dtype -> the safetensors name the classifier knows
_DTYPE_NAMES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16", "float64": "F64",
                "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2", "int64": "I64", "int32": "I32",
                "int8": "I8", "uint8": "U8", "bool": "BOOL"}


def read_pickle_header(path: Path) -> Header:
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # an unpickling error, a zip error, a refused global: one line, the file named
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ModelFileError(f"{path}: not a loadable checkpoint ({why})") from exc
    state = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else None
    if not isinstance(state, dict):
        raise ModelFileError(f"{path}: holds no tensors by name (a {type(loaded).__name__})")
    tensors, by_dtype = {}, {}
    for name, tensor in state.items():
        if isinstance(name, str) and isinstance(tensor, torch.Tensor):
            dtype = _DTYPE_NAMES.get(str(tensor.dtype).removeprefix("torch."), "F32")
            tensors[name] = {"dtype": dtype, "shape": list(tensor.shape)}
            by_dtype[dtype] = by_dtype.get(dtype, 0) + tensor.numel() * tensor.element_size()
    return Header(Path(path), tensors, {}, by_dtype)
