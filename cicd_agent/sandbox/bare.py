"""Real bare git repositories behind the sandbox, driven through GitPython's plumbing."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
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


EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
STATUSES = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}


class RefMismatch(Exception):
    """A ref moved under us (compare-and-swap failed)."""


@dataclass(frozen=True)
class CommitMeta:
    sha: str
    tree: str
    parents: list[str]
    message: str
    author: tuple[str, str, str]  # name, email, ISO date
    committer: tuple[str, str, str]


@dataclass(frozen=True)
class FileDiff:
    """One changed file between two commits, as GitHub lists it (`patch` holds only the hunks)."""

    path: str
    status: str  # added | removed | modified | renamed | copied | changed
    blob: str
    additions: int
    deletions: int
    patch: str | None
    previous: str | None = None


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

    def _git(self, *args: str, index: str | None = None, by: tuple[str, str] | None = None) -> str:
        """A git command as the sandbox, or as `by` (name, e-mail): the author and committer of what it makes."""
        env = dict(SANDBOX_IDENTITY)
        if by is not None:
            env.update(
                GIT_AUTHOR_NAME=by[0], GIT_AUTHOR_EMAIL=by[1], GIT_COMMITTER_NAME=by[0], GIT_COMMITTER_EMAIL=by[1]
            )
        if index:
            env["GIT_INDEX_FILE"] = index
        return str(self.repo.git.execute(["git", *args], env=env))

    def refs(self, prefix: str = "refs/") -> dict[str, str]:
        """Full ref names under `prefix` to the commit each points at (an annotated tag peeled)."""
        out = self._git("for-each-ref", "--format=%(refname) %(objectname) %(*objectname)", prefix)
        found = {}
        for line in out.splitlines():
            name, sha, *peeled = line.split(" ")
            found[name] = peeled[0] if peeled and peeled[0] else sha
        return found

    def branches(self) -> dict[str, str]:
        return {name[len("refs/heads/") :]: sha for name, sha in self.refs("refs/heads/").items()}

    def tags(self) -> dict[str, str]:
        return {name[len("refs/tags/") :]: sha for name, sha in self.refs("refs/tags/").items()}

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

    def commit(self, tree: str, parents: list[str], message: str, *, by: tuple[str, str] | None = None) -> str:
        args = ["commit-tree", tree, "-m", message]
        for parent in parents:
            args += ["-p", parent]
        return self._git(*args, by=by)

    def update_ref(self, ref: str, sha: str, *, old: str | None = None) -> None:
        """Point a full ref name at `sha`; with `old`, only if it still points there ("" = must not exist)."""
        args = ["update-ref", ref, sha]
        if old is not None:
            args.append(old)
        try:
            self._git(*args)
        except git.GitCommandError as exc:
            raise RefMismatch(str(exc)) from None

    def update_branch(self, branch: str, sha: str, *, old: str | None = None) -> None:
        self.update_ref(f"refs/heads/{branch}", sha, old=old)

    def delete_ref(self, ref: str) -> None:
        self._git("update-ref", "-d", ref)

    def delete_branch(self, branch: str) -> None:
        self.delete_ref(f"refs/heads/{branch}")

    def fast_import(self, stream: str) -> None:
        """Write commits and refs in one go (`git fast-import`): how many releases are made at once."""
        with tempfile.TemporaryFile() as stdin:
            stdin.write(stream.encode())
            stdin.seek(0)
            self.repo.git.execute(["git", "fast-import", "--quiet"], istream=stdin, env=dict(SANDBOX_IDENTITY))

    def merge(self, base: str, head: str, message: str, *, by: tuple[str, str] | None = None) -> str | None:
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
        return self.commit(tree, [base, head], message, by=by)

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

    # -- history ------------------------------------------------------------------------------------

    def commit_meta(self, sha: str) -> CommitMeta:
        fields = self._git("show", "-s", "--format=%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B", sha)
        full, tree, parents, an, ae, ad, cn, ce, cd, message = fields.split("\x00", 9)
        return CommitMeta(full, tree, parents.split(), message, (an, ae, _utc(ad)), (cn, ce, _utc(cd)))

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            return self._git("merge-base", a, b) or None
        except git.GitCommandError:
            return None

    def between(self, base: str, head: str) -> list[str]:
        """The commits reachable from head and not from base, oldest first."""
        return [line for line in self._git("rev-list", "--reverse", f"{base}..{head}").splitlines() if line]

    def diff(self, old: str | None, new: str) -> list[FileDiff]:
        """What changed from `old` (None: nothing, as for a root commit) to `new`, file by file."""
        old = old or EMPTY_TREE
        tokens = self._git("diff", "--find-renames", "--name-status", "-z", old, new).split("\x00")
        files, i = [], 0
        while i < len(tokens) and tokens[i]:
            code = tokens[i][0]
            paths = tokens[i + 1 : i + (3 if code in "RC" else 2)]
            i += 1 + len(paths)
            files.append(self._file_diff(old, new, code, paths))
        return files

    def _file_diff(self, old: str, new: str, code: str, paths: list[str]) -> FileDiff:
        path = paths[-1]
        text = self._git("diff", "--find-renames", old, new, "--", *paths)
        lines = text.split("\n")
        start = next((n for n, line in enumerate(lines) if line.startswith("@@")), None)
        hunks = lines[start:] if start is not None else []
        blob = self._git("rev-parse", f"{old if code == 'D' else new}:{path}")
        return FileDiff(
            path,
            STATUSES.get(code, "changed"),
            blob,
            sum(1 for line in hunks if line.startswith("+")),
            sum(1 for line in hunks if line.startswith("-")),
            "\n".join(hunks) if hunks else None,
            paths[0] if code in "RC" else None,
        )


def _utc(stamp: str) -> str:
    """git's ISO 8601 date to GitHub's UTC form."""
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
