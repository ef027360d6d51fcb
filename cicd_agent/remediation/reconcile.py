"""Crash recovery: remediations a killed cycle left half-way (planned or pushed). GitHub is asked what
reached it (the fix branch and its PR, the report issue, the new run attempt): that is adopted; what did
not reach it is abandoned, and its failure given back to be handled again."""

from __future__ import annotations

from cicd_agent.model import Decided, Remediation, RemState, Strategy
from cicd_agent.remediation.context import Ports, Report, count_outcome, record_for, schedule_health_check
from cicd_agent.remediation.fix import open_pull
from cicd_agent.remediation.report import existing_report

INTERRUPTED = (RemState.PLANNED, RemState.PUSHED)


def reconcile(p: Ports, report: Report) -> None:
    for rem in p.store.remediations(states=INTERRUPTED):
        if not adopt(p, report, rem):
            abandon(p, report, rem)


def adopt(p: Ports, report: Report, rem: Remediation) -> bool:
    """Take over what the interrupted cycle left on GitHub; False when nothing of it is there."""
    if rem.strategy is Strategy.FIX:
        pulls = p.github.pulls(rem.repo, head=rem.fix_branch, state="open")
        if pulls:
            pull = pulls[0]
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
            return True
        head = p.github.branch_sha(rem.repo, rem.fix_branch)
        if head is not None:
            pushed = p.store.update_remediation(rem.id, head_sha=head, now=p.now())
            pull = open_pull(p, pushed)
            record_for(p, report, rem, Decided.ADOPTED, f"pushed branch found; opened {pull.html_url}")
            return True
    elif rem.strategy is Strategy.REPORT:
        issue = existing_report(p, rem.repo, rem.branch, rem.signature)
        if issue is not None:
            p.store.update_remediation(
                rem.id, state=RemState.REPORTED, pr_number=issue.number, pr_url=issue.html_url, now=p.now()
            )
            record_for(p, report, rem, Decided.ADOPTED, f"found issue {issue.html_url} from an interrupted cycle")
            return True
    elif rem.strategy is Strategy.RERUN:
        current = p.github.workflow_run(rem.repo, rem.run_id)
        if current.attempt > rem.run_attempt:
            p.store.update_remediation(rem.id, state=RemState.RERUN_REQUESTED, now=p.now())
            schedule_health_check(p, rem.id)
            return True
    return False


def abandon(p: Ports, report: Report, rem: Remediation) -> None:
    abandoned = p.store.update_remediation(rem.id, state=RemState.ABANDONED, now=p.now())
    p.store.release_failure(rem.run, error=True)
    count_outcome(p, abandoned, None)
    reason = "an interrupted cycle left nothing on GitHub: handled again next cycle"
    record_for(p, report, rem, Decided.ABANDONED, reason)
