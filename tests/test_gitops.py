"""The git port's push: a push that loses a race for the branch's lock is tried again, others fail."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from cicd_agent.errors import AgentError
from cicd_agent.gitops import GitPusher


def _workspace(tmp_path: Path) -> tuple[Path, Path]:
    origin = tmp_path / "origin.git"
    git.Repo.init(origin, bare=True)
    work = tmp_path / "work"
    repo = git.Repo.clone_from(str(origin), work)
    (work / "app.py").write_text("x = 1\n")
    repo.index.add(["app.py"])
    repo.index.commit("start")
    return origin, work


def test_a_push_racing_another_for_the_same_branch_goes_through_once_the_lock_is_free(tmp_path: Path) -> None:
    origin, work = _workspace(tmp_path)
    hook = origin / "hooks" / "pre-receive"
    # the first push finds the branch locked by another push, as git reports it; the next one gets through
    hook.write_text(
        "#!/bin/sh\n"
        'if [ ! -e "$GIT_DIR/raced" ]; then touch "$GIT_DIR/raced"; '
        "echo \"error: cannot lock ref 'refs/heads/fix': reference already exists\" >&2; exit 1; fi\n"
    )
    hook.chmod(0o755)
    GitPusher().push(work, "fix", force=True)
    assert (origin / "raced").exists()
    assert git.Repo(origin).heads["fix"].commit.hexsha == git.Repo(work).head.commit.hexsha


def test_an_unforced_push_that_raced_is_rejected_once_the_branch_is_taken(tmp_path: Path) -> None:
    from cicd_agent.gitops import PushRejected

    origin, work = _workspace(tmp_path)
    other = git.Repo.clone_from(str(origin), tmp_path / "other")
    (tmp_path / "other" / "app.py").write_text("x = 2\n")
    other.index.add(["app.py"])
    other.index.commit("the other run's fix")
    other.git.push("origin", "HEAD:refs/heads/other-run")
    hook = origin / "hooks" / "pre-receive"
    # while our push waits, the other run's push takes the branch and ours is refused on the lock
    hook.write_text(
        "#!/bin/sh\n"
        "env -u GIT_QUARANTINE_PATH git update-ref refs/heads/fix refs/heads/other-run\n"
        "echo \"error: cannot lock ref 'refs/heads/fix': reference already exists\" >&2\n"
        "exit 1\n"
    )
    hook.chmod(0o755)
    with pytest.raises(PushRejected):
        GitPusher().push(work, "fix", force=False)


def test_a_lock_that_stays_fails_with_the_reason(tmp_path: Path) -> None:
    origin, work = _workspace(tmp_path)
    lock = origin / "refs" / "heads" / "fix.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    with pytest.raises(AgentError, match="git push of fix failed"):
        GitPusher().push(work, "fix", force=True)
