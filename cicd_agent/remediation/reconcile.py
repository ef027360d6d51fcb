"""Crash recovery: remediations a killed cycle left half-way (planned or pushed). GitHub is asked what
reached it (the fix branch and its PR, the report issue, the new run attempt): that is adopted; what did
not reach it is abandoned, and its failure given back to be handled again."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.github import PullRef, ends_cycle
from cicd_agent.model import Decided, Remediation, RemState, Strategy
from cicd_agent.remediation.context import Ports, Report, count_outcome, record_for, schedule_health_check
from cicd_agent.remediation.fix import open_pull
from cicd_agent.remediation.report import existing_report

INTERRUPTED = (RemState.PLANNED, RemState.PUSHED)


class Recovery(StrEnum):
    ADOPT_PULL = "adopt_pull"  # the PR was opened: judge it
    OPEN_PULL = "open_pull"  # the branch was pushed, its PR not opened: open it now
    ADOPT_ISSUE = "adopt_issue"
    ADOPT_RERUN = "adopt_rerun"  # the rerun started: judge its new attempt
    ABANDON = "abandon"  # nothing reached GitHub: handle the failure again


@dataclass(frozen=True)
class Found:
    """What GitHub holds of an interrupted remediation."""

    pull: PullRef | None = None
    branch_head: str | None = None
    issue: PullRef | None = None
    rerun_started: bool = False


def recovery(strategy: Strategy, found: Found) -> Recovery:
    if strategy is Strategy.FIX:
        if found.pull is not None:
            return Recovery.ADOPT_PULL
        return Recovery.OPEN_PULL if found.branch_head is not None else Recovery.ABANDON
    if strategy is Strategy.REPORT:
        return Recovery.ADOPT_ISSUE if found.issue is not None else Recovery.ABANDON
    if strategy is Strategy.RERUN:
        return Recovery.ADOPT_RERUN if found.rerun_started else Recovery.ABANDON
    return Recovery.ABANDON


def look(p: Ports, rem: Remediation) -> Found:
    """Ask GitHub only what this strategy can have left behind (a PR first: then its branch needs no look)."""
    if rem.strategy is Strategy.FIX:
        pulls = p.github.pulls(rem.repo, head=rem.fix_branch, state="open")
        if pulls:
            return Found(pull=pulls[0])
        return Found(branch_head=p.github.branch_sha(rem.repo, rem.fix_branch))
    if rem.strategy is Strategy.REPORT:
        return Found(issue=existing_report(p, rem.repo, rem.branch, rem.signature))
    if rem.strategy is Strategy.RERUN:
        return Found(rerun_started=p.github.workflow_run(rem.repo, rem.run_id).attempt > rem.run_attempt)
    return Found()


def reconcile(p: Ports, report: Report) -> None:
    """Each interrupted remediation on its own: one GitHub will not answer about waits for the next cycle."""
    for rem in p.store.remediations(states=INTERRUPTED):
        try:
            recover(p, report, rem)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.error(p, f"recovering remediation {rem.id} ({rem.repo}): {exc}")


def recover(p: Ports, report: Report, rem: Remediation) -> None:
    """Adopt what reached GitHub of one interrupted remediation, or abandon it."""
    found = look(p, rem)
    step = recovery(rem.strategy, found)
    if step is Recovery.ADOPT_PULL and found.pull is not None:
        pull = found.pull
        p.store.update_remediation(
            rem.id,
            state=RemState.PR_OPEN,
            pr_number=pull.number,
            pr_url=pull.html_url,
            head_sha=pull.head_sha,
            now=p.now(),
        )
        schedule_health_check(p, rem.id)
        record_for(p, report, rem, Decided.ADOPTED, f"found {pull.html_url} from an interrupted cycle")
    elif step is Recovery.OPEN_PULL:
        pushed = p.store.update_remediation(rem.id, head_sha=found.branch_head or "", now=p.now())
        try:
            opened = open_pull(p, pushed)
        except PermissionMissing as exc:  # not retried every cycle: the branch stays for a person
            done = p.store.update_remediation(rem.id, state=RemState.REFUSED, error=str(exc), now=p.now())
            count_outcome(p, done, None)
            reason = f"{exc.what}; the fix stays on branch {rem.fix_branch} (missing: {exc.permission})"
            record_for(p, report, rem, Decided.PR_REFUSED, reason)
            return
        record_for(p, report, rem, Decided.ADOPTED, f"pushed branch found; opened {opened.html_url}")
    elif step is Recovery.ADOPT_ISSUE and found.issue is not None:
        issue = found.issue
        p.store.update_remediation(
            rem.id, state=RemState.REPORTED, pr_number=issue.number, pr_url=issue.html_url, now=p.now()
        )
        record_for(p, report, rem, Decided.ADOPTED, f"found issue {issue.html_url} from an interrupted cycle")
    elif step is Recovery.ADOPT_RERUN:
        p.store.update_remediation(rem.id, state=RemState.RERUN_REQUESTED, now=p.now())
        schedule_health_check(p, rem.id)
    else:
        abandon(p, report, rem)


def abandon(p: Ports, report: Report, rem: Remediation) -> None:
    abandoned = p.store.update_remediation(rem.id, state=RemState.ABANDONED, now=p.now())
    p.store.release_failure(rem.run, error=True)
    count_outcome(p, abandoned, None)
    reason = "an interrupted cycle left nothing on GitHub: handled again next cycle"
    record_for(p, report, rem, Decided.ABANDONED, reason)
