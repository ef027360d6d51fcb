"""The GitHub port: the PyGithub calls the agent makes, returning plain dataclasses.

Reads are used freely (also in a dry run). Writes are here too, but only `effects.Effects` calls them:
that is what makes `--dry-run` provable.
"""

from __future__ import annotations

import base64
import functools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry, UnknownObjectException
from github.GithubObject import NotSet

from cicd_agent.errors import AgentError

T = TypeVar("T")
LOG_CHUNK = 1024 * 1024  # bytes read from a log download at a time


@dataclass(frozen=True)
class RepoInfo:
    full_name: str
    default_branch: str
    clone_url: str
    html_url: str


@dataclass(frozen=True)
class WorkflowRun:
    repo: str
    id: int
    attempt: int
    name: str
    workflow_id: int
    branch: str
    head_sha: str
    event: str
    status: str
    conclusion: str | None
    html_url: str
    created_at: str
    fork: bool = False
    path: str = ""  # the workflow file, e.g. .github/workflows/ci.yml
    pull_requests: tuple[int, ...] = ()  # open PRs of this repository whose head is the run's branch


@dataclass(frozen=True)
class Job:
    id: int
    run_id: int
    name: str
    status: str
    conclusion: str | None
    steps: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class PullRef:
    number: int
    html_url: str
    state: str = "open"
    merged: bool = False
    head: str = ""
    head_sha: str = ""
    base: str = ""
    labels: tuple[str, ...] = ()
    body: str = ""


@dataclass(frozen=True)
class FileContent:
    path: str
    sha: str
    text: str


class ApiUnavailable(AgentError):
    """GitHub (this API host) is down or unreachable after the retries: stop talking to it this cycle."""


class AlreadyExists(AgentError):
    """GitHub refused to create something because it exists (a PR for that head, a ref): someone was first."""


def _http_error(exc: GithubException, what: str) -> AgentError:
    message = exc.data.get("message") if isinstance(exc.data, dict) else str(exc.data)
    details = (
        [
            str(e.get("message") or e.get("code"))
            for e in (exc.data or {}).get("errors", []) or []
            if isinstance(e, dict)
        ]
        if isinstance(exc.data, dict)
        else []
    )
    if details:
        message = f"{message}: {'; '.join(details)}"
    if exc.status == 422 and "already exists" in str(message):
        return AlreadyExists(f"{what}: {message}")
    if exc.status >= 500:
        return ApiUnavailable(
            f"GitHub answered {exc.status} while {what}: {message}",
            fix="GitHub may be having an outage; the next cycle retries",
        )
    if exc.status == 401:
        return AgentError(
            f"GitHub refused the token while {what}: {message}",
            fix="check GITHUB_TOKEN (or the env var your config names)",
        )
    if exc.status == 404:
        return AgentError(
            f"not found while {what}: {message}",
            fix="check the repository name and that the token can see it",
        )
    return AgentError(f"GitHub answered {exc.status} while {what}: {message}")


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Transport failures and unexpected API errors become one clear AgentError (never a traceback)."""

    @functools.wraps(method)
    def wrapper(self: GitHubClient, *args: Any, **kwargs: Any) -> T:
        self.calls += 1
        try:
            return method(self, *args, **kwargs)
        except requests.RequestException as exc:
            raise ApiUnavailable(
                f"cannot reach GitHub at {self.api_url}: {type(exc).__name__}: {exc}"[:500],
                fix="check GITHUB_API_URL and the network; the next cycle retries",
            ) from None
        except GithubException as exc:
            raise _http_error(exc, method.__name__.replace("_", " ")) from None

    return wrapper


def _guard_public_methods(cls: type) -> type:
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, _guarded(value))
    return cls


@_guard_public_methods
class GitHubClient:
    """Thin adapter over PyGithub. One instance per API host and token."""

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        auth: Auth.Auth | None = None,
        timeout: float = 30,
        retries: int = 3,
        max_rate_limit_wait: float = 120,
        seconds_between_writes: float = 1.0,
    ) -> None:
        retry = GithubRetry(total=retries, backoff_factor=0.5, backoff_jitter=0.25)
        retry.DEFAULT_BACKOFF_MAX = max_rate_limit_wait  # type: ignore[assignment]
        self.api_url = api_url.rstrip("/")
        self.gh = Github(
            base_url=self.api_url,
            auth=auth or (Auth.Token(token) if token else None),
            timeout=int(timeout),
            retry=retry,
            seconds_between_requests=None,
            seconds_between_writes=seconds_between_writes or None,
            per_page=100,
            lazy=True,
        )
        self._token = token
        self.calls = 0  # port calls made (each is one or more API requests), for metrics

    def _repo(self, repo: str) -> Any:
        """A lazy repository handle: no request until a call needs one."""
        return self.gh.get_repo(repo)

    # -- reads --------------------------------------------------------------------------------------

    def repository(self, repo: str) -> RepoInfo:
        try:
            r = self.gh.get_repo(repo)
            return RepoInfo(r.full_name, r.default_branch, r.clone_url, r.html_url)
        except GithubException as exc:
            raise _http_error(exc, f"reading repository {repo}") from None

    def workflow_runs(
        self,
        repo: str,
        *,
        status: str | None = None,
        branch: str | None = None,
        created: str | None = None,
        head_sha: str | None = None,
        limit: int = 100,
    ) -> list[WorkflowRun]:
        try:
            r = self._repo(repo)
            runs = r.get_workflow_runs(
                status=status or NotSet,
                branch=branch or NotSet,
                created=created or NotSet,
                head_sha=head_sha or NotSet,
            )
            return [_run(repo, run) for _, run in zip(range(limit), runs, strict=False)]
        except GithubException as exc:
            raise _http_error(exc, f"listing workflow runs of {repo}") from None

    def poll_failed_runs(self, repo: str, *, created: str, etag: str | None) -> tuple[bool, list[WorkflowRun], str]:
        """Failed runs created since `created`, as a conditional request: (changed, runs, etag). An unchanged
        list is answered 304, which costs no rate limit."""
        headers = {"If-None-Match": etag} if etag else None
        params = {"status": "failure", "created": created, "per_page": 100}
        try:
            status, response_headers, body = self.gh.requester.requestJson(
                "GET", f"/repos/{repo}/actions/runs", params, headers
            )
        except GithubException as exc:
            raise _http_error(exc, f"listing failed runs of {repo}") from None
        if status == 304:
            return False, [], etag or ""
        if status >= 400:
            try:
                data = json.loads(body or "{}")
            except json.JSONDecodeError:
                data = {"message": body[:200]}
            raise _http_error(GithubException(status, data, response_headers), f"listing failed runs of {repo}")
        try:
            data = json.loads(body)
            runs = [run_from_json(repo, item) for item in data["workflow_runs"]]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise AgentError(f"GitHub answered a malformed run list for {repo}: {exc}") from None
        return True, runs, str(response_headers.get("etag") or "")

    def pull(self, repo: str, number: int) -> PullRef:
        try:
            return _pull(self._repo(repo).get_pull(number))
        except GithubException as exc:
            raise _http_error(exc, f"reading pull request #{number} of {repo}") from None

    def workflow_run(self, repo: str, run_id: int) -> WorkflowRun:
        try:
            return _run(repo, self._repo(repo).get_workflow_run(run_id))
        except GithubException as exc:
            raise _http_error(exc, f"reading run {run_id} of {repo}") from None

    def jobs(self, repo: str, run_id: int) -> list[Job]:
        try:
            run = self._repo(repo).get_workflow_run(run_id)
            return [
                Job(j.id, run_id, j.name, j.status, j.conclusion, [(s.name, s.conclusion) for s in j.steps])
                for j in run.jobs()
            ]
        except GithubException as exc:
            raise _http_error(exc, f"listing jobs of run {run_id} in {repo}") from None

    def job_log(self, repo: str, job_id: int) -> BinaryIO | None:
        """The job's log, streamed into an unnamed temporary file and handed back open at its start (the
        caller closes it: `with gh.job_log(...) as log`), or None when GitHub no longer has it (expired,
        404 or 410). A log of any size costs disk, not memory."""
        try:
            job = self._repo(repo).get_workflow_job(job_id)
            location = job.logs_url()
        except UnknownObjectException:
            return None
        except GithubException as exc:
            if exc.status in (404, 410):
                return None
            raise _http_error(exc, f"reading the log of job {job_id} in {repo}") from None
        # The redirect target is pre-signed and short-lived: fetch it at once, send no token to it.
        with requests.get(location, timeout=60, stream=True) as response:
            if response.status_code in (404, 410):
                return None
            response.raise_for_status()
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
            try:
                for piece in response.iter_content(chunk_size=LOG_CHUNK):
                    spool.write(piece)
                spool.seek(0)
            except BaseException:
                spool.close()
                raise
            return spool

    def file(self, repo: str, path: str, ref: str) -> FileContent | None:
        try:
            content = self._repo(repo).get_contents(path, ref=ref)
        except UnknownObjectException:
            return None
        except GithubException as exc:
            raise _http_error(exc, f"reading {path} at {ref} in {repo}") from None
        if isinstance(content, list):
            raise AgentError(f"{path} in {repo} is a directory, not a file")
        return FileContent(path, content.sha, base64.b64decode(content.content or "").decode("utf-8"))

    def branch_sha(self, repo: str, branch: str) -> str | None:
        try:
            return self._repo(repo).get_git_ref(f"heads/{branch}").object.sha
        except UnknownObjectException:
            return None
        except GithubException as exc:
            raise _http_error(exc, f"reading branch {branch} of {repo}") from None

    def pulls(self, repo: str, *, head: str | None = None, state: str = "open") -> list[PullRef]:
        try:
            r = self._repo(repo)
            owner = repo.split("/")[0]
            found = r.get_pulls(state=state, head=f"{owner}:{head}" if head else NotSet)
            return [_pull(p) for p in found]
        except GithubException as exc:
            raise _http_error(exc, f"listing pull requests of {repo}") from None

    def issues(self, repo: str, *, label: str, state: str = "open") -> list[PullRef]:
        """Issues (not pull requests) with a label, newest first."""
        try:
            found = self._repo(repo).get_issues(state=state, labels=[label])
            return [PullRef(i.number, i.html_url, i.state, body=i.body or "") for i in found if i.pull_request is None]
        except GithubException as exc:
            raise _http_error(exc, f"listing issues of {repo}") from None

    def comments(self, repo: str, number: int) -> list[str]:
        """The bodies of an issue's or pull request's comments."""
        return [c.body or "" for c in self._repo(repo).get_issue(number).get_comments()]

    def check_conclusions(self, repo: str, sha: str) -> list[tuple[str, str, str | None]]:
        """(name, status, conclusion) of every check run on a commit."""
        try:
            commit = self._repo(repo).get_commit(sha)
            return [(c.name, c.status, c.conclusion) for c in commit.get_check_runs()]
        except GithubException as exc:
            raise _http_error(exc, f"reading check runs of {sha[:12]} in {repo}") from None

    def rate_limit_seen(self) -> int:
        """The remaining core rate limit from the last response's headers (-1 before any): costs no request."""
        return int(self.gh.requester.rate_limiting[0])

    def rate_limit_remaining(self) -> int:
        return int(self.gh.get_rate_limit().resources.core.remaining)

    # -- writes: called by effects.Effects only --------------------------------------------------

    def create_ref(self, repo: str, branch: str, sha: str) -> None:
        self._repo(repo).create_git_ref(f"refs/heads/{branch}", sha)

    def delete_branch(self, repo: str, branch: str) -> bool:
        """Delete a branch; False when it was already gone (so a retried rollback is idempotent)."""
        try:
            ref = self._repo(repo).get_git_ref(f"heads/{branch}")
            ref.object  # noqa: B018 - completes the lazy ref, so the DELETE goes to its canonical /git/refs/ URL
            ref.delete()
            return True
        except UnknownObjectException:
            return False

    def put_file(self, repo: str, path: str, text: str, *, branch: str, message: str, sha: str | None) -> str:
        r = self._repo(repo)
        if sha:
            result = r.update_file(path, message, text, sha, branch=branch)
        else:
            result = r.create_file(path, message, text, branch=branch)
        return str(result["commit"].sha)

    def delete_file(self, repo: str, path: str, *, branch: str, message: str, sha: str) -> str:
        result: dict[str, Any] = self._repo(repo).delete_file(path, message, sha, branch=branch)
        return str(result["commit"].sha)

    def create_pull(self, repo: str, *, head: str, base: str, title: str, body: str, draft: bool) -> PullRef:
        pull = self._repo(repo).create_pull(base=base, head=head, title=title, body=body, draft=draft)
        return _pull(pull)

    def close_pull(self, repo: str, number: int) -> None:
        self._repo(repo).get_pull(number).edit(state="closed")

    def merge_pull(self, repo: str, number: int, message: str) -> str:
        return str(self._repo(repo).get_pull(number).merge(commit_message=message).sha)

    def comment(self, repo: str, number: int, body: str) -> None:
        self._repo(repo).get_issue(number).create_comment(body)

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        self._repo(repo).get_issue(number).add_to_labels(*labels)

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> PullRef:
        issue = self._repo(repo).create_issue(title=title, body=body, labels=labels)
        return PullRef(issue.number, issue.html_url, issue.state)

    def rerun_failed_jobs(self, repo: str, run_id: int) -> None:
        self._repo(repo).get_workflow_run(run_id).rerun_failed_jobs()


def _run(repo: str, run: Any) -> WorkflowRun:
    return run_from_json(repo, run.raw_data)


def run_from_json(repo: str, data: dict[str, Any]) -> WorkflowRun:
    head_repo = data.get("head_repository") or {}
    return WorkflowRun(
        repo=repo,
        id=int(data["id"]),
        attempt=int(data.get("run_attempt") or 1),
        name=str(data.get("name") or ""),
        workflow_id=int(data.get("workflow_id") or 0),
        branch=str(data.get("head_branch") or ""),
        head_sha=str(data.get("head_sha") or ""),
        event=str(data.get("event") or ""),
        status=str(data.get("status")),
        conclusion=data.get("conclusion"),
        html_url=str(data.get("html_url") or ""),
        created_at=str(data.get("created_at") or ""),
        fork=bool(head_repo.get("full_name") and str(head_repo["full_name"]).lower() != repo.lower()),
        path=str(data.get("path") or ""),
        pull_requests=tuple(int(pr["number"]) for pr in data.get("pull_requests") or [] if "number" in pr),
    )


def _pull(pull: Any) -> PullRef:
    return PullRef(
        number=pull.number,
        html_url=pull.html_url,
        state=pull.state,
        merged=bool(pull.raw_data.get("merged") or pull.raw_data.get("merged_at")),  # a listed PR has no `merged`
        head=pull.head.ref,
        head_sha=pull.head.sha,
        base=pull.base.ref,
        labels=tuple(label.name for label in pull.labels),
        body=pull.body or "",
    )
