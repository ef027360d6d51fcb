"""Health checks: read the real CI result of each remediation whose check is due, and act on the verdict
(healthy, inconclusive after `max_wait`, rejected when a person closed the PR, else roll back)."""

from __future__ import annotations

from enum import StrEnum

from cicd_agent import health
from cicd_agent.errors import AgentError
from cicd_agent.github import PullRef, WorkflowRun, ends_cycle
from cicd_agent.model import (
    HEALTHY_LABEL,
    INCONCLUSIVE_LABEL,
    UNFINISHED_ROLLBACK,
    Decided,
    HealthCheck,
    HealthOutcome,
    Remediation,
    RemState,
    Strategy,
)
from cicd_agent.remediation.context import Ports, Report, count_outcome, record_for
from cicd_agent.remediation.rollback import rollback

JUDGED = (RemState.PR_OPEN, RemState.RERUN_REQUESTED)


def process_health_checks(p: Ports, report: Report) -> None:
    for check in p.store.due_health_checks(p.now()):
        rem = p.store.remediation(check.remediation_id)
        if rem is not None and rem.state in UNFINISHED_ROLLBACK:
            continue  # rollback.retry_unfinished finishes those
        if rem is None or rem.state not in JUDGED:
            p.store.update_health_check(check.remediation_id, outcome=HealthOutcome.CANCELLED, now=p.now())
            continue
        try:
            judge(p, report, rem, check)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.error(p, f"health check of remediation {rem.id}: {exc}")


class Next(StrEnum):
    """What a health check leads to."""

    WAIT = "wait"
    HEALTHY = "healthy"
    INCONCLUSIVE = "inconclusive"
    RERUN_FAILED = "rerun_failed"
    ROLLBACK = "rollback"


def next_step(strategy: Strategy, outcome: HealthOutcome, *, now: float, deadline: float) -> Next:
    """The verdict's consequence: wait for CI until the deadline, then inconclusive; green is healthy; red is
    a rollback for a fix, and the next rule for a rerun."""
    if outcome is HealthOutcome.PENDING:
        return Next.WAIT if now < deadline else Next.INCONCLUSIVE
    if outcome is HealthOutcome.SUCCESS:
        return Next.HEALTHY
    return Next.RERUN_FAILED if strategy is Strategy.RERUN else Next.ROLLBACK


def rerun_outcome(planned_attempt: int, current: WorkflowRun) -> HealthOutcome:
    """A rerun's verdict: pending until a newer attempt than the failed one has completed."""
    if current.attempt <= planned_attempt or current.status != "completed":
        return HealthOutcome.PENDING
    return HealthOutcome.SUCCESS if current.conclusion == "success" else HealthOutcome.FAILURE


def outcome_of(p: Ports, rem: Remediation) -> HealthOutcome:
    """The verdict GitHub gives now: a rerun's new attempt, or the checks on a fix's commit."""
    if rem.strategy is Strategy.RERUN:
        return rerun_outcome(rem.run_attempt, p.github.workflow_run(rem.repo, rem.run_id))
    return health.verdict(p.github.check_conclusions(rem.repo, rem.head_sha))


def judge(p: Ports, report: Report, rem: Remediation, check: HealthCheck) -> None:
    now = p.now()
    pull = p.github.pull(rem.repo, rem.pr_number) if rem.strategy is Strategy.FIX else None
    if pull is not None and pull.state == "closed" and not pull.merged:
        return rejected(p, report, rem, pull)
    outcome = outcome_of(p, rem)
    step = next_step(rem.strategy, outcome, now=now, deadline=check.deadline)
    if step is Next.WAIT:
        p.store.update_health_check(rem.id, due_at=now + p.config.health.interval, attempts=check.attempts + 1, now=now)
        return
    if step is Next.INCONCLUSIVE:
        return inconclusive(p, report, rem)
    p.store.update_health_check(rem.id, outcome=outcome, attempts=check.attempts + 1, now=now)
    if step is Next.HEALTHY:
        return healthy(p, report, rem)
    if step is Next.RERUN_FAILED:
        failed = p.store.update_remediation(rem.id, state=RemState.FAILED, now=now)
        count_outcome(p, failed, False)
        record_for(p, report, rem, Decided.RERUN_FAILED, "the rerun failed again: the next rule applies")
        return
    rollback(p, report, rem, "the fix's CI failed", pull)  # the PR as just read: not fetched again


def healthy(p: Ports, report: Report, rem: Remediation) -> None:
    state = RemState.HEALTHY
    if rem.strategy is Strategy.FIX:
        if p.config.policy.auto_merge and not rem.draft:
            p.effects.merge_pull(rem.repo, rem.pr_number, f"cicd-agent: merge healthy fix #{rem.pr_number}")
            state = RemState.MERGED
        p.effects.add_labels(rem.repo, rem.pr_number, [HEALTHY_LABEL])
    done = p.store.update_remediation(rem.id, state=state, now=p.now())
    count_outcome(p, done, True)
    what = f"pull request {rem.pr_url}" if rem.strategy is Strategy.FIX else "the rerun"
    p.effects.notify_remediation("fix_healthy", f"{rem.repo} {rem.branch}: {what} is green", rem)
    record_for(p, report, rem, Decided(state), f"{what}: CI is green")


def inconclusive(p: Ports, report: Report, rem: Remediation) -> None:
    now = p.now()
    p.store.update_health_check(rem.id, outcome=HealthOutcome.INCONCLUSIVE, now=now)
    done = p.store.update_remediation(rem.id, state=RemState.INCONCLUSIVE, now=now)
    if rem.strategy is Strategy.FIX:
        p.effects.add_labels(rem.repo, rem.pr_number, [INCONCLUSIVE_LABEL])
    count_outcome(p, done, False if p.config.health.inconclusive_counts_as_failure else None)
    record_for(p, report, rem, Decided.INCONCLUSIVE, f"no CI verdict within {p.config.health.max_wait:g}s")


def rejected(p: Ports, report: Report, rem: Remediation, pull: PullRef) -> None:
    """A human closed the PR without merging: a failure for the breaker, and no new PR for this key."""
    now = p.now()
    p.store.update_health_check(rem.id, outcome=HealthOutcome.REJECTED, now=now)
    p.store.update_remediation(rem.id, state=RemState.REJECTED, now=now)
    p.breakers.reject(
        rem.key,
        now=now,
        remediation_id=rem.id,
        run=rem.run.label,
        reason=f"pull request #{pull.number} was closed without merging: waiting for a reset",
    )
    record_for(p, report, rem, Decided.REJECTED, f"{pull.html_url} was closed by a human")
