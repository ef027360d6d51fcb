"""The text the agent writes on GitHub: PR and issue bodies, titles and comments (pure).

Log lines, workflow, job, step and branch names are strangers' text: every one goes through `cicd_agent.text`
(fenced, inline-escaped or in a code span, mentions and autolinks broken), and every body ends with the
agent's machine-readable metadata block (`text.with_metadata`), the only place it is read from.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from cicd_agent.analysis import Analysis
from cicd_agent.fixers import FixPlan
from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import RESET_LABEL, FailureKey, FlakyTest, Incident, Remediation, RemState, RunRef
from cicd_agent.remediation.explain import Explained
from cicd_agent.text import (
    break_mentions,
    code_span,
    fenced,
    inline,
    iso8601,
    link,
    prose,
    terminal,
    title,
    with_metadata,
)

BODY_BUDGET = 65_000


def excerpt_block(analysis: Analysis, budget: int) -> str:
    """The excerpt, fenced and with mentions broken, cut to `budget` characters (whole lines)."""
    kept: list[str] = []
    used = 0
    for item in analysis.excerpt:
        line = f"{item.line:>6} | {item.text}"
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
    lines = [
        f"- Failing run: {link(f'{run.name} #{run.id}', run.html_url)} (attempt {run.attempt}) "
        f"on {code_span(run.branch)}",
        f"- Job: {job}; failing step: {step}",
        f"- Category: {code_span(analysis.category)}; signature: {code_span(analysis.signature)}",
        f"- What failed: {inline(analysis.summary)}",
    ]
    if explained.log_missing:
        lines.append(f"- Log unavailable: {inline(explained.log_note)}; explained from the check run and step names")
    return lines


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
    return title(f"cicd-agent: {plan.title}")


def commit_message(pr_title: str, plan: FixPlan) -> str:
    """The fix commit's message: GitHub links mentions and references in commit messages too."""
    return f"{pr_title}\n\n{break_mentions(terminal(plan.rationale))}"


def pr_metadata(
    run: WorkflowRun, explained: Explained, rule: str, plan: FixPlan, snapshot_id: str, *, change: str, commit: str
) -> dict[str, Any]:
    return {
        **identity(run, explained.analysis.signature),
        "snapshot": snapshot_id,
        "rule": rule,
        "fixer": plan.fixer,
        "base_sha": run.head_sha,
        "paths": sorted(c.path for c in plan.changes),
        "workflow": run.path or run.name,  # the fix's own evidence: the checks that failed in its run
        "jobs": [explained.job.name] if explained.job else [],
        "change": change,  # the change's digest: a rolled-back change is not proposed again for this failure
        "commit": commit,  # the fix commit the agent made: any other commit on its branch is someone else's
    }


def pr_body(
    run: WorkflowRun, explained: Explained, rule: str, plan: FixPlan, snapshot_id: str, *, change: str, commit: str
) -> str:
    head = "\n".join(
        [
            "## cicd-agent proposes a fix",
            "",
            *header(run, explained),
            f"- Rule: {code_span(rule)}; fixer: {code_span(plan.fixer)}",
            f"- Snapshot for rollback: {code_span(snapshot_id)}",
            "",
            "### Why",
            "",
            prose(plan.rationale),
            "",
            "### Error excerpt",
            "",
        ]
    )
    tail = (
        "\n\nIf this fix's CI fails, the agent closes this pull request and deletes its branch (a branch holding a "
        "commit someone else made is kept)."
    )
    budget = BODY_BUDGET - len(head) - len(tail) - 1000
    body = head + excerpt_block(explained.analysis, budget) + tail
    return with_metadata(body, pr_metadata(run, explained, rule, plan, snapshot_id, change=change, commit=commit))


PATCH_BUDGET = 40_000


def refused_title(plan: FixPlan) -> str:
    return title(f"cicd-agent: {plan.title} (needs a permission to propose it)")


def refused_body(
    run: WorkflowRun, explained: Explained, plan: FixPlan, *, refused: str, permission: str, branch: str, diff: str
) -> str:
    """A fix GitHub would not take (`refused`: "push" or "pull_request"): the patch and the permission missing."""
    what = "push the fix branch" if refused == "push" else "open the pull request"
    where = (
        f"The fix is pushed on branch {code_span(branch)}: a person can open the pull request from it."
        if refused == "pull_request"
        else "Nothing was pushed: apply the patch below (`git apply`) to propose it yourself."
    )
    patch = diff if len(diff) <= PATCH_BUDGET else diff[:PATCH_BUDGET] + "\n... (patch cut to fit; rerun the fixer)\n"
    head = "\n".join(
        [
            f"## cicd-agent has a fix but GitHub would not let it {what}",
            "",
            *header(run, explained),
            f"- Missing permission: {prose(permission)}",
            f"- Fixer: {code_span(plan.fixer)}",
            "",
            where,
            "",
            "### Why",
            "",
            prose(plan.rationale),
            "",
            "### The patch",
            "",
            fenced(patch, "diff", exact=True),
            "",
            "### Error excerpt",
            "",
        ]
    )
    body = head + excerpt_block(explained.analysis, BODY_BUDGET - len(head) - 1000)
    meta = {**identity(run, explained.analysis.signature), "refused": refused, "fix_branch": branch}
    return with_metadata(body, meta)


def report_title(run: WorkflowRun, analysis: Analysis) -> str:
    return title(f"CI failure on {run.branch}: {analysis.category} ({analysis.signature[:12]})")


def report_body(run: WorkflowRun, explained: Explained, tried: Sequence[Remediation] = ()) -> str:
    """`tried`: the fixes of this failure that did not hold, rolled back or merged and reverted since (their
    change is not proposed again)."""
    tried_lines = [
        (f"- Tried and rolled back: {pull}" if r.rollback_reason else f"- Merged, and reverted since: {pull}")
        + (f" ({prose(r.rollback_reason)})" if r.rollback_reason else "")
        for r in tried
        if r.pr_url
        for pull in [link(f"pull request {r.pr_number}", r.pr_url)]
    ]
    head = "\n".join(
        [
            "## cicd-agent could not fix this failure automatically",
            "",
            *header(run, explained),
            *tried_lines,
            "",
            "### Error excerpt",
            "",
        ]
    )
    body = head + excerpt_block(explained.analysis, BODY_BUDGET - len(head) - 1000)
    return with_metadata(body, identity(run, explained.analysis.signature))


def seen_again(run: WorkflowRun, signature: str) -> str:
    text = f"Seen again in {link(f'run {run.id}', run.html_url)} (attempt {run.attempt})."
    return with_metadata(text, identity(run, signature))


def reset_command(key: FailureKey) -> str:
    """The command that resets a failure's breaker where the agent runs."""
    command = ["agent", "breaker", "reset", key.repo, "--branch", key.branch, "--signature", key.signature[:12]]
    return f"{shlex.join(command)} --reason '...'"


def breaker_open_title(key: FailureKey) -> str:
    return title(f"cicd-agent stopped trying: a failure on {key.branch} ({key.signature[:12]})")


def repo_url(rem: Remediation) -> str:
    """The repository's web address, from its PR's (`https://github.com/o/r/pull/3`)."""
    return rem.pr_url.split("/pull/", 1)[0]


def commit_url(rem: Remediation, sha: str) -> str:
    return f"{repo_url(rem)}/commit/{sha}"


def _outcome(rem: Remediation) -> str:
    what = f"#{rem.pr_number}" if rem.pr_number else f"rerun of run {rem.run_id} (attempt {rem.run_attempt})"
    how = {
        RemState.ROLLED_BACK: "rolled back",
        RemState.FAILED: "failed again",
        RemState.REJECTED: "rejected by a person",
        RemState.INCONCLUSIVE: "inconclusive",
    }.get(rem.state, str(rem.state))
    why = f": {prose(rem.rollback_reason)}" if rem.rollback_reason else ""
    undone = (
        f"; its revert waits for a person: {link('revert pull request', rem.revert_url)}"
        if rem.revert_url
        else f"; reverted by {link(rem.revert_sha[:12], commit_url(rem, rem.revert_sha))}"
        if rem.revert_sha
        else ""
    )
    return f"  - {what} ({rem.strategy}, rule {code_span(rem.rule or '-')}): {how}{why}{undone}"


def breaker_open_body(
    key: FailureKey,
    *,
    category: str,
    run_url: str,
    tried: list[Remediation],
    reset_after: float,
    meta: dict[str, Any],
) -> str:
    """What failed, what was tried, and how a person resets the breaker once the cause is dealt with."""
    seen = f"; last seen in {link('this run', run_url)}" if run_url else ""
    text = "\n".join(
        [
            "## cicd-agent stopped trying to fix this failure",
            "",
            f"After {len(tried)} failed attempt(s) its circuit breaker opened: the agent opens no pull request for "
            "this failure until a person resets it (or, once, after the breaker's wait).",
            "",
            f"- **What failed:** {code_span(category)} on {code_span(key.branch)}, signature "
            f"{code_span(key.signature)}{seen}",
            "- **What was tried:**",
            *[_outcome(rem) for rem in tried],
            "",
            "**How to reset**, once the cause is dealt with: where the agent runs,",
            "",
            fenced(reset_command(key)),
            "",
            f"or, with the GitHub Action, add the {code_span(RESET_LABEL)} label to this issue. Otherwise the agent "
            f"tries once more after {reset_after / 3600:g} hour(s) (half-open), and the breaker opens again if that "
            "fails.",
        ]
    )
    return with_metadata(text, meta)


def incident_title(incident: Incident) -> str:
    what = f"{incident.category} ({incident.signature[:12]})"
    return title(f"cicd-agent: one failure in {len(incident.repos)} repositories: {what}")


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
            f"- Category: {code_span(analysis.category)}; signature: {code_span(analysis.signature)}",
            f"- Failing step: {inline(analysis.failing_step or '(unknown)')}",
            "",
            "### Affected repositories",
            "",
            *(f"- {inline(repo)}" for repo in incident.repos),
            "",
            f"### Error excerpt (latest: {link(f'{run.repo} run {run.id}', run.html_url)})",
            "",
        ]
    )
    body = head + excerpt_block(analysis, BODY_BUDGET - len(head) - 1000)
    return with_metadata(body, {"storm": incident.signature, "started_at": incident.started_at})


def incident_over(incident: Incident, window: float) -> str:
    return (
        f"No new sighting for {window / 60:g} minutes: the incident is over. The agent handles new failures "
        f"like this one in each repository again. Affected: {len(incident.repos)} repositories."
    )


FLAKY_KIND = "flaky_test"  # the metadata kind of a flaky test's issue


def flaky_title(test: FlakyTest) -> str:
    return title(f"cicd-agent: flaky test {test.name}")


def flaky_body(test: FlakyTest, run: RunRef, run_url: str, why: str) -> str:
    """A flaky test's one issue: rewritten (not added to) each time it flakes again."""
    text = "\n".join(
        [
            "## cicd-agent: a flaky test",
            "",
            f"{code_span(test.name)} failed and then passed on a re-run of the same commit "
            f"{test.flakes} time(s) in {inline(test.repo)} since {iso8601(test.first_at)} "
            f"(last: {link(f'run {run.run_id}', run_url)}, {iso8601(test.last_at)}).",
            "",
            f"The agent reports it because {prose(why)}. Until it is fixed, a failure of only known flaky tests is "
            "re-run within the repository's budget (`[reruns] flaky_budget`); this issue is updated as it flakes "
            "again, never opened twice. Close it once the test is fixed.",
            "",
            f"- Last failure signature: {code_span(test.last_signature or '(none)')}",
        ]
    )
    return with_metadata(text, {"kind": FLAKY_KIND, "repo": test.repo, "test": test.name, "flakes": test.flakes})
