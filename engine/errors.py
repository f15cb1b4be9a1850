"""Exceptions the engine raises; each message names the thing at fault and, where it can, the fix."""


class AiprodError(Exception):
    """Base of every error the engine raises on purpose (the CLI prints these without a traceback)."""


class GraphError(AiprodError):
    """An edit that would leave the graph invalid."""


class LinkTypeError(GraphError):
    """A link between ports whose types do not fit."""


class CycleError(GraphError):
    """A link that would close a loop; `node_id` names a node on the cycle."""

    def __init__(self, message: str, node_id: str):
        super().__init__(message)
        self.node_id = node_id


class ParamError(AiprodError):
    """A parameter value outside its type, range or choices."""


class UnknownNodeTypeError(AiprodError):
    """A node type id that no registered type provides or replaces."""


class ProjectFileError(AiprodError):
    """A project file that cannot be read: not JSON, not a project, or inconsistent."""


class FutureVersionError(ProjectFileError):
    """A project saved by a newer AIPROD Studio than this one."""

    def __init__(self, message: str, found: int, supported: int):
        super().__init__(message)
        self.found = found
        self.supported = supported


class NodeExecutionError(AiprodError):
    """Raised by a node's execute() for a failure the user can act on (bad input, missing file)."""


class RenderCancelled(AiprodError):
    """Raised inside a node when the user cancelled the render; the executor catches it."""


def cut(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters, with "…" where it was cut: a name or path inside a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def short_repr(value: object, limit: int = 80) -> str:
    """`repr(value)` cut to about `limit` characters: a message quotes what it refuses, and a hostile
    100,000-character value must not flood the terminal or the event log."""
    if isinstance(value, str) and len(value) > limit:  # cut before repr: a huge string is never copied whole
        return repr(value[:limit]) + "…"
    if isinstance(value, (list, dict, tuple)) and len(value) > limit:
        return f"<a {type(value).__name__} of {len(value)} items>"
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # nested past the recursion limit; an int past Python's digit limit
        return f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[:limit] + "…"
