"""What a project file must be before the loader trusts it: bounded in size and nesting, JSON numbers
only, and the right type in every field the loader reads.

A file comes from anywhere (a colleague, a download, a damaged disk), so every refusal is one
ProjectFileError line that names the file, the field and what to write there, never a traceback.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from .errors import ProjectFileError, cut, short_repr

# Far above any real project (the sample film is 20 KiB; a feature with thousands of nodes a few MiB),
# low enough that a wrong file (a movie, a disk image) is refused before it fills the memory.
MAX_BYTES = 64 * 1024 * 1024
# A project nests about six levels; plugins' own data a few more. Python's JSON reader recurses, so
# a deeper file could only end in a RecursionError.
MAX_DEPTH = 200
# JSON's \ud800-style escapes can name half a character; such text can be neither saved as UTF-8
# nor used as a file name, so it is refused where it is read rather than wherever it is used.
_SURROGATE = re.compile("[\ud800-\udfff]")


def refusal(source: str, what: str) -> ProjectFileError:
    return ProjectFileError(f"{source} is not a valid AIPROD project: {what}")


def require(condition: bool, source: str, what: str) -> None:
    if not condition:
        raise refusal(source, what)


# ---- the file as text ----------------------------------------------------------------------

def read_document(path: Path) -> Any:
    """The JSON value in `path`, its size, encoding and syntax checked (its values: check_values)."""
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ProjectFileError(f"{path}: no such project file") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{path} is a folder, not a project file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the path itself
        raise ProjectFileError(f"cannot read {short_repr(str(path))}: {getattr(exc, 'strerror', None) or exc}") from None
    require(len(raw) <= MAX_BYTES, str(path), f"it is larger than {MAX_BYTES // 2**20} MiB, far more than any "
                                              "project holds; check that this is the project file")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is welcome
    except UnicodeDecodeError as exc:
        raise refusal(str(path), f"it is not UTF-8 text (byte {exc.start} cannot be read); "
                                 "save it as UTF-8 in the text editor that changed it") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise refusal(str(path), f"broken JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}){_backup_hint(path)}") from None
    except RecursionError:
        raise refusal(str(path), f"it nests lists or objects more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise refusal(str(path), f"it holds a number too long to read ({exc}); write a shorter number") from None
    return data


def _backup_hint(path: Path) -> str:
    backup = path.with_name(path.name + ".bak")
    return f". The previous save is kept as {backup.name}; open that instead" if backup.is_file() else ""


def check_values(data: Any, source: str) -> None:
    """Refuse nesting past MAX_DEPTH, non-finite numbers (Python's reader takes NaN, Infinity and
    1e999, which JSON does not allow and no other tool reads back) and half characters.

    The walk keeps its own stack: a recursive one would fail on the very files it is meant to refuse.
    """
    if not isinstance(data, (dict, list)):
        return
    stack: list[tuple[Any, int, tuple | None]] = [(data, 1, None)]
    while stack:
        value, depth, where = stack.pop()
        require(depth <= MAX_DEPTH, source, f"it nests lists or objects more than {MAX_DEPTH} levels deep "
                                            f"(at {_where(where)})")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, (dict, list)):
                stack.append((item, depth + 1, (where, key)))
            elif isinstance(item, float) and not math.isfinite(item):
                raise refusal(source, f"{_where((where, key))} is {item}, which is not a number JSON allows; "
                                      "write a finite number there")
            for text in (key, item):
                if isinstance(text, str) and _SURROGATE.search(text):
                    raise refusal(source, f"the text at {_where((where, key))} holds a lone surrogate escape "
                                          f"(\\u{ord(_SURROGATE.search(text)[0]):04x}), which is not a character; "
                                          "remove it")


def _where(where: tuple | None) -> str:
    """`nodes[3].params.seed` from the chain of keys the walk kept."""
    keys = []
    while where is not None:
        where, key = where
        if isinstance(key, str):  # a key may be the very half character refused: shown escaped
            key = cut(key.encode("utf-8", "backslashreplace").decode(), 40)
        keys.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return cut("".join(reversed(keys)).lstrip("."), 100) or "the top level"


# ---- the fields the loader reads -------------------------------------------------------------

def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 1e15


def check_top_fields(data: dict, source: str) -> None:
    require(isinstance(data.get("nodes", []), list) and isinstance(data.get("links", []), list), source,
            "nodes and links must be lists")
    require(isinstance(data.get("name", ""), str), source,
            f"name must be text, got {short_repr(data.get('name'))}")
    require(isinstance(data.get("settings", {}), dict), source, "settings must be an object")


def _check_labelled(raw: Any, index: int, source: str, kind: str) -> None:
    """An entry of `nodes` or `links` is an object labelled "Node.1" / "Link.1" (kind: "Node" or "Link")."""
    where = f"{kind.lower()}s[{index}]"
    require(isinstance(raw, dict), source, f"{where} is not a labelled {kind} object: {short_repr(raw)}")
    label = raw.get("object")
    require(isinstance(label, str) and label.startswith(f"{kind}."), source,
            f"{where} (id {short_repr(raw.get('id'))}) is not a labelled {kind} object: its \"object\" "
            f"must be \"{kind}.1\", got {short_repr(label)}")


def check_node_fields(raw: Any, index: int, source: str) -> None:
    """The fields of a node entry, checked for every node, known type or not: the canvas draws them all."""
    _check_labelled(raw, index, source, "Node")
    require(_text(raw.get("id")), source, f"nodes[{index}] has no id: its \"id\" must be non-empty text, "
                                          f"got {short_repr(raw.get('id'))}")
    name = f"node {short_repr(raw['id'])}"
    require(_text(raw.get("type")), source, f"{name} has no type: its \"type\" must be a node type id such as "
                                            f"\"media.import_image\", got {short_repr(raw.get('type'))}")
    version = raw.get("type_version", 1)
    require(_whole(version) and version >= 1, source,
            f"{name}: type_version must be a whole number from 1, got {short_repr(version)}")
    require(isinstance(raw.get("label", ""), str), source,
            f"{name}: label must be text, got {short_repr(raw.get('label'))}")
    position = raw.get("position", [0, 0])
    require(isinstance(position, list) and len(position) == 2 and all(_number(v) for v in position), source,
            f"{name}: position must be two numbers [x, y], got {short_repr(position)}")
    require(isinstance(raw.get("params", {}), dict), source,
            f"{name}: params must be an object, got {short_repr(raw.get('params'))}")


def check_link_fields(raw: Any, index: int, source: str) -> None:
    _check_labelled(raw, index, source, "Link")
    for end in ("from", "to"):
        require(isinstance(raw.get(end), dict), source, f"links[{index}] (id {short_repr(raw.get('id'))}): "
                f"\"{end}\" must be an object {{\"node\": ..., \"port\": ...}}, got {short_repr(raw.get(end))}")
    require(_text(raw.get("id")), source, f"links[{index}]: link id {short_repr(raw.get('id'))} is missing "
                                          "or not text")
    for end in ("from", "to"):
        for key in ("node", "port"):
            value = raw[end].get(key)
            require(_text(value), source, f"link {short_repr(raw['id'])}: {end}.{key} must be the text of a "
                                          f"{'node id' if key == 'node' else 'port name'}, got {short_repr(value)}")
