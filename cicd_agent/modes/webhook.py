"""`agent serve`: a GitHub App's webhook receiver in front of the watcher.

GitHub delivers each event as a signed POST and gives the receiver 10 seconds to answer. Each delivery is
checked (`X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the shared secret, compared in constant
time), queued and answered 202 at once; a bad signature is answered 401 and counted (the server logs its
refusals as one summary line a minute: `modes/server.py`, which also bounds lengths, time and connections).
The delivery keeps its `X-GitHub-Delivery` id (`Delivery.id`), the same on GitHub's redelivery. The watcher's single
worker drains the queue every second into the pipeline polling feeds (`poll.handle_runs`), so a failed
`workflow_run` is decided exactly as if a poll had listed it (the dedup claim makes the later poll of the
same run a duplicate). Each delivery is handled once, by its `X-GitHub-Delivery` GUID in the store (a
redelivery or GitHub's retry of one already handled is skipped). Webhooks lead; polling becomes a paced sweep
behind them (`remediation/sweep.py`), and what failed to arrive while the agent was down is redelivered
(`modes/redelivery.py`).
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

from cicd_agent.errors import AgentError
from cicd_agent.github.values import WorkflowRun, run_from_json
from cicd_agent.model import is_fix_branch
from cicd_agent.modes import server, watch
from cicd_agent.modes.quiet import Collapse
from cicd_agent.modes.redelivery import redeliver_missed
from cicd_agent.modes.server import Request, Response, Route
from cicd_agent.remediation.approve import on_event
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.discovery import Fleet
from cicd_agent.remediation.health_check import process_health_checks
from cicd_agent.remediation.held import unless_paused
from cicd_agent.remediation.poll import handle_runs, watched_failure
from cicd_agent.remediation.sweep import Sweep
from cicd_agent.text import load_json

MAX_BODY = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
QUEUE_LIMIT = 1000  # deliveries waiting for the worker; past it 503 (polling catches them up)
DRAIN_EVERY = 1.0  # seconds between two looks at the queue
APPROVAL_EVENTS = ("pull_request", "issue_comment")
INSTALLATION_EVENTS = ("installation_repositories", "installation")
NO_ID = "(none)"  # a delivery without an X-GitHub-Delivery header (GitHub always sends one)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the body's HMAC-SHA256 with the secret (constant-time compare)."""
    if not secret or not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def printable_id(value: str | None) -> str:
    """A delivery id fit for a log line (it is the sender's text)."""
    return re.sub(r"[^A-Za-z0-9-]", "", value or "")[:64] or NO_ID


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    payload: dict[str, Any]  # GitHub's event JSON, read by `route`


class Kind(StrEnum):
    FAILURE = "failure"  # a failed run on a watched branch: decide it
    FIX_RUN = "fix_run"  # a run of the agent's own fix branch completed: judge the health checks due
    APPROVAL = "approval"  # pull_request, issue_comment: for approvals
    INSTALLATION = "installation"  # the App's installation or its repositories changed: discover again
    IGNORED = "ignored"


@dataclass(frozen=True)
class Routed:
    kind: Kind
    reason: str = ""
    run: WorkflowRun | None = None
    repo: str = ""
    number: int = 0
    action: str = ""


def route(fleet: Fleet, delivery: Delivery) -> Routed:
    """Where a delivery goes: only the watched repositories (a new one a glob selects is watched from its first
    delivery on), only what the agent uses."""
    payload, event = delivery.payload, delivery.event
    action = str(payload.get("action", ""))
    foreign = _foreign_installation(fleet, payload)
    if foreign:
        return Routed(Kind.IGNORED, foreign)
    if event in INSTALLATION_EVENTS:
        return _installation(fleet, action)
    repository = payload.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    if not isinstance(name, str) or not isinstance(repository, dict):
        return Routed(Kind.IGNORED, f"{str(name)[:100]!r} is not a watched repository")
    if not fleet.admits(name, archived=repository.get("archived") is True, fork=repository.get("fork") is True):
        return Routed(Kind.IGNORED, f"{name[:100]!r} is not a watched repository")
    name = fleet.spelled(name) or name
    repo = fleet.config.repo(name)
    if event == "workflow_run":
        if action != "completed":
            return Routed(Kind.IGNORED, f"workflow run {action or '(no action)'}, not completed", repo=name)
        try:
            run = run_from_json(name, payload["workflow_run"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return Routed(Kind.IGNORED, f"malformed workflow_run: {type(exc).__name__}", repo=name)
        if is_fix_branch(run.branch):
            return Routed(Kind.FIX_RUN, run=run, repo=name, action=action)
        if watched_failure(repo, run, fleet.config.policy.fork_failures):
            return Routed(Kind.FAILURE, run=run, repo=name, action=action)
        return Routed(Kind.IGNORED, f"{run.conclusion} on {run.branch[:100]!r}: nothing to do", repo=name)
    if event in APPROVAL_EVENTS:
        item = payload.get("pull_request") or payload.get("issue")
        number = item.get("number") if isinstance(item, dict) else None
        return Routed(Kind.APPROVAL, repo=name, number=number if isinstance(number, int) else 0, action=action)
    return Routed(Kind.IGNORED, f"the agent does not use {event[:50]!r} events", repo=name)


def _foreign_installation(fleet: Fleet, payload: dict[str, Any]) -> str:
    """Why a delivery is another installation's ("" when it is not): every installation of a GitHub App signs its
    deliveries with the App's one secret, and another account's repositories are never the agent's."""
    installation = payload.get("installation")
    number = installation.get("id") if isinstance(installation, dict) else None
    ours = fleet.config.github.installation_id
    if ours and installation is not None and str(number) != str(ours):
        return f"installation {str(number)[:20]} is not this agent's ({ours})"
    return ""


def _installation(fleet: Fleet, action: str) -> Routed:
    """`installation_repositories` (added, removed) or `installation` (created, deleted, ...): discovery runs again
    when the agent discovers repositories (the event is about its own installation: `route` checked)."""
    if not fleet.discovers:
        return Routed(Kind.IGNORED, "the config names its repositories: nothing to discover", action=action)
    return Routed(Kind.INSTALLATION, action=action)


class Receiver:
    """Checks, queues and answers deliveries: the webhook route's handler (called from the server's threads)."""

    def __init__(self, secret: str, path: str, echo: Callable[[str], None], queue_limit: int = QUEUE_LIMIT) -> None:
        self._secret = secret
        self.path = path
        self.echo = echo
        self.queue: queue.Queue[Delivery] = queue.Queue(maxsize=queue_limit)
        # accepted by event, and "duplicate" (a GUID handled already, counted by `drain`)
        self.counts: collections.Counter[str] = collections.Counter()
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
        self.count(event)
        return Response.json(202, {"queued": delivery_id})

    def count(self, key: str) -> None:
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
            "webhook_deliveries_queued_total": float(sum(v for k, v in counts.items() if k != "duplicate")),
            "webhook_deliveries_refused_total": float(refused),
            "webhook_deliveries_duplicate_total": float(counts.get("duplicate", 0)),
            "webhook_queue_length": float(self.queue.qsize()),
        }


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None (not JSON, not an object, or nested too deep)."""
    try:
        payload = load_json(body)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, nested too deep
        return None
    return payload if isinstance(payload, dict) else None


def drain(p: Ports, fleet: Fleet, receiver: Receiver, report: Report) -> int:
    """Everything queued, into the pipeline: each delivery once (by its GUID, in the store: a redelivery or a
    retry of one already handled is skipped), failures decided as a poll would, fix-branch runs judged, drafts
    waiting for approval looked at, the repositories discovered again after an installation changed (at most once a
    `discovery.REFRESH_GAP`: a burst of installation webhooks is one listing). Returns how many deliveries were
    taken."""
    deliveries = receiver.take()
    if not deliveries:
        fleet.refresh_if_changed(p, report)  # installation webhooks held back by the gap between listings
        return 0
    with unless_paused(p, report) as q:  # paused: decided as usual, every write held
        failures: list[WorkflowRun] = []
        fix_runs = False
        for delivery in deliveries:
            routed = route(fleet, delivery)
            if routed.kind is Kind.IGNORED:
                q.echo(f"webhook: {delivery.event} {delivery.id}: ignored: {routed.reason}")
                continue
            if delivery.id != NO_ID and not q.store.claim_delivery(delivery.id, delivery.event, now=q.now()):
                q.echo(f"webhook: {delivery.event} {delivery.id}: already handled (a redelivery or a retry): skipped")
                receiver.count("duplicate")
                continue
            if routed.kind is Kind.FAILURE and routed.run is not None:
                failures.append(routed.run)
            elif routed.kind is Kind.FIX_RUN:
                fix_runs = True
            elif routed.kind is Kind.INSTALLATION:
                fleet.installation_changed()
            elif routed.kind is Kind.APPROVAL:
                approval_event(q, report, delivery, routed)
        fleet.refresh_if_changed(q, report)
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
    fleet: Fleet,
    *,
    secret: str,
    host: str,
    port: int,
    on_report: Callable[[Report], None],
    metrics: tuple[str, int | None] = ("127.0.0.1", None),
    collapse: Collapse | None = None,
) -> None:
    """Receive webhooks on host:port, with the polling as a paced catch-up sweep behind them (each repository once
    per poll interval, spread evenly), until SIGTERM/SIGINT. Deliveries that failed while the agent was down are
    redelivered as it starts and at each sweep round (the GitHub App's credentials). With the metrics on the same
    address and port, one server answers both."""
    receiver = Receiver(secret, p.config.webhook.path, p.echo)
    shared = metrics == (host, port)
    listener = None
    if shared:
        p.echo(f"receiving webhooks on {receiver.path}, beside /metrics and /healthz")
    else:
        listener = server.serve("webhook", host, port, [receiver.route()], p.echo, fix="pick another --port")
        p.echo(f"receiving webhooks on {listener.url}{receiver.path}")
    if p.config.webhook.redeliver_window > 0 and not p.github.can_list_deliveries():
        p.echo(
            "failed webhook deliveries cannot be redelivered without the GitHub App's credentials ([github] app_id): "
            "the sweep catches their failures up"
        )
    sweep = Sweep(fleet.names, p.config.schedule.poll_interval, on_round=redeliver_missed)

    def drain_job() -> None:
        report = Report()
        drain(p, fleet, receiver, report)
        if report.decisions or report.errors:  # a listing held back by the gap may fail with nothing queued
            on_report(report)

    def process_metrics() -> dict[str, float]:
        return receiver.metrics(listener.app.refusals.total() if listener else 0)

    try:
        watch.watch(
            p,
            fleet,
            on_report=on_report,
            metrics=metrics,
            jobs=[("webhook deliveries", drain_job, DRAIN_EVERY)],
            process_metrics=process_metrics,
            routes=[receiver.route()] if shared else None,
            collapse=collapse,
            server_name="webhook" if shared else "metrics",
            sweep=sweep,
        )
    finally:
        if listener is not None:
            listener.close()
        left = receiver.queue.qsize()
        if left:
            p.echo(f"{left} webhook deliveries were still queued: the sweep catches their failures up")
