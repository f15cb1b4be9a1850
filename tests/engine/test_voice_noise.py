"""A model's random ops become inputs fed from a seeded generator: same seed, same bits; the noise keeps
its distribution; a tensor longer than the first noise buffer still gets the same noise."""

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper

from engine.audio import voice_noise
from engine.audio.voice_noise import NoiseFedSession, UnseedableModel, feed_noise_as_inputs


def noisy_model(op="RandomNormalLike", **attrs):
    """y = x + noise shaped like x, as a VITS voice adds noise to its prior."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])
    nodes = [helper.make_node(op, ["x"], ["r"], dtype=TensorProto.FLOAT, **attrs),
             helper.make_node("Add", ["x", "r"], ["y"])]
    return helper.make_model(helper.make_graph(nodes, "g", [x], [y]), opset_imports=[helper.make_opsetid("", 15)])


def session(model):
    noise = feed_noise_as_inputs(model)
    return NoiseFedSession(onnxruntime.InferenceSession(model.SerializeToString(),
                                                        providers=["CPUExecutionProvider"]), noise)


def run(fed, rows, seed):
    with fed.noise_from(np.random.default_rng(seed)):
        return fed.run(None, {"x": np.zeros((rows, 3), np.float32)})[0]


def test_the_same_seed_gives_the_same_noise_and_another_seed_other_noise():
    fed = session(noisy_model())
    assert [n.name for n in fed.noise] == ["aiprod_noise_0"]
    assert np.array_equal(run(fed, 50, 1), run(fed, 50, 1))
    assert not np.array_equal(run(fed, 50, 1), run(fed, 50, 2))
    with fed.noise_from(np.random.default_rng(3)):  # runs in one take draw in turn, each its own noise
        first, second = (fed.run(None, {"x": np.zeros((50, 3), np.float32)})[0] for _ in range(2))
    assert not np.array_equal(first, second)
    assert np.array_equal(fed.run(None, {"x": np.zeros((5, 3), np.float32)})[0],
                          fed.run(None, {"x": np.zeros((5, 3), np.float32)})[0])  # no take: seed 0


def test_the_noise_keeps_the_ops_distribution():
    normal = run(session(noisy_model(mean=5.0, scale=2.0)), 20000, 0)
    assert normal.mean() == pytest.approx(5.0, abs=0.05) and normal.std() == pytest.approx(2.0, abs=0.05)
    uniform = run(session(noisy_model("RandomUniformLike", low=-1.0, high=3.0)), 20000, 0)
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and uniform.mean() == pytest.approx(1.0, abs=0.05)


def test_a_tensor_longer_than_the_first_buffer_gets_the_same_noise(monkeypatch):
    fed = session(noisy_model())
    roomy = run(fed, 4000, 7)
    monkeypatch.setattr(voice_noise, "_FIRST_LENGTH", 16)  # 12 000 values needed: two retries
    assert np.array_equal(run(fed, 4000, 7), roomy)


def test_a_model_with_random_ops_that_cannot_be_fed_is_refused():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.INT32, [1, 2])
    graph = helper.make_graph([helper.make_node("Multinomial", ["x"], ["y"], sample_size=2)], "g", [x], [y])
    with pytest.raises(UnseedableModel, match="Multinomial"):
        feed_noise_as_inputs(helper.make_model(graph))
