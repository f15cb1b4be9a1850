"""The executor runs what is needed, in order, reports events, isolates failures and cancels promptly."""

import gc
import threading
import time
import weakref

import pytest

from engine import events as ev
from engine.commands import UndoStack
from engine.context import CancelToken
from engine.executor import Executor
from engine.graph import Graph
from engine.ports import BUILTIN_PORT_TYPES
from engine.registry import Registry
from engine.schema import NodeSchema, Port
from tests.engine.builders import add, diamond, link
from tests.engine.stub_nodes import BLOB, STUB_TYPES, Number, Recording, Slow, ran


def run(graph, targets=None, cache=None, **kw):
    seen = []
    executor = Executor(cache=cache)
    executor.events.connect(seen.append)
    return executor.run(graph, targets, **kw), seen


def test_runs_in_dependency_order_and_computes(graph, stack):
    diamond(stack)
    report, _ = run(graph, ["join"], load_outputs=True)
    assert report.status == "finished"
    order = ran()
    assert order.index("src") < order.index("left") < order.index("join")
    assert order.index("right") < order.index("join")
    assert report.outputs["join"]["value"] == (2 + 1) + (2 + 10)
    assert "island" not in order


def test_default_targets_are_sinks_without_output_nodes(graph, stack):
    diamond(stack)
    report, _ = run(graph)
    assert set(ran()) == {"src", "left", "right", "join", "island"}


def test_default_targets_are_output_nodes_when_present(graph, stack, tmp_path):
    diamond(stack)
    add(stack, "test.write_text", "out", path=str(tmp_path / "o.txt"))
    link(stack, "left", "out", "value")
    run(graph)
    assert set(ran()) == {"src", "left", "out"}
    assert (tmp_path / "o.txt").read_text() == "3"


def test_run_to_node_runs_only_what_it_needs(graph, stack):
    diamond(stack)
    report, _ = run(graph, ["left"])
    assert ran() == ["src", "left"]
    assert list(report.results) == ["src", "left"]


def test_events_tell_the_story(graph, stack):
    add(stack, "test.number", "a")
    add(stack, "test.slow", "s", steps=3)
    link(stack, "a", "s")
    report, seen = run(graph, ["s"])
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert kinds.count("NodeQueued") == 2 and kinds.count("NodeFinished") == 2
    progress = [e for e in seen if isinstance(e, ev.NodeProgress)]
    assert [p.message for p in progress] == ["step 0", "step 1", "step 2"]
    assert all(0 <= p.fraction <= 1 for p in progress)
    finished = [e for e in seen if isinstance(e, ev.NodeFinished) and e.node_id == "s"]
    assert finished[0].seconds >= 0.03


def test_failure_fails_only_the_node_and_its_dependents(graph, stack):
    diamond(stack)
    add(stack, "test.fail", "bad")
    add(stack, "test.add", "after_bad")
    link(stack, "src", "bad")
    link(stack, "bad", "after_bad")
    report, seen = run(graph)
    assert report.status == "failed"
    assert report.results["bad"].status == "failed" and "boom" in report.results["bad"].message
    assert report.results["after_bad"].status == "failed"
    assert "Fail (bad)" in report.results["after_bad"].message
    assert "after_bad" not in ran()
    assert {report.results[n].status for n in ("src", "left", "right", "join", "island")} == {"ran"}
    failed_events = {e.node_id for e in seen if isinstance(e, ev.NodeFailed)}
    assert failed_events == {"bad", "after_bad"}


def test_unexpected_exception_is_reported_not_raised(graph, stack):
    add(stack, "test.crash", "c")
    report, _ = run(graph)
    assert report.results["c"].status == "failed"
    assert "ZeroDivisionError" in report.results["c"].message


def test_missing_required_input_fails_with_its_name(graph, stack):
    add(stack, "test.add", "lonely")
    report, _ = run(graph)
    assert "input 'a' (Int) is not connected" in report.results["lonely"].message


def test_unknown_node_type_fails_clearly(graph, stack):
    from engine.graph import Node

    graph.insert_node(Node("ghost", "plugin.ghost", {}, unknown_data={"object": "Node.1", "id": "ghost"}))
    report, _ = run(graph, ["ghost"])
    assert "not installed" in report.results["ghost"].message


def test_multiple_input_gets_values_in_link_order(graph, stack):
    for node_id, value in (("x", 1), ("y", 2), ("z", 3)):
        add(stack, "test.number", node_id, value=value)
    add(stack, "test.concat", "cat")
    for node_id in ("z", "x", "y"):
        link(stack, node_id, "cat", "items")
    report, _ = run(graph, ["cat"], load_outputs=True)
    assert report.outputs["cat"]["text"] == "3,1,2"


def test_cancel_is_prompt_and_marks_the_rest_cancelled(graph, stack, cache):
    add(stack, "test.slow", "first", steps=100000)  # would take ~17 minutes
    add(stack, "test.add", "after")
    link(stack, "first", "after")
    cancel = CancelToken()
    Slow.started = threading.Event()
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(report=Executor(cache).run(graph, None, cancel)))
    worker.start()
    try:
        assert Slow.started.wait(5)
        time.sleep(0.05)
        asked = time.perf_counter()
        cancel.cancel()
        worker.join(5)
        latency = time.perf_counter() - asked
    finally:
        Slow.started = None
    assert not worker.is_alive()
    assert latency < 0.5
    report = outcome["report"]
    assert report.status == "cancelled"
    assert report.results["first"].status == "cancelled" and report.results["after"].status == "cancelled"
    assert cache.keys() == []
    assert list((cache.root / "tmp").iterdir()) == []


def test_cancel_before_start_runs_nothing(graph, stack):
    diamond(stack)
    cancel = CancelToken()
    cancel.cancel()
    report = Executor().run(graph, None, cancel)
    assert ran() == [] and report.status == "cancelled"


def test_the_plan_is_told_before_any_node_runs(graph, stack, cache):
    """RunPlanned names what will run, in order (not what the cache serves), and which of those store
    their outputs: a reader that will not make a costly node can stop before the cheap ones run."""
    diamond(stack)
    add(stack, "test.noisy", "noisy")  # not deterministic: runs every time and stores nothing
    run(graph, ["left"], cache=cache)  # src and left are cached now
    _, seen = run(graph, ["join", "noisy"], cache=cache)
    planned = [e for e in seen if isinstance(e, ev.RunPlanned)]
    assert len(planned) == 1
    to_run, storing = planned[0].to_run, planned[0].storing
    assert sorted(to_run) == ["join", "noisy", "right"] and to_run.index("right") < to_run.index("join")
    assert storing == tuple(n for n in to_run if n != "noisy")
    starts = [i for i, e in enumerate(seen) if isinstance(e, ev.NodeStarted)]
    assert starts and seen.index(planned[0]) < min(starts)


def test_a_cancel_heard_with_the_plan_or_as_a_node_starts_stops_before_any_work(graph, stack):
    """A listener's cancel takes effect before the next node's work: on the plan, nothing runs; on a
    node's start, that node does not run (its setup alone may import torch or load a model)."""
    diamond(stack)
    cancel, executor = CancelToken(), Executor()
    executor.events.connect(lambda e: cancel.cancel() if isinstance(e, ev.RunPlanned) else None)
    report = executor.run(graph, ["left"], cancel)
    assert ran() == [] and report.status == "cancelled"
    cancel, executor = CancelToken(), Executor()
    executor.events.connect(lambda e: cancel.cancel() if isinstance(e, ev.NodeStarted) and e.node_id == "left"
                            else None)
    report = executor.run(graph, ["left"], cancel)
    assert ran() == ["src"] and report.results["left"].status == "cancelled"


def test_a_node_cancelled_while_it_runs_leaves_no_cache_entry(graph, stack, cache, monkeypatch):
    add(stack, "test.number", "first", value=7)  # one quick step: no progress() that would notice the cancel
    add(stack, "test.add", "after")
    link(stack, "first", "after")
    cancel = CancelToken()
    executor = Executor(cache)
    real_compute = Number.compute

    def cancel_while_computing(self, ctx, inputs, params):  # the cancel comes mid-run; its outputs still return
        cancel.cancel()
        return real_compute(self, ctx, inputs, params)

    monkeypatch.setattr(Number, "compute", cancel_while_computing)
    report = executor.run(graph, None, cancel)
    assert ran() == ["first"] and report.status == "cancelled"
    assert report.results["first"].status == "cancelled"
    assert cache.keys() == []  # outputs finished after a cancel are not stored...
    again = Executor(cache).run(graph)
    assert again.results["first"].status == "ran"  # ...so the next render makes them, never reads them


class Shot:
    """A stand-in for a shot's frames in memory: the test watches when the executor lets go of it."""

    alive: "weakref.WeakSet[Shot]" = weakref.WeakSet()

    def __init__(self):
        Shot.alive.add(self)


class MakeShot(Recording):
    schema = NodeSchema("test.make_shot", "Make Shot", "Test", outputs=(Port("shot", BLOB),))

    def compute(self, ctx, inputs, params):
        return {"shot": Shot()}


class GradeShot(Recording):
    schema = NodeSchema("test.grade_shot", "Grade Shot", "Test", inputs=(Port("shot", BLOB, multiple=True),),
                        outputs=(Port("shot", BLOB),))

    def compute(self, ctx, inputs, params):
        return {"shot": Shot()}


def shots_alive_as_each_node_starts(stack) -> dict[str, int]:
    """Run the graph (no cache: values live only in the executor's memory); how many Shots were
    still held when each node started."""
    executor = Executor()
    held = {}

    def count(event):
        if isinstance(event, ev.NodeStarted):
            gc.collect()
            held[event.node_id] = len(Shot.alive)

    executor.events.connect(count)
    assert executor.run(stack.graph).status == "finished"
    return held


@pytest.fixture
def shot_stack():
    stack = UndoStack(Graph(Registry((*STUB_TYPES, MakeShot, GradeShot), port_types=(*BUILTIN_PORT_TYPES, BLOB))))
    gc.collect()
    assert len(Shot.alive) == 0
    return stack


def test_a_long_chain_holds_one_upstream_value_at_a_time(shot_stack):
    add(shot_stack, "test.make_shot", "n0")
    for i in range(1, 8):  # a film of eight steps: memory must not grow with its length
        add(shot_stack, "test.grade_shot", f"n{i}")
        link(shot_stack, f"n{i - 1}", f"n{i}", "shot", "shot")
    held = shots_alive_as_each_node_starts(shot_stack)
    assert held == {"n0": 0, **{f"n{i}": 1 for i in range(1, 8)}}  # only the input of the node starting


def test_a_value_read_by_two_nodes_is_kept_until_the_second_has_run(shot_stack):
    add(shot_stack, "test.make_shot", "src")
    for node_id in ("left", "right", "join"):
        add(shot_stack, "test.grade_shot", node_id)
    link(shot_stack, "src", "left", "shot", "shot")
    link(shot_stack, "src", "right", "shot", "shot")
    link(shot_stack, "left", "join", "shot", "shot")
    link(shot_stack, "right", "join", "shot", "shot")
    held = shots_alive_as_each_node_starts(shot_stack)
    # "right" (or "left", whichever runs second) still reads src; "join" reads left and right only.
    assert sorted(held[n] for n in ("left", "right")) == [1, 2] and held["join"] == 2


def test_bad_saved_param_fails_the_node_not_the_render(graph, stack):
    diamond(stack)
    graph.nodes["right"].params["offset"] = "lots"  # as a hand-edited file might hold
    report, _ = run(graph)
    assert report.results["right"].status == "failed" and "whole number" in report.results["right"].message
    assert report.results["left"].status == "ran"
