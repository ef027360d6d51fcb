"""The sandbox's webhook deliveries: a completed run is POSTed, signed, shaped as GitHub's event."""

from __future__ import annotations

import json

from harness import Inbox

from cicd_agent.modes.webhook import signature_ok
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios


def test_a_completed_run_is_delivered_signed(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["unfixable"])
    inbox = Inbox()
    try:
        sandbox.webhooks.configure(inbox.url, "s3cret")
        sandbox.settle()
        (post,) = inbox.posts
    finally:
        inbox.close()
    _, headers, body = post
    assert headers["x-github-event"] == "workflow_run" and headers["user-agent"].startswith("GitHub-Hookshot/")
    assert signature_ok("s3cret", body, headers["x-hub-signature-256"])
    event = json.loads(body)
    run = sandbox.repo("demo/failing-test").runs[0]
    assert event["action"] == "completed" and event["repository"]["full_name"] == "demo/failing-test"
    assert (event["workflow_run"]["id"], event["workflow_run"]["conclusion"]) == (run.id, "failure")
    assert event["workflow"]["path"] == ".github/workflows/ci.yml"
    (delivery,) = sandbox.webhooks.deliveries
    assert (delivery.id, delivery.status) == (headers["x-github-delivery"], 200)


def test_an_unreachable_receiver_is_logged_not_raised(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["unfixable"])
    inbox = Inbox()
    url = inbox.url
    inbox.close()  # nothing listens there any more
    sandbox.webhooks.configure(url, "s3cret")
    assert sandbox.settle() == 1
    (delivery,) = sandbox.webhooks.deliveries
    assert delivery.status is None and "ConnectionError" in delivery.error


def test_without_a_url_nothing_is_sent(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["unfixable"])
    assert sandbox.settle() == 1 and sandbox.webhooks.deliveries == []


def test_pull_requests_and_comments_are_delivered_as_pull_request_and_issue_comment_events(sandbox: Sandbox) -> None:
    """So a person trying `agent serve` by hand sees approvals arrive as GitHub would send them."""
    import requests

    sandbox.add_repo("o/r", {"README.md": b"hello\n"})
    sandbox.repo("o/r").bare.update_branch("feature", sandbox.repo("o/r").bare.branches()["main"])
    inbox = Inbox()
    try:
        sandbox.webhooks.configure(inbox.url, "s3cret")
        api = requests.Session()
        api.headers["Authorization"] = f"token {sandbox.token}"
        base = f"{sandbox.base_url}/repos/o/r"
        pull = api.post(f"{base}/pulls", json={"title": "t", "head": "feature", "base": "main"}, timeout=10).json()
        number = pull["number"]
        api.post(f"{base}/issues/{number}/labels", json={"labels": ["cicd-agent:approved"]}, timeout=10)
        api.post(f"{base}/issues/{number}/comments", json={"body": "/cicd-agent approve"}, timeout=10)
        api.patch(f"{base}/pulls/{number}", json={"state": "closed"}, timeout=10)
        sandbox.webhooks.flush()
    finally:
        inbox.close()
    seen = [(headers["x-github-event"], json.loads(body)["action"]) for _, headers, body in inbox.posts]
    assert seen == [
        ("pull_request", "opened"),
        ("pull_request", "labeled"),
        ("issue_comment", "created"),
        ("pull_request", "closed"),
    ]
    for _, headers, body in inbox.posts:
        assert signature_ok("s3cret", body, headers["x-hub-signature-256"])
    comment = json.loads(inbox.posts[2][2])
    assert comment["issue"]["number"] == number and "pull_request" in comment["issue"]
    assert comment["comment"]["body"] == "/cicd-agent approve" and comment["repository"]["full_name"] == "o/r"
    labeled = json.loads(inbox.posts[1][2])
    assert labeled["label"]["name"] == "cicd-agent:approved" and labeled["pull_request"]["number"] == number
