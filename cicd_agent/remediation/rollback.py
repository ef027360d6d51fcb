"""Roll a failed fix back through the GitHub API: comment, label, close the PR, delete its branch, and when
it was merged restore the snapshot's contents. Each step is done once and recorded, so a rollback stopped by
an error or a crash is finished by a later cycle (`retry_unfinished`)."""

from __future__ import annotations

from collections.abc import Callable

from github import GithubException

from cicd_agent.errors import AgentError
from cicd_agent.github import PullRef
from cicd_agent.model import (
    ROLLED_BACK_LABEL,
    UNFINISHED_ROLLBACK,
    Decided,
    HealthOutcome,
    Remediation,
    RemState,
    Snapshot,
)
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import Ports, Report, count_outcome, record_for
from cicd_agent.text import read_metadata


def rollback(p: Ports, report: Report, rem: Remediation, why: str, pull: PullRef | None = None) -> None:
    """Comment, close, delete the branch, restore merged contents; each step once, resumable. `pull`: the PR
    as the caller just read it (else it is read here)."""
    done = list(rem.rollback_done)
    rem = p.store.update_remediation(rem.id, state=RemState.ROLLING_BACK, rollback_reason=why, now=p.now())
    repo, number = rem.repo, rem.pr_number
    try:
        pull = pull or p.github.pull(repo, number)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("comment", lambda: p.effects.comment(repo, number, bodies.rollback_comment(why))),
            ("label", lambda: p.effects.add_labels(repo, number, [ROLLED_BACK_LABEL])),
            ("close", lambda: p.effects.close_pull(repo, number) if pull.state == "open" else None),
            ("delete_branch", lambda: p.effects.delete_branch(repo, rem.fix_branch)),
        ]
        if pull.merged:
            steps.append(("restore", lambda: restore_snapshot(p, rem)))
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
    p.effects.notify_remediation("rollback", f"{repo} {rem.branch}: rolled back {rem.pr_url}: {why}", rem)
    record_for(p, report, rem, Decided.ROLLED_BACK, f"{rem.pr_url}: {why}")


def restore_snapshot(p: Ports, rem: Remediation) -> None:
    """Put every file the fix touched back as the snapshot has it, on the base branch (contents API)."""
    snapshot = p.store.snapshot(rem.snapshot_id) or snapshot_from_github(p, rem)
    if snapshot is None:
        raise AgentError(f"snapshot {rem.snapshot_id} is missing: cannot restore {rem.repo}")
    repo, base = rem.repo, rem.branch
    message = bodies.rollback_commit_message(rem.pr_url)
    for path, original in sorted(snapshot.files.items()):
        current = p.github.file(repo, path, base)
        if original is None:
            if current is not None:
                p.effects.delete_file(repo, path, branch=base, message=message, sha=current.sha, previous=current.text)
        elif current is None or current.text != original:
            p.effects.put_file(
                repo,
                path,
                original,
                branch=base,
                message=message,
                sha=current.sha if current else None,
                previous=current.text if current else None,
            )


def snapshot_from_github(p: Ports, rem: Remediation) -> Snapshot | None:
    """A snapshot rebuilt from the PR's metadata (base commit and paths): the originals are the files at the
    base commit. Used where the local snapshot is gone (an Action runner is thrown away)."""
    pull = p.github.pull(rem.repo, rem.pr_number)
    meta = (read_metadata(pull.body) if p.github.wrote(pull.author) else None) or {}
    base, paths = meta.get("base_sha"), meta.get("paths")
    if not isinstance(base, str) or not isinstance(paths, list):
        return None
    files: dict[str, str | None] = {}
    for path in paths:
        found = p.github.file(rem.repo, str(path), base)
        files[str(path)] = found.text if found else None
    return Snapshot(rem.snapshot_id, rem.repo, rem.branch, base, p.now(), files)


def retry_unfinished(p: Ports, report: Report) -> None:
    """Rollbacks a failure or a crash left unfinished: each step not yet done is done now."""
    for rem in p.store.remediations(states=UNFINISHED_ROLLBACK):
        rollback(p, report, rem, rem.rollback_reason or "retrying an unfinished rollback")
