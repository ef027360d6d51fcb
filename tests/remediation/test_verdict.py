"""The verdict on a fix from its own evidence, on plain values: the check it set out to repair must pass; other
failures count against it only when they pass without the fix."""

from __future__ import annotations

import pytest

from cicd_agent.model import HealthOutcome
from cicd_agent.remediation.verdict import Check, CheckId, of_checks

CI = ".github/workflows/ci.yml"
LINT = ".github/workflows/lint.yml"
TARGET = CheckId(CI, "format")


def ok(job: str, workflow: str = CI, run: int = 1) -> Check:
    return Check(workflow, job, "completed", "success", run)


def bad(job: str, workflow: str = CI, run: int = 1, conclusion: str = "failure") -> Check:
    return Check(workflow, job, "completed", conclusion, run)


def running(job: str, workflow: str = CI, run: int = 1) -> Check:
    return Check(workflow, job, "in_progress", None, run)


@pytest.mark.parametrize(
    ("fix", "base", "expected"),
    [
        ([], [], HealthOutcome.PENDING),  # no check has started on the fix yet
        ([ok("format")], [], HealthOutcome.SUCCESS),
        ([running("format")], [], HealthOutcome.PENDING),
        ([bad("format")], [], HealthOutcome.FAILURE),
        ([bad("format", conclusion="timed_out")], [], HealthOutcome.FAILURE),
        ([bad("format", conclusion="cancelled")], [], HealthOutcome.FAILURE),  # how a job past its time ends
        # the case: another check fails on the branch with or without the fix: unrelated, no rollback
        ([ok("format"), bad("test")], [bad("format"), bad("test")], HealthOutcome.SUCCESS),
        ([ok("format"), bad("lint", LINT, run=2)], [bad("format"), bad("lint", LINT)], HealthOutcome.SUCCESS),
        # a check that passes without the fix and fails with it: the fix broke it
        ([ok("format"), bad("test")], [bad("format"), ok("test")], HealthOutcome.FAILURE),
        # the same job name in another workflow is another check
        ([ok("format"), bad("format", LINT, run=2)], [bad("format"), ok("format", LINT)], HealthOutcome.FAILURE),
        # the target passes but another check still runs: it could be a regression, wait
        ([ok("format"), running("test")], [bad("format"), ok("test")], HealthOutcome.PENDING),
        # a failure whose counterpart without the fix still runs: wait to compare
        ([ok("format"), bad("test")], [bad("format"), running("test")], HealthOutcome.PENDING),
        # a failure with nothing to compare against: no evidence either way
        ([ok("format"), bad("e2e", LINT, run=2)], [bad("format")], HealthOutcome.INCONCLUSIVE),
        # the target's workflow has not started yet on the fix: wait
        ([ok("lint", LINT, run=2)], [], HealthOutcome.PENDING),
        # the target's workflow ran to the end without the target job: the evidence will not come
        ([ok("test")], [], HealthOutcome.INCONCLUSIVE),
        # a skipped target proves nothing
        ([Check(CI, "format", "completed", "skipped", 1)], [], HealthOutcome.INCONCLUSIVE),
        # two runs of the target on one commit (push and pull_request): both must pass
        ([ok("format", run=1), bad("format", run=2)], [], HealthOutcome.FAILURE),
        ([ok("format", run=1), running("format", run=2)], [], HealthOutcome.PENDING),
    ],
)
def test_verdict(fix: list[Check], base: list[Check], expected: HealthOutcome) -> None:
    assert of_checks([TARGET], fix, base).outcome is expected


def test_unrelated_and_regressions_are_named() -> None:
    healthy = of_checks([TARGET], [ok("format"), bad("test", run=3)], [bad("format"), bad("test")])
    assert healthy.unrelated == (CheckId(CI, "test"),) and healthy.regressions == ()
    assert "`.github/workflows/ci.yml / format` passing" in healthy.reason and "unrelated" in healthy.reason
    broken = of_checks([TARGET], [ok("format", run=4), bad("test", run=5)], [bad("format"), ok("test")])
    assert broken.regressions == (CheckId(CI, "test"),)
    assert broken.failed_runs == (5,)  # the runs a new measurement re-runs


def test_without_targets_every_check_counts() -> None:
    assert of_checks([], [ok("format"), bad("test")], [bad("test")]).outcome is HealthOutcome.FAILURE
    assert of_checks([], [ok("format"), ok("test")], []).outcome is HealthOutcome.SUCCESS


def test_a_failure_on_a_later_attempt_says_how_many_were_made() -> None:
    """A rebuilt state forgets how many failed measurements it made; the re-run attempt remembers."""
    again = Check(CI, "format", "completed", "failure", run_id=7, attempt=2)
    measured = of_checks([TARGET], [again, ok("lint", LINT, run=8)], [])
    assert (measured.outcome, measured.attempt, measured.failed_runs) == (HealthOutcome.FAILURE, 2, (7,))
