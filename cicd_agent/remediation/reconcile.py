"""Crash recovery: remediations a killed cycle left half-way (planned or pushed), once their lease ran out. GitHub
is asked what reached it (the fix branch and its PR, the report issue, the new run attempt): that is adopted;
what did not reach it is abandoned, and its failure given back to be handled again. A fix or rerun left without a
pending health check (a kill between opening it and scheduling its check, or between a verdict and acting on it)
gets one.

Each remediation is recovered on its own: one whose recovery keeps failing is given up after MAX_HANDLING_ERRORS
attempts (a decision, a notification, a line in the report), and never holds up the others or the polling."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.github.errors import counts, ends_cycle
from cicd_agent.github.values import PullRef
from cicd_agent.model import Decided, Remediation, RemState, Strategy
from cicd_agent.remediation.context import (
    Ports,
    Report,
    conclude,
    record_for,
    schedule_health_check,
    working_on,
)
from cicd_agent.remediation.fix import ensure_labels, open_pull
from cicd_agent.remediation.ownership import authors, held
from cicd_agent.remediation.report import existing_report
from cicd_agent.store import MAX_HANDLING_ERRORS

INTERRUPTED = (RemState.PLANNED, RemState.PUSHED)
JUDGED = (RemState.PR_OPEN, RemState.RERUN_REQUESTED)  # waiting for their health check


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
    for rem in p.store.remediations(states=INTERRUPTED + JUDGED):
        if rem.state in JUDGED and not unjudged(p, rem):
            continue
        with working_on(p, rem, (rem.state,)) as current:
            if current is None:
                continue  # another cycle works on it right now (or a killed one's lease has not run out)
            try:
                if current.state in JUDGED:
                    schedule_health_check(p, current.id)
                else:
                    recover(p, report, current)
            except AgentError as exc:
                if ends_cycle(exc):  # the host down, the rate limit spent: the cycle ends, the next one resumes
                    raise
                if not counts(exc):  # an outage of this request, or the credentials: nothing counted
                    report.error(p, f"{rem.repo}: recovering remediation {rem.id}: {exc}")
                    continue
                failed_attempt(p, report, current, exc)


def unjudged(p: Ports, rem: Remediation) -> bool:
    """A fix or rerun waiting for a verdict that no health check will ever give."""
    check = p.store.health_check(rem.id)
    return check is None or check.outcome is not None


def recover(p: Ports, report: Report, rem: Remediation) -> None:
    """Adopt what reached GitHub of one interrupted remediation, or abandon it."""
    found = look(p, rem)
    step = recovery(rem.strategy, found)
    if step is Recovery.ADOPT_PULL and found.pull is not None:
        pull = found.pull
        ensure_labels(p, rem, pull)
        p.store.update_remediation(
            rem.id,
            state=RemState.PR_OPEN,
            pr_number=pull.number,
            pr_url=pull.html_url,
            head_sha=rem.head_sha or pull.head_sha,  # the fix commit, whatever was pushed on it since
            now=p.now(),
        )
        schedule_health_check(p, rem.id)
        record_for(p, report, rem, Decided.ADOPTED, f"found {pull.html_url} from an interrupted cycle")
    elif step is Recovery.OPEN_PULL:
        pushed = p.store.update_remediation(rem.id, head_sha=rem.head_sha or found.branch_head or "", now=p.now())
        try:
            opened = open_pull(p, pushed)
        except PermissionMissing as exc:  # not retried every cycle: the branch stays for a person
            reason = f"{exc.what}; the fix stays on branch {rem.fix_branch} (missing: {exc.permission})"
            decision = (report, Decided.PR_REFUSED, reason)
            conclude(p, rem, RemState.REFUSED, outcome=None, success=None, decision=decision, error=str(exc))
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
        record_for(p, report, rem, Decided.ADOPTED, "found the rerun an interrupted cycle asked for")
    else:
        abandon(p, report, rem)


def abandon(p: Ports, report: Report, rem: Remediation) -> None:
    """Nothing of it reached GitHub: it ends, and its failure is given back (no error counted: a kill is not an
    error GitHub keeps giving), in one transaction, so a kill in between cannot leave the failure decided."""
    reason = "an interrupted cycle left nothing on GitHub: handled again next cycle"
    with p.store.transaction():
        p.store.release_failure(rem.run)
        conclude(p, rem, RemState.ABANDONED, outcome=None, success=None, decision=(report, Decided.ABANDONED, reason))


def failed_attempt(p: Ports, report: Report, rem: Remediation, exc: AgentError) -> None:
    """Recovering this remediation failed again: retried next cycle, given up after MAX_HANDLING_ERRORS."""
    errors = rem.errors + 1
    if errors < MAX_HANDLING_ERRORS:
        report.error(p, f"{rem.repo}: recovering remediation {rem.id} (attempt {errors}): {exc}")
        p.store.update_remediation(rem.id, errors=errors, error=str(exc)[:500], now=p.now())
        return
    reason = f"recovering it failed {errors} times ({unexplained_branch(p, rem)}); last error: {exc}"
    decision = (report, Decided.GAVE_UP, reason)
    error = str(exc)[:500]
    conclude(p, rem, RemState.FAILED, outcome=None, success=None, decision=decision, errors=errors, error=error)
    p.effects.notify_remediation("gave_up", f"{rem.repo} {rem.branch}: gave up on remediation {rem.id}: {reason}", rem)


def unexplained_branch(p: Ports, rem: Remediation) -> str:
    """A fix branch given up on without a pull request explains itself nowhere: it is deleted when it holds only
    the agent's commits (a person's are never erased: then it stays, and the decision names who made them)."""
    if rem.strategy is not Strategy.FIX or not rem.fix_branch or rem.pr_number:
        return "nothing is left on GitHub" if not rem.pr_number else f"{rem.pr_url} stays"
    try:
        found = held(p.github, rem.repo, rem.branch, rem.fix_branch, own=(rem.head_sha,))
        if found is None:
            return f"branch {rem.fix_branch} is not on GitHub"
        if found.others:
            return f"branch {rem.fix_branch} is kept: it holds commits by {authors(found.others)}"
        p.effects.delete_branch(rem.repo, rem.fix_branch)
    except AgentError as exc:
        return f"branch {rem.fix_branch} could not be deleted ({exc}): a person may delete it"
    return f"branch {rem.fix_branch}, which nothing on GitHub explained, is deleted"
