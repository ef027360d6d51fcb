"""The sandbox's webhook deliveries: a completed run is POSTed, signed, shaped as GitHub's event."""

from __future__ import annotations

import json

import requests
from harness import Inbox, free_port, wait_for

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
    assert (delivery.guid, delivery.status) == (headers["x-github-delivery"], 200)


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


def _app_jwt(sandbox: Sandbox) -> dict[str, str]:
    import time

    import jwt
    from e2e.test_auth import app_keys

    private, public = app_keys()
    sandbox.register_app("31", public, 8)
    claims = {"iat": int(time.time()) - 30, "exp": int(time.time()) + 300, "iss": "31"}
    return {"Authorization": f"Bearer {jwt.encode(claims, private, algorithm='RS256')}"}


def test_a_failed_delivery_is_listed_and_redelivered_under_its_guid(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["unfixable"])
    headers = _app_jwt(sandbox)
    sandbox.webhooks.configure(f"http://127.0.0.1:{free_port()}/hook", "s3cret")  # nothing listens: it fails
    sandbox.settle()
    (failed,) = requests.get(f"{sandbox.base_url}/app/hook/deliveries", headers=headers, timeout=10).json()
    assert (failed["status"], failed["status_code"], failed["redelivery"]) == ("failed to connect", 0, False)
    inbox = Inbox(status=202)
    try:
        sandbox.webhooks.configure(inbox.url, "s3cret")
        url = f"{sandbox.base_url}/app/hook/deliveries/{failed['id']}/attempts"
        assert requests.post(url, headers=headers, timeout=10).status_code == 202
        wait_for(lambda: len(sandbox.webhooks.deliveries) == 2, "the redelivery")
        (post,) = inbox.posts
    finally:
        inbox.close()
    assert post[1]["x-github-delivery"] == failed["guid"]
    assert signature_ok("s3cret", post[2], post[1]["x-hub-signature-256"])
    again, first = requests.get(f"{sandbox.base_url}/app/hook/deliveries", headers=headers, timeout=10).json()
    assert first["id"] == failed["id"] and again["guid"] == failed["guid"] and again["id"] != failed["id"]
    assert (again["status"], again["status_code"], again["redelivery"]) == ("OK", 202, True)


def test_deliveries_are_paged_newest_first_by_cursor(sandbox: Sandbox) -> None:
    headers = _app_jwt(sandbox)
    sandbox.webhooks.configure(f"http://127.0.0.1:{free_port()}/hook", "s3cret")
    sent = [sandbox.webhooks.send("workflow_run", {"action": "completed"}).id for _ in range(5)]
    url: str | None = f"{sandbox.base_url}/app/hook/deliveries?per_page=2"
    seen = []
    while url:
        response = requests.get(url, headers=headers, timeout=10)
        seen.append([d["id"] for d in response.json()])
        url = response.links.get("next", {}).get("url")
    newest = sent[::-1]
    assert seen == [newest[:2], newest[2:4], newest[4:]]


def test_installation_changes_are_delivered_and_listed(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["unfixable", "format"])
    _app_jwt(sandbox)
    inbox = Inbox()
    try:
        sandbox.webhooks.configure(inbox.url, "s3cret")
        sandbox.select_repositories("31", ["demo/format-check"])
        sandbox.select_repositories("31", None)
        removed, added = inbox.json()
    finally:
        inbox.close()
    assert [h["x-github-event"] for _, h, _ in inbox.posts] == ["installation_repositories"] * 2
    assert removed["action"] == "removed" and removed["installation"]["id"] == 8
    assert [r["full_name"] for r in removed["repositories_removed"]] == ["demo/failing-test"]
    assert added["action"] == "added" and added["repository_selection"] == "all"
    assert [r["full_name"] for r in added["repositories_added"]] == ["demo/failing-test"]


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
