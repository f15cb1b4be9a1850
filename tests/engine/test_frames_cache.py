"""Shots are cached frame by frame, near-losslessly, with progress, and never half-written."""

import threading

import numpy as np

from engine import events as ev
from engine.context import CancelToken
from engine.executor import Executor
from tests.engine.builders import add, link
from tests.engine.stub_nodes import Slow, ran, reset_calls


def test_frames_are_computed_once_cached_and_read_back(graph, stack, cache):
    add(stack, "test.ramp_clip", "shot", frames=12, width=16)
    add(stack, "test.clip_mean", "mean")
    link(stack, "shot", "mean", "frames", "frames")
    seen = []
    executor = Executor(cache)
    executor.events.connect(seen.append)
    report = executor.run(graph, load_outputs=True)
    assert abs(report.outputs["mean"]["value"] - np.mean(np.arange(12) / 100)) < 1e-4  # read back from the cache
    progress = [e.fraction for e in seen if isinstance(e, ev.NodeProgress) and e.node_id == "shot"]
    assert len(progress) == 12 and progress[-1] == 1.0
    reset_calls()
    second = Executor(cache).run(graph, ["shot"], load_outputs=True)
    clip = second.outputs["shot"]["frames"]
    assert ran() == [] and clip.frame_count == 12 and clip.fps == 24
    assert np.allclose(clip.frame(7), 0.07, atol=1e-4)  # float16: near-lossless


def test_cancel_while_frames_are_cached_leaves_no_entry(graph, stack, cache):
    add(stack, "test.ramp_clip", "shot", frames=50)
    cancel = CancelToken()
    Slow.started = threading.Event()
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(report=Executor(cache).run(graph, None, cancel)))
    worker.start()
    try:
        assert Slow.started.wait(5)
        cancel.cancel()
        worker.join(5)
    finally:
        Slow.started = None
    assert outcome["report"].status == "cancelled"
    assert cache.keys() == [] and list((cache.root / "tmp").iterdir()) == []
    assert not any((cache.root / "entries").rglob("*.npy"))
