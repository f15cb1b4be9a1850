"""Runs a stream of independent tasks on a few worker threads and gives their results back in order.

A film's frames are produced in order (readers stream, QA meters accumulate), but the heavy work on
each one often depends on that frame alone: a flow in-between, an export's colour table and Y'CbCr
planes. That work goes to the pool, up to 2 x `workers` tasks ahead of the one being handed on, so
the cores a workstation has are used while memory stays bounded. The numpy, OpenCV and OpenColorIO
calls the tasks make release the GIL, so the threads run at once.

Results come back in the tasks' order whatever order they finish in, so the output is the same bits
as running them one by one. A task's exception is raised where its result would have been.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# More than four workers gained little in the measurements that set this (flow in-betweens on 2 cores:
# 1.8x with two), and each task in flight holds a frame or two.
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))


def ordered_results(tasks: Iterable[Callable[[], T]], workers: int = DEFAULT_WORKERS,
                    name: str = "worker") -> Iterator[T]:
    """Each task's result, in the tasks' order; at most 2 x `workers` tasks are started ahead.

    The tasks are drawn from `tasks` in the calling thread, so whatever produces them (a reader, a
    meter) runs in order there. With one worker the tasks simply run here, one by one. When the
    consumer stops early (the generator is closed), tasks not yet started are cancelled and those
    running finish before this returns; `tasks` is closed then too, in this thread, so a reader behind
    it lets its file go at once.
    """
    source = iter(tasks)
    try:
        if workers <= 1:
            for task in source:
                yield task()
            return
        pending: deque[Future] = deque()
        with ThreadPoolExecutor(workers, thread_name_prefix=name) as pool:
            try:
                for task in source:
                    pending.append(pool.submit(task))
                    while len(pending) > 2 * workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for job in pending:
                    job.cancel()
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
