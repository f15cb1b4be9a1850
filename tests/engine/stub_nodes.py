"""Node types that exist only for tests: tiny, fast, and each recording that it ran."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np

from engine.errors import NodeExecutionError
from engine.image import Image
from engine.ports import BUILTIN_PORT_TYPES, FILE, PortType, FLOAT, FRAMES, IMAGE, INT, TEXT
from engine.registry import Registry
from engine.schema import (BoolParam, EnumParam, FloatParam, IntParam, NodeSchema, NodeType, PathParam, Port,
                           SeedParam, StringParam)

CALLS: list[tuple[str, str]] = []  # (type id, node id) of every execute(), in order


class Recording(NodeType):
    def execute(self, ctx, inputs, params):
        CALLS.append((self.schema.type_id, ctx.node_id))
        return self.compute(ctx, inputs, params)


class Number(Recording):
    schema = NodeSchema("test.number", "Number", "Test", outputs=(Port("value", INT),),
                        params=(IntParam("value", 1, min=-1000, max=1000),))

    def compute(self, ctx, inputs, params):
        return {"value": params["value"]}


class Add(Recording):
    schema = NodeSchema("test.add", "Add", "Test", inputs=(Port("a", INT), Port("b", INT, optional=True)),
                        outputs=(Port("value", INT),), params=(IntParam("offset", 0),))

    def compute(self, ctx, inputs, params):
        return {"value": inputs["a"] + (inputs["b"] or 0) + params["offset"]}


class Half(Recording):
    schema = NodeSchema("test.half", "Half", "Test", inputs=(Port("x", FLOAT),), outputs=(Port("value", FLOAT),))

    def compute(self, ctx, inputs, params):
        return {"value": inputs["x"] / 2}


class Concat(Recording):
    schema = NodeSchema("test.concat", "Concat", "Test", inputs=(Port("items", INT, multiple=True),),
                        outputs=(Port("text", TEXT),))

    def compute(self, ctx, inputs, params):
        return {"text": ",".join(str(v) for v in inputs["items"])}


class Fail(Recording):
    schema = NodeSchema("test.fail", "Fail", "Test", inputs=(Port("a", INT, optional=True),),
                        outputs=(Port("value", INT),))

    def compute(self, ctx, inputs, params):
        raise NodeExecutionError("boom: this node always fails")


class Crash(Recording):
    schema = NodeSchema("test.crash", "Crash", "Test", outputs=(Port("value", INT),))

    def compute(self, ctx, inputs, params):
        return {"value": 1 // 0}


class Slow(Recording):
    """Takes `steps` x 10 ms, reporting progress (and so checking cancel) between steps."""

    schema = NodeSchema("test.slow", "Slow", "Test", inputs=(Port("a", INT, optional=True),),
                        outputs=(Port("value", INT),), params=(IntParam("steps", 10, min=1, max=100000),))
    started = None  # threading.Event set by tests

    def compute(self, ctx, inputs, params):
        if Slow.started is not None:
            Slow.started.set()
        for step in range(params["steps"]):
            ctx.progress(step / params["steps"], f"step {step}")
            time.sleep(0.01)
        return {"value": params["steps"]}


class Noisy(Recording):
    schema = NodeSchema("test.noisy", "Noisy", "Test", outputs=(Port("value", INT),), deterministic=False)

    def compute(self, ctx, inputs, params):
        return {"value": random.randint(0, 10**9)}


class Seeded(Recording):
    schema = NodeSchema("test.seeded", "Seeded", "Test", outputs=(Port("value", INT),), params=(SeedParam(),))

    def compute(self, ctx, inputs, params):
        return {"value": random.Random(params["seed"]).randint(0, 10**9)}


class ReadText(Recording):
    schema = NodeSchema("test.read_text", "Read Text", "Test", outputs=(Port("text", TEXT),),
                        params=(PathParam("path", ""),))

    def compute(self, ctx, inputs, params):
        path = ctx.resolve_path(params["path"])
        if not path.is_file():
            raise NodeExecutionError(f"{path} does not exist")
        return {"text": path.read_text()}


class Gradient(Recording):
    schema = NodeSchema("test.gradient", "Gradient", "Test", outputs=(Port("image", IMAGE),),
                        params=(IntParam("width", 8, min=1, max=4096), FloatParam("gain", 1.0)))

    def compute(self, ctx, inputs, params):
        ramp = np.linspace(0, params["gain"], params["width"], dtype=np.float32)
        return {"image": Image(np.repeat(np.stack([ramp] * 3, -1)[None], 4, axis=0))}


# A port type without a cache codec: values of it are never stored, so their node re-runs when needed.
BLOB = PortType("Blob", "#000000", "Test values the cache cannot store.")


class Tone(Recording):
    """Outputs a type without a cache codec: never stored, so re-run whenever needed."""

    schema = NodeSchema("test.tone", "Tone", "Test", outputs=(Port("audio", BLOB),))

    def compute(self, ctx, inputs, params):
        return {"audio": np.zeros(4, np.float32) + 0.5}


class Listen(Recording):
    schema = NodeSchema("test.listen", "Listen", "Test", inputs=(Port("audio", BLOB),), outputs=(Port("level", FLOAT),))

    def compute(self, ctx, inputs, params):
        return {"level": float(inputs["audio"].mean())}


class WriteText(Recording):
    schema = NodeSchema("test.write_text", "Write Text", "Test", is_output=True,
                        inputs=(Port("value", INT),), outputs=(Port("file", FILE),),
                        params=(PathParam("path", "out.txt", mode="save"),))

    def compute(self, ctx, inputs, params):
        from engine.fingerprint import file_fingerprint

        path = ctx.resolve_path(params["path"])
        path.write_text(str(inputs["value"]))
        return {"file": {"path": str(path), "fingerprint": file_fingerprint(path)}}

    def cache_is_current(self, outputs, params, ctx):
        from engine.fingerprint import file_fingerprint

        return file_fingerprint(outputs["file"]["path"]) == outputs["file"]["fingerprint"]


class Options(Recording):
    """Every parameter kind, for schema and inspector tests."""

    schema = NodeSchema("test.options", "Options", "Test", version=2, replaces=("test.old_options",),
                        outputs=(Port("text", TEXT),),
                        params=(IntParam("count", 3, min=0, max=10), FloatParam("gain", 1.0, min=0.0, max=4.0),
                                BoolParam("enabled", True), StringParam("name", "a"),
                                EnumParam("mode", "fast", ("fast", "best"))))

    @classmethod
    def upgrade_params(cls, params, from_version):
        if from_version == 1 and "quality" in params:  # version 1 stored a bool "quality"
            params["mode"] = "best" if params.pop("quality") else "fast"
        return params

    def compute(self, ctx, inputs, params):
        return {"text": f"{params['name']}x{params['count']}"}


class RampClip(Recording):
    """A shot whose frame i is flat grey i/100: lazy, so its frames are made while being cached."""

    schema = NodeSchema("test.ramp_clip", "Ramp Clip", "Test", outputs=(Port("frames", FRAMES),),
                        params=(IntParam("frames", 5, min=1, max=100000), IntParam("width", 8, min=1, max=4096)))

    def compute(self, ctx, inputs, params):
        from engine.media.clip import ClipInfo, FunctionClip

        width = params["width"]

        def render(i):
            if Slow.started is not None and i == 2:
                Slow.started.set()
                time.sleep(0.2)
            return np.full((width // 2 or 1, width, 3), i / 100, np.float32)

        return {"frames": FunctionClip(ClipInfo(width, width // 2 or 1, 24, params["frames"]), render)}


class ClipMean(Recording):
    schema = NodeSchema("test.clip_mean", "Clip Mean", "Test", inputs=(Port("frames", FRAMES),),
                        outputs=(Port("value", FLOAT),))

    def compute(self, ctx, inputs, params):
        return {"value": float(np.mean([f.mean() for f in inputs["frames"].frames()]))}


STUB_TYPES = (RampClip, ClipMean, Number, Add, Half, Concat, Fail, Crash, Slow, Noisy, Seeded, ReadText, Gradient, Tone, Listen,
              WriteText, Options)


def stub_registry() -> Registry:
    return Registry(STUB_TYPES, port_types=(*BUILTIN_PORT_TYPES, BLOB))


def ran(type_id: str | None = None) -> list[str]:
    """Node ids that executed since the last reset, optionally of one type."""
    return [node for t, node in CALLS if type_id is None or t == type_id]


def reset_calls() -> None:
    CALLS.clear()


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]
