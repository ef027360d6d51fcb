"""Real bare git repositories behind the sandbox, driven through GitPython's plumbing."""

from __future__ import annotations

import os
import tempfile
from io import BytesIO
from pathlib import Path

import git
from gitdb import IStream

SANDBOX_IDENTITY = {
    "GIT_AUTHOR_NAME": "Sandbox",
    "GIT_AUTHOR_EMAIL": "sandbox@example.invalid",
    "GIT_COMMITTER_NAME": "Sandbox",
    "GIT_COMMITTER_EMAIL": "sandbox@example.invalid",
}


class RefMismatch(Exception):
    """A ref moved under us (compare-and-swap failed)."""


class BareRepo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = git.Repo(path)

    @classmethod
    def create(cls, path: Path, files: dict[str, bytes], *, branch: str = "main", message: str = "initial") -> BareRepo:
        path.mkdir(parents=True, exist_ok=True)
        git.Repo.init(path, bare=True, initial_branch=branch)
        bare = cls(path)
        tree = bare.write_tree(None, {name: data for name, data in files.items()})
        sha = bare.commit(tree, [], message)
        bare.repo.git.update_ref(f"refs/heads/{branch}", sha)
        return bare

    def _git(self, *args: str, index: str | None = None) -> str:
        env = dict(SANDBOX_IDENTITY)
        if index:
            env["GIT_INDEX_FILE"] = index
        return str(self.repo.git.execute(["git", *args], env=env))

    def branches(self) -> dict[str, str]:
        out = self._git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
        pairs = (line.split(" ", 1) for line in out.splitlines() if line)
        return {name: sha for name, sha in pairs}

    def ref_sha(self, branch: str) -> str | None:
        return self.branches().get(branch)

    def resolve(self, ref: str) -> str | None:
        """A branch name or a commit SHA to a commit SHA."""
        if ref in self.branches():
            return self.branches()[ref]
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") or None
        except git.GitCommandError:
            return None

    def read(self, commit: str, path: str) -> tuple[str, bytes] | None:
        """(blob sha, content) of a file at a commit, or None."""
        try:
            blob = self.repo.commit(commit).tree / path
        except (KeyError, ValueError):
            return None
        if blob.type != "blob":
            return None
        return blob.hexsha, blob.data_stream.read()

    def list_dir(self, commit: str, path: str) -> list[str]:
        try:
            tree = self.repo.commit(commit).tree
            if path:
                tree = tree / path
        except (KeyError, ValueError):
            return []
        if tree.type != "tree":
            return []
        return [str(item.path) for item in tree.traverse() if getattr(item, "type", "") == "blob"]  # type: ignore[union-attr]

    def write_tree(self, base_commit: str | None, changes: dict[str, bytes | None]) -> str:
        """A tree: the base commit's with `changes` applied (None deletes a path)."""
        fd, index = tempfile.mkstemp(prefix="sandbox-index-")
        os.close(fd)
        os.unlink(index)
        try:
            if base_commit:
                self._git("read-tree", base_commit, index=index)
            for path, data in changes.items():
                if data is None:  # mode 0 in --index-info removes the entry; no work tree needed
                    with tempfile.TemporaryFile() as stdin:
                        stdin.write(f"0 {'0' * 40}\t{path}\n".encode())
                        stdin.seek(0)
                        env = {**SANDBOX_IDENTITY, "GIT_INDEX_FILE": index}
                        self.repo.git.execute(["git", "update-index", "--index-info"], istream=stdin, env=env)
                else:
                    blob = self.repo.odb.store(IStream("blob", len(data), BytesIO(data))).hexsha
                    self._git("update-index", "--add", "--cacheinfo", f"100644,{blob.decode()},{path}", index=index)
            return self._git("write-tree", index=index)
        finally:
            if os.path.exists(index):
                os.unlink(index)

    def commit(self, tree: str, parents: list[str], message: str) -> str:
        args = ["commit-tree", tree, "-m", message]
        for parent in parents:
            args += ["-p", parent]
        return self._git(*args)

    def update_branch(self, branch: str, sha: str, *, old: str | None = None) -> None:
        args = ["update-ref", f"refs/heads/{branch}", sha]
        if old is not None:
            args.append(old)
        try:
            self._git(*args)
        except git.GitCommandError as exc:
            raise RefMismatch(str(exc)) from None

    def delete_branch(self, branch: str) -> None:
        self._git("update-ref", "-d", f"refs/heads/{branch}")

    def merge(self, base: str, head: str, message: str) -> str | None:
        """A merge commit of head into base (fast path when base is already contained); None on conflict."""
        try:
            self._git("merge-base", "--is-ancestor", head, base)
            return base
        except git.GitCommandError:
            pass
        try:
            tree = self._git("merge-tree", "--write-tree", base, head).splitlines()[0]
        except git.GitCommandError:
            return None
        return self.commit(tree, [base, head], message)

    def checkout(self, commit: str, dest: Path) -> None:
        """Materialise a commit's files in a plain directory (the CI runner's workspace)."""
        dest.mkdir(parents=True, exist_ok=True)
        fd, index = tempfile.mkstemp(prefix="sandbox-index-")
        os.close(fd)
        os.unlink(index)
        try:
            self._git("read-tree", commit, index=index)
            self._git("--work-tree", str(dest), "checkout-index", "-a", "-f", index=index)
        finally:
            if os.path.exists(index):
                os.unlink(index)
