"""Each node's fate in a render is announced: started then finished, cached, skipped or cancelled.

The editor colours nodes from these events alone, so each test checks which node ids got which event.
"""

from engine import events as ev
from engine.commands import SetParam
from engine.context import CancelToken
from engine.executor import Executor
from tests.engine.builders import add, diamond, link
from tests.engine.stub_nodes import reset_calls

DIAMOND = {"src", "left", "right", "join", "island"}


def render(graph, cache=None, cancel=None, on_event=None):
    """Run the default targets; returns the report and every event, in the order emitted."""
    reset_calls()
    seen = []
    executor = Executor(cache)
    executor.events.connect(seen.append)
    if on_event is not None:
        executor.events.connect(on_event)
    return executor.run(graph, None, cancel), seen


def ids(seen, kind):
    return [e.node_id for e in seen if isinstance(e, kind)]


def test_every_node_that_runs_is_started_before_it_finishes(graph, stack):
    diamond(stack)
    report, seen = render(graph)
    assert sorted(ids(seen, ev.NodeStarted)) == sorted(DIAMOND) == sorted(report.ran)
    assert sorted(ids(seen, ev.NodeFinished)) == sorted(DIAMOND)
    position = {(type(e), e.node_id): i for i, e in enumerate(seen) if hasattr(e, "node_id")}
    for node_id in DIAMOND:
        assert position[(ev.NodeStarted, node_id)] < position[(ev.NodeFinished, node_id)], node_id
    # A node starts only once what it reads has finished.
    for source in ("left", "right"):
        assert position[(ev.NodeFinished, source)] < position[(ev.NodeStarted, "join")]
    run_id = seen[0].run_id
    assert all(e.run_id == run_id for e in seen)
    assert not ids(seen, ev.NodeCached) and not ids(seen, ev.NodeSkipped) and not ids(seen, ev.NodeCancelled)


def test_second_run_announces_the_cached_nodes_and_starts_none(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    _, seen = render(graph, cache)
    assert sorted(ids(seen, ev.NodeCached)) == sorted(DIAMOND)
    assert ids(seen, ev.NodeStarted) == [] and ids(seen, ev.NodeFinished) == []


def test_after_a_change_only_the_untouched_nodes_are_announced_cached(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    stack.push(SetParam("right", "offset", 20))
    _, seen = render(graph, cache)
    assert sorted(ids(seen, ev.NodeCached)) == ["island", "left", "src"]
    assert ids(seen, ev.NodeStarted) == ["right", "join"]
    assert ids(seen, ev.NodeFinished) == ["right", "join"]


def test_cancel_announces_every_node_that_did_not_get_to_finish(graph, stack):
    add(stack, "test.number", "first")
    add(stack, "test.slow", "slow", steps=100000)  # would run for minutes if the cancel were missed
    add(stack, "test.add", "after")
    link(stack, "first", "slow")
    link(stack, "slow", "after")
    cancel = CancelToken()

    def cancel_once_slow_starts(event):
        if isinstance(event, ev.NodeStarted) and event.node_id == "slow":
            cancel.cancel()

    report, seen = render(graph, cancel=cancel, on_event=cancel_once_slow_starts)
    assert report.status == "cancelled"
    assert ids(seen, ev.NodeStarted) == ["first", "slow"]
    assert ids(seen, ev.NodeFinished) == ["first"]
    assert ids(seen, ev.NodeCancelled) == ["slow", "after"]
    assert isinstance(seen[-1], ev.RunFinished) and seen[-1].status == "cancelled"


def test_a_node_whose_consumer_is_cached_is_announced_skipped(graph, stack, cache):
    # The tone's output type has no cache codec, so only the meter's result is stored: on the second
    # run the meter is cached and the tone is not needed at all.
    add(stack, "test.tone", "tone")
    add(stack, "test.listen", "meter")
    link(stack, "tone", "meter", "audio", "audio")
    render(graph, cache)
    _, seen = render(graph, cache)
    assert ids(seen, ev.NodeSkipped) == ["tone"]
    assert ids(seen, ev.NodeCached) == ["meter"]
    assert ids(seen, ev.NodeStarted) == []
