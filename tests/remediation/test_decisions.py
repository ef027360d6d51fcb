"""The loop's decisions on plain values: the gate before the breaker, a health check's consequence, a rerun's
verdict, and what crash recovery does with what GitHub holds."""

from __future__ import annotations

import pytest

from cicd_agent.github.values import PullRef, WorkflowRun
from cicd_agent.model import (
    HEALTHY_LABEL,
    INCONCLUSIVE_LABEL,
    ROLLED_BACK_LABEL,
    Decided,
    HealthOutcome,
    Incident,
    RemState,
    Strategy,
    settles,
)
from cicd_agent.modes.action_state import pull_state
from cicd_agent.remediation.decide import gate
from cicd_agent.remediation.health_check import Limits, Next, next_step, rerun_outcome
from cicd_agent.remediation.poll import window_start
from cicd_agent.remediation.reconcile import Found, Recovery, recovery


@pytest.mark.parametrize(
    ("failed", "in_flight", "expected"),
    [
        (False, True, Decided.NO_FAILURE_FOUND),  # nothing failed: nothing else matters
        (True, True, Decided.IN_FLIGHT),
        (True, False, None),  # go on to the breaker (a pause holds the writes, it does not change the decision)
    ],
)
def test_gate(failed: bool, in_flight: bool, expected: Decided | None) -> None:
    stop = gate(failed=failed, in_flight=in_flight)
    assert (stop[0] if stop else None) == expected


STORM = Incident("sig", "network", 0.0, 0.0, ("o/a", "o/b"), issue_url="https://example.invalid/o/i/issues/1")


@pytest.mark.parametrize(
    ("in_flight", "expected"),
    [
        (True, Decided.STORM),  # a storm beats the repository's own fix in flight: nothing new per repo
        (False, Decided.STORM),
    ],
)
def test_gate_in_a_storm(in_flight: bool, expected: Decided) -> None:
    stop = gate(failed=True, in_flight=in_flight, storm=STORM)
    assert stop is not None and stop[0] == expected
    if expected is Decided.STORM:
        assert "2 repositories" in stop[1] and STORM.issue_url in stop[1]


@pytest.mark.parametrize(
    ("strategy", "outcome", "now", "expected"),
    [
        (Strategy.FIX, HealthOutcome.PENDING, 10.0, Next.WAIT),
        (Strategy.FIX, HealthOutcome.PENDING, 100.0, Next.INCONCLUSIVE),  # the deadline passed
        (Strategy.FIX, HealthOutcome.SUCCESS, 100.0, Next.HEALTHY),  # a late green still counts
        (Strategy.FIX, HealthOutcome.FAILURE, 10.0, Next.ROLLBACK),
        (Strategy.FIX, HealthOutcome.INCONCLUSIVE, 10.0, Next.INCONCLUSIVE),  # no evidence is coming
        (Strategy.RERUN, HealthOutcome.FAILURE, 10.0, Next.RERUN_FAILED),  # nothing to roll back
        (Strategy.RERUN, HealthOutcome.SUCCESS, 10.0, Next.HEALTHY),
    ],
)
def test_next_step(strategy: Strategy, outcome: HealthOutcome, now: float, expected: Next) -> None:
    counts = {
        "failures": int(outcome is HealthOutcome.FAILURE),
        "inconclusives": int(outcome is HealthOutcome.INCONCLUSIVE),
    }
    assert next_step(strategy, outcome, now=now, deadline=100.0, **counts) is expected


@pytest.mark.parametrize(
    ("outcome", "failures", "inconclusives", "now", "expected"),
    [
        (HealthOutcome.FAILURE, 1, 0, 10.0, Next.REMEASURE),  # within failure_limit 1: re-run the failed jobs
        (HealthOutcome.FAILURE, 2, 0, 10.0, Next.ROLLBACK),  # past it
        (HealthOutcome.INCONCLUSIVE, 0, 2, 10.0, Next.WAIT),  # within inconclusive_limit 2: measure again
        (HealthOutcome.INCONCLUSIVE, 0, 3, 10.0, Next.INCONCLUSIVE),
        (HealthOutcome.INCONCLUSIVE, 0, 1, 100.0, Next.INCONCLUSIVE),  # past the deadline, no more measuring
        (HealthOutcome.SUCCESS, 1, 2, 10.0, Next.HEALTHY),  # green after a failed measurement is healthy
    ],
)
def test_next_step_within_the_limits(
    outcome: HealthOutcome, failures: int, inconclusives: int, now: float, expected: Next
) -> None:
    limits = Limits(failure=1, inconclusive=2)
    step = next_step(
        Strategy.FIX, outcome, now=now, deadline=100.0, failures=failures, inconclusives=inconclusives, limits=limits
    )
    assert step is expected


def _run(attempt: int, status: str, conclusion: str | None) -> WorkflowRun:
    return WorkflowRun("o/r", 7, attempt, "CI", 1, "main", "a" * 40, "push", status, conclusion, "", "")


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (_run(1, "completed", "failure"), HealthOutcome.PENDING),  # the rerun has not started yet
        (_run(2, "in_progress", None), HealthOutcome.PENDING),
        (_run(2, "completed", "success"), HealthOutcome.SUCCESS),
        (_run(2, "completed", "failure"), HealthOutcome.FAILURE),
        (_run(3, "completed", "cancelled"), HealthOutcome.FAILURE),
    ],
)
def test_rerun_outcome(current: WorkflowRun, expected: HealthOutcome) -> None:
    assert rerun_outcome(1, current) is expected


PULL = PullRef(3, "https://github.example/o/r/pull/3")


@pytest.mark.parametrize(
    ("strategy", "found", "expected"),
    [
        (Strategy.FIX, Found(pull=PULL), Recovery.ADOPT_PULL),
        (Strategy.FIX, Found(branch_head="b" * 40), Recovery.OPEN_PULL),
        (Strategy.FIX, Found(), Recovery.ABANDON),
        (Strategy.FIX, Found(issue=PULL), Recovery.ABANDON),  # an issue is not a fix's trace
        (Strategy.REPORT, Found(issue=PULL), Recovery.ADOPT_ISSUE),
        (Strategy.REPORT, Found(), Recovery.ABANDON),
        (Strategy.RERUN, Found(rerun_started=True), Recovery.ADOPT_RERUN),
        (Strategy.RERUN, Found(), Recovery.ABANDON),
    ],
)
def test_recovery(strategy: Strategy, found: Found, expected: Recovery) -> None:
    assert recovery(strategy, found) is expected


@pytest.mark.parametrize(
    ("pull", "expected"),
    [
        (PullRef(3, "", state="open"), (RemState.PR_OPEN, ())),
        (PullRef(3, "", state="open", labels=(HEALTHY_LABEL,)), (RemState.HEALTHY, ())),  # not open any more
        (PullRef(3, "", state="open", labels=(INCONCLUSIVE_LABEL,)), (RemState.INCONCLUSIVE, ())),
        (PullRef(3, "", state="open", labels=(ROLLED_BACK_LABEL,)), (RemState.ROLLBACK_PARTIAL, ("label",))),
        (PullRef(3, "", state="closed", labels=(ROLLED_BACK_LABEL,)), (RemState.ROLLED_BACK, ())),
        (PullRef(3, "", state="closed", merged=True), (RemState.HEALTHY, ())),
        (PullRef(3, "", state="closed"), (RemState.REJECTED, ())),
        (PullRef(3, "", state="closed", labels=(HEALTHY_LABEL,)), (RemState.REJECTED, ())),  # closed after healthy
    ],
)
def test_pull_state_in_action_mode(pull: PullRef, expected: tuple[RemState, tuple[str, ...]]) -> None:
    assert pull_state(pull) == expected


def test_the_polling_window_starts_at_the_start_of_a_day() -> None:
    day, start = window_start(1_700_000_000.0, 7 * 86400)  # 2023-11-14T22:13:20Z
    assert (day, start) == ("2023-11-07", 1_699_315_200.0)
    assert window_start(start, 0) == (day, start)


@pytest.mark.parametrize(
    ("decision", "settled"),
    [
        (Decided.FIX_OPENED, True),
        (Decided.IN_FLIGHT, True),
        (Decided.GAVE_UP, True),
        (Decided.CANNOT_FIX, False),  # the next rule decides
        (Decided.POLICY_REFUSED, False),
        (Decided.DEFERRED, False),  # handled again later
        (Decided.ABANDONED, False),
    ],
)
def test_which_decisions_settle_a_failure(decision: Decided, settled: bool) -> None:
    assert settles(decision) is settled
