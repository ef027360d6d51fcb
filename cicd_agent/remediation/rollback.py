"""Roll a failed fix back: comment, label, close the PR, delete its branch, and when it was merged revert the fix's
own change. Each step is done once and recorded, so a rollback stopped by an error or a crash is finished by a
later cycle (`retry_unfinished`).

A merged fix is reverted with git, never by writing files back: the base branch is checked out and the commit the
fix landed as is reverted on top of it, so whatever people committed since stays. When someone changed the same
lines since (the revert does not apply cleanly), or the base branch refuses a direct push, the revert goes into a
pull request that says so, for a person to finish: nothing is overwritten."""

from __future__ import annotations

from collections.abc import Callable

from github import GithubException

from cicd_agent.errors import AgentError
from cicd_agent.github import AlreadyExists, PullRef
from cicd_agent.gitops import PushRejected
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
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import Ports, Report, count_outcome, record_for


def rollback(p: Ports, report: Report, rem: Remediation, why: str, pull: PullRef | None = None) -> None:
    """Comment, close, delete the branch, revert a merged fix; each step once, resumable. `pull`: the PR as the
    caller just read it (else it is read here)."""
    done = ["revert" if step == "restore" else step for step in rem.rollback_done]  # "restore": its old name
    rem = p.store.update_remediation(rem.id, state=RemState.ROLLING_BACK, rollback_reason=why, now=p.now())
    repo, number = rem.repo, rem.pr_number
    try:
        pull = pull or p.github.pull(repo, number)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("comment", lambda: p.effects.comment(repo, number, bodies.rollback_comment(why, merged=pull.merged))),
            ("label", lambda: p.effects.add_labels(repo, number, [ROLLED_BACK_LABEL])),
            ("close", lambda: p.effects.close_pull(repo, number) if pull.state == "open" else None),
            ("delete_branch", lambda: p.effects.delete_branch(repo, rem.fix_branch)),
        ]
        if pull.merged:
            steps.append(("revert", lambda: revert_merged(p, rem, pull, why)))
        for name, step in steps:
            if name in done:
                continue
            intent = p.store.add_intent(rem.id, f"rollback.{name}", f"{repo}#{number}", now=p.now())
            step()
            p.store.finish_intent(intent, now=p.now())
            done.append(name)
            p.store.update_remediation(rem.id, rollback_done=tuple(done), now=p.now())
    except (AgentError, GithubException) as exc:
        p.store.update_remediation(
            rem.id, state=RemState.ROLLBACK_PARTIAL, rollback_done=tuple(done), error=str(exc)[:500], now=p.now()
        )
        p.effects.notify_remediation(
            "rollback_partial", f"{repo} #{number}: rollback stopped after {done or 'nothing'}: {exc}", rem
        )
        record_for(p, report, rem, Decided.ROLLBACK_PARTIAL, f"will retry: {exc}")
        return
    finished = p.store.update_remediation(rem.id, state=RemState.ROLLED_BACK, now=p.now())
    p.store.update_health_check(rem.id, outcome=HealthOutcome.FAILURE, now=p.now())
    count_outcome(p, finished, False)
    outcome = f"{rem.pr_url}: {why}"
    if finished.revert_url:
        outcome += f"; its revert needs a person: {finished.revert_url}"
    p.effects.notify_remediation("rollback", f"{repo} {rem.branch}: rolled back {outcome}", rem)
    record_for(p, report, rem, Decided.ROLLED_BACK, outcome)


def revert_merged(p: Ports, rem: Remediation, pull: PullRef, why: str) -> None:
    """Revert the commit the fix landed as, on the tip of the base branch, and push it there (no force: if the
    branch moved meanwhile, the push fails and the next cycle reverts on the new tip). A revert that does not
    apply cleanly, or a branch that refuses the push, becomes a revert pull request instead."""
    landed = pull.merge_commit or rem.head_sha
    clone_url = p.github.repository(rem.repo).clone_url
    message = bodies.revert_commit_message(rem.pr_url, landed)
    made = p.workspaces.revert(rem.repo, clone_url, f"refs/remotes/origin/{rem.branch}", landed, message)
    if made.already:
        return
    if made.conflicts:
        return revert_pull(p, rem, landed, why, bodies.revert_conflict_note(rem.branch, made.conflicts))
    workspace = p.workspaces.path(rem.repo)
    try:
        p.effects.push(rem.repo, workspace, rem.branch, diff=p.workspaces.head_diff(rem.repo))
    except PushRejected:
        raise  # the branch moved: retried on its new tip next cycle
    except AgentError as exc:
        revert_pull(p, rem, landed, why, bodies.revert_refused_note(rem.branch, str(exc)))


def revert_pull(p: Ports, rem: Remediation, landed: str, why: str, note: str) -> None:
    """The revert, made on the commit the fix landed as (so it applies), proposed to the base branch: GitHub
    shows where it meets later changes, and a person decides. Found again by its branch."""
    head = revert_branch(rem.pr_number)
    existing = p.github.pulls(rem.repo, head=head, state="open")
    if existing:
        p.store.update_remediation(rem.id, revert_url=existing[0].html_url, now=p.now())
        return
    clone_url = p.github.repository(rem.repo).clone_url
    made = p.workspaces.revert(rem.repo, clone_url, landed, landed, bodies.revert_commit_message(rem.pr_url, landed))
    if not made.sha:
        raise AgentError(f"cannot revert {landed[:12]} on itself in {rem.repo}")
    workspace = p.workspaces.path(rem.repo)
    p.effects.push(rem.repo, workspace, head, force=True, diff=p.workspaces.head_diff(rem.repo))
    try:
        opened = p.effects.open_pull(
            rem.repo,
            head=head,
            base=rem.branch,
            title=bodies.revert_title(rem.pr_number),
            body=bodies.revert_body(rem, why, note),
            labels=[LABEL, REVERT_LABEL],
        )
    except AlreadyExists:
        found = p.github.pulls(rem.repo, head=head, state="open")
        if not found:
            raise
        opened = found[0]
    p.store.update_remediation(rem.id, revert_url=opened.html_url, now=p.now())


def retry_unfinished(p: Ports, report: Report) -> None:
    """Rollbacks a failure or a crash left unfinished: each step not yet done is done now."""
    for rem in p.store.remediations(states=UNFINISHED_ROLLBACK):
        rollback(p, report, rem, rem.rollback_reason or "retrying an unfinished rollback")
