"""Webhook deliveries, as a GitHub App's: when a workflow run completes, the sandbox POSTs a `workflow_run`
event to the configured URL, signed with `X-Hub-Signature-256` (HMAC-SHA256 of the body with the secret).

Deliveries are made at once, from the thread that completed the run, with GitHub's 10 s timeout; each is
logged with the status it got (or the error), and a failed one is not retried (GitHub does not either: a
person redelivers it), so the agent's polling is what catches it up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from cicd_agent.sandbox import shapes, shapes_actions
from cicd_agent.sandbox.model import Repo, Run
from cicd_agent.sandbox.routes.runs import run_json

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

TIMEOUT = 10.0  # GitHub gives a receiver 10 seconds to answer


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

    def configure(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret

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
