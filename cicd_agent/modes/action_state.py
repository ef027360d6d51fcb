"""State kept in GitHub itself, for the Action mode (its runner's disk is gone after each job).

The agent's own labelled pull requests and issues (written by its own account: anyone else's are ignored) carry
machine-readable metadata (signature, branch,
failed run) and outcome labels; from them this module rebuilds a fresh local store at the start of a run:
the runs already handled (dedup), each remediation and its state, the breakers (healthy fixes count as
successes, rolled-back ones as failures, a PR a human closed as a rejection, and the `breaker-reset`
label, on a PR or on the issue that announced an open breaker, as an operator reset), and the fixes whose
health is still pending. Times are GitHub's (when each PR was opened, when its outcome happened), so the PR rate
limits and a breaker's `reset_after` behave as with a long-lived store.

What it cannot rebuild is a failure deferred by the PR rate limits: nothing of it is on GitHub. It gets its next
chance from the next failing run of its branch, or from a scheduled run of the Action (`on: schedule`), which
polls the repository like a terminal cycle does (see `modes/action.py`).
"""

from __future__ import annotations

from typing import Any

from cicd_agent.breaker import State
from cicd_agent.github.values import PullRef
from cicd_agent.model import (
    APPROVAL_LABEL,
    HEALTHY_LABEL,
    INCONCLUSIVE_LABEL,
    LABEL,
    RESET_LABEL,
    ROLLED_BACK_LABEL,
    FailureKey,
    Remediation,
    RemState,
    RunRef,
    Strategy,
)
from cicd_agent.remediation.comments import BASE_GONE, RESUMED, STOPPED
from cicd_agent.remediation.context import Ports
from cicd_agent.remediation.escalate import KIND as BREAKER_OPEN
from cicd_agent.remediation.rejection import tell_stopped
from cicd_agent.text import read_metadata


def _run(repo: str, meta: dict[str, Any]) -> RunRef:
    return RunRef(repo, int(meta.get("run_id", 0)), int(meta.get("run_attempt", 1)), str(meta.get("branch", "")))


def _claim(p: Ports, repo: str, meta: dict[str, Any]) -> None:
    p.store.mark_decided(_run(repo, meta), now=p.now())


def pull_state(
    pr: PullRef, said: frozenset[str] = frozenset(), *, reopened: bool = False
) -> tuple[RemState, tuple[str, ...]]:
    """What the agent's PR says of its fix (and the rollback steps it shows done): open (judged or not), merged,
    rolled back (or being rolled back), or rejected by a person. The agent closes a PR only after labelling it
    (rolled back, or rejected by a `/cicd-agent reject`), so a PR closed unmerged without the rolled-back label
    was closed by a person, whatever its health: a rejection; unless the agent's own rollback comment is on it
    (`said`: the kinds of the agent's comments on it), since a person may remove a label, but not the agent's
    words. An open PR with the rolled-back label that a person reopened (`reopened`) is theirs: its rollback is
    done (the agent's comment is on it) or finished without closing it again."""
    if pr.state == "open":
        if ROLLED_BACK_LABEL in pr.labels and ROLLBACK in said:  # rolled back, then reopened by a person
            return RemState.ROLLED_BACK, ()
        if ROLLED_BACK_LABEL in pr.labels:  # the label is a rollback's first step: one an earlier run left
            return RemState.ROLLBACK_PARTIAL, ("label", "close") if reopened else ("label",)
        if HEALTHY_LABEL in pr.labels:
            return RemState.HEALTHY, ()
        return (RemState.INCONCLUSIVE if INCONCLUSIVE_LABEL in pr.labels else RemState.PR_OPEN), ()
    if ROLLED_BACK_LABEL in pr.labels or ROLLBACK in said:
        return RemState.ROLLED_BACK, ()
    if BASE_GONE in said:  # closed by its base branch's deletion: no rejection
        return RemState.ABANDONED, ()
    return (RemState.HEALTHY if pr.merged else RemState.REJECTED), ()


ROLLBACK = "rollback"  # how `said` names the agent's rollback comment (its metadata has no kind)


def said_on(p: Ports, repo: str, pr: PullRef) -> list[dict[str, Any]]:
    """The agent's own comments' metadata on a PR closed unmerged without the rolled-back label (a rejection, or
    a rollback whose label a person removed), or open with it (reopened by a person, or a rollback stopped after
    its first step): asked only for those, one request each."""
    closed_by_person = pr.state == "closed" and not pr.merged and ROLLED_BACK_LABEL not in pr.labels
    if not closed_by_person and not (pr.state == "open" and ROLLED_BACK_LABEL in pr.labels):
        return []
    found = []
    for comment in p.github.comments(repo, pr.number):
        meta = read_metadata(comment.body) if p.github.wrote(comment.author) else None
        if meta:
            found.append(
                {**meta, "kind": ROLLBACK if "rollback" in meta else meta.get("kind"), "at": comment.created_at}
            )
    return found


def reopened_since(p: Ports, repo: str, pr: PullRef) -> bool:
    """Was the PR reopened after it was closed (one request, only for an open PR with the rolled-back label)?"""
    return any(e.event == "reopened" for e in p.github.issue_events(repo, pr.number))


def outcome_time(pr: PullRef, now: float) -> float:
    """When the PR's outcome happened, as far as GitHub tells: when it was closed, else (an open PR: no other PR
    of its failure can follow it while it is open) when it was opened."""
    return pr.closed_at or pr.created_at or now


def hydrate(p: Ports, repo: str) -> int:
    """Rebuild `repo`'s state from GitHub into the (empty) store; returns how many items it read."""
    # the agent's own pull requests, whatever labels a person left on them (its metadata says which they are)
    pulls = sorted(
        (pr for pr in p.github.pulls(repo, state="all") if p.github.wrote(pr.author)), key=lambda pr: pr.number
    )
    issues = p.github.issues(repo, label=LABEL, state="all")
    resets = reset_points(p, repo, issues)
    for pr in pulls:
        meta = read_metadata(pr.body) if p.github.wrote(pr.author) else None
        if meta and "signature" in meta:
            _hydrate_pull(p, repo, pr, meta)
        for key, labelled in resets.get(pr.number, []):
            p.breakers.operator_move(
                [key], State.CLOSED, who="github", now=p.now(), reason=f"`{RESET_LABEL}` label on #{labelled}"
            )
    for issue in issues:
        meta = read_metadata(issue.body) if p.github.wrote(issue.author) else None
        if meta and "signature" in meta and "kind" not in meta:  # a report (a breaker's announcement has a kind)
            _hydrate_issue(p, repo, issue, meta)
    return len(pulls) + len(issues)


def reset_points(p: Ports, repo: str, issues: list[PullRef]) -> dict[int, list[tuple[FailureKey, int]]]:
    """The reset label on an issue announcing an open breaker (or on the report issue that got the announcement
    as a comment) resets that breaker right after the last pull request the announcement names: keyed by that
    PR's number, the breakers to reset and the labelled issue."""
    points: dict[int, list[tuple[FailureKey, int]]] = {}
    for issue in issues:
        if RESET_LABEL not in issue.labels:
            continue
        if not p.github.wrote(issue.author):
            continue
        texts = [issue.body, *(c.body for c in p.github.comments(repo, issue.number) if p.github.wrote(c.author))]
        announced = [m for m in map(read_metadata, texts) if m and m.get("kind") == BREAKER_OPEN]
        if not announced:
            continue
        last = announced[-1]
        numbers = [int(ref[1:]) for ref in last.get("tried") or [] if str(ref).startswith("#")]
        if numbers:
            key = FailureKey(repo, str(last.get("branch", "")), str(last.get("signature", "")))
            points.setdefault(max(numbers), []).append((key, issue.number))
    return points


def _hydrate_pull(p: Ports, repo: str, pr: PullRef, meta: dict[str, Any]) -> None:
    now = p.now()
    run = _run(repo, meta)
    key = FailureKey(repo, run.branch, str(meta["signature"]))
    _claim(p, repo, meta)
    said = said_on(p, repo, pr)
    kinds = frozenset(str(m.get("kind")) for m in said)
    reopened = (
        ROLLED_BACK_LABEL in pr.labels and pr.state == "open" and ROLLBACK not in kinds and reopened_since(p, repo, pr)
    )
    state, done = pull_state(pr, kinds, reopened=reopened)
    if state is RemState.REJECTED and STOPPED not in kinds and p.github.branch_sha(repo, pr.base) is None:
        state = RemState.PR_OPEN  # its base branch is gone: the health check finds it closed and says why
    rem = p.store.create_remediation(
        Remediation(
            repo=repo,
            branch=key.branch,
            signature=key.signature,
            strategy=Strategy.FIX,
            state=state,
            run_id=run.run_id,
            run_attempt=run.attempt,
            created_at=pr.created_at or now,
            rule=str(meta.get("rule", "")),
            fix_branch=pr.head,
            pr_number=pr.number,
            pr_url=pr.html_url,
            head_sha=str(meta.get("commit") or pr.head_sha),  # the fix commit: others pushed on it are people's
            landed_sha=pr.merge_commit if pr.merged else "",
            diff_digest=str(meta.get("change", "")),
            draft=pr.draft and pr.state == "open",
            snapshot_id=str(meta.get("snapshot", "")),
            base_sha=str(meta.get("base_sha", "")),
            failed_workflow=str(meta.get("workflow", "")),
            failed_jobs=tuple(str(job) for job in meta.get("jobs") or []),
            labels=tuple(label for label in (LABEL, APPROVAL_LABEL) if label in pr.labels) or (LABEL,),
            rollback_done=done,
            rollback_reason="the fix's CI failed" if state is RemState.ROLLED_BACK or done else "",
        )
    )
    when = outcome_time(pr, now)
    if state is RemState.PR_OPEN:
        p.store.schedule_health_check(rem.id, due_at=now, deadline=now + p.config.health.max_wait, now=now)
    elif state is RemState.REJECTED:
        reason = f"pull request #{pr.number} was closed without merging"
        p.breakers.reject(key, now=when, reason=reason, remediation_id=rem.id)
        if not any(m.get("kind") == STOPPED for m in said):  # a person closed it since the agent last ran: told once
            tell_stopped(p, rem, f"{pr.html_url} was closed without merging")
        for resumed in (m for m in said if m.get("kind") == RESUMED):  # the agent answered a `/cicd-agent retry`
            reason = f"`/cicd-agent retry` on #{pr.number} (answered by the agent)"
            p.breakers.operator_move([key], State.CLOSED, who="github", now=float(resumed["at"]), reason=reason)
    elif state in (RemState.HEALTHY, RemState.ROLLED_BACK):
        p.breakers.record(key, success=state is RemState.HEALTHY, now=when, remediation_id=rem.id)
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
            created_at=issue.created_at or p.now(),
            pr_number=issue.number,
            pr_url=issue.html_url,
        )
    )
