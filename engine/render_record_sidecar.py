"""`<file>.record.json`: the render record of a file that cannot hold it (engine.render_record): a
movie whose container cannot keep a comment that long, and every picture (Save Image) and LUT
(Export LUT).

It is written after the file, under the same rule as the file itself: AIPROD replaces such a file
only if AIPROD wrote it (it carries the mark) or the user allowed it. A movie whose record fits its
comment again removes the sidecar an earlier render of it left, so no stale record lies beside it.
"""

from __future__ import annotations

from pathlib import Path

from .atomic import atomic_write_text
from .leftovers import sweep_beside
from .media.authorship import marked_provenance
from .output_target import OverwriteRefused, allowed
from .render_record import record_sidecar


def _ours(path: Path) -> bool:
    try:
        return marked_provenance(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False


def claim_record_sidecar(ctx, target: Path) -> None:
    """Raise OverwriteRefused if the record beside `target` would replace a file AIPROD did not write
    (after removing what renders killed while writing it left behind)."""
    sidecar = record_sidecar(target)
    sweep_beside(sidecar)
    if sidecar.exists() and not allowed(ctx.run_metadata, sidecar) and not _ours(sidecar):
        raise OverwriteRefused(sidecar)


def write_record_sidecar(target: Path, text: str | None) -> None:
    """Write the record beside `target` (text None: the file's comment holds it; drop an old one of ours)."""
    sidecar = record_sidecar(target)
    if text is not None:
        atomic_write_text(sidecar, text)
    elif sidecar.is_file() and _ours(sidecar):
        sidecar.unlink()
