"""The polling pool on plain values and real threads: its bound, its order, stopping, slowing down."""

from __future__ import annotations

import threading

import pytest

from cicd_agent.github.pool import Pool, Skipped, regrown, shrunk


@pytest.mark.parametrize(("size", "after"), [(8, 4), (5, 2), (2, 1), (1, 1)])
def test_a_secondary_limit_halves_the_size(size: int, after: int) -> None:
    assert shrunk(size) == after


def test_the_size_grows_back_one_a_round_without_a_limit() -> None:
    assert regrown(2, 8, limited=False) == 3
    assert regrown(2, 8, limited=True) == 2
    assert regrown(8, 8, limited=False) == 8


class Counter:
    """Counts calls in flight (the most at once), and can hold them until `size` are in."""

    def __init__(self, pool: Pool, hold: int = 0) -> None:
        self.pool = pool
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(hold, timeout=30) if hold else None

    def __call__(self, item: int) -> int:
        with self.pool.slot():
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            if self.barrier is not None and item < self.barrier.parties:
                self.barrier.wait()  # breaks (and fails the test) unless `parties` calls are in flight at once
            with self.lock:
                self.now -= 1
        return item * 10


def test_calls_run_at_most_size_at_once_and_results_keep_their_order() -> None:
    pool = Pool(4)
    count = Counter(pool, hold=4)
    assert pool.run(list(range(40)), count) == [i * 10 for i in range(40)]
    assert count.most == 4


def test_after_slowing_down_fewer_calls_are_in_flight() -> None:
    pool = Pool(8)
    pool.slow_down()
    count = Counter(pool)
    pool.run(list(range(50)), count)
    assert count.most <= 4
    assert (pool.size, pool.limited) == (5, False)  # this round met no limit: one more for the next


def test_a_limit_met_during_a_round_keeps_the_smaller_size() -> None:
    pool = Pool(8)

    def call(item: int) -> int:
        if item == 3:
            pool.slow_down()
        return item

    pool.run(list(range(10)), call)
    assert (pool.size, pool.limited) == (4, True)
    pool.run(list(range(10)), lambda item: item)
    assert pool.size == 5  # one more after a round without a limit


def test_a_stopping_result_skips_the_calls_not_yet_started() -> None:
    pool = Pool(1)  # one at a time: everything after the outage is skipped
    seen: list[int] = []

    def call(item: int) -> int:
        seen.append(item)
        if item == 2:
            raise ConnectionError("down")
        return item

    results = pool.run(list(range(6)), call, stop=lambda result: isinstance(result, ConnectionError))
    assert results[:2] == [0, 1] and isinstance(results[2], ConnectionError)
    assert all(isinstance(r, Skipped) for r in results[3:]) and seen == [0, 1, 2]
