"""The GitHub port's writes (a mixin of `GitHubClient`): called by `effects.gateway.Effects` only, which is what makes
`--dry-run` provable. Each is one request where GitHub allows it."""

from __future__ import annotations

import urllib.parse
from typing import Any

from github import Github, GithubException
from github.GithubObject import NotSet

from cicd_agent.github.errors import api, json_or_text
from cicd_agent.github.values import PullRef, issue_of, pull_of


class GitHubWrites:
    gh: Github

    def _repo(self, repo: str) -> Any:
        raise NotImplementedError

    @api("deleting branch {branch} of {repo}")
    def delete_branch(self, repo: str, branch: str) -> bool:
        """Delete a branch with one DELETE; False when it was already gone (GitHub answers 422 "Reference does
        not exist", or 404), so a retried rollback is idempotent."""
        url = f"{self._repo(repo).url}/git/refs/heads/{urllib.parse.quote(branch, safe='/')}"
        status, headers, body = self.gh.requester.requestJson("DELETE", url)
        if status in (404, 422):
            return False
        if status >= 400:
            raise GithubException(status, json_or_text(body), headers)
        return True

    @api("writing {path} on {branch} of {repo}")
    def put_file(self, repo: str, path: str, text: str, *, branch: str, message: str, sha: str | None) -> str:
        r = self._repo(repo)
        if sha:
            result = r.update_file(path, message, text, sha, branch=branch)
        else:
            result = r.create_file(path, message, text, branch=branch)
        return str(result["commit"].sha)

    @api("deleting {path} on {branch} of {repo}")
    def delete_file(self, repo: str, path: str, *, branch: str, message: str, sha: str) -> str:
        result: dict[str, Any] = self._repo(repo).delete_file(path, message, sha, branch=branch)
        return str(result["commit"].sha)

    @api("opening a pull request from {head} in {repo}")
    def create_pull(self, repo: str, *, head: str, base: str, title: str, body: str, draft: bool) -> PullRef:
        return pull_of(self._repo(repo).create_pull(base=base, head=head, title=title, body=body, draft=draft))

    @api("closing pull request #{number} of {repo}")
    def close_pull(self, repo: str, number: int) -> None:
        self._repo(repo).get_pull(number).edit(state="closed")

    @api("marking pull request #{number} of {repo} ready for review")
    def mark_ready(self, repo: str, number: int) -> None:
        """A draft becomes ready for review: GraphQL's `markPullRequestReadyForReview` (REST cannot do it)."""
        self._repo(repo).get_pull(number).mark_ready_for_review()

    @api("merging pull request #{number} of {repo}")
    def merge_pull(self, repo: str, number: int, message: str, *, sha: str = "") -> str:
        """Merge; with `sha`, only while the head is still that commit (GitHub answers 409 otherwise)."""
        pull = self._repo(repo).get_pull(number)
        return str((pull.merge(commit_message=message, sha=sha) if sha else pull.merge(commit_message=message)).sha)

    @api("commenting on #{number} of {repo}")
    def comment(self, repo: str, number: int, body: str) -> None:
        self._repo(repo).get_issue(number).create_comment(body)

    @api("labelling #{number} of {repo}")
    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        self._repo(repo).get_issue(number).add_to_labels(*labels)

    @api("removing label {label} from #{number} of {repo}")
    def remove_label(self, repo: str, number: int, label: str) -> bool:
        """Take a label off; False when it was not there (so a retry is harmless)."""
        try:
            self._repo(repo).get_issue(number).remove_from_labels(label)
            return True
        except GithubException as exc:  # 404 "Label does not exist"
            if exc.status == 404:
                return False
            raise

    @api("opening an issue in {repo}")
    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> PullRef:
        return issue_of(self._repo(repo).create_issue(title=title, body=body, labels=labels))

    @api("editing issue #{number} of {repo}")
    def edit_issue(self, repo: str, number: int, *, body: str | None = None, state: str | None = None) -> None:
        self._repo(repo).get_issue(number).edit(body=NotSet if body is None else body, state=state or NotSet)

    @api("asking to re-run run {run_id} of {repo}")
    def rerun_failed_jobs(self, repo: str, run_id: int) -> None:
        self._repo(repo).get_workflow_run(run_id).rerun_failed_jobs()
