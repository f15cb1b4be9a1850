"""The files a render of a project would write, found without running it.

`aiprod validate` lists them (a project from someone else shows where it would write before it
renders), and the editor and `aiprod render` sweep what killed renders left beside them when a
project opens or renders, including beside outputs that come from the cache and so do not run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from engine.errors import AiprodError
from engine.graph import Graph
from engine.leftovers import sweep_beside
from engine.media.export_formats import FORMATS
from engine.media.image_sequence import write_pattern
from engine.media.sequence_folder import sweep_sequence_leftovers
from engine.output_folder import unwritable_reason
from engine.output_target import replace_refused, sequence_refused
from engine.paths import PathResolver

from .export import Export, audio_sidecar_name, sidecar_name


@dataclass(frozen=True)
class PlannedOutput:
    node_id: str
    param: str
    path: Path  # absolute; for an image sequence, its frame pattern
    sequence: bool
    outside: bool  # not inside the project folder

    @cached_property
    def refused(self) -> bool:
        """Something AIPROD did not write is there: the render would refuse to replace it (reads the
        files, so it is only worked out when asked)."""
        if not self.sequence:
            return replace_refused(self.path)
        # Not knowing the clip's length here, any frame of the sequence counts as replaced.
        own = sidecar_name(self.path)
        return sequence_refused(self.path, (own, audio_sidecar_name(self.path)), own, range(sys.maxsize),
                                sys.maxsize)

    @cached_property
    def unwritable(self) -> str | None:
        """Why the render could not write there (engine.output_folder), or None; worked out when asked.
        An image sequence's frames go in a folder of their own, which the Export makes in the one above."""
        return unwritable_reason(self.path.parent.parent if self.sequence else self.path.parent)

    def problem(self, graph: Graph) -> str | None:
        """One line saying why rendering this output would fail before anything is made, or None."""
        name = graph.display_name(self.node_id)
        if self.unwritable:
            return f"{name}: {self.unwritable} (its '{self.param}' parameter)"
        if self.refused:
            return (f"{name}: would refuse to replace {self.path}: it exists and was not written by AIPROD "
                    "Studio; choose another path or render with --overwrite")
        return None

    def describe(self, graph: Graph) -> str:
        notes = [note for note, flag in (("outside the project folder", self.outside),
                                         ("would refuse to replace it: it was not written by AIPROD Studio",
                                          self.refused)) if flag]
        return (f"{graph.display_name(self.node_id)} writes {self.path}"
                + (f" ({'; '.join(notes)})" if notes else ""))


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return True
    # Real paths, so neither `..` nor a link out of the project hides where the file goes.
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def _sequence_pattern(graph: Graph, node_id: str, path: Path) -> Path | None:
    """The frame pattern an Export to `path` writes, None when it writes a movie."""
    if graph.nodes[node_id].type_id != Export.schema.type_id:
        return None
    fmt = FORMATS.get(graph.nodes[node_id].params.get("format", ""))
    return write_pattern(path, fmt.extensions[0]) if fmt is not None and fmt.sequence else None


def planned_outputs(graph: Graph, project_dir: Path | None, targets: list[str] | None = None) -> list[PlannedOutput]:
    """What rendering `targets` (default: the output nodes, as the executor chooses) would write."""
    from engine.executor import Executor

    needed = graph.upstream(targets if targets is not None else Executor().default_targets(graph))
    paths = PathResolver(project_dir)
    found = []
    for node_id, node in graph.nodes.items():
        schema = graph.schema_of(node_id)
        if node_id not in needed or schema is None:
            continue
        for param in schema.params:
            if param.kind != "path" or param.path_mode != "save":
                continue
            try:
                value = param.coerce(node.params.get(param.name, param.default))
            except AiprodError:
                continue  # validate reports the bad value itself
            if not value:
                continue
            path = Path(os.path.abspath(paths.file(value)))  # the file a render writes, '..' taken out
            pattern = _sequence_pattern(graph, node_id, path)
            written = pattern or path
            found.append(PlannedOutput(node_id, param.name, written, pattern is not None,
                                       not _inside(written, project_dir)))
    return found


def unwritable_problems(graph: Graph, outputs: list[PlannedOutput]) -> list[str]:
    """A line for each of `outputs` that could not be written where it points (said before a render)."""
    return [output.problem(graph) for output in outputs if output.unwritable]


def sweep_output_leftovers(outputs: list[PlannedOutput]) -> None:
    """Remove what renders killed while writing these outputs left beside them (live writers' stay)."""
    for output in outputs:
        if output.sequence:
            sweep_sequence_leftovers(output.path)
        else:
            sweep_beside(output.path)
