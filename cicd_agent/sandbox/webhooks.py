"""Webhook deliveries, as a GitHub App's: the sandbox POSTs to the configured URL, signed with
`X-Hub-Signature-256` (HMAC-SHA256 of the body with the secret), a `workflow_run` event when a run completes,
`pull_request` events when a pull request is opened, closed, reopened, labelled, unlabelled or marked ready
for review, `issue_comment` events when someone comments on an issue or a pull request, and
`installation_repositories` events when the App's installation gains or loses repositories.

A run's delivery is made at once, from the thread that completed the run; pull requests' and comments' from a
background sender, in order, so a request of the API never waits on the receiver. GitHub's 10 s timeout; each
attempt is recorded with what it got (a status, or the error). A failed one is not retried (GitHub does not
either): the App lists its deliveries and asks for a redelivery (`GET /app/hook/deliveries`,
`POST /app/hook/deliveries/{id}/attempts`, `routes/deliveries.py`), which sends the same body again under the
same `X-GitHub-Delivery` GUID as a new attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from cicd_agent.sandbox import shapes, shapes_actions
from cicd_agent.sandbox.model import App, Comment, Item, Person, Repo, Run
from cicd_agent.sandbox.routes.runs import run_json

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

TIMEOUT = 10.0  # GitHub gives a receiver 10 seconds to answer
PULL_ACTIONS = ("closed", "reopened", "labeled", "unlabeled", "ready_for_review")  # issue events that are also
# pull_request events


def signature(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    """One delivery attempt: `guid` is the event's `X-GitHub-Delivery` (the same on a redelivery), `id` the
    attempt's own number."""

    id: int
    guid: str
    event: str
    action: str
    status: int | None  # None: no answer (refused, timed out)
    error: str = ""
    redelivery: bool = False
    delivered_at: float = 0.0
    duration: float = 0.0
    body: bytes = b""
    installation_id: int | None = None
    repository_id: int | None = None

    @property
    def status_text(self) -> str:
        """What GitHub shows for the attempt: "OK", or why it failed."""
        if self.status is None:
            return "timed out" if "Timeout" in self.error else "failed to connect"
        return "OK" if 200 <= self.status < 300 else f"Invalid HTTP Response: {self.status}"


@dataclass
class Webhooks:
    """Where the sandbox sends its events (none until `configure`), and every attempt it made."""

    url: str = ""
    secret: str = ""
    installation_id: int | None = None  # sent as the deliveries' installation
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(90001))
    _outbox: queue.Queue[tuple[str, dict[str, Any]] | None] = field(default_factory=queue.Queue)
    _sender: threading.Thread | None = None

    def configure(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret

    def _later(self, event: str, payload: dict[str, Any]) -> None:
        """Queue a delivery for the background sender (started on first use)."""
        with self.lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send_queued, name="sandbox-webhooks", daemon=True)
                self._sender.start()
        self._outbox.put((event, payload))

    def _send_queued(self) -> None:
        while (item := self._outbox.get()) is not None:
            try:
                self.send(*item)
            finally:
                self._outbox.task_done()
        self._outbox.task_done()

    def flush(self) -> None:
        """Wait until every queued delivery was made (tests, and `close`)."""
        if self._sender is not None:
            self._outbox.join()

    def close(self) -> None:
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join(timeout=TIMEOUT + 1)
            self._sender = None

    def pull_event(self, sb: Sandbox, repo: Repo, item: Item, action: str, actor: Person, label: str = "") -> None:
        """A pull request opened, or one of its issue events (`PULL_ACTIONS`); called with the sandbox locked."""
        if not self.url or not item.is_pull or action not in ("opened", *PULL_ACTIONS):
            return
        payload: dict[str, Any] = {
            "action": action,
            "number": item.number,
            "pull_request": shapes.pull_request(sb.base_url, repo, item),
            "repository": shapes.repository(sb.base_url, repo),
            "sender": shapes.account(sb.base_url, actor),
        }
        if label:
            payload["label"] = shapes.label(sb.base_url, repo, label, 100)
        self._later("pull_request", payload)

    def comment_created(self, sb: Sandbox, repo: Repo, item: Item, comment: Comment) -> None:
        """A comment on an issue or a pull request; called with the sandbox locked."""
        if not self.url:
            return
        issue = shapes.issue(sb.base_url, repo, item)
        if item.is_pull:
            issue["pull_request"] = {"url": f"{sb.base_url}/repos/{repo.full_name}/pulls/{item.number}"}
        payload = {
            "action": "created",
            "issue": issue,
            "comment": shapes.comment(sb.base_url, repo, item.number, comment),
            "repository": shapes.repository(sb.base_url, repo),
            "sender": shapes.account(sb.base_url, comment.author),
        }
        self._later("issue_comment", payload)

    def run_completed(self, sb: Sandbox, repo: Repo, run: Run) -> None:
        if not self.url:
            return
        with sb.lock:
            wf = next((w for w in repo.workflows.values() if w.id == run.workflow_id), None)
            payload = {
                "action": "completed",
                "workflow_run": run_json(sb, repo, run),
                "workflow": shapes_actions.workflow(sb.base_url, repo, wf) if wf else None,
                "repository": shapes.repository(sb.base_url, repo),
                "sender": shapes.user(sb.base_url, "sandbox-bot", 1, "Bot"),
            }
        self.send("workflow_run", payload, repository_id=repo.id)

    def installation_changed(self, sb: Sandbox, app: App, action: str, repos: list[Repo], selection: str) -> None:
        """`installation_repositories`: repositories `added` to or `removed` from the App's installation."""
        listed = [
            {"id": r.id, "node_id": f"R_{r.id}", "name": r.name, "full_name": r.full_name, "private": False}
            for r in repos
        ]
        payload = {
            "action": action,
            "installation": {"id": app.installation_id, "app_id": int(app.id), "app_slug": app.slug},
            "repository_selection": selection,
            "repositories_added": listed if action == "added" else [],
            "repositories_removed": listed if action == "removed" else [],
            "requester": None,
            "sender": shapes.user(sb.base_url, "octo-admin", 3, "User"),
        }
        self.send("installation_repositories", payload)

    def send(self, event: str, payload: dict[str, Any], *, repository_id: int | None = None) -> Delivery:
        """One signed delivery of a new event, as GitHub makes it; recorded whatever the outcome."""
        if self.installation_id is not None and "installation" not in payload:
            payload = {**payload, "installation": {"id": self.installation_id, "node_id": "MDIzOkluc3RhbGxhdGlvbjE="}}
        delivery = Delivery(
            next(self.ids),
            str(uuid.uuid4()),
            event,
            str(payload.get("action", "")),
            None,
            body=json.dumps(payload).encode(),
            installation_id=self.installation_id,
            repository_id=repository_id,
        )
        return self._attempt(delivery)

    def redeliver(self, attempt_id: int) -> Delivery | None:
        """A new attempt of an earlier one (same GUID and body), made in the background as GitHub does after
        answering 202; None when there is no such attempt."""
        with self.lock:
            earlier = next((d for d in self.deliveries if d.id == attempt_id), None)
        if earlier is None:
            return None
        again = Delivery(
            next(self.ids),
            earlier.guid,
            earlier.event,
            earlier.action,
            None,
            redelivery=True,
            body=earlier.body,
            installation_id=earlier.installation_id,
            repository_id=earlier.repository_id,
        )
        threading.Thread(target=self._attempt, args=(again,), name="sandbox-redelivery", daemon=True).start()
        return again

    def _attempt(self, delivery: Delivery) -> Delivery:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Event": delivery.event,
            "X-GitHub-Delivery": delivery.guid,
            "X-Hub-Signature-256": signature(self.secret, delivery.body),
        }
        started = time.time()
        try:
            response = requests.post(self.url, data=delivery.body, headers=headers, timeout=TIMEOUT)
            delivery.status = response.status_code
        except requests.RequestException as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"[:300]
        delivery.delivered_at, delivery.duration = started, time.time() - started
        with self.lock:
            self.deliveries.append(delivery)
        return delivery

    def attempts(self) -> list[Delivery]:
        """Every attempt, newest first (as GitHub lists them)."""
        with self.lock:
            return sorted(self.deliveries, key=lambda d: (d.delivered_at, d.id), reverse=True)
