"""Health checks: read the real CI result of each remediation whose check is due, and act on the verdict
(healthy, inconclusive after `max_wait`, rejected when a person closed the PR, else roll back)."""

from __future__ import annotations

from enum import StrEnum

from cicd_agent import health
from cicd_agent.breaker import State
from cicd_agent.errors import AgentError
from cicd_agent.github import PullRef, WorkflowRun, ends_cycle
from cicd_agent.model import (
    HEALTHY_LABEL,
    INCONCLUSIVE_LABEL,
    ROLLED_BACK_LABEL,
    UNFINISHED_ROLLBACK,
    Decided,
    HealthCheck,
    HealthOutcome,
    Remediation,
    RemState,
    Strategy,
)
from cicd_agent.remediation.context import Ports, Report, conclude, working_on
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
        with working_on(p, rem, JUDGED) as current:
            fresh = p.store.health_check(rem.id)
            if current is None or fresh is None or fresh.outcome is not None or fresh.due_at > p.now():
                continue  # another cycle holds it, or judged it meanwhile
            try:
                judge(p, report, current, fresh)
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
    REJECTED = "rejected"


def next_step(strategy: Strategy, outcome: HealthOutcome, *, now: float, deadline: float) -> Next:
    """The verdict's consequence: wait for CI until the deadline, then inconclusive; green is healthy; red is
    a rollback for a fix, and the next rule for a rerun; a PR a person closed is a rejection."""
    if outcome is HealthOutcome.REJECTED:
        return Next.REJECTED
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


def pull_outcome(pull: PullRef) -> HealthOutcome | None:
    """What the fix's PR itself says (None: ask its CI). Closed unmerged is a person's rejection, unless it carries
    the rolled-back label: then an agent (another one, not sharing this state) rolled it back."""
    if pull.state != "closed" or pull.merged:
        return None
    return HealthOutcome.FAILURE if ROLLED_BACK_LABEL in pull.labels else HealthOutcome.REJECTED


def outcome_of(p: Ports, rem: Remediation) -> tuple[HealthOutcome, PullRef | None]:
    """The verdict GitHub gives now, and the fix's PR as it is now (None for a rerun)."""
    if rem.strategy is Strategy.RERUN:
        return rerun_outcome(rem.run_attempt, p.github.workflow_run(rem.repo, rem.run_id)), None
    pull = p.github.pull(rem.repo, rem.pr_number)
    said = pull_outcome(pull)
    return said or health.verdict(p.github.check_conclusions(rem.repo, rem.head_sha)), pull


def judge(p: Ports, report: Report, rem: Remediation, check: HealthCheck) -> None:
    """Read the verdict and act on it. Nothing is recorded before the action: a kill in between leaves the check
    due, so the next cycle judges again (each action is idempotent)."""
    now = p.now()
    outcome, pull = outcome_of(p, rem)
    step = next_step(rem.strategy, outcome, now=now, deadline=check.deadline)
    if step is Next.WAIT:
        p.store.update_health_check(rem.id, due_at=now + p.config.health.interval, attempts=check.attempts + 1, now=now)
        return
    if step is Next.REJECTED and pull is not None:
        return rejected(p, report, rem, pull)
    if step is Next.INCONCLUSIVE:
        return inconclusive(p, report, rem, pull)
    if step is Next.HEALTHY:
        return healthy(p, report, rem, pull)
    if step is Next.RERUN_FAILED:
        why = (report, Decided.RERUN_FAILED, "the rerun failed again: the next rule applies")
        conclude(p, rem, RemState.FAILED, outcome=outcome, success=False, decision=why)
        return
    rollback(p, report, rem, "the fix's CI failed", pull)  # the PR as just read: not fetched again


def add_label(p: Ports, rem: Remediation, pull: PullRef | None, label: str) -> None:
    if pull is not None and label not in pull.labels:
        p.effects.add_labels(rem.repo, rem.pr_number, [label])


def healthy(p: Ports, report: Report, rem: Remediation, pull: PullRef | None) -> None:
    state = RemState.HEALTHY
    if rem.strategy is Strategy.FIX:
        if p.config.policy.auto_merge and not rem.draft:
            if pull is None or not pull.merged:  # merged already: a kill came before this was recorded
                p.effects.merge_pull(rem.repo, rem.pr_number, f"cicd-agent: merge healthy fix #{rem.pr_number}")
            state = RemState.MERGED
        add_label(p, rem, pull, HEALTHY_LABEL)
    what = f"pull request {rem.pr_url}" if rem.strategy is Strategy.FIX else "the rerun"
    decision = (report, Decided(state), f"{what}: CI is green")
    conclude(p, rem, state, outcome=HealthOutcome.SUCCESS, success=True, decision=decision)
    p.effects.notify("fix_healthy", f"{rem.repo} {rem.branch}: {what} is green")


def inconclusive(p: Ports, report: Report, rem: Remediation, pull: PullRef | None) -> None:
    if rem.strategy is Strategy.FIX:
        add_label(p, rem, pull, INCONCLUSIVE_LABEL)
    counts = False if p.config.health.inconclusive_counts_as_failure else None
    decision = (report, Decided.INCONCLUSIVE, f"no CI verdict within {p.config.health.max_wait:g}s")
    conclude(p, rem, RemState.INCONCLUSIVE, outcome=HealthOutcome.INCONCLUSIVE, success=counts, decision=decision)


def rejected(p: Ports, report: Report, rem: Remediation, pull: PullRef) -> None:
    """A human closed the PR without merging: a failure for the breaker, and no new PR for this key."""
    decision = (report, Decided.REJECTED, f"{pull.html_url} was closed by a human")
    with p.store.transaction():
        conclude(p, rem, RemState.REJECTED, outcome=HealthOutcome.REJECTED, success=False, decision=decision)
        p.breakers.operator_move(
            [rem.key],
            State.FORCED_OPEN,
            reason=f"pull request #{pull.number} was closed without merging: waiting for a reset",
            who="agent",
            now=p.now(),
        )
