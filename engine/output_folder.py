"""Whether an output node could write into its folder, asked before a render starts.

A render that can only fail at its last node (an Export to a read-only disk, a folder that is gone or
is a file) should say so before it spends minutes on the shots; the output node checks again when it
runs. Output nodes write into a folder that exists (they create none but an image sequence's own),
and only writing tells the truth (access(2) says yes to root on /proc and knows nothing of quotas or
ACLs), so a throwaway file is made there and removed at once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def unwritable_reason(folder: str | os.PathLike) -> str | None:
    """Why nothing could be written into `folder` (one line naming it and the fix), or None."""
    folder = Path(folder)
    if not folder.exists():
        return f"the folder {folder} does not exist; create it first"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".aiprod-write-check-"):
            pass
    except OSError as exc:
        return f"cannot write in {folder}: {exc.strerror or exc}; choose a folder you can write to"
    return None
