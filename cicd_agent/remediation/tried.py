"""What the agent tried before for a failure, so it does not try it again blindly.

A fix that was rolled back is not proposed again with the same change for the same failure: the decision says
so, with a link to the rolled-back pull request, and the next rule (a report) applies; a different plan is
proposed as usual. And a failed run on the very commit a merged fix of the agent's landed as is that fix's
failure: it is attributed to the fix (rolled back, or still being judged), not handled as a new failure."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable

from cicd_agent.breaker import State
from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import UNFINISHED_ROLLBACK, FailureKey, FileChange, Remediation, RemState, Strategy
from cicd_agent.remediation.context import Ports

ROLLED_BACK = (RemState.ROLLED_BACK, *UNFINISHED_ROLLBACK)


def digest(changes: Iterable[FileChange]) -> str:
    """The change itself (pure): each file's path with the lines it removes and adds, without context lines or
    line numbers, so the same edit on a base branch that moved elsewhere has the same digest."""
    h = hashlib.sha256()
    for change in sorted(changes, key=lambda c: c.path):
        h.update(f"\0{change.path}\0{change.before is None}\0{change.after is None}\0".encode())
        lines = difflib.unified_diff(
            (change.before or "").splitlines(keepends=True), (change.after or "").splitlines(keepends=True), n=0
        )
        for line in lines:
            if line.startswith(("-", "+")) and not line.startswith(("---", "+++")):
                h.update(line.encode())
    return h.hexdigest()[:32]


def rolled_back_before(p: Ports, key: FailureKey, change: str) -> Remediation | None:
    """The latest fix with the same change for this failure that did not hold (`undone`)."""
    same = [rem for rem in undone(p, key) if rem.diff_digest == change]
    return same[-1] if same else None


def undone(p: Ports, key: FailureKey) -> list[Remediation]:
    """The fixes for this failure that did not hold, since a person last reset the breaker, oldest first: one
    rolled back (or being rolled back) for this failure on any branch of the repository (the change itself
    failed), or one merged on this branch whose failure is back (a person reverted it: the same change would undo
    their revert). A reset (`agent breaker reset`, the reset label, `/cicd-agent retry`) says the cause was dealt
    with, so the same change may be tried again."""
    return [
        rem
        for rem in p.store.remediations(repo=key.repo, strategy=Strategy.FIX)
        if rem.signature == key.signature
        and did_not_hold(rem, key)
        and rem.updated_at >= max(last_reset(p, key), last_reset(p, rem.key))
    ]


def did_not_hold(rem: Remediation, key: FailureKey) -> bool:
    """Judged and rolled back (on any branch), or merged on `key`'s branch (pure)."""
    if rem.state in ROLLED_BACK:
        return bool(rem.rollback_reason)  # judged, then rolled back
    merged = rem.state is RemState.MERGED or (rem.state is RemState.HEALTHY and bool(rem.landed_sha))
    return merged and rem.branch == key.branch


def undone_why(rem: Remediation, key: FailureKey) -> str:
    """Why an earlier fix with the same change did not hold, for the decision (pure)."""
    if rem.state in ROLLED_BACK:
        where = f" on {rem.branch}" if rem.branch != key.branch else ""
        why = f" ({rem.rollback_reason})" if rem.rollback_reason else ""
        return f"the same change was rolled back before{where}: {rem.pr_url}{why}"
    return f"the same change was merged before ({rem.pr_url}) and is gone from {rem.branch} again (reverted since)"


def last_reset(p: Ports, key: FailureKey) -> float:
    """When a person last closed this failure's breaker (0: never)."""
    resets = [e.at for e in p.store.breaker_events(key) if e.to_state == str(State.CLOSED) and e.actor != "agent"]
    return max(resets, default=0.0)


def merged_fix_of(p: Ports, run: WorkflowRun) -> tuple[Remediation, bool] | None:
    """The agent's merged fix whose landed commit this failed run ran on, and whether it was judged a failure
    (rolled back, or rolling back) rather than still being judged. Fixes waiting for their verdict are asked
    whether they were merged (one request each, only while such a fix of this branch is open)."""
    for rem in p.store.remediations(repo=run.repo, strategy=Strategy.FIX, since=p.now() - p.config.state.dedup_ttl):
        if rem.branch != run.branch:
            continue
        if rem.state in ROLLED_BACK and rem.landed_sha == run.head_sha:
            return rem, True
        if rem.state is RemState.PR_OPEN and rem.pr_number and landed(p, rem) == run.head_sha:
            return rem, False
    return None


def landed(p: Ports, rem: Remediation) -> str:
    """The commit an open fix landed as, once merged ("" before); kept, so it is asked for once."""
    if rem.landed_sha:
        return rem.landed_sha
    try:
        pull = p.github.pull(rem.repo, rem.pr_number)
    except AgentError as exc:
        if ends_cycle(exc):
            raise
        return ""  # unknown now: the failure is handled as any other
    if not pull.merged or not pull.merge_commit:
        return ""
    p.store.update_remediation(rem.id, landed_sha=pull.merge_commit, now=p.now())
    return pull.merge_commit
