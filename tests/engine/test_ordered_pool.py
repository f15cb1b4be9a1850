"""engine.media.ordered_pool: tasks on a few threads, results in the tasks' order, memory bounded."""

import threading
import time

import pytest

from engine.media.ordered_pool import ordered_results


def test_results_come_back_in_the_tasks_order_whatever_order_they_finish_in():
    def task(index):
        def run():
            time.sleep(0.002 * (20 - index))  # the later the task, the sooner it finishes
            return index
        return run

    assert list(ordered_results((task(i) for i in range(20)), workers=3)) == list(range(20))


def test_no_more_than_twice_the_workers_are_started_ahead_of_the_result_handed_on():
    started = []

    def task(index):
        def run():
            started.append(index)
            return index
        return run

    results = ordered_results((task(i) for i in range(50)), workers=2)
    for expected in range(10):
        assert next(results) == expected
        time.sleep(0.01)  # let the pool start whatever it may
        assert len(started) <= expected + 1 + 2 * 2
    results.close()


def test_a_tasks_error_is_raised_in_its_place_after_the_results_before_it():
    def task(index):
        def run():
            if index == 5:
                raise ValueError("frame 5 is damaged")
            return index
        return run

    results = ordered_results((task(i) for i in range(10)), workers=3)
    assert [next(results) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="frame 5 is damaged"):
        next(results)


def test_a_consumer_that_stops_early_cancels_the_rest_and_closes_the_source_in_its_own_thread():
    ran, closed_in = [], []

    def source():
        try:
            for index in range(100):
                yield lambda index=index: ran.append(index) or index
        finally:
            closed_in.append(threading.current_thread())

    results = ordered_results(source(), workers=2)
    assert next(results) == 0
    results.close()
    assert closed_in == [threading.current_thread()]
    time.sleep(0.05)
    assert len(ran) <= 1 + 2 * 2 + 2  # the window, and at most one task per worker already running


def test_one_worker_runs_each_task_in_the_calling_thread():
    threads = list(ordered_results((lambda: threading.current_thread() for _ in range(3)), workers=1))
    assert threads == [threading.current_thread()] * 3
