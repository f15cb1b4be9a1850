"""How a port value is written into a cache entry and read back, without pickle.

A codec writes files into an entry folder and returns a small JSON description of them;
decoding reads them back. Values whose type has no codec are not cached on disk (their
node re-runs when a dependent needs it), which is always correct, only slower.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .cache_files import EntryFiles


class ValueCodec(Protocol):
    # writes_files (default True): encode() writes files into `folder`; False: the value is inline.
    # streams (default False): encode() accepts progress=callable(fraction) for long values.

    # decode() reads files only through `files` (engine.cache_files.EntryFiles), which checks each
    # one against the size and hash recorded when it was stored.

    def encode(self, value: Any, folder: Path, stem: str) -> dict: ...

    def decode(self, manifest: dict, files: EntryFiles) -> Any: ...


class JsonCodec:
    """Numbers, text, booleans and plain lists/dicts: stored inline in the manifest."""

    writes_files = False

    def encode(self, value: Any, folder: Path, stem: str) -> dict:
        json.dumps(value)  # refuse what would not round-trip before anything is written
        return {"inline": value}

    def decode(self, manifest: dict, files: EntryFiles) -> Any:
        return manifest["inline"]


class NumpyCodec:
    """A bare numpy array in .npy form (allow_pickle=False both ways)."""

    def encode(self, value: Any, folder: Path, stem: str) -> dict:
        name = f"{stem}.npy"
        np.save(folder / name, np.ascontiguousarray(value), allow_pickle=False)
        return {"file": name}

    def decode(self, manifest: dict, files: EntryFiles) -> Any:
        return files.load_array(manifest["file"])
