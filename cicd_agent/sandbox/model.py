"""The sandbox's objects: repositories and what GitHub keeps for them, faults to inject, API answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cicd_agent.sandbox.bare import BareRepo
from cicd_agent.sandbox.runner import StepResult


def iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Workflow:
    id: int
    name: str
    path: str


@dataclass
class Job:
    id: int
    key: str
    name: str
    attempt: int
    status: str = "queued"
    conclusion: str | None = None
    steps: list[StepResult] = field(default_factory=list)
    started_at: str | None = None
    completed_at: str | None = None
    log: str = ""
    # annotations GitHub adds that the log does not show (a lost runner's message): (level, message)
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Run:
    id: int
    number: int
    name: str
    path: str
    workflow_id: int
    branch: str
    head_sha: str
    event: str
    title: str
    created_at: str
    attempt: int = 1
    status: str = "queued"
    conclusion: str | None = None
    updated_at: str = ""
    started_at: str = ""
    jobs: dict[int, list[Job]] = field(default_factory=dict)
    head_repo: str = ""  # a fork's OWNER/NAME when the run is a fork's pull request ("": the repository itself)

    def current_jobs(self) -> list[Job]:
        return self.jobs.get(self.attempt, [])


@dataclass(frozen=True)
class Person:
    """An account: a person, the agent's own user, or an app's bot (`<slug>[bot]`, kind "Bot")."""

    login: str
    id: int
    kind: str = "User"


@dataclass(frozen=True)
class App:
    """A GitHub App: its JWTs are checked with `public_key`; its installation tokens act as `bot`."""

    id: str
    public_key: str
    installation_id: int
    slug: str
    bot: Person


@dataclass
class Comment:
    id: int
    body: str
    created_at: str
    author: Person


@dataclass(frozen=True)
class Event:
    """One entry of an issue's or pull request's timeline of events (labeled, closed, merged...)."""

    id: int
    event: str
    actor: Person
    created_at: str
    label: str | None = None
    commit_id: str | None = None


@dataclass
class Item:
    """An issue or a pull request (GitHub numbers them together)."""

    id: int
    number: int
    title: str
    body: str | None
    created_at: str
    user: Person
    is_pull: bool = False
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    updated_at: str = ""
    closed_at: str | None = None
    head: str = ""
    base: str = ""
    head_sha: str = ""
    base_sha: str = ""
    draft: bool = False
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    closed_by: Person | None = None
    merged_by: Person | None = None
    events: list[Event] = field(default_factory=list)
    head_repo: str = ""  # a pull request from a fork: its OWNER/NAME ("": from the repository itself)
    editor: Person | None = None  # who last edited the body (GraphQL's `editor`; REST does not say)


@dataclass(frozen=True)
class Release:
    id: int
    tag: str
    created_at: str
    author: Person
    prerelease: bool = False


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    bare: BareRepo
    default_branch: str = "main"
    description: str | None = None
    workflows: dict[str, Workflow] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    items: dict[int, Item] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    archived: bool = False
    fork: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def clone_url(self) -> str:
        return self.bare.path.resolve().as_uri()


@dataclass
class Fault:
    method: str
    path: str  # a regular expression over the path
    status: int = 500
    times: int = 1
    retry_after: int | None = None
    delay: float = 0.0
    body: str | None = None  # raw body; None gives GitHub's error JSON
    after: bool = False  # perform the request for real, then wait `delay` before answering (a crash window)
    lost: bool = False  # with `after`: the request is performed but answered with this fault (a write that
    # happened although the client saw a 5xx)
    headers: dict[str, str] | None = None  # extra answer headers (a `Location` to redirect to, rate-limit headers)
    skip: int = 0  # let this many matching requests through untouched first (aim at the Nth one)
    performed: bool = False  # set once an `after` fault's request was really done (the crash window is open)


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    page_key: str | None = None  # the list to paginate, inside a dict body (None: the body is the list)
    paginate: bool = False


@dataclass(frozen=True)
class Call:
    """What a route handler gets of a request: the path's parameters, the query string, the JSON body, and
    who asks: the account of the token (None when anonymous), or the app whose JWT signed the request."""

    params: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    data: Any = None  # the parsed JSON as sent: usually an object, but a client may send anything
    actor: Person | None = None
    app: str | None = None  # app id, for requests authenticated by an app's JWT
