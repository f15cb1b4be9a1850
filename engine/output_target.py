"""Before a node writes a file: clear what killed renders left beside it, and never replace a file
AIPROD Studio did not write unless the user allowed it.

A project opened from someone else must not be able to destroy files: an Export whose path is
`../thesis.docx.mp4` or an absolute path elsewhere would otherwise replace whatever is there.
Any file AIPROD wrote (engine.media.authorship: it carries the mark) may be replaced by a
re-render, whichever project wrote it, since that is what re-rendering means; any other file only
when the render allows it: `aiprod render --overwrite` (every target), or the editor after the
user confirmed that one file. The allowance travels in the run's metadata (RunContext.run_metadata).

The refusal is a node failure with a fixed wording, so the editor can tell it from other failures
across the render process (where only the message travels) and ask the user: refused_path().
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import NodeExecutionError
from .fingerprint import file_fingerprint
from .leftovers import sweep_beside
from .media.authorship import marked_provenance, written_by_aiprod
from .media.image_sequence import frame_path, pattern_regex
from .media.sequence_folder import sweep_sequence_leftovers

OVERWRITE = "overwrite"  # run_metadata key: True (replace any target) or the target paths the user confirmed
_TAIL = (" already exists and was not written by AIPROD Studio; choose another path or pass --overwrite "
         "(editor: confirm)")


class OverwriteRefused(NodeExecutionError):
    """A node would replace a file AIPROD did not write, and the render did not allow it."""

    def __init__(self, path: str | os.PathLike):
        self.path = _key(path)
        super().__init__(refusal_message(self.path))


def _key(path: str | os.PathLike) -> str:
    """A target as the refusal names it and an allowance lists it: absolute, `..` resolved (links are not,
    since a link is what would be replaced)."""
    return os.path.abspath(path)


def refusal_message(path: str | os.PathLike) -> str:
    return f"{_key(path)}{_TAIL}"


def refused_path(message: str) -> str | None:
    """The path a node failure refused to replace; None for any other failure."""
    return message[: -len(_TAIL)] if message.endswith(_TAIL) else None


def allowed(run_metadata: dict, path: str | os.PathLike) -> bool:
    """Whether this render may replace `path` whoever wrote it."""
    allowance = run_metadata.get(OVERWRITE)
    return allowance is True or (isinstance(allowance, (list, tuple, set)) and _key(path) in allowance)


def replace_refused(path: str | os.PathLike) -> bool:
    """Whether something is at `path` that AIPROD did not write (without any allowance)."""
    path = Path(path)
    return (path.exists() or path.is_symlink()) and not written_by_aiprod(path)


def claim_file(ctx, path: Path) -> None:
    """Ready `path` to be written by the node running in `ctx`: sweep dead renders' temporaries
    beside it, then raise OverwriteRefused if it would replace a file AIPROD did not write."""
    sweep_beside(path)
    if not allowed(ctx.run_metadata, path) and replace_refused(path):
        raise OverwriteRefused(path)


def written_file(path: Path) -> dict:
    """What an output node records of the file it wrote, for still_as_written on the next render."""
    return {"path": str(path), "fingerprint": file_fingerprint(path)}


def still_as_written(written: dict, path: Path) -> bool:
    """Whether the file a cached run wrote is still at `path` as it left it (deleted or changed: write again)."""
    return written["path"] == str(path) and file_fingerprint(path) == written["fingerprint"]


def sequence_files(pattern: Path, sidecars: tuple[str, ...]) -> dict[str | int, Path]:
    """The files of the sequence `pattern` now in its folder: frame number -> frame, and name -> sidecar."""
    folder = pattern.parent
    if not folder.is_dir():
        return {}
    regex = pattern_regex(pattern)
    found: dict[str | int, Path] = {}
    for item in folder.iterdir():
        match = regex.match(item.name)
        if item.name in sidecars:
            found[item.name] = item
        elif match and match.groups() and match.group(1) and frame_path(pattern, int(match.group(1))).name == item.name:
            found[int(match.group(1))] = item
    return found


def sequence_refused(pattern: Path, sidecars: tuple[str, ...], provenance: str, written: range,
                     clip_frames: int) -> bool:
    """Whether writing frames `written` of a `clip_frames`-frame sequence would replace files AIPROD did
    not write: frames in that range, an older render's tail from the clip's end on, and sidecars are
    replaced or removed (engine.media.sequence_folder); other frames stay. They count as AIPROD's when
    the sequence's provenance sidecar (file name `provenance`) is."""
    files = sequence_files(pattern, sidecars)
    tail = clip_frames
    while tail in files:
        tail += 1
    if not any(key in written or isinstance(key, str) or clip_frames <= key < tail for key in files):
        return False
    try:
        return not marked_provenance((pattern.parent / provenance).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return True


def claim_sequence(ctx, pattern: Path, sidecars: tuple[str, ...], provenance: str, written: range,
                   clip_frames: int) -> None:
    """claim_file for frames `written` of an image sequence: its staging folders are swept, the files
    it would replace checked."""
    sweep_sequence_leftovers(pattern)
    if not allowed(ctx.run_metadata, pattern) and sequence_refused(pattern, sidecars, provenance, written,
                                                                   clip_frames):
        raise OverwriteRefused(pattern)
