"""The catch-up sweep's schedule on an injected clock: each repository once per interval, at its own moment,
spread evenly, so the request rate is flat; rounds follow each other without drifting."""

from __future__ import annotations

import math

import pytest

from cicd_agent.remediation.sweep import Round, due, next_round

REPOS = tuple(f"org/r{i}" for i in range(10))


def _batches(current: Round, times: list[float]) -> list[list[str]]:
    out = []
    for now in times:
        batch, current = due(current, now)
        out.append(batch)
    return out


def test_repositories_are_spread_evenly_over_the_interval() -> None:
    start = Round(1000.0, 100.0, REPOS)
    assert [start.slot(i) for i in range(10)] == [1000.0 + 10 * i for i in range(10)]
    assert _batches(start, [1000.0, 1009.99, 1010.0, 1035.0, 1099.0]) == [
        ["org/r0"],
        [],
        ["org/r1"],
        ["org/r2", "org/r3"],  # a late tick catches up what came due meanwhile, nothing more
        ["org/r4", "org/r5", "org/r6", "org/r7", "org/r8", "org/r9"],
    ]


@pytest.mark.parametrize(("count", "interval"), [(10, 100.0), (7, 300.0), (1000, 300.0), (3, 3600.0)])
def test_the_request_rate_is_flat(count: int, interval: float) -> None:
    """Ticking every second, no window of interval/count seconds polls more than one repository (+1 at an
    edge), and every repository is polled exactly once per round."""
    repos = tuple(f"o/{i}" for i in range(count))
    current = Round(0.0, interval, repos)
    polled: list[tuple[float, str]] = []
    for second in range(int(interval) + 1):
        batch, current = due(current, float(second))
        polled += [(float(second), name) for name in batch]
    assert sorted(name for _, name in polled) == sorted(repos)
    window = max(interval / count, 1.0)
    per_window = [sum(1 for at, _ in polled if w <= at < w + window) for w in [k * window for k in range(count)]]
    assert max(per_window) <= math.ceil(count * window / interval) + 1


def test_a_round_follows_the_last_without_drift_and_picks_up_a_new_list() -> None:
    first = Round(0.0, 100.0, REPOS)
    assert next_round(first, ["a/b"], 50.0, 100.0) is None  # still running
    _, finished = due(first, 99.0)
    assert next_round(finished, ["a/b"], 99.5, 100.0) is None  # everything polled, but its interval runs
    second = next_round(finished, ["a/b", "a/c"], 100.7, 100.0)
    assert second == Round(100.0, 100.0, ("a/b", "a/c"))  # starts where the first ended
    assert due(second, 100.7)[0] == ["a/b"]


def test_after_a_long_hold_up_the_next_round_starts_now() -> None:
    _, finished = due(Round(0.0, 100.0, REPOS), 100.0)
    assert next_round(finished, REPOS, 450.0, 100.0) == Round(450.0, 100.0, REPOS)
    assert next_round(None, REPOS, 7.0, 100.0) == Round(7.0, 100.0, REPOS)


def test_an_empty_fleet_waits_a_whole_interval() -> None:
    empty = Round(0.0, 60.0, ())
    assert due(empty, 30.0) == ([], empty) and empty.finished
    assert next_round(empty, ["a/b"], 30.0, 60.0) is None
    assert next_round(empty, ["a/b"], 60.0, 60.0) == Round(60.0, 60.0, ("a/b",))
