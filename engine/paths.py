"""Path parameters: the one place a value becomes a file, and a project file's form of a value.

The model holds what the user chose: a file dialog gives an absolute path, a path typed relative
stays relative and means "relative to the project folder", wherever the project is saved next (it
follows the project). Only writing and reading a project file convert: `to_file` stores a path that
lies inside the project's folder relative to it (so a moved project folder keeps finding its media),
`from_file` turns a relative path in the file into an absolute one against the file's folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def _names_itself(value: str) -> bool:
    """Absolute, or from a home folder: a value that does not depend on where the project is."""
    return value.startswith("~") or Path(os.path.expanduser(value)).is_absolute()


def _relative_inside(path: str, folder: str) -> str | None:
    """`path` relative to `folder` (forward slashes, so the file reads the same on every system),
    or None when it lies outside."""
    try:
        if os.path.normcase(os.path.commonpath([path, folder])) != os.path.normcase(folder):  # Windows: any case
            return None
    except ValueError:  # another drive on Windows
        return None
    return Path(os.path.relpath(path, folder)).as_posix()


def to_file(value: str, project_folder: Path) -> str:
    """A path parameter as a project file in `project_folder` stores it.

    A path inside the folder (as written, or once links are followed) is stored relative to it; a
    path elsewhere is stored as the user chose it; a typed-relative path is stored as it is, since
    it already means "relative to the project".
    """
    if not value or not _names_itself(value):
        return value
    absolute = os.path.expanduser(value)
    for resolve in (os.path.abspath, os.path.realpath):  # lexical first: a linked media folder stays relative
        inside = _relative_inside(resolve(absolute), resolve(project_folder))
        if inside is not None:
            return inside
    return value


def from_file(value: str, project_folder: Path) -> str:
    """A path parameter as a project file in `project_folder` stored it, as the model holds it:
    a relative path becomes absolute against that folder, anything else is kept as written."""
    if not value or _names_itself(value):
        return value
    return os.path.normpath(os.path.join(os.path.abspath(project_folder), value))


class PathResolver:
    """Turns path parameter values into files for one project: '~' expanded, relative paths taken
    from the project folder (kept relative when there is none). Models named by name, not path,
    are found by the render's ModelLocator (engine.models).
    """

    def __init__(self, project_folder: Path | None = None) -> None:
        self.project_folder = Path(project_folder) if project_folder is not None else None

    def file(self, value: str | os.PathLike) -> Path:
        """The file a path parameter value names."""
        path = Path(os.path.expanduser(os.fspath(value)))
        if not path.is_absolute() and self.project_folder is not None:
            path = self.project_folder / path
        return path

    def to_file(self, value: str) -> str:
        """`value` as this project's file stores it (values of a project not yet saved are kept)."""
        return to_file(value, self.project_folder) if self.project_folder is not None else value

    def __repr__(self) -> str:
        return f"PathResolver({self.project_folder!s})"
