"""The circuit breaker for one (repo, branch, signature): a pure state machine with the clock passed in.

CLOSED   counts consecutive failed remediations; at `failure_threshold` it opens.
OPEN     refuses remediation until `reset_after` has passed, then reads as HALF_OPEN.
HALF_OPEN permits exactly one trial: its success closes (count reset), its failure opens again with a
         fresh timer.
FORCED_OPEN (tripped by an operator) refuses and never resets by itself; DISABLED never opens.
A success in CLOSED resets the count. Every change of state is returned as a `Transition`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class State(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"
    FORCED_OPEN = "FORCED_OPEN"
    DISABLED = "DISABLED"


OPENED = (State.OPEN, State.FORCED_OPEN)


@dataclass(frozen=True)
class Policy:
    failure_threshold: int = 3
    reset_after: float = 24 * 3600.0


@dataclass(frozen=True)
class Breaker:
    state: State = State.CLOSED
    failures: int = 0
    opened_at: float | None = None
    trial_in_flight: bool = False
    last_failure_run: str = ""

    def half_open_at(self, policy: Policy) -> float | None:
        """When an OPEN breaker will allow its trial (None unless OPEN)."""
        if self.state is State.OPEN and self.opened_at is not None:
            return self.opened_at + policy.reset_after
        return None


@dataclass(frozen=True)
class Transition:
    from_state: State
    to_state: State
    reason: str


Step = tuple[Breaker, list[Transition]]


def _move(breaker: Breaker, to: State, reason: str, transitions: list[Transition], **changes: object) -> Breaker:
    moved = replace(breaker, state=to, **changes)  # type: ignore[arg-type]
    if to is not breaker.state:
        transitions.append(Transition(breaker.state, to, reason))
    return moved


def observe(breaker: Breaker, policy: Policy, now: float) -> Step:
    """The breaker as time has made it: OPEN past `reset_after` becomes HALF_OPEN."""
    transitions: list[Transition] = []
    due = breaker.half_open_at(policy)
    if due is not None and now >= due:
        breaker = _move(
            breaker,
            State.HALF_OPEN,
            f"reset_after ({policy.reset_after:g}s) passed",
            transitions,
            trial_in_flight=False,
        )
    return breaker, transitions


def acquire(breaker: Breaker, policy: Policy, now: float) -> tuple[bool, str, Breaker, list[Transition]]:
    """May a remediation start now? HALF_OPEN lets exactly one through (and marks it in flight)."""
    breaker, transitions = observe(breaker, policy, now)
    if breaker.state in (State.CLOSED, State.DISABLED):
        return True, f"breaker {breaker.state}", breaker, transitions
    if breaker.state is State.HALF_OPEN and not breaker.trial_in_flight:
        return True, "breaker HALF_OPEN: one trial allowed", replace(breaker, trial_in_flight=True), transitions
    if breaker.state is State.HALF_OPEN:
        return False, "breaker HALF_OPEN: its one trial is still in flight", breaker, transitions
    if breaker.state is State.FORCED_OPEN:
        return False, "breaker FORCED_OPEN by an operator", breaker, transitions
    return False, f"breaker OPEN after {breaker.failures} failed remediations", breaker, transitions


def record_failure(breaker: Breaker, policy: Policy, now: float, run: str = "") -> Step:
    breaker, transitions = observe(breaker, policy, now)
    failures = breaker.failures + 1
    common = {"failures": failures, "last_failure_run": run or breaker.last_failure_run, "trial_in_flight": False}
    if breaker.state is State.HALF_OPEN:
        return _move(
            breaker, State.OPEN, "the half-open trial failed", transitions, opened_at=now, **common
        ), transitions
    if breaker.state is State.CLOSED and failures >= policy.failure_threshold:
        reason = f"{failures} consecutive failed remediations (threshold {policy.failure_threshold})"
        return _move(breaker, State.OPEN, reason, transitions, opened_at=now, **common), transitions
    return replace(breaker, **common), transitions  # type: ignore[arg-type]


def record_success(breaker: Breaker, policy: Policy, now: float) -> Step:
    breaker, transitions = observe(breaker, policy, now)
    if breaker.state in (State.HALF_OPEN, State.OPEN):
        reason = "the half-open trial succeeded" if breaker.state is State.HALF_OPEN else "a remediation succeeded"
        closed = _move(breaker, State.CLOSED, reason, transitions, failures=0, opened_at=None, trial_in_flight=False)
        return closed, transitions
    if breaker.state is State.CLOSED:
        return replace(breaker, failures=0, trial_in_flight=False), transitions
    return replace(breaker, trial_in_flight=False), transitions  # FORCED_OPEN and DISABLED stay


def release(breaker: Breaker) -> Breaker:
    """A trial that ended with no verdict (inconclusive): free the half-open slot, count nothing."""
    return replace(breaker, trial_in_flight=False)


def operator_set(breaker: Breaker, to: State, reason: str) -> Step:
    """Operator moves: reset (CLOSED, count 0), trip (FORCED_OPEN), disable (DISABLED), enable (CLOSED)."""
    transitions: list[Transition] = []
    if to is State.CLOSED:
        moved = _move(breaker, to, reason, transitions, failures=0, opened_at=None, trial_in_flight=False)
    elif to is State.FORCED_OPEN:
        moved = _move(breaker, to, reason, transitions, opened_at=breaker.opened_at, trial_in_flight=False)
    elif to is State.DISABLED:
        moved = _move(breaker, to, reason, transitions, trial_in_flight=False)
    else:
        raise ValueError(f"an operator cannot set {to}")
    if not transitions:  # the same state again still leaves a trace in the history
        transitions.append(Transition(breaker.state, to, reason))
    return moved, transitions
