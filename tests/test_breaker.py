"""Every transition of the breaker's state machine, with the clock passed in."""

from __future__ import annotations

import pytest

from cicd_agent.breaker import (
    Breaker,
    Policy,
    State,
    acquire,
    observe,
    operator_set,
    record_failure,
    record_success,
    release,
)

P = Policy(failure_threshold=3, reset_after=100.0)


def _fail(b: Breaker, now: float, times: int = 1) -> Breaker:
    for _ in range(times):
        b, _ = record_failure(b, P, now, "run")
    return b


def test_closed_opens_after_threshold_consecutive_failures() -> None:
    b = _fail(Breaker(), 10, 2)
    assert (b.state, b.failures) == (State.CLOSED, 2)
    b, transitions = record_failure(b, P, 11, "r/3")
    assert (b.state, b.failures, b.opened_at, b.last_failure_run) == (State.OPEN, 3, 11, "r/3")
    assert [(t.from_state, t.to_state) for t in transitions] == [(State.CLOSED, State.OPEN)]
    assert "3 consecutive" in transitions[0].reason


def test_success_in_closed_resets_the_count() -> None:
    b = _fail(Breaker(), 10, 2)
    b, transitions = record_success(b, P, 11)
    assert (b.state, b.failures, transitions) == (State.CLOSED, 0, [])
    assert _fail(b, 12, 2).state is State.CLOSED  # the count starts again


def test_open_refuses_until_reset_after_then_half_open() -> None:
    b = _fail(Breaker(), 0, 3)
    allowed, reason, b, _ = acquire(b, P, 99.9)
    assert not allowed and "OPEN" in reason
    assert b.half_open_at(P) == 100.0
    seen, transitions = observe(b, P, 100.0)
    assert seen.state is State.HALF_OPEN
    assert [(t.from_state, t.to_state) for t in transitions] == [(State.OPEN, State.HALF_OPEN)]


def test_half_open_permits_exactly_one_trial() -> None:
    b = _fail(Breaker(), 0, 3)
    allowed, _, b, _ = acquire(b, P, 150)
    assert allowed and b.state is State.HALF_OPEN and b.trial_in_flight
    allowed, reason, b, _ = acquire(b, P, 151)
    assert not allowed and "in flight" in reason


def test_half_open_success_closes() -> None:
    b = _fail(Breaker(), 0, 3)
    _, _, b, _ = acquire(b, P, 150)
    b, transitions = record_success(b, P, 160)
    assert (b.state, b.failures, b.opened_at, b.trial_in_flight) == (State.CLOSED, 0, None, False)
    assert transitions[-1].to_state is State.CLOSED


def test_half_open_failure_reopens_with_a_fresh_timer() -> None:
    b = _fail(Breaker(), 0, 3)
    _, _, b, _ = acquire(b, P, 150)
    b, transitions = record_failure(b, P, 160, "r/4")
    assert (b.state, b.opened_at) == (State.OPEN, 160)
    assert transitions[-1].from_state is State.HALF_OPEN
    assert not acquire(b, P, 259)[0]
    assert acquire(b, P, 260)[0]


def test_inconclusive_trial_frees_the_slot_only() -> None:
    b = _fail(Breaker(), 0, 3)
    _, _, b, _ = acquire(b, P, 150)
    b = release(b)
    assert b.state is State.HALF_OPEN and b.failures == 3
    assert acquire(b, P, 151)[0]


def test_forced_open_never_resets_by_itself() -> None:
    b, transitions = operator_set(Breaker(), State.FORCED_OPEN, "hands off")
    assert transitions[0].to_state is State.FORCED_OPEN and transitions[0].reason == "hands off"
    assert not acquire(b, P, 10**9)[0]
    b, _ = record_success(b, P, 10**9)
    assert b.state is State.FORCED_OPEN


def test_disabled_never_opens() -> None:
    b, _ = operator_set(Breaker(), State.DISABLED, "flaky on purpose")
    b = _fail(b, 0, 10)
    assert b.state is State.DISABLED and b.failures == 10
    assert acquire(b, P, 1)[0]


def test_reset_closes_with_count_zero_and_is_recorded_even_when_closed() -> None:
    b = _fail(Breaker(), 0, 3)
    b, transitions = operator_set(b, State.CLOSED, "fixed by hand")
    assert (b.state, b.failures, b.opened_at) == (State.CLOSED, 0, None)
    assert [(t.from_state, t.to_state) for t in transitions] == [(State.OPEN, State.CLOSED)]
    _, again = operator_set(b, State.CLOSED, "again")
    assert [(t.from_state, t.to_state) for t in again] == [(State.CLOSED, State.CLOSED)]


def test_operator_cannot_set_half_open() -> None:
    with pytest.raises(ValueError):
        operator_set(Breaker(), State.HALF_OPEN, "x")


def test_threshold_is_configurable() -> None:
    b, _ = record_failure(Breaker(), Policy(failure_threshold=1), 0)
    assert b.state is State.OPEN
