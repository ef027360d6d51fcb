"""The git port on real repositories: the revert of a merged change (one commit on the tip of the branch,
found again on a retry, a clean refusal when later work changed the same lines), and pushes that race for a
branch's lock (tried again; others fail)."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from cicd_agent.errors import AgentError
from cicd_agent.github.gitops import GitPusher, Workspaces
from cicd_agent.sandbox.bare import BareRepo

TEXT = b"one\ntwo\nthree\nfour\nfive\n"


@pytest.fixture
def bare(tmp_path: Path) -> BareRepo:
    """main: the initial commit, then a fix (merged as a merge commit) changing line four."""
    repo = BareRepo.create(tmp_path / "r.git", {"f.txt": TEXT})
    start = repo.branches()["main"]
    fix = repo.commit(repo.write_tree(start, {"f.txt": TEXT.replace(b"four", b"FOUR")}), [start], "fix")
    repo.update_branch("main", repo.merge(start, fix, "merge the fix") or "")
    assert repo.ref_sha("main") != fix  # a real merge commit
    return repo


def _later(bare: BareRepo, old: bytes, new: bytes) -> None:
    """A person's commit on main after the merge."""
    tip = bare.branches()["main"]
    text = bare.read(tip, "f.txt")
    assert text is not None
    bare.update_branch("main", bare.commit(bare.write_tree(tip, {"f.txt": text[1].replace(old, new)}), [tip], "later"))


def test_a_revert_keeps_later_work_and_is_found_again(bare: BareRepo, tmp_path: Path) -> None:
    merged = bare.branches()["main"]
    _later(bare, b"one", b"ONE")
    spaces = Workspaces(tmp_path / "ws")
    message = f"revert\n\nThis reverts commit {merged}."
    made = spaces.revert("o/r", bare.path.as_uri(), "origin/main", merged, message)
    assert made.sha and not made.conflicts and not made.already
    assert (spaces.path("o/r") / "f.txt").read_text() == "ONE\ntwo\nthree\nfour\nfive\n"
    git.Repo(spaces.path("o/r")).git.push("origin", "HEAD:refs/heads/main")
    assert spaces.revert("o/r", bare.path.as_uri(), "origin/main", merged, message).already  # a retry: done


def test_a_revert_over_the_same_lines_is_refused_and_leaves_nothing_half_done(bare: BareRepo, tmp_path: Path) -> None:
    merged = bare.branches()["main"]
    _later(bare, b"FOUR", b"FOUR!")
    spaces = Workspaces(tmp_path / "ws")
    made = spaces.revert("o/r", bare.path.as_uri(), "origin/main", merged, f"This reverts commit {merged}.")
    assert made.conflicts == ("f.txt",) and not made.sha
    handle = git.Repo(spaces.path("o/r"))
    assert not handle.is_dirty(untracked_files=True)
    assert handle.head.commit.hexsha == bare.branches()["main"]
    on_itself = spaces.revert("o/r", bare.path.as_uri(), merged, merged, f"This reverts commit {merged}.")
    assert on_itself.sha and (spaces.path("o/r") / "f.txt").read_text() == TEXT.decode()


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
    from cicd_agent.github.gitops import PushRejected

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
