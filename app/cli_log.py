"""The command line's log file: what is for a bug report, not for the terminal.

`aiprod render` and `validate` report each failure in one line of their own; the tracebacks behind
them (a node that raised, an internal error) go to one file in the user log folder instead.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

from . import settings

LOG_NAME = "aiprod.log"
_LIMIT = 2**20  # one bug report's worth: a log that only ever grows would end up filling the disk


def log_file() -> Path:
    return settings.log_dir() / LOG_NAME


def append(text: str) -> Path:
    """Add `text` to the log file (started afresh past the limit); OSError if it cannot be written."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "a" if not path.exists() or path.stat().st_size < _LIMIT else "w"
    with open(path, mode, encoding="utf-8", errors="backslashreplace") as log:
        log.write(f"{datetime.datetime.now().isoformat(timespec='seconds')} {text.rstrip()}\n")
    return path


def record_internal_error(exc: BaseException, argv: list[str]) -> str:
    """Log the traceback of an error no one expected; where it went, as the one line on screen says it."""
    try:
        path = append(f"aiprod {' '.join(argv)}\n" + "".join(traceback.format_exception(exc)))
    except OSError as log_error:
        return f"the details could not be written to {log_file()}: {log_error.strerror}"
    return f"details in {path}"


class _FileHandler(logging.Handler):
    """Opens the file per record, so a command that logs nothing creates nothing."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            append(self.format(record))
        except OSError:  # an unwritable log folder: the one-line reports on screen still stand
            pass


@contextlib.contextmanager
def engine_log_to_file() -> Iterator[None]:
    """While a command runs, warnings and errors logged by the engine go to the log file: without a
    handler, Python would print them, tracebacks included, on the terminal."""
    handler = _FileHandler(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
