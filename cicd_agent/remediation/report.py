"""Report a failure nobody can fix automatically: on the run's pull request when it has one (a comment, once
per failure), else as an issue (once per failure; later sightings comment on it)."""

from __future__ import annotations

from cicd_agent.effects.gateway import same_post
from cicd_agent.github.values import PullRef, WorkflowRun
from cicd_agent.model import LABEL, Decided, RemState, Strategy
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import Ports, Report, record, start_remediation
from cicd_agent.remediation.explain import Explained
from cicd_agent.remediation.rules import Rule
from cicd_agent.remediation.tried import undone
from cicd_agent.text import read_metadata


def report_failure(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> bool:
    if run.pull_requests:
        return comment_on_pull(p, report, run, explained, rule.name, run.pull_requests[0])
    analysis = explained.analysis
    key = run.ref
    facts = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    earlier = [
        r
        for r in p.store.remediations(
            key=run.key(analysis.signature), strategy=Strategy.REPORT, states=(RemState.REPORTED,)
        )
        if r.pr_number
    ]
    if earlier:
        issue = earlier[-1].pr_number
        note = bodies.seen_again(run, analysis.signature)
        if not said_already(p, run.repo, issue, note):
            p.effects.comment(run.repo, issue, note)
        record(p, report, key, Decided.REPORTED, f"seen again: commented on issue #{issue}", issue=issue, **facts)
        return True
    rem = start_remediation(p, key, analysis.signature, rule.name, Strategy.REPORT)
    issue_ref = existing_report(p, run.repo, run.branch, analysis.signature)
    if issue_ref is None:
        body = bodies.report_body(run, explained, undone(p, run.key(analysis.signature)))
        issue_ref = p.effects.open_issue(run.repo, bodies.report_title(run, analysis), body, [LABEL])
    p.store.update_remediation(
        rem.id, state=RemState.REPORTED, pr_number=issue_ref.number, pr_url=issue_ref.html_url, now=p.now()
    )
    reason = f"opened issue {issue_ref.html_url}"
    record(p, report, key, Decided.REPORTED, reason, issue=issue_ref.html_url, **facts)
    return True


def comment_on_pull(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: str, number: int) -> bool:
    """The failure explained on pull request #number, once per signature (found again by its metadata)."""
    analysis = explained.analysis
    facts = {"signature": analysis.signature, "rule": rule, "category": analysis.category}
    for comment in p.github.comments(run.repo, number):
        meta = read_metadata(comment.body) if p.github.wrote(comment.author) else None
        if meta and meta.get("signature") == analysis.signature:
            record(p, report, run.ref, Decided.REPORTED, f"already explained on pull request #{number}", **facts)
            return True
    p.effects.comment(run.repo, number, bodies.report_body(run, explained))
    url = run.html_url.split("/actions/")[0] + f"/pull/{number}"
    record(p, report, run.ref, Decided.REPORTED, f"explained on pull request #{number}", issue=url, **facts)
    return True


def said_already(p: Ports, repo: str, number: int, body: str) -> bool:
    """Whether the agent's own account already posted `body` on #number (an earlier try that got through)."""
    return any(p.github.wrote(c.author) and same_post(c.body, body) for c in p.github.comments(repo, number))


def existing_report(p: Ports, repo: str, branch: str, signature: str) -> PullRef | None:
    """An open issue the agent filed for this key (its metadata says so): GitHub is the source of truth. Only
    the agent's own issues count: anyone may write a metadata block. Other kinds of issue it files (a breaker's
    announcement) carry a `kind`."""
    for issue in p.github.issues(repo, label=LABEL):
        meta = read_metadata(issue.body) if p.github.wrote(issue.author) else None
        if meta and "kind" not in meta and meta.get("signature") == signature and meta.get("branch") == branch:
            return issue
    return None
