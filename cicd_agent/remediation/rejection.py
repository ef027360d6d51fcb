"""A person saying no to a fix: closing its pull request unmerged, in any state (while its CI runs, after it went
green or inconclusive: seen when that failure comes back), or `/cicd-agent reject` (see `approve`). Who closed
it decides: the agent's own account closing it (its rollback, or another agent's) is no rejection. A rejection
counts a failure on the breaker and forces it open, so no new PR comes for that failure until a person resets
it (`agent breaker reset`, or a `/cicd-agent retry` comment: `retry`); the PR gets one comment saying so."""

from __future__ import annotations

from cicd_agent.breaker import State
from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.github.values import PullRef
from cicd_agent.model import (
    REJECTED_LABEL,
    ROLLED_BACK_LABEL,
    Decided,
    FailureKey,
    HealthOutcome,
    Remediation,
    RemState,
    Strategy,
)
from cicd_agent.remediation import comments
from cicd_agent.remediation.context import Ports, Report, conclude, record_for, said_before
from cicd_agent.remediation.ownership import held
from cicd_agent.remediation.rollback import rollback

SETTLED = (RemState.HEALTHY, RemState.INCONCLUSIVE)  # judged, but the PR stays open for a person to merge


def closer(p: Ports, repo: str, number: int) -> str:
    """Who closed an issue or pull request last ("" when GitHub names nobody, e.g. a deleted account)."""
    closes = [e for e in p.github.issue_events(repo, number) if e.event == "closed"]
    return closes[-1].actor if closes else ""


def is_agent(p: Ports, login: str) -> bool:
    """The account the agent writes as (any agent sharing its credentials)."""
    return p.github.wrote(login)


def closed_unmerged(p: Ports, report: Report, rem: Remediation, pull: PullRef) -> None:
    who = closer(p, rem.repo, pull.number)
    if is_agent(p, who) and ROLLED_BACK_LABEL in pull.labels:
        # another agent without this state rolled it back (its CI failed): the same failed fix here, finished
        # (each step is found done) and counted once on this breaker too
        return rollback(p, report, rem, "another agent rolled it back: the fix's CI failed", pull)
    if is_agent(p, who):
        return closed_by_agent(p, report, rem, who)
    if p.github.branch_sha(rem.repo, rem.branch) is None:
        return base_gone(p, report, rem, who)
    rejected(p, report, rem, f"{pull.html_url} was closed without merging by {who or 'an unknown account'}")


def closed_by_agent(p: Ports, report: Report, rem: Remediation, who: str) -> None:
    """Closed by the agent's own account, yet not by this remediation's rollback: another agent (or an earlier
    run whose state is gone) rolled it back. Not a person's rejection; counted nowhere here."""
    reason = f"{rem.pr_url} was closed by the agent's own account ({who}), not by a person: no rejection"
    decision = (report, Decided.ROLLED_BACK, reason)
    conclude(p, rem, RemState.ROLLED_BACK, outcome=HealthOutcome.CANCELLED, success=None, decision=decision)


def base_gone(p: Ports, report: Report, rem: Remediation, who: str) -> None:
    """Closed because its base branch was deleted (GitHub closes the pull requests of a deleted branch): nobody
    said no to the fix, and nothing is left to fix there. Abandoned (the breaker counts nothing), its branch
    deleted unless it holds a commit someone else made, and said once on the PR."""
    found = held(p.github, rem.repo, rem.base_sha, rem.fix_branch, own=(rem.head_sha,)) if rem.base_sha else None
    deleted = found is not None and not found.others and p.effects.delete_branch(rem.repo, rem.fix_branch)
    if not said_before(p, rem, comments.BASE_GONE):
        p.effects.comment(rem.repo, rem.pr_number, comments.base_gone_comment(rem, who, deleted=bool(deleted)))
    reason = f"{rem.pr_url} was closed: its base branch {rem.branch} was deleted (by {who or 'someone'})"
    decision = (report, Decided.ABANDONED, reason)
    conclude(p, rem, RemState.ABANDONED, outcome=HealthOutcome.CANCELLED, success=None, decision=decision)


def rejected(p: Ports, report: Report, rem: Remediation, reason: str) -> None:
    """A failure for the breaker (once per remediation), and no new PR for this key until a reset: one
    transaction. The PR first gets one comment saying so and how to resume (found before it is posted again, so
    a kill before the transaction still ends with one)."""
    if rem.pr_number and not said_before(p, rem, comments.STOPPED):
        tell_stopped(p, rem, reason)
    with p.store.transaction():
        decision = (report, Decided.REJECTED, reason)
        conclude(p, rem, RemState.REJECTED, outcome=HealthOutcome.REJECTED, success=False, decision=decision)
        p.breakers.operator_move(
            [rem.key], State.FORCED_OPEN, reason=f"{reason}: waiting for a reset", who="agent", now=p.now()
        )


def tell_stopped(p: Ports, rem: Remediation, reason: str) -> None:
    """The one comment on a fix a person said no to: the agent stops proposing fixes for it, and how to resume."""
    p.effects.comment(rem.repo, rem.pr_number, comments.stopped_comment(rem, reason))


def reject_pull(p: Ports, report: Report, rem: Remediation, who: str, how: str) -> None:
    """A person rejected the fix without closing it (`/cicd-agent reject`): the agent closes it for them,
    labelled so that state rebuilt from GitHub reads it as a rejection, and deletes its branch unless it holds a
    commit someone else made. Each step is safe to repeat."""
    p.effects.add_labels(rem.repo, rem.pr_number, [REJECTED_LABEL])
    p.effects.close_pull(rem.repo, rem.pr_number)
    found = held(p.github, rem.repo, rem.branch, rem.fix_branch, own=(rem.head_sha,))
    if found is not None and not found.others:
        p.effects.delete_branch(rem.repo, rem.fix_branch)
    rejected(p, report, rem, f"{rem.pr_url} was rejected by {who} ({how})")


def look_at_settled(p: Ports, report: Report, key: FailureKey) -> None:
    """Before the agent acts on a failure again: its fixes already judged whose PR was left open for a person.
    Merged since is recorded; closed unmerged since is a rejection (unless the agent's own account closed it),
    so the breaker stops a new PR. Asked only when the failure comes back: nothing is spent meanwhile."""
    for rem in p.store.remediations(key=key, states=SETTLED, strategy=Strategy.FIX):
        if not rem.pr_number:
            continue
        try:
            pull = p.github.pull(rem.repo, rem.pr_number)
            if pull.merged:
                p.store.update_remediation(rem.id, state=RemState.MERGED, now=p.now())
                record_for(p, report, rem, Decided.MERGED, f"{rem.pr_url} was merged")
            elif pull.state == "closed":
                closed_unmerged(p, report, rem, pull)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.errors.append(f"looking at {rem.pr_url}: {exc}")
