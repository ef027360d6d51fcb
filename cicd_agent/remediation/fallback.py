"""When GitHub will not take a fix (the token may not push workflow files, Actions may not open pull requests):
the fix is not lost and not retried blindly. An issue carries the patch (a fenced diff) and the exact
permission that is missing; a later sighting of the same failure comments on that issue instead."""

from __future__ import annotations

from dataclasses import dataclass

from cicd_agent.errors import PermissionMissing
from cicd_agent.fixers import FixPlan
from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import LABEL, Decided, Remediation, RemState
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import Ports, Report, conclude, record
from cicd_agent.remediation.explain import Explained
from cicd_agent.remediation.report import existing_report, said_already
from cicd_agent.remediation.rules import Rule


@dataclass(frozen=True)
class Proposed:
    """The fix GitHub refused, and what it was for."""

    run: WorkflowRun
    explained: Explained
    rule: Rule
    plan: FixPlan
    diff: str


def refused(p: Ports, report: Report, rem: Remediation, refusal: PermissionMissing, fix: Proposed) -> bool:
    """Record the remediation as refused and put the patch in an issue (once per failure)."""
    run, explained, rule, plan = fix.run, fix.explained, fix.rule, fix.plan
    analysis = explained.analysis
    kind = "pull_request" if rem.state is RemState.PUSHED else "push"
    issue = existing_report(p, run.repo, run.branch, analysis.signature)
    if issue is None:
        body = bodies.refused_body(
            run, explained, plan, refused=kind, permission=refusal.permission, branch=rem.fix_branch, diff=fix.diff
        )
        issue = p.effects.open_issue(run.repo, bodies.refused_title(plan), body, [LABEL])
        told = f"opened issue {issue.html_url} with the patch"
    else:
        note = bodies.seen_again(run, analysis.signature)
        if not said_already(p, run.repo, issue.number, note):
            p.effects.comment(run.repo, issue.number, note)
        told = f"commented on issue {issue.html_url}, which has the patch"
    conclude(
        p,
        rem,
        RemState.REFUSED,
        outcome=None,
        success=None,
        error=str(refusal),
        pr_number=issue.number,
        pr_url=issue.html_url,
    )
    decision = Decided.PR_REFUSED if kind == "pull_request" else Decided.PUSH_REFUSED
    facts = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    reason = f"{refusal.what}; {told} (missing: {refusal.permission})"
    record(p, report, run.ref, decision, reason, issue=issue.html_url, permission=refusal.permission, **facts)
    return True
