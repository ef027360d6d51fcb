"""The webhook receiver on plain values and over loopback HTTP: signatures, answers, routing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from harness import Agent

from cicd_agent.config.parse import parse_config
from cicd_agent.modes import server
from cicd_agent.modes.server import Request
from cicd_agent.modes.webhook import Delivery, Kind, Receiver, route, signature_ok
from cicd_agent.remediation.discovery import Fleet
from cicd_agent.sandbox.webhooks import signature

SECRET = "It's a Secret to Everybody"
# GitHub's documented example: this secret and body give this signature
BODY = b"Hello, World!"
GITHUB_EXAMPLE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
CONFIG = parse_config('[[repos]]\nname = "octo/app"\nbranches = ["main", "release/*"]\n')[0]
FLEET = Fleet(CONFIG)


def test_the_signature_is_githubs_hmac_sha256() -> None:
    assert signature(SECRET, BODY) == GITHUB_EXAMPLE
    assert signature_ok(SECRET, BODY, GITHUB_EXAMPLE)
    assert signature_ok(SECRET, BODY, GITHUB_EXAMPLE + "\n")  # a header value with a trailing newline
    assert not signature_ok(SECRET, BODY + b" ", GITHUB_EXAMPLE)  # the body was changed on the way
    assert not signature_ok("another secret", BODY, GITHUB_EXAMPLE)
    assert not signature_ok(SECRET, BODY, None)
    assert not signature_ok(SECRET, BODY, GITHUB_EXAMPLE.replace("sha256=", "sha1="))
    assert not signature_ok(SECRET, BODY, "sha256=\u00e9t\u00e9")  # not even ASCII: refused, no crash
    assert not signature_ok("", BODY, signature("", BODY))  # no secret configured: nothing is trusted


def _run(branch: str = "main", conclusion: str | None = "failure", **extra: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "run_attempt": 1,
        "head_branch": branch,
        "head_sha": "a" * 40,
        "status": "completed",
        "conclusion": conclusion,
        "created_at": "2026-05-01T12:00:00Z",
        **extra,
    }


def _delivery(event: str, action: str = "completed", repo: str = "Octo/App", **payload: Any) -> Delivery:
    return Delivery("d-1", event, {"action": action, "repository": {"full_name": repo}, **payload})


@pytest.mark.parametrize(
    ("delivery", "kind", "reason"),
    [
        (_delivery("workflow_run", workflow_run=_run()), Kind.FAILURE, ""),
        (_delivery("workflow_run", workflow_run=_run("release/2.0")), Kind.FAILURE, ""),
        (_delivery("workflow_run", workflow_run=_run("feature/x")), Kind.IGNORED, "nothing to do"),
        (_delivery("workflow_run", workflow_run=_run(conclusion="success")), Kind.IGNORED, "nothing to do"),
        (_delivery("workflow_run", "requested", workflow_run=_run()), Kind.IGNORED, "not completed"),
        (_delivery("workflow_run", workflow_run=_run("cicd-agent/fix/abc/main")), Kind.FIX_RUN, ""),
        (_delivery("workflow_run", workflow_run={"head_branch": "main"}), Kind.IGNORED, "malformed"),
        (_delivery("workflow_run", workflow_run="run"), Kind.IGNORED, "malformed"),
        (_delivery("workflow_run", repo="other/repo", workflow_run=_run()), Kind.IGNORED, "not a watched"),
        (Delivery("d", "workflow_run", {"workflow_run": _run()}), Kind.IGNORED, "not a watched"),
        (_delivery("pull_request", "closed", pull_request={"number": 5}), Kind.APPROVAL, ""),
        (_delivery("issue_comment", "created", issue={"number": 9}), Kind.APPROVAL, ""),
        (_delivery("push", ref="refs/heads/main"), Kind.IGNORED, "does not use"),
    ],
)
def test_route(delivery: Delivery, kind: Kind, reason: str) -> None:
    routed = route(FLEET, delivery)
    assert routed.kind is kind and reason in routed.reason


def test_a_routed_failure_is_the_run_a_poll_would_list() -> None:
    routed = route(FLEET, _delivery("workflow_run", workflow_run=_run(pull_requests=[{"number": 3}])))
    run = routed.run
    assert run is not None and (run.repo, run.id, run.branch, run.pull_requests) == ("octo/app", 7, "main", (3,))
    approval = route(FLEET, _delivery("issue_comment", "created", issue={"number": 9}))
    assert (approval.repo, approval.number, approval.action) == ("octo/app", 9, "created")


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str, list[str]]]:
    logged: list[str] = []
    box = Receiver(SECRET, "/webhook", logged.append)
    listener = server.serve("webhook", "127.0.0.1", 0, [box.route()], logged.append)
    yield box, listener.url, logged
    listener.close()


def _post(url: str, body: bytes, event: str = "workflow_run", sig: str | None = None) -> requests.Response:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}
    headers["X-Hub-Signature-256"] = signature(SECRET, body) if sig is None else sig
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_a_signed_delivery_is_queued_and_answered_202(receiver: tuple[Receiver, str, list[str]]) -> None:
    box, url, logged = receiver
    body = json.dumps({"action": "completed", "workflow_run": _run()}).encode()
    answer = _post(url + "/webhook", body)
    assert answer.status_code == 202 and answer.json() == {"queued": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}
    (queued,) = box.take()
    assert (queued.event, queued.payload["workflow_run"]["id"]) == ("workflow_run", 7)
    assert box.take() == [] and logged == []
    assert box.metrics()["webhook_deliveries_queued_total"] == 1


def test_a_bad_signature_is_refused_401_and_counted_not_logged_each_time() -> None:
    logged: list[str] = []
    box = Receiver(SECRET, "/webhook", logged.append)
    listener = server.serve("webhook", "127.0.0.1", 0, [box.route()], logged.append)
    try:
        body = json.dumps({"action": "completed", "workflow_run": _run()}).encode()
        for _ in range(20):
            assert _post(listener.url + "/webhook", body, sig=signature("a guess", body)).status_code == 401
        assert _post(listener.url + "/webhook", body, sig="").status_code == 401
        assert box.take() == [] and logged == []  # counted, not a line each
        assert listener.app.refusals.total() == 21
    finally:
        listener.close()  # the summary is logged when the server stops, if not before
    (line,) = logged
    assert "webhook: refused 21 requests" in line and "21 bad or missing X-Hub-Signature-256" in line
    assert "delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958 from 127.0.0.1" in line and SECRET not in line


def test_other_answers(receiver: tuple[Receiver, str, list[str]]) -> None:
    box, url, _ = receiver
    assert _post(url + "/webhook", b"{}", event="ping").status_code == 200  # sent when the hook is created
    assert _post(url + "/webhook", b"not json").status_code == 400
    assert _post(url + "/webhook", b"[" * 100_000 + b"]" * 100_000).status_code == 400  # nested past any parser
    assert _post(url + "/elsewhere", b"{}").status_code == 404
    assert requests.get(url + "/webhook", timeout=10).status_code == 405
    assert box.take() == []


def test_a_full_queue_answers_503_and_polling_catches_up() -> None:
    box = Receiver(SECRET, "/webhook", print, queue_limit=1)
    body = json.dumps({"action": "completed", "workflow_run": _run()}).encode()
    headers = {"x-github-event": "workflow_run", "x-hub-signature-256": signature(SECRET, body)}
    request = Request("POST", "/webhook", headers, body, "127.0.0.1")
    assert box.answer(request).status == 202
    refused = box.answer(request)
    assert refused.status == 503 and refused.refused == "queue full"
    assert len(box.take()) == 1 and box.answer(request).status == 202


def test_serve_without_a_secret_is_a_clear_error(agent: Agent) -> None:
    Path("cicd-agent.toml").write_text('[webhook]\nsecret_env = "HOOK_SECRET"\n[[repos]]\nname = "octo/app"\n')
    result = agent("serve")
    assert result.code == 1
    assert "no webhook secret in $HOOK_SECRET" in result.err and "Traceback" not in result.err


INSTALLED = parse_config('[github]\ndiscover = "installation"\ninstallation_id = 11\n')[0]  # watches all it sees


def test_a_delivery_from_another_installation_of_the_app_is_never_watched() -> None:
    """Every installation of the App signs with its one secret: another account's repositories are not the
    agent's, whatever the event."""
    fleet = Fleet(INSTALLED)
    stranger = _delivery("workflow_run", repo="stranger/app", workflow_run=_run(), installation={"id": 99})
    routed = route(fleet, stranger)
    assert routed.kind is Kind.IGNORED and "installation 99" in routed.reason and not fleet.watches("stranger/app")
    ours = _delivery("workflow_run", repo="octo/app", workflow_run=_run(), installation={"id": 11})
    assert route(fleet, ours).kind is Kind.FAILURE and fleet.watches("octo/app")


@pytest.mark.parametrize(
    "name",
    ["octo/../../user", "octo/a/b", "octo/app\x1b]0;t\x07", "octo/<img src=x>", "octo/@ghost", "octo/" + "a" * 5000],
)
def test_a_name_github_never_gives_a_repository_is_never_watched(name: str) -> None:
    fleet = Fleet(parse_config('[[repos]]\nname = "octo/*"\n')[0])
    routed = route(fleet, _delivery("workflow_run", repo=name, workflow_run=_run()))
    assert routed.kind is Kind.IGNORED and fleet.names() == []
