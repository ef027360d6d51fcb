"""`agent serve`: a GitHub App's webhook receiver in front of the watcher.

GitHub delivers each event as a signed POST and gives the receiver 10 seconds to answer. Each delivery is
checked (`X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the shared secret, compared in constant
time), queued and answered 202 at once; a bad signature is answered 401 and counted (the server logs its
refusals as one summary line a minute: `modes/server.py`, which also bounds lengths, time and connections).
The delivery keeps its `X-GitHub-Delivery` id (`Delivery.id`), the same on GitHub's redelivery. The watcher's single
worker drains the queue every second into the pipeline polling feeds (`poll.handle_runs`), so a failed
`workflow_run` is decided exactly as if a poll had listed it (the dedup claim makes the later poll of the
same run a duplicate). Polling keeps running on its schedule: the fallback, and the catch-up after downtime
or a lost delivery.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cicd_agent.config.settings import Config
from cicd_agent.errors import AgentError
from cicd_agent.github.values import WorkflowRun, run_from_json
from cicd_agent.model import is_fix_branch
from cicd_agent.modes import server, watch
from cicd_agent.modes.quiet import Collapse
from cicd_agent.modes.server import Request, Response, Route
from cicd_agent.remediation.approve import on_event
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.health_check import process_health_checks
from cicd_agent.remediation.held import unless_paused
from cicd_agent.remediation.poll import handle_runs, watched_failure
from cicd_agent.text import load_json

MAX_BODY = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
QUEUE_LIMIT = 1000  # deliveries waiting for the worker; past it 503 (polling catches them up)
DRAIN_EVERY = 1.0  # seconds between two looks at the queue
APPROVAL_EVENTS = ("pull_request", "issue_comment")


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the body's HMAC-SHA256 with the secret (constant-time compare)."""
    if not secret or not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def printable_id(value: str | None) -> str:
    """A delivery id fit for a log line (it is the sender's text)."""
    return re.sub(r"[^A-Za-z0-9-]", "", value or "")[:64] or "(none)"


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    payload: dict[str, Any]  # GitHub's event JSON, read by `route`


class Kind(StrEnum):
    FAILURE = "failure"  # a failed run on a watched branch: decide it
    FIX_RUN = "fix_run"  # a run of the agent's own fix branch completed: judge the health checks due
    APPROVAL = "approval"  # pull_request, issue_comment: for approvals
    IGNORED = "ignored"


@dataclass(frozen=True)
class Routed:
    kind: Kind
    reason: str = ""
    run: WorkflowRun | None = None
    repo: str = ""
    number: int = 0
    action: str = ""


def route(config: Config, delivery: Delivery) -> Routed:
    """Where a delivery goes (pure): only the configured repositories, only what the agent uses."""
    payload, event = delivery.payload, delivery.event
    repository = payload.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    known = {r.name.lower(): r for r in config.repos}
    if not isinstance(name, str) or name.lower() not in known:
        return Routed(Kind.IGNORED, f"{str(name)[:100]!r} is not a configured repository")
    repo = known[name.lower()]
    action = str(payload.get("action", ""))
    if event == "workflow_run":
        if action != "completed":
            return Routed(Kind.IGNORED, f"workflow run {action or '(no action)'}, not completed", repo=repo.name)
        try:
            run = run_from_json(repo.name, payload["workflow_run"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return Routed(Kind.IGNORED, f"malformed workflow_run: {type(exc).__name__}", repo=repo.name)
        if is_fix_branch(run.branch):
            return Routed(Kind.FIX_RUN, run=run, repo=repo.name, action=action)
        if watched_failure(repo, run, config.policy.fork_failures):
            return Routed(Kind.FAILURE, run=run, repo=repo.name, action=action)
        return Routed(Kind.IGNORED, f"{run.conclusion} on {run.branch[:100]!r}: nothing to do", repo=repo.name)
    if event in APPROVAL_EVENTS:
        item = payload.get("pull_request") or payload.get("issue")
        number = item.get("number") if isinstance(item, dict) else None
        return Routed(Kind.APPROVAL, repo=repo.name, number=number if isinstance(number, int) else 0, action=action)
    return Routed(Kind.IGNORED, f"the agent does not use {event[:50]!r} events", repo=repo.name)


class Receiver:
    """Checks, queues and answers deliveries: the webhook route's handler (called from the server's threads)."""

    def __init__(self, secret: str, path: str, echo: Callable[[str], None], queue_limit: int = QUEUE_LIMIT) -> None:
        self._secret = secret
        self.path = path
        self.echo = echo
        self.queue: queue.Queue[Delivery] = queue.Queue(maxsize=queue_limit)
        self.counts: collections.Counter[str] = collections.Counter()  # accepted by event
        self._lock = threading.Lock()

    def route(self) -> Route:
        return Route(self.path, self.answer, method="POST", max_body=MAX_BODY)

    def answer(self, request: Request) -> Response:
        """Never slow: it checks the signature and queues. Refusals are counted by the server, not logged here."""
        delivery_id = printable_id(request.headers.get("x-github-delivery"))
        about = f"delivery {delivery_id} from {request.client}"
        if not signature_ok(self._secret, request.body, request.headers.get("x-hub-signature-256")):
            return Response.json(
                401, {"message": "bad signature"}, refused="bad or missing X-Hub-Signature-256", about=about
            )
        event = re.sub(r"[^a-z_]", "", request.headers.get("x-github-event", "").lower())[:50]
        if event == "ping":
            return Response.json(200, {"message": "pong"})
        payload = _json_object(request.body)
        if payload is None or not event:
            message = "expected a JSON object and an X-GitHub-Event header"
            return Response.json(400, {"message": message}, refused="not a JSON event object", about=about)
        try:
            self.queue.put_nowait(Delivery(delivery_id, event, payload))
        except queue.Full:
            message = "too many deliveries waiting: the next poll catches this one up"
            return Response.json(503, {"message": message}, refused="queue full", about=about)
        self._count(event)
        return Response.json(202, {"queued": delivery_id})

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def take(self) -> list[Delivery]:
        taken = []
        while True:
            try:
                taken.append(self.queue.get_nowait())
            except queue.Empty:
                return taken

    def metrics(self, refused: int = 0) -> dict[str, float]:
        with self._lock:
            counts = dict(self.counts)
        return {
            "webhook_deliveries_queued_total": float(sum(counts.values())),
            "webhook_deliveries_refused_total": float(refused),
            "webhook_queue_length": float(self.queue.qsize()),
        }


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None (not JSON, not an object, or nested too deep)."""
    try:
        payload = load_json(body)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, nested too deep
        return None
    return payload if isinstance(payload, dict) else None


def drain(p: Ports, receiver: Receiver, report: Report) -> int:
    """Everything queued, into the pipeline: failures decided as a poll would, fix-branch runs judged,
    drafts waiting for approval looked at. Returns how many deliveries were taken."""
    deliveries = receiver.take()
    if not deliveries:
        return 0
    with unless_paused(p, report) as q:  # paused: decided as usual, every write held
        failures: list[WorkflowRun] = []
        fix_runs = False
        for delivery in deliveries:
            routed = route(q.config, delivery)
            if routed.kind is Kind.FAILURE and routed.run is not None:
                failures.append(routed.run)
            elif routed.kind is Kind.FIX_RUN:
                fix_runs = True
            elif routed.kind is Kind.APPROVAL:
                approval_event(q, report, delivery, routed)
            else:
                q.echo(f"webhook: {delivery.event} {delivery.id}: ignored: {routed.reason}")
        if fix_runs:
            process_health_checks(q, report)
        if failures:
            handle_runs(q, failures, report)
    return len(deliveries)


def approval_event(p: Ports, report: Report, delivery: Delivery, routed: Routed) -> None:
    """A label or a comment on a pull request: when it is a draft fix waiting for a person's word, it is looked
    at now (`approve.on_event`: the same code the cycle's polling runs); anything else is only logged."""
    where = f"{routed.repo}#{routed.number}"
    try:
        looked = routed.number > 0 and on_event(p, report, routed.repo, routed.number)
    except AgentError as exc:
        report.errors.append(f"webhook: approval on {where}: {exc}")
        return
    outcome = "looked at for approval or a retry" if looked else "no draft fix waiting for approval, no fix to retry"
    p.echo(f"webhook: {delivery.event} ({routed.action}) on {where}: {outcome}")


def serve(
    p: Ports,
    repos: list[str],
    *,
    secret: str,
    host: str,
    port: int,
    on_report: Callable[[Report], None],
    metrics: tuple[str, int | None] = ("127.0.0.1", None),
    collapse: Collapse | None = None,
) -> None:
    """Receive webhooks on host:port while the watcher polls on its schedule, until SIGTERM/SIGINT. With the
    metrics on the same address and port, one server answers both."""
    receiver = Receiver(secret, p.config.webhook.path, p.echo)
    shared = metrics == (host, port)
    listener = None
    if shared:
        p.echo(f"receiving webhooks on {receiver.path}, beside /metrics and /healthz")
    else:
        listener = server.serve("webhook", host, port, [receiver.route()], p.echo, fix="pick another --port")
        p.echo(f"receiving webhooks on {listener.url}{receiver.path}")

    def drain_job() -> None:
        report = Report()
        if drain(p, receiver, report) and (report.decisions or report.errors):
            on_report(report)

    def process_metrics() -> dict[str, float]:
        return receiver.metrics(listener.app.refusals.total() if listener else 0)

    try:
        watch.watch(
            p,
            repos,
            on_report=on_report,
            metrics=metrics,
            jobs=[("webhook deliveries", drain_job, DRAIN_EVERY)],
            process_metrics=process_metrics,
            routes=[receiver.route()] if shared else None,
            collapse=collapse,
            server_name="webhook" if shared else "metrics",
        )
    finally:
        if listener is not None:
            listener.close()
        left = receiver.queue.qsize()
        if left:
            p.echo(f"{left} webhook deliveries were still queued: the next poll catches their failures up")
