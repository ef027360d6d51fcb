"""The git port's revert of a merged change, on real repositories: one commit on the tip of the branch, found
again on a retry, and a clean refusal (nothing half-done) when later work changed the same lines."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from cicd_agent.gitops import Workspaces
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
