"""Webhook deliveries, as a GitHub App's: the sandbox POSTs to the configured URL, signed with
`X-Hub-Signature-256` (HMAC-SHA256 of the body with the secret), a `workflow_run` event when a run completes,
`pull_request` events when a pull request is opened, closed, reopened, labelled, unlabelled or marked ready
for review, and `issue_comment` events when someone comments on an issue or a pull request.

A run's delivery is made at once, from the thread that completed the run; the others from a background
sender, in order, so a request of the API never waits on the receiver. GitHub's 10 s timeout; each delivery
is logged with the status it got (or the error), and a failed one is not retried (GitHub does not either: a
person redelivers it), so the agent's polling is what catches it up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from cicd_agent.sandbox import shapes, shapes_actions
from cicd_agent.sandbox.model import Comment, Item, Person, Repo, Run
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
    id: str
    event: str
    action: str
    status: int | None  # None: no answer (refused, timed out)
    error: str = ""


@dataclass
class Webhooks:
    """Where the sandbox sends its events (none until `configure`), and what it delivered."""

    url: str = ""
    secret: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
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
        self.send("workflow_run", payload)

    def send(self, event: str, payload: dict[str, Any]) -> Delivery:
        """One signed delivery, as GitHub makes it; logged whatever the outcome."""
        body = json.dumps(payload).encode()
        delivery = Delivery(str(uuid.uuid4()), event, str(payload.get("action", "")), None)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery.id,
            "X-Hub-Signature-256": signature(self.secret, body),
        }
        try:
            delivery.status = requests.post(self.url, data=body, headers=headers, timeout=TIMEOUT).status_code
        except requests.RequestException as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"[:300]
        with self.lock:
            self.deliveries.append(delivery)
        return delivery
