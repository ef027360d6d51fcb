"""The GitHub port's reads of a repository's history (a mixin of `GitHubClient`): releases, tags and refs (what
the deprecated-action fixer compares versions with), commits and comparisons (what a rollback of a merged fix
reverts)."""

from __future__ import annotations

from typing import Any

from github import UnknownObjectException

from cicd_agent.github.errors import api
from cicd_agent.github.values import CommitInfo, Comparison, Tag, commit_ref_of, file_change_of


class GitHubHistory:
    def _repo(self, repo: str) -> Any:
        raise NotImplementedError

    @api("reading the latest release of {repo}")
    def latest_release(self, repo: str) -> str | None:
        """The latest release's tag, or None when the repository has no release."""
        try:
            return str(self._repo(repo).get_latest_release().tag_name)
        except UnknownObjectException:
            return None

    @api("listing the tags of {repo}")
    def tags(self, repo: str) -> list[Tag]:
        return [Tag(t.name, t.commit.sha) for t in self._repo(repo).get_tags()]

    @api("reading ref {ref} of {repo}")
    def ref_sha(self, repo: str, ref: str) -> str | None:
        """The commit a ref (`heads/main`, `tags/v4`) points at, an annotated tag peeled; None when absent."""
        r = self._repo(repo)
        try:
            target = r.get_git_ref(ref).object
        except UnknownObjectException:
            return None
        if target.type == "tag":
            return str(r.get_git_tag(target.sha).object.sha)
        return str(target.sha)

    @api("reading commit {sha} of {repo}")
    def commit(self, repo: str, sha: str) -> CommitInfo:
        """A commit: its parents, message and the files it changed (against its first parent)."""
        c = self._repo(repo).get_commit(sha)
        files = tuple(file_change_of(f) for f in c.files)
        return CommitInfo(c.sha, tuple(p.sha for p in c.parents), c.commit.message, files)

    @api("comparing {base}...{head} in {repo}")
    def compare(self, repo: str, base: str, head: str) -> Comparison:
        comparison = self._repo(repo).compare(base, head)
        return Comparison(
            comparison.status,
            comparison.ahead_by,
            comparison.behind_by,
            comparison.merge_base_commit.sha,
            tuple(commit_ref_of(c) for c in comparison.commits),
            tuple(file_change_of(f) for f in comparison.files),
        )
