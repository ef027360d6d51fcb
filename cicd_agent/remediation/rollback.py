"""Roll a failed fix back: label, close the PR, delete its branch (kept when it holds a commit someone else made),
revert the fix's own change when it was merged, then comment what came of it (with links). Each step is
idempotent, done once and recorded, so a rollback stopped by an error or a crash is finished by a later cycle
(`retry_unfinished`, one cycle at a time: a lease); the comment is written last, from what GitHub shows.

A merged fix is reverted with git, never by writing files back: the base branch is checked out and the commit the
fix landed as is reverted on top of it, so whatever people committed since stays. When someone changed the same
lines since (the revert does not apply cleanly), or the base branch refuses a direct push, the revert goes into a
pull request that says so, for a person to finish: nothing is overwritten."""

from __future__ import annotations

from collections.abc import Callable

from github import GithubException

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.github.errors import AlreadyExists, Refused, ends_cycle
from cicd_agent.github.gitops import PushRejected, WorkflowPushRefused
from cicd_agent.github.values import CommitRef, PullRef
from cicd_agent.model import (
    LABEL,
    REVERT_LABEL,
    ROLLED_BACK_LABEL,
    UNFINISHED_ROLLBACK,
    Decided,
    HealthOutcome,
    Remediation,
    RemState,
    revert_branch,
)
from cicd_agent.remediation import comments
from cicd_agent.remediation.context import Ports, Report, conclude, record_for, working_on
from cicd_agent.remediation.ownership import authors, held, others
from cicd_agent.text import read_metadata


def rollback(p: Ports, report: Report, rem: Remediation, why: str, pull: PullRef | None = None) -> None:
    """Label, close, delete (or keep) the branch, revert a merged fix, then comment what came of it; each step
    once, resumable. `pull`: the PR as the caller just read it (else it is read here)."""
    done = ["revert" if step == "restore" else step for step in rem.rollback_done]  # "restore": its old name
    rem = p.store.update_remediation(rem.id, state=RemState.ROLLING_BACK, rollback_reason=why, now=p.now())
    repo, number = rem.repo, rem.pr_number
    said: list[str] = []  # what the comment told, for the decision
    try:
        pull = pull or p.github.pull(repo, number)
        for name, step in steps(p, rem, pull, why, said, reopened="close" in done and pull.state == "open"):
            if name in done:
                continue
            intent = p.store.add_intent(rem.id, f"rollback.{name}", f"{repo}#{number}", now=p.now())
            try:
                skip = step()
            except (AgentError, GithubException):  # GitHub answered: not done (a kill leaves it pending)
                p.store.finish_intent(intent, now=p.now(), status="failed")
                raise
            p.store.finish_intent(intent, now=p.now())
            done += [name, *skip]
            p.store.update_remediation(rem.id, rollback_done=tuple(done), now=p.now())
    except (AgentError, GithubException) as exc:
        p.store.update_remediation(
            rem.id, state=RemState.ROLLBACK_PARTIAL, rollback_done=tuple(done), error=str(exc)[:500], now=p.now()
        )
        p.effects.notify_remediation(
            "rollback_partial", f"{repo} #{number}: rollback stopped after {done or 'nothing'}: {exc}", rem
        )
        record_for(p, report, rem, Decided.ROLLBACK_PARTIAL, f"will retry: {exc}")
        if ends_cycle(exc):  # the token refused, the host gone: nothing else can be done this cycle
            raise
        return
    current = p.store.remediation(rem.id) or rem
    outcome = "; ".join([f"{rem.pr_url}: {why}", *said])
    if current.revert_url and not said:
        outcome += f"; its revert needs a person: {current.revert_url}"
    decision = (report, Decided.ROLLED_BACK, outcome)
    conclude(p, rem, RemState.ROLLED_BACK, outcome=HealthOutcome.FAILURE, success=False, decision=decision)
    p.effects.notify_remediation("rollback", f"{repo} {rem.branch}: rolled back {outcome}", rem)


Step = Callable[[], list[str]]  # a step's action; returns the names of later steps it makes unnecessary


def steps(
    p: Ports, rem: Remediation, pull: PullRef, why: str, said: list[str], *, reopened: bool = False
) -> list[tuple[str, Step]]:
    """A rollback's steps, each safe to repeat; the comment comes last, once the outcome is known, and says it.
    Deleting the branch is the one write only one agent can make (GitHub answers the others that it is gone),
    so the agent that deleted it writes the comment: agents that do not share a state, judging the same PR,
    comment once. A branch holding a commit someone else made is never deleted: the comment names those. A pull
    request a person reopened since the agent closed it (`reopened`) is theirs: its branch is kept."""
    repo, number = rem.repo, rem.pr_number
    earlier = p.store.intent_pending(rem.id, "rollback.delete_branch")  # killed while deleting: maybe ours
    posted_before = p.store.intent_pending(rem.id, "rollback.comment")  # killed while commenting: maybe posted
    kept: list[tuple[CommitRef, ...]] = []  # the commits of others the branch holds, as this run found them

    def label() -> list[str]:
        if ROLLED_BACK_LABEL not in pull.labels:
            p.effects.add_labels(repo, number, [ROLLED_BACK_LABEL])
        return []

    def close() -> list[str]:
        if pull.state == "open":
            p.effects.close_pull(repo, number)
        return []

    def delete_branch() -> list[str]:
        if reopened:
            kept.append(())
            return []  # deleting it would close their pull request again
        found = held(p.github, repo, rem.branch, rem.fix_branch, own=(rem.head_sha,))
        kept.append(found.others if found is not None else ())
        if kept[-1]:
            return []  # kept: the comment names the commits and who made them
        deleted = found is not None and p.effects.delete_branch(repo, rem.fix_branch)
        # gone already: whoever deleted it comments (a merged PR's branch may have gone with the merge)
        return [] if deleted or earlier or pull.merged else ["comment"]

    def revert() -> list[str]:
        revert_merged(p, rem, pull, why)
        return []

    def comment() -> list[str]:
        current = p.store.remediation(rem.id) or rem
        if not kept:  # the branch was dealt with by an earlier run: as it is now
            found = held(p.github, repo, rem.branch, rem.fix_branch, own=(rem.head_sha,))
            kept.append(found.others if found is not None else ())
        others = kept[-1]
        theirs = merged_with(p, current, pull)
        said.extend(comments.rollback_summary(current, kept=others, merged=pull.merged, merged_with=theirs))
        by = reopener(p, rem) if reopened else ""
        if by:
            said.append(f"{rem.pr_url} was reopened by {by}: left to them, its branch kept")
        # looked for only when it may be there: a kill while posting it, or a kept branch (no delete decided
        # which of several agents comments)
        if posted_before or others or reopened:
            mine = (c for c in p.github.comments(repo, number) if p.github.wrote(c.author))
            if any(is_rollback_comment(c.body, number) for c in mine):
                return []
        text = comments.rollback_comment(
            current, why, kept=others, merged=pull.merged, merged_with=theirs, reopened_by=by
        )
        p.effects.comment(repo, number, text)
        return []

    found: list[tuple[str, Step]] = [("label", label), ("close", close), ("delete_branch", delete_branch)]
    if pull.merged:
        found.append(("revert", revert))
    found.append(("comment", comment))
    return found


def reopener(p: Ports, rem: Remediation) -> str:
    """Who last reopened the pull request ("someone" when GitHub names nobody)."""
    events = [e for e in p.github.issue_events(rem.repo, rem.pr_number) if e.event == "reopened"]
    return events[-1].actor if events and events[-1].actor else "someone"


def is_rollback_comment(body: str, number: int) -> bool:
    return (read_metadata(body) or {}).get("rollback") == number


def revert_merged(p: Ports, rem: Remediation, pull: PullRef, why: str) -> None:
    """Revert the commit the fix landed as, on the tip of the base branch, and push it there (no force: if the
    branch moved meanwhile, the push fails and the next cycle reverts on the new tip). A revert that does not
    apply cleanly, or a branch that refuses the push, becomes a revert pull request instead. What was done is
    recorded (the revert commit, or the revert PR) for the comment that follows."""
    landed = pull.merge_commit or rem.head_sha
    p.store.update_remediation(rem.id, landed_sha=landed, now=p.now())
    clone_url = p.github.repository(rem.repo).clone_url
    target = own_part(rem, pull)
    message = comments.revert_commit_message(rem.pr_url, target)
    made = p.workspaces.revert(rem.repo, clone_url, f"refs/remotes/origin/{rem.branch}", target, message)
    if made.already or made.absent:  # absent: what was merged is a person's rewrite, never reverted
        if made.sha:
            p.store.update_remediation(rem.id, revert_sha=made.sha, now=p.now())
        return
    if made.conflicts:
        return revert_pull(p, rem, target, why, comments.revert_conflict_note(rem.branch, made.conflicts))
    workspace = p.workspaces.path(rem.repo)
    try:
        p.effects.push(rem.repo, workspace, rem.branch, diff=p.workspaces.head_diff(rem.repo))
    except PushRejected:
        raise  # the branch moved: retried on its new tip next cycle
    except Refused:
        raise  # the credentials: a person fixes them, then the next cycle pushes it
    except AgentError as exc:
        return revert_pull(p, rem, landed, why, comments.revert_refused_note(rem.branch, str(exc)))
    p.store.update_remediation(rem.id, revert_sha=made.sha, now=p.now())


def own_part(rem: Remediation, pull: PullRef) -> str:
    """What a rollback of a merged fix reverts (pure): the commit it landed as when the pull request held only the
    agent's fix commit; else (people pushed to it before merging it) the agent's own commit alone, so what they
    merged with it stays."""
    landed = pull.merge_commit or rem.head_sha
    if pull.head_sha and rem.head_sha and pull.head_sha != rem.head_sha:
        return rem.head_sha
    return landed


def merged_with(p: Ports, rem: Remediation, pull: PullRef) -> tuple[CommitRef, ...]:
    """The commits someone else made that were merged with the agent's fix (one request, only when the pull
    request's head was not the agent's commit)."""
    if not pull.merged or not rem.base_sha or own_part(rem, pull) == (pull.merge_commit or rem.head_sha):
        return ()
    return tuple(others(p.github.compare(rem.repo, rem.base_sha, pull.head_sha).commits, (rem.head_sha,)))


def revert_pull(p: Ports, rem: Remediation, landed: str, why: str, note: str) -> None:
    """The revert, made on the commit the fix landed as (so it applies), proposed to the base branch: GitHub
    shows where it meets later changes, and a person decides. Found again by its branch; its branch replaced
    (compare-and-swap) only while it holds nothing but the agent's own commits."""
    head = revert_branch(rem.pr_number)
    existing = p.github.pulls(rem.repo, head=head, state="open")
    if existing:
        p.store.update_remediation(rem.id, revert_url=existing[0].html_url, now=p.now())
        return
    clone_url = p.github.repository(rem.repo).clone_url
    made = p.workspaces.revert(rem.repo, clone_url, landed, landed, comments.revert_commit_message(rem.pr_url, landed))
    if not made.sha:
        raise AgentError(f"cannot revert {landed[:12]} on itself in {rem.repo}")
    found = held(p.github, rem.repo, rem.branch, head)
    if found is not None and found.others:
        raise AgentError(
            f"{head} in {rem.repo} holds commits the agent did not make ({authors(found.others)}): not overwritten",
            fix="open the revert pull request from it, or delete it to let the agent propose its revert",
        )
    workspace = p.workspaces.path(rem.repo)
    expect = found.head if found is not None else ""
    diff = p.workspaces.head_diff(rem.repo)
    try:
        p.effects.push(rem.repo, workspace, head, expect=expect, diff=diff)
    except WorkflowPushRefused as exc:  # the revert touches workflow files the token may not change
        return revert_issue(p, rem, why, exc, diff)
    try:
        opened = p.effects.open_pull(
            rem.repo,
            head=head,
            base=rem.branch,
            title=comments.revert_title(rem.pr_number),
            body=comments.revert_body(rem, why, note),
            labels=[LABEL, REVERT_LABEL],
        )
    except AlreadyExists:
        found_pulls = p.github.pulls(rem.repo, head=head, state="open")
        if not found_pulls:
            raise
        opened = found_pulls[0]
    p.store.update_remediation(rem.id, revert_url=opened.html_url, now=p.now())


def revert_issue(p: Ports, rem: Remediation, why: str, refusal: PermissionMissing, diff: str) -> None:
    """A revert GitHub will not take from the agent (a push touching .github/workflows/ without the workflow
    scope): not retried blindly; an issue carries the patch and the permission missing (found again by its
    metadata), and the rollback's comment links it."""
    for issue in p.github.issues(rem.repo, label=LABEL, state="open"):
        meta = (read_metadata(issue.body) if p.github.wrote(issue.author) else None) or {}
        if meta.get("kind") == "revert" and meta.get("reverts") == rem.pr_number:
            p.store.update_remediation(rem.id, revert_url=issue.html_url, now=p.now())
            return
    body = comments.revert_refused_body(rem, why, refusal.permission, diff)
    opened = p.effects.open_issue(rem.repo, comments.revert_title(rem.pr_number), body, [LABEL, REVERT_LABEL])
    p.store.update_remediation(rem.id, revert_url=opened.html_url, now=p.now())


def retry_unfinished(p: Ports, report: Report) -> None:
    """Rollbacks a failure or a crash left unfinished: each step not yet done is done now (by one cycle at once)."""
    for rem in p.store.remediations(states=UNFINISHED_ROLLBACK):
        with working_on(p, rem, UNFINISHED_ROLLBACK) as current:
            if current is not None:
                rollback(p, report, current, current.rollback_reason or "retrying an unfinished rollback")
