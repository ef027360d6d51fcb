"""The GitHub port: the PyGithub calls the agent makes, returning plain dataclasses.

Reads are used freely (also in a dry run). Writes are here too, but only `effects.gateway.Effects` calls them:
that is what makes `--dry-run` provable.
"""

from __future__ import annotations

import base64
import json
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

import requests
from github import Auth, Github, GithubException, GithubIntegration, UnknownObjectException
from github.GithubObject import NotSet
from github.IssueComment import IssueComment
from github.IssueEvent import IssueEvent as GithubIssueEvent
from github.PaginatedList import PaginatedList
from github.PullRequest import PullRequest
from github.WorkflowJob import WorkflowJob
from urllib3 import Retry

from cicd_agent.config.settings import check_api_url
from cicd_agent.errors import AgentError
from cicd_agent.github import pacing
from cicd_agent.github.apps import GitHubFleet
from cicd_agent.github.budget import Budget
from cicd_agent.github.conditional import Answer, MemoryCache, ResponseCache, get_json
from cicd_agent.github.edits import EditReads
from cicd_agent.github.errors import (
    AnnouncedRetry,
    LogUnavailable,
    api,
    json_or_text,
)
from cicd_agent.github.history import GitHubHistory
from cicd_agent.github.values import (
    Annotation,
    CheckRunNotes,
    Comment,
    FileContent,
    IssueEvent,
    Job,
    PullRef,
    RepoInfo,
    WorkflowRun,
    comment_of,
    event_of,
    issue_of,
    pull_of,
    run_from_json,
)
from cicd_agent.github.writes import GitHubWrites

T = TypeVar("T")
MAX_PAGES = 20  # of 100 runs: how much of a run list is read at most
LOG_CHUNK = 1024 * 1024  # bytes read from a log download at a time


class GitHubClient(GitHubHistory, GitHubWrites, EditReads, GitHubFleet):
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
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """`on_wait` hears of every wait of a few seconds or more, before it starts."""
        retry = AnnouncedRetry(
            total=retries,
            backoff_factor=0.5,
            backoff_jitter=0.25,
            max_rate_limit_wait=max_rate_limit_wait,
            retry_after_max=int(max_rate_limit_wait) + 1,
        )
        retry.on_wait = on_wait
        self.api_url = check_api_url(api_url, where="the GitHub API URL")
        self.timeout = timeout
        self._auth = auth or (Auth.Token(token) if token else None)
        pacing.install()  # so that `pace` can give this client's requests a budget
        self.gh = Github(
            base_url=self.api_url,
            auth=self._auth,
            timeout=int(timeout),
            retry=retry,
            seconds_between_requests=None,
            seconds_between_writes=seconds_between_writes or None,
            per_page=100,
            lazy=True,
        )
        # polls run on several threads: each gets its own PyGithub connection (one is not safe to share), whose
        # retries cover outages only, so a rate-limit answer reaches the polling pool (it slows down)
        # (and a Retry-After is never slept through here: the pool weighs it against max_rate_limit_wait)
        self._poll_retry = Retry(
            total=retries,
            backoff_factor=0.5,
            status_forcelist=range(500, 600),
            allowed_methods={"GET"},
            respect_retry_after_header=False,
        )
        self._poll_timeout = int(timeout)
        self._polling = threading.local()
        self._calls_lock = threading.Lock()
        self._token = token or (auth.token if isinstance(auth, Auth.Token) else None)  # to redact from errors
        self._identity: str | None = None
        self.calls = 0  # port calls made (each is one or more API requests), for metrics
        self.budget: Budget | None = None  # the fleet's request budget its requests wait for (`pace`)
        self._retry = retry
        self._repositories: dict[str, RepoInfo] = {}  # this cycle's repository info
        self.cache: ResponseCache = MemoryCache()  # the answers conditional reads ask again with (`conditional`)

    def pace(self, budget: Budget | None) -> None:
        """Every API request of this client (its polls too) waits for `budget` before it is sent (None: no more)."""
        parts = urllib.parse.urlsplit(self.api_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        pacing.pace([self._retry, self._poll_retry], parts.hostname or "", port, budget)
        self.budget = budget

    def _repo(self, repo: str) -> Any:
        """A lazy repository handle: no request until a call needs one."""
        return self.gh.get_repo(repo)

    def _read(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        """A conditional GET (`conditional.get_json`): free when GitHub answers 304."""
        return get_json(self.gh.requester, self.cache, path, params)

    # -- reads --------------------------------------------------------------------------------------

    def identity(self) -> str:
        """The login the agent writes as (asked once per client): the token's user, or `<slug>[bot]` for a
        GitHub App installation and for any installation token (the workflow's `github-actions[bot]`)."""
        if self._identity is None:
            self._identity = self._ask_identity() if self._auth is not None else ""  # anonymous: nobody
        return self._identity

    def wrote(self, author: str) -> bool:
        """Whether `author` is the agent's own account: only what it wrote itself carries trusted metadata."""
        return bool(author) and author.lower() == self.identity().lower()

    @api("finding out which account the credentials act as")
    def _ask_identity(self) -> str:
        if isinstance(self._auth, Auth.AppInstallationAuth):
            # `GET /app` takes the app's JWT: the integration built on the requester PyGithub made for it
            app = GithubIntegration(**self._auth.requester.kwargs).get_app()
            return f"{app.slug}[bot]"
        try:
            return str(self.gh.get_user().login)
        except GithubException as exc:
            if exc.status != 403:
                raise
        # an installation token has no user (403 "Resource not accessible by integration"); GraphQL's viewer
        # names its bot
        _, data = self.gh.requester.graphql_query("query { viewer { login } }", {})
        return str(data["data"]["viewer"]["login"])

    def repository(self, repo: str) -> RepoInfo:
        """The repository's info, asked for once per cycle (`new_cycle` forgets it), conditionally (a 304 when the
        repository did not change since the agent last read it)."""
        key = repo.lower()
        if key not in self._repositories:
            self._repositories[key] = self._read_repository(repo)
        return self._repositories[key]

    def new_cycle(self) -> None:
        self._repositories.clear()

    @api("reading repository {repo}")
    def _read_repository(self, repo: str) -> RepoInfo:
        r = self._read(f"/repos/{repo}").data
        return RepoInfo(r["full_name"], r["default_branch"], r["clone_url"], r["html_url"])

    @api("listing workflow runs of {repo}")
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
        """Up to `limit` (at most 100: one page) runs, newest first, read from the list itself (PyGithub would
        fetch each listed run again to give its raw data)."""
        filters = {"status": status, "branch": branch, "created": created, "head_sha": head_sha}
        params: dict[str, Any] = {name: value for name, value in filters.items() if value}
        params["per_page"] = max(1, min(limit, 100))
        data = self._read(f"/repos/{repo}/actions/runs", params).data
        return [run_from_json(repo, item) for item in data.get("workflow_runs", [])[:limit]]

    @api("listing failed runs of {repo}")
    def poll_failed_runs(self, repo: str, *, created: str, etag: str | None) -> tuple[bool, list[WorkflowRun], str]:
        """Failed runs created since `created`, every page: (changed, runs, etag). The first page is a conditional
        request: an unchanged list is answered 304, which costs no rate limit. A list of several pages gives no
        ETag back (a change on a later page would not change the first one's)."""
        headers = {"If-None-Match": etag} if etag else None
        runs: list[WorkflowRun] = []
        first_etag = ""
        for page in range(1, MAX_PAGES + 1):
            params = {"status": "failure", "created": created, "per_page": 100, "page": page}
            status, response_headers, body = self._poll_requester().requestJson(
                "GET", f"/repos/{repo}/actions/runs", params, headers if page == 1 else None
            )
            if status == 304:
                return False, [], etag or ""
            if status >= 400:
                raise GithubException(status, json_or_text(body), response_headers)
            runs += [run_from_json(repo, item) for item in json.loads(body)["workflow_runs"]]  # unreadable: BadResponse
            if page == 1:
                first_etag = str(response_headers.get("etag") or "")
            if 'rel="next"' not in str(response_headers.get("link") or ""):
                return True, runs, first_etag if page == 1 else ""
        return True, runs, ""

    def _poll_requester(self) -> Any:
        """This thread's PyGithub requester for polls (made on first use)."""
        requester = getattr(self._polling, "requester", None)
        if requester is None:
            gh = Github(
                base_url=self.api_url,
                auth=self._auth,
                timeout=self._poll_timeout,
                retry=self._poll_retry,
                seconds_between_requests=None,  # the pool bounds the pace
                lazy=True,
            )
            requester = self._polling.requester = gh.requester
        return requester

    @api("reading pull request #{number} of {repo}")
    def pull(self, repo: str, number: int) -> PullRef:
        return pull_of(self.gh.create_from_raw_data(PullRequest, self._read(f"/repos/{repo}/pulls/{number}").data))

    @api("reading run {run_id} of {repo}")
    def workflow_run(self, repo: str, run_id: int) -> WorkflowRun:
        return run_from_json(repo, self._read(f"/repos/{repo}/actions/runs/{run_id}").data)

    @api("listing jobs of run {run_id} in {repo}")
    def jobs(self, repo: str, run_id: int) -> list[Job]:
        """The run's jobs, asked for directly: the run itself is not fetched again."""
        url = f"/repos/{repo}/actions/runs/{run_id}/jobs"
        answer = self._read(url, {"per_page": 100})
        items = answer.data.get("jobs", [])
        found = [self.gh.create_from_raw_data(WorkflowJob, j) for j in items] if not answer.next_page else None
        if found is None:  # more than 100 jobs: every page, without a validator
            found = list(PaginatedList(WorkflowJob, self.gh.requester, url, None, list_item="jobs"))
        return [
            Job(j.id, run_id, j.name, j.status, j.conclusion, [(s.name, s.conclusion) for s in j.steps]) for j in found
        ]

    @api("reading the log of job {job_id} in {repo}")
    def job_log(self, repo: str, job_id: int) -> BinaryIO | None:
        """The job's log, streamed into an unnamed temporary file and handed back open at its start (the
        caller closes it: `with gh.job_log(...) as log`), or None when GitHub no longer has it (expired,
        404 or 410). A log of any size costs disk, not memory. A download that fails (log storage
        unreachable, refusing, answering 5xx, or breaking off) raises LogUnavailable, not an outage."""
        try:
            job = self._repo(repo).get_workflow_job(job_id)
            location = job.logs_url()
        except GithubException as exc:
            if exc.status in (404, 410):
                return None
            raise
        # The redirect target is pre-signed and short-lived: fetch it at once, send no token to it.
        host = urllib.parse.urlsplit(location).hostname or "?"
        try:
            with requests.get(location, timeout=60, stream=True) as response:
                if response.status_code in (404, 410):
                    return None
                if response.status_code >= 400:
                    raise LogUnavailable(f"the log storage at {host} answered {response.status_code}")
                spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
                try:
                    for piece in response.iter_content(chunk_size=LOG_CHUNK):
                        spool.write(piece)
                    spool.seek(0)
                except BaseException:
                    spool.close()
                    raise
                return spool
        except requests.RequestException as exc:
            raise LogUnavailable(f"the log storage at {host} cannot be reached ({type(exc).__name__})") from None

    @api("reading the check run of job {job_id} in {repo}")
    def check_run_notes(self, repo: str, job_id: int) -> CheckRunNotes:
        """A job is a check run with the same id: its output (title, summary, text) and annotations."""
        check = self._repo(repo).get_check_run(job_id)
        output = check.output
        texts = [output.title, output.summary, output.text] if output is not None else []
        found = [Annotation(a.annotation_level or "", a.message or "", a.title or "") for a in check.get_annotations()]
        return CheckRunNotes([t for t in texts if t], found)

    @api("reading {path} at {ref} in {repo}")
    def file(self, repo: str, path: str, ref: str) -> FileContent | None:
        try:
            content = self._repo(repo).get_contents(path, ref=ref)
        except UnknownObjectException:
            return None
        if isinstance(content, list):
            raise AgentError(f"{path} in {repo} is a directory, not a file")
        return FileContent(path, content.sha, base64.b64decode(content.content or "").decode("utf-8"))

    @api("reading branch {branch} of {repo}")
    def branch_sha(self, repo: str, branch: str) -> str | None:
        try:
            return str(self._repo(repo).get_git_ref(f"heads/{branch}").object.sha)
        except UnknownObjectException:
            return None

    @api("listing pull requests of {repo}")
    def pulls(
        self, repo: str, *, head: str | None = None, head_owner: str | None = None, state: str = "open"
    ) -> list[PullRef]:
        """Pull requests, those from branch `head` only when given (of the repository's owner, or of
        `head_owner`'s fork)."""
        owner = head_owner or repo.split("/")[0]
        found = self._repo(repo).get_pulls(state=state, head=f"{owner}:{head}" if head else NotSet)
        return [pull_of(p) for p in found]

    @api("listing issues of {repo}")
    def issues(self, repo: str, *, label: str, state: str = "open") -> list[PullRef]:
        """Issues (not pull requests) with a label, newest first."""
        found = self._repo(repo).get_issues(state=state, labels=[label])
        return [issue_of(i) for i in found if i.pull_request is None]

    @api("listing the comments of #{number} in {repo}")
    def comments(self, repo: str, number: int) -> list[Comment]:
        """An issue's or pull request's comments, oldest first."""
        return [comment_of(c) for c in self._list(f"/repos/{repo}/issues/{number}/comments", IssueComment)]

    @api("listing the events of #{number} in {repo}")
    def issue_events(self, repo: str, number: int) -> list[IssueEvent]:
        """Who labelled, closed, reopened or merged an issue or pull request, and when (oldest first)."""
        return [event_of(e) for e in self._list(f"/repos/{repo}/issues/{number}/events", GithubIssueEvent)]

    def _list(self, path: str, kind: type[T]) -> list[T]:
        """A list as PyGithub objects: one page asked conditionally, or every page when it has more."""
        answer = self._read(path, {"per_page": 100})
        if answer.next_page:
            return list(PaginatedList(kind, self.gh.requester, path, {"per_page": 100}))  # type: ignore[type-var]
        return [self.gh.create_from_raw_data(kind, item) for item in answer.data]  # type: ignore[type-var]

    @api("reading the permission of {login} on {repo}")
    def permission(self, repo: str, login: str) -> str:
        """admin, write, read or none ("none" for an account GitHub does not know)."""
        try:
            return str(self._repo(repo).get_collaborator_permission(login))
        except GithubException as exc:  # 404 "<login> is not a user": no UnknownObjectException, not "Not Found"
            if exc.status == 404:
                return "none"
            raise

    @api("reading the labels of #{number} in {repo}")
    def labels(self, repo: str, number: int) -> list[str]:
        return [label.name for label in self._repo(repo).get_issue(number).labels]

    def rate_limit_seen(self) -> int:
        """The remaining core rate limit from the last response's headers (-1 before any): costs no request."""
        return int(self.gh.requester.rate_limiting[0])
