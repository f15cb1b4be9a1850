"""Render processes: a job runs in another process, its events come back, the process serves the next job."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time

import pytest

from engine import events as ev
from engine import render_process
from engine.cache_settings import CacheSettings
from engine.models import ModelLocator
from engine.render_process import RenderJob, RenderProcessError, describe_exit
from tests.engine.builders import add, diamond


def job_for(graph, targets=None, cache_dir=None, **kw) -> RenderJob:
    cache = CacheSettings(cache_dir, 1 << 30) if cache_dir is not None else None
    return RenderJob(graph.registry, dict(graph.nodes), dict(graph.links), targets, kw.pop("project_dir", None),
                     cache, **kw)


class Collector:
    """What a job reports, as the editor's reader thread hands it over."""

    def __init__(self):
        self.events, self.done = [], queue.Queue()

    def submit(self, process, job):
        process.submit(job, self.events.append, self.done.put)
        return self

    def result(self, timeout=60):
        return self.done.get(timeout=timeout)

    def of(self, kind):
        return [e for e in self.events if isinstance(e, kind)]


def wait_for(predicate, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def process():
    process = render_process.acquire()
    yield process
    render_process.release(process)


def test_a_job_runs_in_another_process_and_the_next_comes_from_the_shared_cache(process, graph, stack, tmp_path):
    diamond(stack)
    first = Collector().submit(process, job_for(graph, ["join"], tmp_path / "cache"))
    report = first.result()
    assert process.pid != os.getpid()
    assert report.status == "finished" and set(report.ran) == {"src", "left", "right", "join"}
    assert [type(e) for e in first.events][:1] == [ev.RunStarted] and isinstance(first.events[-1], ev.RunFinished)
    assert {e.node_id for e in first.of(ev.NodeFinished)} == {"src", "left", "right", "join"}
    pid = process.pid
    second = Collector().submit(process, job_for(graph, ["join"], tmp_path / "cache"))
    report = second.result()
    assert process.pid == pid  # the same process served both
    assert report.ran == [] and report.results["join"].status == "cached"
    assert "join" in {e.node_id for e in second.of(ev.NodeCached)} and not second.of(ev.NodeFinished)


def test_released_processes_are_handed_out_again():
    first = render_process.acquire()
    render_process.release(first)
    second = render_process.acquire()
    try:
        assert second is first
    finally:
        render_process.release(second)


def test_cancel_stops_the_job_in_the_process(process, graph, stack):
    add(stack, "test.slow", "slow", steps=3000)  # 30 s unless cancelled
    collector = Collector().submit(process, job_for(graph))
    assert wait_for(lambda: collector.of(ev.NodeProgress)), "the slow node never reported progress"
    process.cancel()
    report = collector.result(timeout=10)
    assert report.status == "cancelled" and report.results["slow"].status == "cancelled"
    stack.graph.nodes["slow"].params["steps"] = 2
    again = Collector().submit(process, job_for(graph))  # a cancel is for one job only
    assert again.result().status == "finished"


def test_a_failing_node_and_a_failing_job_are_reported(process, graph, stack):
    add(stack, "test.fail", "bad")
    report = Collector().submit(process, job_for(graph)).result()
    assert report.status == "failed" and "boom" in report.results["bad"].message
    error = Collector().submit(process, job_for(graph, ["no-such-node"])).result()
    assert isinstance(error, RenderProcessError) and "no-such-node" in str(error)


def test_the_job_carries_the_model_folders(process, tmp_path):
    """The process was started before the folder existed, and its environment names none: the job's
    ModelLocator is what the Voice node searches."""
    import shutil

    from app.nodes.voice import Voice
    from engine.audio.tts import BUILTIN_VOICE, find_voices
    from engine.commands import AddNode, UndoStack
    from engine.graph import Graph
    from engine.registry import Registry

    builtin = find_voices(None)[BUILTIN_VOICE]
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    shutil.copy(builtin.model, shelf / "shelf-voice.onnx")
    shutil.copy(builtin.config, shelf / "shelf-voice.onnx.json")
    graph = Graph(Registry((Voice,)))
    UndoStack(graph).push(AddNode("sound.voice", params={"lines": [{"speaker": "", "text": "Hi."}],
                                                          "voice": "shelf-voice"}, node_id="v"))
    report = Collector().submit(process, job_for(graph, models=ModelLocator(tmp_path / "data", [shelf]))).result()
    assert report.status == "finished", report.results["v"].message
    report = Collector().submit(process, job_for(graph, models=ModelLocator(tmp_path / "data"))).result()
    assert report.status == "failed" and "'shelf-voice' is not installed" in report.results["v"].message


def test_a_job_that_cannot_be_pickled_is_refused_and_the_process_stays_usable(process, graph, stack):
    add(stack, "test.number", "n", value=3)
    job = job_for(graph, run_metadata={"callback": lambda: None})
    with pytest.raises(RenderProcessError, match="cannot be handed"):
        process.submit(job, print, print)
    assert not process.busy
    assert Collector().submit(process, job_for(graph)).result().status == "finished"


def test_a_large_job_is_handed_over_without_waiting_for_the_child_to_read_it(process, graph, stack):
    add(stack, "test.number", "n", value=3)
    big = job_for(graph, run_metadata={"project": "x" * (4 << 20)})  # far more than a pipe holds
    os.kill(process.pid, signal.SIGSTOP)  # a child still busy importing: it reads nothing for now
    resume = threading.Timer(3.0, os.kill, (process.pid, signal.SIGCONT))
    resume.start()
    try:
        started = time.monotonic()
        collector = Collector().submit(process, big)
        handed_over = time.monotonic() - started
    finally:
        resume.cancel()
        os.kill(process.pid, signal.SIGCONT)
    assert handed_over < 1.0  # a write to the pipe from the caller would have waited for the child
    assert collector.result().status == "finished"


def test_a_killed_process_fails_its_job_with_the_reason_and_is_not_reused(graph, stack):
    add(stack, "test.slow", "slow", steps=3000)
    process = render_process.acquire()
    collector = Collector().submit(process, job_for(graph))
    assert wait_for(lambda: collector.of(ev.NodeStarted))
    os.kill(process.pid, signal.SIGKILL)
    error = collector.result(timeout=10)
    assert isinstance(error, RenderProcessError) and "SIGKILL" in str(error) and "out of memory" in str(error)
    render_process.release(process)
    replacement = render_process.acquire()
    try:
        assert replacement is not process and replacement.alive
    finally:
        render_process.release(replacement)


def test_exit_descriptions():
    assert describe_exit(1) == "it exited with code 1"
    assert "SIGSEGV" in describe_exit(-signal.SIGSEGV) and "memory" not in describe_exit(-signal.SIGSEGV)
    assert describe_exit(None) == "it stopped answering"
