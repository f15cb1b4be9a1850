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
