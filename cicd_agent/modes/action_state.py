"""State kept in GitHub itself, for the Action mode (its runner's disk is gone after each job).

The agent's own labelled pull requests and issues (written by its own account: anyone else's are ignored) carry
machine-readable metadata (signature, branch,
failed run) and outcome labels; from them this module rebuilds a fresh local store at the start of a run:
the runs already handled (dedup), each remediation and its state, the breakers (healthy fixes count as
successes, rolled-back ones as failures, a PR a human closed as a rejection, and the `breaker-reset`
label as an operator reset), and the fixes whose health is still pending.
"""

from __future__ import annotations

from typing import Any

from cicd_agent.breaker import State
from cicd_agent.github import PullRef
from cicd_agent.model import (
    HEALTHY_LABEL,
    LABEL,
    RESET_LABEL,
    ROLLED_BACK_LABEL,
    FailureKey,
    Remediation,
    RemState,
    RunRef,
    Strategy,
)
from cicd_agent.remediation.context import Ports
from cicd_agent.text import read_metadata

FOREVER = float("inf")


def _run(repo: str, meta: dict[str, Any]) -> RunRef:
    return RunRef(repo, int(meta.get("run_id", 0)), int(meta.get("run_attempt", 1)), str(meta.get("branch", "")))


def _claim(p: Ports, repo: str, meta: dict[str, Any]) -> None:
    p.store.claim_failure(_run(repo, meta), now=p.now(), ttl=FOREVER, signature=str(meta.get("signature", "")))


def pull_state(pr: PullRef) -> RemState:
    """What the agent's PR says of its fix: open, healthy, rolled back, or rejected by a person."""
    if pr.state == "open":
        return RemState.PR_OPEN
    if HEALTHY_LABEL in pr.labels or (pr.merged and ROLLED_BACK_LABEL not in pr.labels):
        return RemState.HEALTHY
    if ROLLED_BACK_LABEL in pr.labels:
        return RemState.ROLLED_BACK
    return RemState.REJECTED


def hydrate(p: Ports, repo: str) -> int:
    """Rebuild `repo`'s state from GitHub into the (empty) store; returns how many items it read."""
    pulls = sorted((pr for pr in p.github.pulls(repo, state="all") if LABEL in pr.labels), key=lambda pr: pr.number)
    for pr in pulls:
        meta = read_metadata(pr.body) if p.github.wrote(pr.author) else None
        if meta and "signature" in meta:
            _hydrate_pull(p, repo, pr, meta)
    issues = p.github.issues(repo, label=LABEL, state="all")
    for issue in issues:
        meta = read_metadata(issue.body) if p.github.wrote(issue.author) else None
        if meta and "signature" in meta:
            _hydrate_issue(p, repo, issue, meta)
    return len(pulls) + len(issues)


def _hydrate_pull(p: Ports, repo: str, pr: PullRef, meta: dict[str, Any]) -> None:
    now = p.now()
    run = _run(repo, meta)
    key = FailureKey(repo, run.branch, str(meta["signature"]))
    _claim(p, repo, meta)
    state = pull_state(pr)
    rem = p.store.create_remediation(
        Remediation(
            repo=repo,
            branch=key.branch,
            signature=key.signature,
            strategy=Strategy.FIX,
            state=state,
            run_id=run.run_id,
            run_attempt=run.attempt,
            created_at=now,
            rule=str(meta.get("rule", "")),
            fix_branch=pr.head,
            pr_number=pr.number,
            pr_url=pr.html_url,
            head_sha=pr.head_sha,
            snapshot_id=str(meta.get("snapshot", "")),
        )
    )
    if state is RemState.PR_OPEN:
        p.store.schedule_health_check(rem.id, due_at=now, deadline=now + p.config.health.max_wait, now=now)
    elif state is RemState.REJECTED:
        p.breakers.reject(key, now=now, reason=f"pull request #{pr.number} was closed without merging")
    else:
        p.breakers.record(key, success=state is RemState.HEALTHY, now=now)
    if RESET_LABEL in pr.labels:
        p.breakers.operator_move(
            [key], State.CLOSED, who="github", now=now, reason=f"`{RESET_LABEL}` label on #{pr.number}"
        )


def _hydrate_issue(p: Ports, repo: str, issue: PullRef, meta: dict[str, Any]) -> None:
    _claim(p, repo, meta)
    if issue.state != "open":
        return
    for comment in p.github.comments(repo, issue.number):  # later sightings: "Seen again in run ..."
        seen = read_metadata(comment.body) if p.github.wrote(comment.author) else None
        if seen and seen.get("signature") == meta["signature"]:
            _claim(p, repo, seen)
    run = _run(repo, meta)
    p.store.create_remediation(
        Remediation(
            repo=repo,
            branch=run.branch,
            signature=str(meta["signature"]),
            strategy=Strategy.REPORT,
            state=RemState.REPORTED,
            run_id=run.run_id,
            run_attempt=run.attempt,
            created_at=p.now(),
            pr_number=issue.number,
            pr_url=issue.html_url,
        )
    )
