"""The values the GitHub port returns: plain frozen dataclasses, and how each is read from PyGithub's objects.

Times are epoch seconds (floats), as the store keeps them; logins are strings ("" when GitHub names no
account, e.g. a deleted user's "ghost" events).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cicd_agent.model import FailureKey, RunRef


@dataclass(frozen=True)
class RepoInfo:
    full_name: str
    default_branch: str
    clone_url: str
    html_url: str


@dataclass(frozen=True)
class ListedRepo:
    """A repository as a listing (an installation's, an organisation's) gives it: what discovery filters on."""

    full_name: str
    archived: bool = False
    fork: bool = False


def listed_repo(data: dict[str, Any]) -> ListedRepo:
    return ListedRepo(str(data["full_name"]), bool(data.get("archived")), bool(data.get("fork")))


@dataclass(frozen=True)
class HookDelivery:
    """One attempt to deliver a webhook (GitHub's "simple webhook delivery"): `guid` is the event's
    `X-GitHub-Delivery`, the same on every redelivery; `id` names this attempt."""

    id: int
    guid: str
    delivered_at: float
    redelivery: bool
    status: str
    status_code: int
    event: str
    action: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


def hook_delivery_of(data: dict[str, Any]) -> HookDelivery:
    delivered = datetime.fromisoformat(str(data["delivered_at"]).replace("Z", "+00:00"))
    return HookDelivery(
        int(data["id"]),
        str(data["guid"]),
        delivered.timestamp(),
        bool(data.get("redelivery")),
        str(data.get("status") or ""),
        int(data.get("status_code") or 0),
        str(data.get("event") or ""),
        str(data.get("action") or ""),
    )


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
    head_repo: str = ""  # a fork's full name ("" for the repository itself)
    head_branch: str = ""  # the branch's name in its own repository (`branch` is qualified for a fork)

    @property
    def ref(self) -> RunRef:
        return RunRef(self.repo, self.id, self.attempt, self.branch)

    def key(self, signature: str) -> FailureKey:
        return FailureKey(self.repo, self.branch, signature)


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
    """A pull request, or an issue (then `head`, `base` and `merged` stay empty)."""

    number: int
    html_url: str
    state: str = "open"
    merged: bool = False
    head: str = ""
    head_sha: str = ""
    base: str = ""
    labels: tuple[str, ...] = ()
    body: str = ""
    author: str = ""
    created_at: float | None = None
    closed_at: float | None = None
    merge_commit: str = ""  # once merged: the commit it landed as (merge, squash or last rebased commit)
    draft: bool = False
    node_id: str = ""  # the GraphQL id (marking a draft ready for review takes it)


@dataclass(frozen=True)
class Annotation:
    """A check run annotation (the runner turns `##[error]`/`::error::` lines and a failed step into these)."""

    level: str  # failure | warning | notice
    message: str
    title: str = ""


@dataclass(frozen=True)
class CheckRunNotes:
    """What the API still says of a job when its log is gone: its check run's output and annotations."""

    output: list[str]
    annotations: list[Annotation]


@dataclass(frozen=True)
class FileContent:
    path: str
    sha: str
    text: str


@dataclass(frozen=True)
class Comment:
    """A comment on an issue or a pull request."""

    body: str
    author: str
    created_at: float
    id: int


@dataclass(frozen=True)
class IssueEvent:
    """One event of an issue's or pull request's timeline: `labeled`/`unlabeled` (with the label), `closed`,
    `reopened`, `merged`, ...; `actor` is who did it."""

    event: str
    actor: str
    label: str | None
    created_at: float


@dataclass(frozen=True)
class Tag:
    name: str
    sha: str  # the commit it points at


@dataclass(frozen=True)
class ChangedFile:
    """A file a commit (or a comparison) changed, with its diff hunks as GitHub gives them (`@@ ...` lines
    only; None for a binary file or one too large to show)."""

    path: str
    status: str  # added | removed | modified | renamed | copied | changed | unchanged
    patch: str | None
    additions: int = 0
    deletions: int = 0
    previous_path: str | None = None  # a renamed file's old path


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    message: str
    files: tuple[ChangedFile, ...]


@dataclass(frozen=True)
class CommitRef:
    """A commit and who made it: its git author and committer (name, e-mail), and the GitHub account GitHub
    matched to the author ("" when none)."""

    sha: str
    author: str = ""
    author_email: str = ""
    committer: str = ""
    committer_email: str = ""
    login: str = ""
    subject: str = ""  # the message's first line


@dataclass(frozen=True)
class Comparison:
    """`base...head`: head's commits that base lacks (oldest first), and the files changed since the merge
    base. `status` is ahead, behind, diverged or identical."""

    status: str
    ahead_by: int
    behind_by: int
    merge_base: str
    commits: tuple[CommitRef, ...]
    files: tuple[ChangedFile, ...]


def commit_ref_of(c: Any) -> CommitRef:
    """A PyGithub `Commit` (as a comparison lists it) to who made it."""
    data = c.raw_data
    git_data = data.get("commit") or {}
    author, committer = git_data.get("author") or {}, git_data.get("committer") or {}
    account = data.get("author") or {}
    return CommitRef(
        str(data.get("sha", "")),
        str(author.get("name") or ""),
        str(author.get("email") or ""),
        str(committer.get("name") or ""),
        str(committer.get("email") or ""),
        str(account.get("login") or "") if isinstance(account, dict) else "",
        str(git_data.get("message") or "").split("\n", 1)[0],
    )


def run_from_json(repo: str, data: object) -> WorkflowRun:
    """A workflow run from GitHub's JSON (an API answer or an event payload). A field of the wrong type is a
    ValueError that names it, never a crash later on."""
    if not isinstance(data, dict):
        raise ValueError(f"a workflow run must be a JSON object, got {_kind(data)}")
    head_repo = data.get("head_repository") or {}
    if not isinstance(head_repo, dict):
        raise ValueError(f"head_repository must be an object, got {_kind(head_repo)}")
    pulls = data.get("pull_requests") or []
    if not isinstance(pulls, list):
        raise ValueError(f"pull_requests must be a list, got {_kind(pulls)}")
    head_name = _text(head_repo, "full_name")
    fork = bool(head_name and head_name.lower() != repo.lower())
    run_id = _number(data, "id", None)
    branch = _text(data, "head_branch")
    return WorkflowRun(
        repo=repo,
        id=run_id,
        attempt=_number(data, "run_attempt", 1) or 1,
        name=_text(data, "name"),
        workflow_id=_number(data, "workflow_id", 0),
        # a fork's branch is never the repository's own: `main` of stranger/app is `stranger/app:main`, so it is
        # never keyed, matched, fixed or reported as the base repository's `main`
        branch=f"{head_name}:{branch}" if fork else branch,
        head_sha=_text(data, "head_sha"),
        event=_text(data, "event"),
        status=_text(data, "status"),
        conclusion=_text(data, "conclusion") or None,
        html_url=_text(data, "html_url"),
        created_at=_text(data, "created_at"),
        fork=fork,
        path=_text(data, "path"),
        pull_requests=tuple(_number(pr, "number", None) for pr in pulls if isinstance(pr, dict) and "number" in pr),
        head_repo=head_name if fork else "",
        head_branch=branch,
    )


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return "null" if value is None else names.get(type(value), "an object" if isinstance(value, dict) else "a value")


def _number(data: dict[str, Any], key: str, default: int | None) -> int:
    value = data.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(f"{key} must be an integer, got {_kind(value)}")


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, got {_kind(value)}")
    return value


def epoch(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def login_of(account: Any) -> str:
    return str(account.login) if account is not None else ""


def issue_of(issue: Any) -> PullRef:
    """An issue, or what a pull request shares with one."""
    return PullRef(
        issue.number,
        issue.html_url,
        issue.state,
        labels=tuple(label.name for label in issue.labels),
        body=issue.body or "",
        author=login_of(issue.user),
        created_at=epoch(issue.created_at),
        closed_at=epoch(issue.closed_at),
    )


def pull_of(pull: Any) -> PullRef:
    return replace(
        issue_of(pull),
        merged=bool(pull.raw_data.get("merged") or pull.raw_data.get("merged_at")),  # a listed PR has no `merged`
        head=pull.head.ref,
        head_sha=pull.head.sha,
        base=pull.base.ref,
        merge_commit=str(pull.raw_data.get("merge_commit_sha") or ""),
        node_id=str(pull.raw_data.get("node_id") or ""),
        draft=bool(pull.raw_data.get("draft")),
    )


def comment_of(comment: Any) -> Comment:
    return Comment(comment.body or "", login_of(comment.user), comment.created_at.timestamp(), comment.id)


def event_of(event: Any) -> IssueEvent:
    # only (un)labeled events carry a label: asking another for one would make PyGithub fetch the event again
    label = event.label.name if event.event in ("labeled", "unlabeled") else None
    return IssueEvent(event.event, login_of(event.actor), label, event.created_at.timestamp())


def file_change_of(file: Any) -> ChangedFile:
    return ChangedFile(
        file.filename, file.status, file.patch, file.additions, file.deletions, file.previous_filename or None
    )
