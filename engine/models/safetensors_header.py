"""The header of a .safetensors file, read without touching its weights: what a folder scan needs
to tell a model file apart (tensor names, shapes, dtypes and the free-form __metadata__).

The format: 8 bytes little-endian = N, then N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the data,
offsets counted from the end of the header.

Parsed here with json rather than through safetensors.safe_open: for a header of ~2000 tensors
json.loads plus one pass over the entries costs about half of safe_open + get_slice() per tensor
(benchmarks/model_scan.py measures both), and a folder scan reads hundreds of these.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import AiprodError, cut

# The safetensors library refuses headers over 100 MB; a real one with 10,000 tensors is ~2 MB.
MAX_HEADER_BYTES = 100_000_000


class ModelFileError(AiprodError, ValueError):
    """A model file that is not a readable safetensors file: truncated, corrupt or hostile.
    The message is one line naming the file and what is wrong with it."""


@dataclass(frozen=True, eq=False)
class Header:
    """`tensors`: name -> the header's own entry {"dtype", "shape", "data_offsets"} (kept as parsed:
    copying 2000 entries into objects would cost as much as parsing them). `metadata`: the
    __metadata__ strings. `bytes_by_dtype`: how many bytes of weights each dtype holds."""

    path: Path
    tensors: Mapping[str, Mapping]
    metadata: Mapping[str, str] = field(default_factory=dict)
    bytes_by_dtype: Mapping[str, int] = field(default_factory=dict)

    def shape(self, name: str) -> tuple | None:
        entry = self.tensors.get(name)
        return tuple(entry["shape"]) if entry is not None else None

    def dtype(self, name: str) -> str | None:
        entry = self.tensors.get(name)
        return entry["dtype"] if entry is not None else None


def _shown(path: Path) -> str:
    """The path for a one-line message: a file name may hold a newline or a terminal escape."""
    text = str(path)
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return cut(text.splitlines()[0]) if text else type(error).__name__


def read_header(path) -> Header:
    """The header of the safetensors file at `path`. ModelFileError if the file is not one (too
    short, an absurd header length, a header that is not a JSON object, a tensor whose entry is
    malformed or whose bytes lie past the end of the file). OSError (missing, unreadable) passes
    through: it says nothing about the file's contents."""
    path = Path(path)

    def bad(problem: str) -> ModelFileError:
        return ModelFileError(f"{_shown(path)}: {problem}")

    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
        if len(head) < 8:
            raise bad(f"not a safetensors file: it is {size} bytes long, too short for a header")
        (length,) = struct.unpack("<Q", head)
        if length > MAX_HEADER_BYTES:
            raise bad(f"not a safetensors file: its header would be {length:,} bytes "
                      f"(over {MAX_HEADER_BYTES // 1_000_000} MB)")
        if length > size - 8:
            raise bad(f"truncated, or not a safetensors file: the header should be {length:,} bytes "
                      f"but only {size - 8:,} follow")
        raw = f.read(length)
    if len(raw) < length:  # the file shrank while it was read
        raise bad(f"truncated: the header should be {length:,} bytes but only {len(raw):,} could be read")
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise bad(f"the header is not JSON ({_one_line(error)})")
    if not isinstance(parsed, dict):
        raise bad(f"the header is a JSON {type(parsed).__name__}, not an object of tensors")

    metadata = parsed.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise bad("its __metadata__ is not an object of strings")
    data_size = size - 8 - length
    by_dtype: dict[str, int] = {}
    # One pass over every entry: the only check that costs per tensor, and the one that stops a
    # loader from seeking past the end of a truncated download.
    name = ""
    try:
        for name, entry in parsed.items():
            if type(entry) is not dict:
                raise TypeError("it is not an object")
            begin, end = entry["data_offsets"]
            if not 0 <= begin <= end:
                raise TypeError(f"its data_offsets are [{begin}, {end}]")
            if end > data_size:
                raise bad(f"tensor {cut(name)!r} ends at byte {end:,}, past the end of the {data_size:,}-byte "
                          f"data section: the file is truncated or corrupt")
            if type(entry["shape"]) is not list:
                raise TypeError("its shape is not a list")
            dtype = entry["dtype"]
            by_dtype[dtype] = by_dtype.get(dtype, 0) + end - begin
    except ModelFileError:
        raise
    except KeyError as error:
        raise bad(f"tensor {cut(name)!r} has no {cut(str(error.args[0]))!r} in its entry")
    except (TypeError, ValueError) as error:  # an entry that is not {dtype, shape, data_offsets}
        raise bad(f"tensor {cut(name)!r} has a malformed entry ({_one_line(error)})")
    return Header(path=path, tensors=MappingProxyType(parsed),
                  metadata=MappingProxyType({k: v for k, v in metadata.items() if isinstance(v, str)}),
                  bytes_by_dtype=MappingProxyType(by_dtype))
