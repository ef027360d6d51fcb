"""The text the agent writes on GitHub: PR and issue bodies, titles and comments (pure).

Log lines, branch and job names are strangers' text: they are fenced or escaped and their mentions broken,
and every body carries the agent's machine-readable metadata block (`text.metadata_comment`).
"""

from __future__ import annotations

from typing import Any

from cicd_agent.analysis import Analysis
from cicd_agent.failures import Explained
from cicd_agent.fixers import FixPlan
from cicd_agent.github import WorkflowRun
from cicd_agent.model import Incident
from cicd_agent.text import break_mentions, clip, fenced, inline, metadata_comment

BODY_BUDGET = 65_000


def excerpt_block(analysis: Analysis, budget: int) -> str:
    """The excerpt, fenced and with mentions broken, cut to `budget` characters (whole lines)."""
    kept: list[str] = []
    used = 0
    for item in analysis.excerpt:
        line = break_mentions(f"{item.line:>6} | {item.text}")
        if used + len(line) + 1 > budget - 20:
            kept.append("   ... | (excerpt cut to fit)")
            break
        kept.append(line)
        used += len(line) + 1
    return fenced("\n".join(kept) or "(no excerpt)")


def header(run: WorkflowRun, explained: Explained) -> list[str]:
    analysis = explained.analysis
    step = inline(analysis.failing_step or "(unknown)")
    job = inline(explained.job.name) if explained.job else "(unknown)"
    return [
        f"- Failing run: [{run.name} #{run.id}]({run.html_url}) (attempt {run.attempt}) on `{inline(run.branch)}`",
        f"- Job: {job}; failing step: {step}",
        f"- Category: `{analysis.category}`; signature: `{analysis.signature}`",
    ]


def identity(run: WorkflowRun, signature: str) -> dict[str, Any]:
    """The metadata that names a failure: the key GitHub-side state is rebuilt from (modes/action_state)."""
    return {
        "signature": signature,
        "repo": run.repo,
        "branch": run.branch,
        "run_id": run.id,
        "run_attempt": run.attempt,
    }


def pr_title(plan: FixPlan) -> str:
    return f"cicd-agent: {plan.title}"


def pr_body(run: WorkflowRun, explained: Explained, rule: str, plan: FixPlan, snapshot_id: str) -> str:
    meta = metadata_comment(
        {
            **identity(run, explained.analysis.signature),
            "snapshot": snapshot_id,
            "rule": rule,
            "fixer": plan.fixer,
            "base_sha": run.head_sha,
            "paths": sorted(c.path for c in plan.changes),
        }
    )
    head = "\n".join(
        [
            "## cicd-agent proposes a fix",
            "",
            *header(run, explained),
            f"- Rule: `{rule}`; fixer: `{plan.fixer}`",
            f"- Snapshot for rollback: `{snapshot_id}`",
            "",
            "### Why",
            "",
            break_mentions(plan.rationale),
            "",
            "### Error excerpt",
            "",
        ]
    )
    tail = "\n\nIf this fix's CI fails, the agent closes this pull request and deletes its branch.\n\n" + meta
    budget = BODY_BUDGET - len(head) - len(tail)
    return clip(head + excerpt_block(explained.analysis, budget) + tail)


def report_title(run: WorkflowRun, analysis: Analysis) -> str:
    return f"CI failure on {inline(run.branch)}: {analysis.category} ({analysis.signature[:12]})"[:250]


def report_body(run: WorkflowRun, explained: Explained) -> str:
    head = "\n".join(
        [
            "## cicd-agent could not fix this failure automatically",
            "",
            *header(run, explained),
            "",
            "### Error excerpt",
            "",
        ]
    )
    meta = metadata_comment(identity(run, explained.analysis.signature))
    return clip(head + excerpt_block(explained.analysis, BODY_BUDGET - len(head) - 200) + "\n\n" + meta)


def seen_again(run: WorkflowRun, signature: str) -> str:
    return f"Seen again in [run {run.id}]({run.html_url}) (attempt {run.attempt}).\n\n" + metadata_comment(
        identity(run, signature)
    )


def rollback_comment(why: str) -> str:
    return f"cicd-agent: {why}. Rolling this fix back."


def rollback_commit_message(pr_url: str) -> str:
    return f"cicd-agent: roll back {pr_url}"


def incident_title(incident: Incident) -> str:
    what = f"{incident.category} ({incident.signature[:12]})"
    return f"cicd-agent: one failure in {len(incident.repos)} repositories: {what}"[:250]


def incident_body(incident: Incident, latest: Explained, window: float) -> str:
    """The incident's issue: every affected repository, and the latest sighting's excerpt."""
    run, analysis = latest.run, latest.analysis
    head = "\n".join(
        [
            "## cicd-agent: the same failure in many repositories",
            "",
            f"The same failure appeared in {len(incident.repos)} repositories within {window / 60:g} minutes: a "
            "shared cause (a broken shared action, a registry outage, an expired organisation secret) is likely. "
            "The agent handles it as one incident: it opens no pull request or issue in the repositories while "
            f"the incident lasts. It ends once {window / 60:g} minutes pass without a new sighting.",
            "",
            f"- Category: `{analysis.category}`; signature: `{analysis.signature}`",
            f"- Failing step: {inline(analysis.failing_step or '(unknown)')}",
            "",
            "### Affected repositories",
            "",
            *(f"- {inline(repo)}" for repo in incident.repos),
            "",
            f"### Error excerpt (latest: [{inline(run.repo)} run {run.id}]({run.html_url}))",
            "",
        ]
    )
    meta = metadata_comment({"storm": incident.signature, "started_at": incident.started_at})
    return clip(head + excerpt_block(analysis, BODY_BUDGET - len(head) - 200) + "\n\n" + meta)


def incident_over(incident: Incident, window: float) -> str:
    return (
        f"No new sighting for {window / 60:g} minutes: the incident is over. The agent handles new failures "
        f"like this one in each repository again. Affected: {len(incident.repos)} repositories."
    )
