"""Health checks: measure each remediation whose check is due from its own evidence (`verdict.of_checks`), and act
on the verdict: healthy, inconclusive (no evidence within `max_wait`, or past the inconclusive limit), another
measurement (a failure within `failure_limit` re-runs the failed jobs), rejected when a person closed the PR,
else roll back. Reading errors count against `consecutive_error_limit`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cicd_agent.config.settings import HealthConfig
from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.errors import Refused, ends_cycle
from cicd_agent.github.values import PullRef, WorkflowRun
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
from cicd_agent.remediation import comments, reruns, verdict
from cicd_agent.remediation.context import Ports, Report, conclude, record_for, said_before, working_on
from cicd_agent.remediation.explain import failed_job
from cicd_agent.remediation.ownership import authors, others
from cicd_agent.remediation.rejection import closed_unmerged
from cicd_agent.remediation.rollback import rollback
from cicd_agent.remediation.verdict import AWAITING_APPROVAL, FAILED, Check, CheckId, Verdict

JUDGED = (RemState.PR_OPEN, RemState.RERUN_REQUESTED)
UNRELATED = "unrelated_checks"  # the metadata kind of the comment naming them


def process_health_checks(p: Ports, report: Report) -> None:
    for check in p.store.due_health_checks(p.now()):
        if p.stopping():
            return  # a watcher asked to stop: the checks left stay due for the next start
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
    REMEASURE = "remeasure"  # re-run the failed jobs, then measure again
    HEALTHY = "healthy"
    INCONCLUSIVE = "inconclusive"
    RERUN_FAILED = "rerun_failed"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class Limits:
    """Measurements tolerated before the verdict, as Argo Rollouts' analysis counts them."""

    failure: int = 0
    inconclusive: int = 0
    consecutive_errors: int = 4

    @classmethod
    def of(cls, config: HealthConfig) -> Limits:
        return cls(config.failure_limit, config.inconclusive_limit, config.consecutive_error_limit)


def next_step(
    strategy: Strategy,
    outcome: HealthOutcome,
    *,
    now: float,
    deadline: float,
    failures: int = 0,
    inconclusives: int = 0,
    limits: Limits = Limits(),
) -> Next:
    """The measurement's consequence (`failures`, `inconclusives`: the measurements so far, this one included).
    Pending CI is waited for until the deadline, then inconclusive; green is healthy; an inconclusive one is
    measured again within its limit; red is measured again (its failed jobs re-run) within its limit, then a
    rollback for a fix and the next rule for a rerun."""
    if outcome is HealthOutcome.PENDING:
        return Next.WAIT if now < deadline else Next.INCONCLUSIVE
    if outcome is HealthOutcome.SUCCESS:
        return Next.HEALTHY
    if outcome is HealthOutcome.INCONCLUSIVE:
        return Next.WAIT if inconclusives <= limits.inconclusive and now < deadline else Next.INCONCLUSIVE
    if strategy is Strategy.RERUN:
        return Next.RERUN_FAILED
    return Next.REMEASURE if failures <= limits.failure else Next.ROLLBACK


def rerun_outcome(planned_attempt: int, current: WorkflowRun) -> HealthOutcome:
    """A rerun's verdict: pending until a newer attempt than the failed one has completed."""
    if current.attempt <= planned_attempt or current.status != "completed":
        return HealthOutcome.PENDING
    return HealthOutcome.SUCCESS if current.conclusion == "success" else HealthOutcome.FAILURE


def commit_checks(github: GitHubClient, repo: str, sha: str) -> list[Check]:
    """Every job of every finished workflow run on a commit; a run still going stands for its workflow, pending
    (its jobs are not asked for: nothing is judged before its run ends)."""
    checks = []
    for run in github.workflow_runs(repo, head_sha=sha):
        workflow = run.path or run.name
        ran = run.status == "completed" and run.conclusion != AWAITING_APPROVAL  # a held run has no jobs to read
        jobs = github.jobs(repo, run.id) if ran else []
        checks += [Check(workflow, j.name, j.status, j.conclusion, run.id, run.attempt) for j in jobs]
        if not jobs:
            checks.append(Check(workflow, "", run.status, run.conclusion, run.id, run.attempt))
    return checks


def with_targets(p: Ports, rem: Remediation) -> Remediation:
    """A fix recorded without its own evidence (before it was kept, or rebuilt from GitHub): the failed job and
    the commit of its original run, read once and kept."""
    if rem.failed_jobs and rem.base_sha:
        return rem
    run = p.github.workflow_run(rem.repo, rem.run_id)
    job = failed_job(p.github.jobs(rem.repo, rem.run_id))
    return p.store.update_remediation(
        rem.id,
        base_sha=rem.base_sha or run.head_sha,
        failed_workflow=rem.failed_workflow or run.path or run.name,
        failed_jobs=rem.failed_jobs or ((job.name,) if job else ()),
        now=p.now(),
    )


def fix_verdict(p: Ports, rem: Remediation) -> Verdict:
    """The fix's commit judged by the checks that failed originally; its other failures compared with the
    commit it was made on (read only when there are some)."""
    rem = with_targets(p, rem)
    targets = [CheckId(rem.failed_workflow, job) for job in rem.failed_jobs]
    on_fix = commit_checks(p.github, rem.repo, rem.head_sha)
    others_failing = any(c.conclusion in FAILED and c.id not in targets for c in on_fix)
    on_base = commit_checks(p.github, rem.repo, rem.base_sha) if others_failing and rem.base_sha else []
    return verdict.of_checks(targets, on_fix, on_base)


def measure(p: Ports, rem: Remediation) -> tuple[Verdict | None, PullRef | None]:
    """What GitHub says now, and a fix's PR as just read (None for the verdict when the PR was closed
    unmerged: a person's word, or another agent's rollback, comes before any CI)."""
    if rem.strategy is Strategy.RERUN:
        outcome = rerun_outcome(rem.run_attempt, p.github.workflow_run(rem.repo, rem.run_id))
        why = "the rerun passed" if outcome is HealthOutcome.SUCCESS else "the rerun failed again"
        return Verdict(outcome, why), None
    pull = p.github.pull(rem.repo, rem.pr_number)
    if pull.state == "closed" and not pull.merged:
        return None, pull
    return fix_verdict(p, rem), pull


def judge(p: Ports, report: Report, rem: Remediation, check: HealthCheck) -> None:
    """Measure and act on the verdict. The outcome is recorded with the action's end (`conclude`), never before:
    a kill in between leaves the check due, so a later cycle judges again (each action is idempotent)."""
    now = p.now()
    try:
        measured, pull = measure(p, rem)
    except AgentError as exc:
        if ends_cycle(exc):
            raise
        return read_error(p, report, rem, check, exc)
    if measured is None:
        assert pull is not None  # closed unmerged
        return closed_unmerged(p, report, rem, pull)
    # a state rebuilt from GitHub (the Action mode) forgets the count, the run's attempt does not
    failures = check.failures
    if measured.outcome is HealthOutcome.FAILURE:
        failures = max(failures + 1, measured.attempt)
    inconclusives = check.inconclusives + (measured.outcome is HealthOutcome.INCONCLUSIVE)
    step = next_step(
        rem.strategy,
        measured.outcome,
        now=now,
        deadline=check.deadline,
        failures=failures,
        inconclusives=inconclusives,
        limits=Limits.of(p.config.health),
    )

    def save(due_at: float | None = None) -> None:
        p.store.update_health_check(
            rem.id,
            due_at=due_at,
            attempts=check.attempts + 1,
            failures=failures,
            inconclusives=inconclusives,
            errors=0,
            now=now,
        )

    if step in (Next.WAIT, Next.REMEASURE):
        if measured.awaiting_approval:
            awaiting_approval(p, report, rem, measured.reason)
        if step is Next.REMEASURE:
            for run_id in measured.failed_runs:
                p.effects.rerun_failed_jobs(rem.repo, run_id)
            p.echo(f"{rem.repo} #{rem.pr_number}: measuring again ({measured.reason}); failed jobs re-run")
        return save(due_at=now + p.config.health.interval)
    if step is Next.INCONCLUSIVE:
        pending = measured.outcome is HealthOutcome.PENDING
        why = f"no CI verdict within {p.config.health.max_wait:g}s" if pending else measured.reason
        if measured.awaiting_approval:
            why += f": {measured.reason}"
        return inconclusive(p, report, rem, why)
    save()  # the measurements so far; the outcome comes with the action's end
    if step is Next.HEALTHY:
        return healthy(p, report, rem, measured, pull)
    if step is Next.RERUN_FAILED:
        failed = (report, Decided.RERUN_FAILED, "the rerun failed again: the next rule applies")
        conclude(p, rem, RemState.FAILED, outcome=measured.outcome, success=False, decision=failed)
        return
    rollback(p, report, rem, f"the fix's CI failed: {measured.reason}", pull)  # the PR as just read


def read_error(p: Ports, report: Report, rem: Remediation, check: HealthCheck, exc: AgentError) -> None:
    """An error reading the evidence: counted; past `consecutive_error_limit` in a row the check ends
    inconclusive (the agent cannot tell, so it neither keeps the fix as healthy nor rolls it back). Refused
    credentials count nothing: the check waits for them to be fixed."""
    if isinstance(exc, Refused):  # the credentials, not the fix: nothing counted, judged once they are fixed
        p.store.update_health_check(rem.id, due_at=p.now() + p.config.health.interval, now=p.now())
        report.error(p, f"health check of {rem.pr_url or f'remediation {rem.id}'}: {exc}")
        return
    errors = check.errors + 1
    if errors > p.config.health.consecutive_error_limit:
        return inconclusive(p, report, rem, f"{errors} errors in a row reading its CI, the last: {exc}")
    p.store.update_health_check(rem.id, errors=errors, due_at=p.now() + p.config.health.interval, now=p.now())
    report.errors.append(f"health check of remediation {rem.id}: {exc}")


def awaiting_approval(p: Ports, report: Report, rem: Remediation, reason: str) -> None:
    """The fix's runs wait for a person to approve them: said once on the PR (what to do, and which token avoids
    it) and in the decisions; the check keeps waiting, and ends inconclusive with this reason after max_wait."""
    if rem.strategy is not Strategy.FIX or said_before(p, rem, comments.AWAITING_APPROVAL):
        return
    p.effects.comment(rem.repo, rem.pr_number, comments.awaiting_approval_comment(reason, p.config.health.max_wait))
    record_for(p, report, rem, Decided.HEALTH_PENDING, f"{rem.pr_url}: {reason}")


def healthy(p: Ports, report: Report, rem: Remediation, measured: Verdict, pull: PullRef | None) -> None:
    """Each step safe to repeat after a kill: the comment found first, a merged PR not merged again, a label not
    added twice."""
    state, held_back = RemState.HEALTHY, ""
    if rem.strategy is Strategy.FIX:
        if measured.unrelated and not said_before(p, rem, UNRELATED):
            p.effects.comment(rem.repo, rem.pr_number, comments.unrelated_checks_comment(measured.reason, UNRELATED))
        if p.config.policy.auto_merge and not rem.draft:
            held_back = merge_as_judged(p, rem, pull, f"cicd-agent: merge healthy fix #{rem.pr_number}")
            state = RemState.HEALTHY if held_back else RemState.MERGED
        if pull is None or HEALTHY_LABEL not in pull.labels:
            p.effects.add_labels(rem.repo, rem.pr_number, [HEALTHY_LABEL])
    what = f"pull request {rem.pr_url}" if rem.strategy is Strategy.FIX else "the rerun"
    if rem.strategy is Strategy.RERUN:  # failed, then passed on the same commit: the flake ledger counts it
        reruns.record_passed_rerun(p, report, rem)
    decision = (report, Decided(state), f"{what}: {measured.reason}{held_back}")
    conclude(p, rem, state, outcome=HealthOutcome.SUCCESS, success=True, decision=decision)
    p.effects.notify_remediation("fix_healthy", f"{rem.repo} {rem.branch}: {what} is green", rem)


def merge_as_judged(p: Ports, rem: Remediation, pull: PullRef | None, message: str) -> str:
    """Merge the fix as the agent judged it: its own commit, never commits pushed on top of it since (GitHub's
    compare-and-swap on the head). Those are a person's to merge: said once on the PR; returns why it was held
    back ("" once merged, or already merged)."""
    if pull is not None and pull.merged:  # merged already: a kill came before this was recorded
        return ""
    head = pull.head_sha if pull is not None else p.github.pull(rem.repo, rem.pr_number).head_sha
    if head and head != rem.head_sha:
        theirs = others(p.github.compare(rem.repo, rem.head_sha, head).commits, (rem.head_sha,))
        if theirs:
            if not said_before(p, rem, comments.NOT_MERGED):
                p.effects.comment(rem.repo, rem.pr_number, comments.not_merged_comment(rem, theirs))
            return f"; not merged: commits by {authors(theirs)} were pushed to it since, left to them to merge"
    p.effects.merge_pull(rem.repo, rem.pr_number, message, sha=head or rem.head_sha)
    return ""


def inconclusive(p: Ports, report: Report, rem: Remediation, why: str) -> None:
    if rem.strategy is Strategy.FIX:
        p.effects.add_labels(rem.repo, rem.pr_number, [INCONCLUSIVE_LABEL])
    counts = False if p.config.health.inconclusive_counts_as_failure else None
    decision = (report, Decided.INCONCLUSIVE, why)
    conclude(p, rem, RemState.INCONCLUSIVE, outcome=HealthOutcome.INCONCLUSIVE, success=counts, decision=decision)
