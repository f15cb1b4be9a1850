"""Seeded noise for ONNX voices: the model's own random draws become inputs fed from a numpy generator.

A VITS voice (Piper's kind) draws Gaussian noise inside its graph twice per sentence: once for the
phoneme durations and once for the acoustic prior. onnxruntime seeds those draws when the session is
created and advances them on every run, so a take depends on when the process started and on every
line spoken before it; `onnxruntime.set_seed` cannot help, as it only seeds sessions created after
it. Here each random op is replaced by a slice of a graph input, and `NoiseFedSession` feeds that
input from a numpy generator the caller names, so a take depends on its seed and nothing else. The
noise keeps the distribution the model was trained with: the voice sounds exactly as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

_PREFIX = "aiprod_noise"
_FIRST_LENGTH = 1 << 19  # values per noise input at first: a 30 s sentence's prior (192 x 86 frames/s)
_MAX_LENGTH = 1 << 27
_SEEDABLE = {"RandomNormalLike", "RandomNormal", "RandomUniformLike", "RandomUniform"}
_UNSEEDABLE = {"Multinomial", "Bernoulli"}
_FLOAT = 1  # onnx.TensorProto.FLOAT


class UnseedableModel(ValueError):
    """The model draws random numbers in a way that cannot be fed from outside."""


@dataclass(frozen=True)
class NoiseInput:
    """One random op turned into an input: its name and the distribution it drew from."""

    name: str
    normal: bool  # False: uniform
    a: float  # mean (normal) or low (uniform)
    b: float  # standard deviation (normal) or high (uniform)

    def draw(self, rng: np.random.Generator, length: int) -> np.ndarray:
        # Generators fill arrays in order, so the first n values do not depend on `length`:
        # a run retried with longer noise gets the same noise where it matters.
        if self.normal:
            return rng.standard_normal(length, dtype=np.float32) * np.float32(self.b) + np.float32(self.a)
        return rng.random(length, dtype=np.float32) * np.float32(self.b - self.a) + np.float32(self.a)


def feed_noise_as_inputs(model) -> list[NoiseInput]:
    """Rewrite `model` (an onnx.ModelProto, in place): each random op becomes a 1-D float input that is
    cut to the op's shape in the graph. Returns the new inputs in graph order."""
    from onnx import TensorProto, helper

    graph = model.graph
    found = [n for n in graph.node if n.op_type in _SEEDABLE | _UNSEEDABLE]
    if unseedable := [n.op_type for n in found if n.op_type in _UNSEEDABLE]:
        raise UnseedableModel(f"it draws random numbers with {', '.join(sorted(set(unseedable)))}, "
                              "which cannot be seeded")
    inputs: list[NoiseInput] = []
    for index, node in enumerate(found):
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        normal = node.op_type.startswith("RandomNormal")
        name = f"{_PREFIX}_{index}"
        inputs.append(NoiseInput(name, normal, float(attrs.get("mean" if normal else "low", 0.0)),
                                 float(attrs.get("scale" if normal else "high", 1.0))))
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["aiprod_noise_length"]))
        shape = f"{name}_shape"
        if node.op_type.endswith("Like"):
            made = [helper.make_node("Shape", [node.input[0]], [shape], name=shape)]
        else:  # a fixed shape, written in the op
            made = [helper.make_node("Constant", [], [shape], name=shape,
                                     value=helper.make_tensor(shape, TensorProto.INT64, [len(attrs["shape"])],
                                                              list(attrs["shape"])))]
        dtype = attrs.get("dtype", _FLOAT)
        shaped = node.output[0] if dtype == _FLOAT else f"{name}_float"
        made += [
            helper.make_node("ReduceProd", [shape], [f"{name}_count"], name=f"{name}_count", keepdims=1),
            helper.make_node("Constant", [], [f"{name}_zero"], name=f"{name}_zero",
                             value=helper.make_tensor(f"{name}_zero", TensorProto.INT64, [1], [0])),
            helper.make_node("Slice", [name, f"{name}_zero", f"{name}_count"], [f"{name}_cut"], name=f"{name}_cut"),
            # Fails when the input was too short; NoiseFedSession then feeds a longer one.
            helper.make_node("Reshape", [f"{name}_cut", shape], [shaped], name=f"{name}_reshape"),
        ]
        if dtype != _FLOAT:
            made.append(helper.make_node("Cast", [shaped], [node.output[0]], name=f"{name}_cast", to=dtype))
        position = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, new in enumerate(made):
            graph.node.insert(position + offset, new)
    return inputs


class NoiseFedSession:
    """An onnxruntime session whose random draws come from the generator given to `noise_from`.

    Piper calls `run` as it would on a plain session. Runs outside `noise_from` draw from seed 0,
    so they repeat too. The generator is the session's state for the length of a take, so a take
    holds a lock: two lines spoken with one voice from two threads take turns.
    """

    def __init__(self, session, noise: list[NoiseInput]):
        self.session = session
        self.noise = noise
        self._lock = threading.RLock()
        self._rng: np.random.Generator | None = None

    @contextmanager
    def noise_from(self, rng: np.random.Generator) -> Iterator[None]:
        with self._lock:
            previous, self._rng = self._rng, rng
            try:
                yield
            finally:
                self._rng = previous

    def run(self, output_names, feeds, run_options=None):
        with self._lock:
            rng = self._rng or np.random.default_rng(0)
            # One seed per run, drawn in order, so the n-th sentence of a take always gets the same noise.
            streams = np.random.SeedSequence(int(rng.integers(2**63))).spawn(len(self.noise))
            length = _FIRST_LENGTH
            if run_options is None:  # a too-short try is expected, not worth an error line on the console
                import onnxruntime

                run_options = onnxruntime.RunOptions()
                run_options.log_severity_level = 4
            while True:
                noise = {n.name: n.draw(np.random.default_rng(s), length) for n, s in zip(self.noise, streams)}
                try:
                    return self.session.run(output_names, {**feeds, **noise}, run_options)
                except Exception as exc:  # onnxruntime's own exception types
                    if _PREFIX not in str(exc) or length >= _MAX_LENGTH:
                        raise
                    length *= 8

    def __getattr__(self, name):  # get_inputs(), get_outputs() and the rest, as the session has them
        return getattr(self.session, name)
