"""Hostile variants of a project file, for the fuzz test: the edits a damaged disk, a careless script
or an attacker could make, drawn from a seeded random generator so every run makes the same files.

`mutate(rng, text, pool)` returns the new bytes and the list of edits made, so a failing case can be
told and reproduced.
"""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

# Stands in for a value json.dumps cannot write (an integer past Python's digit limit, raw NaN) and
# is replaced in the text afterwards.
_RAW = "\u0001raw:"
_RAW_TEXT = re.compile(r'"\\u0001raw:((?:[^"\\]|\\.)*)"')

HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2**31, 2**64, -(2**63), 10**30, 1e308, -1e308, 0.5, 1e-320,
    "", " ", "x" * 100_000, "a\u0000b", "\ud800", "\udcff", "../../../../etc/passwd", "/", "~", ".",
    "Node.1", "Link.1", "média/ünïcode ✓.png", "nul\u0000.png", "C:\\film\\out.mov", "%04d", "####",
    [], {}, [1, 2], [None], ["a", "b"], {"node": None}, {"a": {"b": [1]}}, [[[[[]]]]], [0.0] * 3,
    f"{_RAW}NaN", f"{_RAW}Infinity", f"{_RAW}-Infinity", f"{_RAW}1e999", f"{_RAW}{'9' * 5000}",
    _RAW + "[" * 150 + "]" * 150, _RAW + "[" * 300 + "]" * 300, _RAW + '{"a":' * 250 + "1" + "}" * 250,
]


def every_type_project(registry) -> bytes:
    """One node of each installed type with its default values: every type's own checks get to run."""
    nodes = [{"object": "Node.1", "id": f"n{i}", "type": t.schema.type_id, "type_version": t.schema.version,
              "label": "", "position": [i * 10, 0], "params": t.schema.default_params()}
             for i, t in enumerate(registry.types())]
    return json.dumps({"schema_version": 1, "kind": "aiprod.project", "name": "Every type", "settings": {},
                       "nodes": nodes, "links": []}).encode()


def accepted_values(registry) -> list:
    """Values some parameter accepts (defaults, bounds, choices): right types, often in the wrong place."""
    found = []
    for node_type in registry.types():
        for param in node_type.schema.params:
            # Copies: mutate() edits inside the values it places, and a default is the schema's own list.
            found += [copy.deepcopy(param.default), *param.choices,
                      *(b for b in (param.min, param.max) if b is not None)]
    return found


def is_raw(value: Any) -> bool:
    """A stand-in for text json.dumps cannot write: only mutate() turns it into what it stands for."""
    return isinstance(value, str) and value.startswith(_RAW)


def _places(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in the document: the spots an edit can land on."""
    found, stack = [], [document]
    while stack:
        value = stack.pop()
        keys = list(value) if isinstance(value, dict) else range(len(value)) if isinstance(value, list) else ()
        for key in keys:
            found.append((value, key))
            stack.append(value[key])
    return found


def _values(document: Any, kind: type) -> list[Any]:
    return [container[key] for container, key in _places(document) if isinstance(container[key], kind)]


def _edit_params(rng: random.Random, document: Any, pool: list[Any], log: list[str]) -> bool:
    """Set one parameter of one node: the file still opens, and the node type's own checks get the value."""
    nodes = document.get("nodes") if isinstance(document, dict) else None
    if not isinstance(nodes, list):
        return False
    params = [n["params"] for n in nodes if isinstance(n, dict) and isinstance(n.get("params"), dict) and n["params"]]
    if not params:
        return False
    chosen = rng.choice(params)
    name = rng.choice(list(chosen))
    chosen[name] = rng.choice(pool) if rng.random() < 0.7 else rng.choice(HOSTILE_VALUES)
    log.append(f"set parameter {name!r} to {str(chosen[name])[:40]!r}")
    return True


def _edit_document(rng: random.Random, document: Any, pool: list[Any], log: list[str]) -> Any:
    if rng.random() < 0.4 and _edit_params(rng, document, pool, log):
        return document
    places = _places(document)
    if not places:
        return rng.choice(HOSTILE_VALUES)
    container, key = rng.choice(places)
    action = rng.choice(("delete", "hostile", "hostile", "valid", "valid", "borrow", "copy", "retarget"))
    if action == "delete":
        log.append(f"delete {key!r}")
        del container[key]
    elif action == "hostile":
        container[key] = rng.choice(HOSTILE_VALUES)
        log.append(f"set {key!r} to a hostile value {str(container[key])[:40]!r}")
    elif action == "valid":  # a value some parameter accepts, in the wrong place or for the wrong node
        container[key] = rng.choice(pool)
        log.append(f"set {key!r} to {str(container[key])[:40]!r}")
    elif action == "borrow":  # an id, a type or a port name from elsewhere in the file
        texts = _values(document, str)
        container[key] = rng.choice(texts) if texts else ""
        log.append(f"set {key!r} to the file's own {str(container[key])[:40]!r}")
    elif action == "copy" and isinstance(container, list):  # a repeated node or link: same id twice
        container.insert(rng.randrange(len(container) + 1), json.loads(json.dumps(container[key])))
        log.append(f"repeat item {key!r}")
    else:  # retarget: a link end or any text pointed at a node id or port that may not fit
        nodes = document.get("nodes") if isinstance(document, dict) else None
        ids = [n.get("id") for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
        container[key] = rng.choice([*ids, "value", "image", "frames", "audio", "missing"] or [""])
        log.append(f"retarget {key!r} to {container[key]!r}")
    return document


def _edit_text(rng: random.Random, raw: bytes, log: list[str]) -> bytes:
    action = rng.choice(("truncate", "flip", "insert", "bom", "nest", "duplicate"))
    at = rng.randrange(len(raw) + 1)
    log.append(f"{action} at byte {at}")
    if action == "truncate":
        return raw[:at]
    if action == "flip":
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1:]
    if action == "insert":
        return raw[:at] + rng.choice([b"\x00", b"\xff\xfe", b"\\u0000", b"\",", b"]", b"{", b"NaN", b"\xe2\x82"]) + raw[at:]
    if action == "bom":
        return b"\xef\xbb\xbf" + raw
    if action == "nest":
        depth = rng.choice((199, 201, 5000, 100_000))
        return b'{"schema_version": 1, "nodes": ' + b"[" * depth + b"]" * depth + b"}"
    return raw + raw[:at]


def _dump(rng: random.Random, document: Any) -> bytes:
    surrogates = any("\ud800" <= c <= "\udfff" for v in _values(document, str) for c in v)
    text = json.dumps(document, indent=1, ensure_ascii=surrogates or rng.random() < 0.5)  # UTF-8 cannot carry them raw
    # "\u0001raw:X", as json.dumps wrote it, becomes the bare X.
    text = _RAW_TEXT.sub(lambda m: json.loads(f'"{m.group(1)}"'), text)
    return text.encode("utf-8")


def mutate(rng: random.Random, original: bytes, pool: list[Any]) -> tuple[bytes, list[str]]:
    log: list[str] = []
    document = json.loads(original)
    for _ in range(rng.randint(1, 3)):
        document = _edit_document(rng, document, pool, log)
    raw = _dump(rng, document)
    if rng.random() < 0.2:
        raw = _edit_text(rng, raw, log)
    return raw, log


def describe_case(case: int, log: list[str], raw: bytes, what: str) -> str:
    """What a failing case was, with the file it made (cut), so it can be reproduced by hand."""
    shown = raw[:1500].decode("utf-8", "backslashreplace")
    return f"case {case} ({'; '.join(log)}): {what}\n--- the file (cut) ---\n{shown}"


def edit_project(path, change) -> None:
    """Apply `change(data)` to the JSON of the project file at `path`, in place."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def node_entry(data, node_id) -> dict:
    return next(n for n in data["nodes"] if n["id"] == node_id)
