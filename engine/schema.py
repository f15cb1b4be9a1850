"""How a node type declares itself: typed ports, typed parameters, and execute().

A node type is a class with a `schema` (what the canvas, inspector, project file and cache
need to know) and an `execute(ctx, inputs, params)` that returns one value per output port.
"""

from __future__ import annotations

import abc
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping

from .errors import ParamError, short_repr
from .ports import PortType
from .timebase import as_rate, exact_seconds

if TYPE_CHECKING:
    from .context import RunContext
    from .paths import PathResolver
    from .models import ModelLocator

PARAM_KINDS = ("float", "int", "bool", "string", "text", "enum", "path", "seed", "color", "time", "table")
# What a table's column may be: one plain value per cell, shown and edited in one table cell.
COLUMN_KINDS = ("float", "int", "bool", "string", "enum", "time")
SEED_MAX = 2**32 - 1
_TYPE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """One parameter: its kind decides the inspector widget and how values are checked."""

    name: str
    kind: str
    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()  # kind "enum": the ids a project file saves
    help: str = ""
    label: str = ""
    file_filter: str = ""  # kind "path": e.g. "Images (*.png *.jpg *.exr)"
    path_mode: str = "open"  # kind "path": "open" (a file read: fingerprinted), "save" or "folder"
    step: float | None = None  # kind "float"/"int": a slider's natural increment
    # kind "path": the node cannot run without a file; an empty value is a problem `aiprod validate`
    # reports, though an empty path still loads and saves (a node just added has none yet).
    required: bool = False
    # kind "enum": (id, label) for each choice whose shown label differs from its id
    choice_labels: tuple[tuple[str, str], ...] = ()
    # kind "enum": (old saved value, id) for values older projects hold (labels saved before ids
    # existed); frozen forever, so rewording a label never breaks a project.
    renamed: tuple[tuple[str, str], ...] = ()
    columns: tuple["Param", ...] = ()  # kind "table": one Param per column (kinds in COLUMN_KINDS)
    # False for a parameter that never changes what the node outputs (a Sequence's markers): it is
    # left out of the cache key, so editing it re-renders nothing.
    keyed: bool = True
    # False for a parameter added to a node type after projects were saved with it, whose default
    # leaves the output as it was (the Grade's offset): at its default it stays out of the cache key,
    # so adding it re-renders no existing project; set to anything else it is keyed like any other.
    keyed_at_default: bool = True
    wheel: bool = False  # kind "color": a per-channel balance around 1, edited on a colour wheel (lift/gamma/gain)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"parameter name {self.name!r} must be lower_snake_case")
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"parameter {self.name!r}: unknown kind {self.kind!r}; use one of {PARAM_KINDS}")
        if self.kind == "table":
            _check_columns(self)
        if self.kind == "enum" and self.default not in self.choices:
            raise ValueError(f"parameter {self.name!r}: default {self.default!r} is not among {self.choices}")
        for old, new in self.renamed:
            if new not in self.choices or old in self.choices:
                raise ValueError(f"parameter {self.name!r}: renamed {old!r} -> {new!r} must map a value that is "
                                 f"no longer a choice to one of {self.choices}")
        self.coerce(self.default)  # a schema with an invalid default is a programming error

    @property
    def display_name(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def choice_label(self, choice: str) -> str:
        """What the user sees for an enum id (the id itself when it has no label)."""
        return dict(self.choice_labels).get(choice, choice)

    def current_value(self, value: Any) -> Any:
        """A saved value in today's form: an enum value an older version saved becomes its id."""
        if self.kind == "enum" and isinstance(value, str):
            return dict(self.renamed).get(value, value)
        return value

    def coerce(self, value: Any) -> Any:
        """Return `value` in canonical form (JSON-friendly) or raise ParamError saying what fits."""
        kind = self.kind
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(f"{self.name} must be a number, got {short_repr(value)}")
            if not _is_finite(value):
                raise ParamError(f"{self.name} must be a finite number, got {short_repr(value)}")
            return self._in_range(float(value))
        if kind in ("int", "seed"):
            # NaN and infinities first: int() of them raises instead of answering.
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or not _is_finite(value)
                    or int(value) != value):
                raise ParamError(f"{self.name} must be a whole number, got {short_repr(value)}")
            value = int(value)
            if kind == "seed" and not 0 <= value <= SEED_MAX:
                raise ParamError(f"{self.name} must be a seed between 0 and {SEED_MAX}, got {short_repr(value)}")
            return self._in_range(value)
        if kind == "bool":
            if not isinstance(value, bool):
                raise ParamError(f"{self.name} must be true or false, got {short_repr(value)}")
            return value
        if kind in ("string", "text", "path"):
            if not isinstance(value, str):
                raise ParamError(f"{self.name} must be text, got {short_repr(value)}")
            if kind == "path" and "\0" in value:  # no file system accepts it; os calls raise on it
                raise ParamError(f"{self.name} must not contain a NUL character, got {short_repr(value)}; "
                                 "choose the file again")
            return value
        if kind == "enum":
            if value not in self.choices:
                raise ParamError(f"{self.name} must be one of {', '.join(self.choices)}; got {short_repr(value)}")
            return value
        if kind == "time":
            return self._in_range(_coerce_seconds(self.name, value))
        if kind == "table":
            return [self.coerce_row(row, number) for number, row in enumerate(_rows(self.name, value), start=1)]
        # colour: 3 or 4 non-negative floats (scene-linear values may exceed 1)
        if (not isinstance(value, (list, tuple)) or len(value) not in (3, 4)
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in value)):
            raise ParamError(f"{self.name} must be a colour [r, g, b] or [r, g, b, a], got {short_repr(value)}")
        if not all(_is_finite(c) and c >= 0 for c in value):
            raise ParamError(f"{self.name} components must be finite and not negative, got {short_repr(value)}")
        return [float(c) for c in value]

    def column(self, name: str) -> "Param | None":
        return next((c for c in self.columns if c.name == name), None)

    def new_row(self) -> dict[str, Any]:
        """A table row of column defaults, as a new row starts in the inspector."""
        return {c.name: c.coerce(c.default) for c in self.columns}

    def coerce_row(self, row: Any, number: int) -> dict[str, Any]:
        """One table row in canonical form (every column, in column order); errors name the row and column.

        A column the row leaves out takes its default, so a column added by a newer node version
        reads old rows; a key that is no column is refused, since it would be dropped silently.
        """
        where = f"{self.name} row {number}"
        if not isinstance(row, dict):
            raise ParamError(f"{where} must be an object of {{column: value}}, got {short_repr(row)}")
        unknown = [key for key in row if self.column(key) is None]
        if unknown:
            raise ParamError(f"{where}: there is no column {short_repr(unknown[0])}; the columns are "
                             f"{', '.join(c.name for c in self.columns)}")
        cells = {}
        for column in self.columns:
            try:
                cells[column.name] = column.coerce(row.get(column.name, column.default))
            except ParamError as exc:
                raise ParamError(f"{where}, column {column.name}: {exc}") from None
        return cells

    def is_unset(self, value: Any) -> bool:
        """A required path left empty: the node cannot run until one is chosen."""
        return self.required and value == ""

    def _in_range(self, value: float | int) -> float | int:
        if self.min is not None and value < self.min:
            raise ParamError(f"{self.name} must be at least {self.min}, got {short_repr(value)}")
        if self.max is not None and value > self.max:
            raise ParamError(f"{self.name} must be at most {self.max}, got {short_repr(value)}")
        return value


def _check_columns(table: Param) -> None:
    if not table.columns:
        raise ValueError(f"table parameter {table.name!r} has no columns")
    names = [c.name for c in table.columns]
    if len(names) != len(set(names)):
        raise ValueError(f"table parameter {table.name!r}: duplicate column names in {names}")
    for column in table.columns:
        if column.kind not in COLUMN_KINDS:
            raise ValueError(f"table parameter {table.name!r}: column {column.name!r} is a {column.kind}; "
                             f"a column is one of {COLUMN_KINDS}")


def _rows(name: str, value: Any) -> list:
    if not isinstance(value, (list, tuple)):
        raise ParamError(f"{name} must be a table (a list of rows), got {short_repr(value)}")
    return list(value)


def _coerce_seconds(name: str, value: Any) -> float:
    """A time parameter's value: seconds as a plain number; OTIO's {"value", "rate"} is read as well."""
    if isinstance(value, dict) and set(value) <= {"value", "rate", "OTIO_SCHEMA"} and {"value", "rate"} <= set(value):
        frames, rate = value["value"], value["rate"]
        if (isinstance(frames, (int, float)) and isinstance(rate, (int, float)) and not isinstance(frames, bool)
                and not isinstance(rate, bool) and _is_finite(frames) and _is_finite(rate) and rate > 0):
            return float(exact_seconds(frames) / as_rate(float(rate)))
        raise ParamError(f"{name} must be seconds, or {{\"value\": frames, \"rate\": fps}} with a positive rate, "
                         f"got {short_repr(value)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _is_finite(value):
        raise ParamError(f"{name} must be a time in seconds (a number such as 2.5), got {short_repr(value)}")
    return float(value)


def _is_finite(number: int | float) -> bool:
    """NaN, infinities and ints too large for a float (a JSON number may have thousands of digits) are not."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def FloatParam(name: str, default: float, min: float | None = None, max: float | None = None, help: str = "",
               step: float | None = None, label: str = "") -> Param:
    return Param(name, "float", float(default), min=min, max=max, help=help, step=step, label=label)


def IntParam(name: str, default: int, min: int | None = None, max: int | None = None, help: str = "",
             step: int | None = None, label: str = "") -> Param:
    return Param(name, "int", int(default), min=min, max=max, help=help, step=step, label=label)


def BoolParam(name: str, default: bool, help: str = "", label: str = "") -> Param:
    return Param(name, "bool", default, help=help, label=label)


def StringParam(name: str, default: str = "", help: str = "", multiline: bool = False, label: str = "") -> Param:
    return Param(name, "text" if multiline else "string", default, help=help, label=label)


def EnumParam(name: str, default: str, choices: Iterable[str | tuple[str, str]], help: str = "", label: str = "",
              renamed: Mapping[str, str] | None = None) -> Param:
    """A choice among ids; each choice is an id, or an (id, label) pair when the user should see other words.

    `renamed` maps values older projects saved (often yesterday's labels) to today's ids.
    """
    pairs = [c if isinstance(c, tuple) else (c, c) for c in choices]
    return Param(name, "enum", default, choices=tuple(i for i, _ in pairs), help=help, label=label,
                 choice_labels=tuple((i, text) for i, text in pairs if text != i),
                 renamed=tuple((renamed or {}).items()))


def PathParam(name: str, default: str = "", file_filter: str = "", help: str = "", label: str = "",
              mode: str = "open", required: bool = False) -> Param:
    if mode not in ("open", "save", "folder"):
        raise ValueError(f"path parameter {name!r}: mode must be open, save or folder, not {mode!r}")
    return Param(name, "path", default, file_filter=file_filter, help=help, label=label, path_mode=mode,
                 required=required)


def SeedParam(name: str = "seed", default: int = 0, help: str = "Random seed; the same seed gives the same result.",
              label: str = "") -> Param:
    return Param(name, "seed", default, min=0, max=SEED_MAX, help=help, label=label)


def TimeParam(name: str, default: float, min: float | None = 0.0, max: float | None = None, help: str = "",
              step: float | None = None, label: str = "") -> Param:
    """A time, saved as seconds (a plain JSON number: 2.5), shown as seconds ("2.5 s"); the node turns it
    into frames or samples with engine.timebase's one rule. Not negative unless `min` says so."""
    return Param(name, "time", float(default), min=min, max=max, help=help, step=step, label=label)


def TableParam(name: str, columns: tuple[Param, ...], default: list[dict] | tuple = (), help: str = "",
               label: str = "", keyed: bool = True) -> Param:
    """Rows of typed cells, saved as a JSON list of {column: value} objects (a cell per line in a diff).

    Each column is a small parameter (FloatParam, IntParam, BoolParam, StringParam, EnumParam,
    TimeParam) whose default starts a new row; cells are checked one by one and an error names the
    row (from 1) and the column.
    """
    return Param(name, "table", [dict(row) for row in default], columns=tuple(columns), help=help, label=label,
                 keyed=keyed)


def ColorParam(name: str, default: tuple[float, ...], help: str = "", label: str = "", wheel: bool = False,
               keyed_at_default: bool = True) -> Param:
    """An RGB(A) colour; `wheel`: a balance around neutral 1 (lift, gamma, gain, offset), shown as a colour wheel."""
    return Param(name, "color", list(default), help=help, label=label, wheel=wheel, keyed_at_default=keyed_at_default)


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType
    help: str = ""
    # An input that may stay unconnected (execute gets None). An output that may have no value: the
    # node returns None for it when it cannot make it (the Scene's sound without a sound model); a
    # node linked to it then fails with the output's help, which must say when it has a value.
    optional: bool = False
    multiple: bool = False  # an input that takes several links, in link order (execute gets a list)
    # An input only: the parameter this input replaces while it is linked. The executor puts the
    # linked value into params[overrides] (see NodeSchema.apply_overrides); the node reads only params.
    overrides: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"port name {self.name!r} must be lower_snake_case")
        if self.overrides and self.multiple:
            raise ValueError(f"port {self.name!r}: an input that takes several links cannot override a parameter")


# Which parameter kinds a linked value of each port type can stand in for.
OVERRIDE_KINDS = {"Float": ("float",), "Int": ("int", "float"), "Text": ("string", "text"), "Bool": ("bool",)}


@dataclass(frozen=True)
class NodeSchema:
    type_id: str  # "category.name", stable forever; rename with `replaces`
    title: str
    category: str
    version: int = 1  # the form of its saved parameters; a rise needs upgrade_params and a newer app to open
    # What it computes from the same parameters and inputs: raised when a release changes its output
    # bits (an algorithm fix, other rounding), so outputs cached by an older release are not served.
    # Unlike `version` it leaves project files alone: an older release still opens and runs them.
    revision: int = 1
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()
    params: tuple[Param, ...] = ()
    help: str = ""
    replaces: tuple[str, ...] = ()  # older type ids that load as this type
    deterministic: bool = True  # False: re-run on every render, never served from the cache
    is_output: bool = False  # writes what the user asked for (a file); a default render target
    uses_gpu: bool = False
    # False for cheap per-frame transforms (grade, title): their frames are recomputed as they
    # stream rather than written to the disk cache, which would fill it with every intermediate.
    cache_outputs: bool = True
    # What the UI needs, declared here so it never names type ids:
    preview_port: str = ""  # the output the viewer shows; "" the first
    before_input: str = ""  # an input whose picture is "before" this node (a grade), for a before/after view
    opens_files: tuple[str, ...] = ()  # file suffixes (".png") a file dropped on the canvas becomes this node for
    opens_files_param: str = ""  # the path parameter that receives a dropped file
    # (parameter name, what to do instead) for parameters this type no longer has: a project that set
    # one loads with that advice as a warning (never silently), and the value is dropped.
    retired_params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not _TYPE_ID.match(self.type_id):
            raise ValueError(f"type id {self.type_id!r} must look like 'category.name'")
        for name, number in (("version", self.version), ("revision", self.revision)):
            if type(number) is not int or number < 1:
                raise ValueError(f"{self.type_id}: {name} must be a whole number from 1, not {number!r}")
        for group, items in (("input", self.inputs), ("output", self.outputs), ("parameter", self.params)):
            names = [item.name for item in items]
            if len(names) != len(set(names)):
                raise ValueError(f"{self.type_id}: duplicate {group} names in {names}")
        for port in self.inputs:
            if port.overrides:
                self._check_override(port)
        for port in self.outputs:
            if port.multiple or port.overrides:
                raise ValueError(f"{self.type_id}: output {port.name!r} cannot take several links or override")
            if port.optional and not port.help:
                raise ValueError(f"{self.type_id}: optional output {port.name!r} needs a help text that says "
                                 "when it has a value (a node linked to it is told why it has none)")
        for name, _ in self.retired_params:
            if self.param(name) is not None:
                raise ValueError(f"{self.type_id}: retired parameter {name!r} is still one of its parameters")
        if self.preview_port and self.output(self.preview_port) is None:
            raise ValueError(f"{self.type_id}: preview_port {self.preview_port!r} is not one of its outputs")
        if self.before_input and self.input(self.before_input) is None:
            raise ValueError(f"{self.type_id}: before_input {self.before_input!r} is not one of its inputs")
        if self.opens_files:
            target = self.param(self.opens_files_param)
            if target is None or target.kind != "path":
                raise ValueError(f"{self.type_id}: opens_files needs opens_files_param naming one of its path "
                                 f"parameters, not {self.opens_files_param!r}")
            if any(not s.startswith(".") or s != s.lower() for s in self.opens_files):
                raise ValueError(f"{self.type_id}: opens_files are lower-case suffixes such as '.png', "
                                 f"not {self.opens_files}")

    def _check_override(self, port: Port) -> None:
        param = self.param(port.overrides)
        if param is None:
            raise ValueError(f"{self.type_id}: input {port.name!r} overrides {port.overrides!r}, which is not "
                             "one of its parameters")
        if param.kind not in OVERRIDE_KINDS.get(port.type.name, ()):
            raise ValueError(f"{self.type_id}: input {port.name!r} ({port.type.name}) cannot override the "
                             f"{param.kind} parameter {param.name!r}")
        if not port.optional:
            raise ValueError(f"{self.type_id}: input {port.name!r} overrides {param.name!r}, so it must be optional")

    def overridden_by(self, linked_inputs: Iterable[str]) -> dict[str, str]:
        """Parameter name -> the input that sets it, for the inputs that are linked."""
        linked = set(linked_inputs)
        return {p.overrides: p.name for p in self.inputs if p.overrides and p.name in linked}

    def apply_overrides(self, inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """params with each overridden parameter set to its input's value (when that input has one).

        The one place "an input overrides a parameter" is resolved; the value is checked like any
        parameter value, so a node sees the same kind of value either way.
        """
        resolved = dict(params)
        for port in self.inputs:
            if port.overrides and inputs.get(port.name) is not None:
                try:
                    resolved[port.overrides] = self.param(port.overrides).coerce(inputs[port.name])
                except ParamError as exc:
                    raise ParamError(f"the linked input {port.name!r} does not fit: {exc}") from None
        return resolved

    def preview_output(self) -> str | None:
        """The output the viewer shows: the declared one, else the first."""
        return self.preview_port or (self.outputs[0].name if self.outputs else None)

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def default_params(self) -> dict[str, Any]:
        return {p.name: p.coerce(p.default) for p in self.params}


@dataclass(frozen=True)
class MissingModel:
    """A model a node needs that is not installed here (a voice, later diffusion weights)."""

    param: str  # the parameter that names it
    name: str  # the model's name as the project holds it
    file_filter: str  # what its file looks like, for a file dialog: "Piper voices (*.onnx)"
    hint: str  # what to do about it, with the folder it belongs in


class NodeType(abc.ABC):
    """Base of every node type. Subclasses set `schema` and implement `execute`."""

    schema: ClassVar[NodeSchema]

    @abc.abstractmethod
    def execute(self, ctx: "RunContext", inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Compute one value per output port. Call ctx.progress() between steps (it also checks cancel)."""

    def fingerprint(self, params: dict[str, Any], ctx: "RunContext") -> dict[str, str]:
        """Fingerprints of the files/models this node reads; a changed file re-runs the node.

        The default covers every `path` parameter the node opens; a node that reads other files adds them.
        """
        from .fingerprint import NOT_A_FILE, file_fingerprint

        prints = {}
        for param in self.schema.params:
            if param.kind == "path" and param.path_mode == "open" and params.get(param.name):
                path = ctx.resolve_path(params[param.name])
                prints[param.name] = file_fingerprint(path)
                if prints[param.name] == NOT_A_FILE:  # reading it could never end (/dev/zero) or wait forever
                    raise ValueError(f"{param.display_name}: {path} is a device, pipe or socket, not a file; "
                                     "choose a file")
        return prints

    def problems(self, params: dict[str, Any], paths: "PathResolver") -> list[str]:
        """What would stop this node from running, found without running it (for `aiprod validate`).

        `paths` turns a path parameter into its file exactly as a render does (`paths.file(value)`).
        """
        return []

    def missing_models(self, params: dict[str, Any], models: ModelLocator) -> list[MissingModel]:
        """The models these parameters name that `models` does not find (listed when a project opens,
        and by `aiprod validate`)."""
        return []

    def suggestions(self, param_name: str, models: ModelLocator) -> list[str]:
        """Values worth offering for a free-text parameter (the voices `models` finds, say); the
        inspector lists them, the user may still type anything. Empty: a plain text box."""
        return []

    def unavailable_choices(self, param_name: str, models: ModelLocator) -> dict[str, str]:
        """Choices of an enum parameter that cannot render with the models `models` finds, each with
        the reason and its fix (the inspector greys them out, the reason as their tooltip)."""
        return {}

    def caches_outputs(self, params: dict[str, Any]) -> bool:
        """Whether this run's outputs go to the disk cache; by default the schema's cache_outputs.

        A node whose cost depends on its parameters can decide per run: a shot made from a still
        and a camera move is cheaper to recompute than to store, one made by diffusion is not.
        """
        return self.schema.cache_outputs

    def cache_is_current(self, outputs: dict[str, Any], params: dict[str, Any], ctx: "RunContext") -> bool:
        """For output nodes: is what the cached run wrote still there? False re-runs the node."""
        return True

    def planned_frames(self, params: dict[str, Any], linked: set[str]) -> tuple[int, Fraction] | None:
        """(frame count, fps) of the FRAMES output, worked out from the parameters alone, for a
        timeline drawn before the node has run; `linked` names the inputs that have links. None:
        not known without running (a node that passes frames through is followed upstream)."""
        return None

    def planned_seconds(self, params: dict[str, Any], linked: set[str]) -> float | None:
        """The length of the sound output in seconds, from the parameters alone (a timeline drawn
        before the node has run); None: not known without running (a voice's lines)."""
        return None

    def params_after_relink(self, port: str, params: dict[str, Any], order: list[int | None]) -> dict[str, Any]:
        """Parameters that refer to the links of a multi-link input by number, renumbered after
        those links changed: `order[i]` is the old number (from 1) of what is now link i + 1, and
        a number missing from `order` was unlinked. Returns only the parameters that change."""
        return {}

    @classmethod
    def upgrade_params(cls, params: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Turn parameters saved by an older version of this type into the current form."""
        return params
