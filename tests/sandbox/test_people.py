"""The sandbox knows who asks: people's roles are enforced as GitHub enforces them, and every change is
recorded with its author."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios

REPO = "/repos/demo/format-check"


def _as(sb: Sandbox, token: str, method: str, path: str, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"token {token}"}
    return requests.request(method, sb.base_url + path, json=body, headers=headers, timeout=10)


@pytest.fixture
def sb(sandbox: Sandbox) -> Sandbox:
    install_scenarios(sandbox, ["format"])
    return sandbox


def test_a_reader_may_open_issues_and_comment_but_not_label_close_or_open_pulls(sb: Sandbox) -> None:
    reader = sb.add_person("reader", "read")
    issue = _as(sb, reader, "POST", f"{REPO}/issues", {"title": "Bug", "labels": ["cicd-agent"]})
    assert issue.status_code == 201
    assert issue.json()["labels"] == []  # labels from someone without push access are dropped, as on GitHub
    agents = _as(sb, sb.token, "POST", f"{REPO}/issues", {"title": "Report"}).json()["number"]
    assert _as(sb, reader, "POST", f"{REPO}/issues/{agents}/comments", {"body": "/cicd-agent approve"}).ok
    refused = [
        _as(sb, reader, "POST", f"{REPO}/issues/{agents}/labels", {"labels": ["cicd-agent:approved"]}),
        _as(sb, reader, "PATCH", f"{REPO}/issues/{agents}", {"state": "closed"}),
        _as(sb, reader, "POST", f"{REPO}/pulls", {"title": "x", "head": "main", "base": "main"}),
        _as(sb, reader, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/x", "sha": "0" * 40}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert "push access" in refused[0].json()["message"]
    assert sb.repo("demo/format-check").items[agents].state == "open"


def test_an_author_may_close_their_own_issue_and_the_closer_is_recorded(sb: Sandbox) -> None:
    reader = sb.add_person("reader", "none")
    number = _as(sb, reader, "POST", f"{REPO}/issues", {"title": "Mine"}).json()["number"]
    closed = _as(sb, reader, "PATCH", f"{REPO}/issues/{number}", {"state": "closed"}).json()
    assert closed["closed_by"]["login"] == "reader" and closed["user"]["login"] == "reader"
    events = _as(sb, sb.token, "GET", f"{REPO}/issues/{number}/events").json()
    assert [(e["event"], e["actor"]["login"]) for e in events] == [("closed", "reader")]


def test_a_merge_records_who_merged_it(sb: Sandbox) -> None:
    maintainer = sb.add_person("maintainer", "write")
    main = sb.repo("demo/format-check").bare.branches()["main"]
    assert _as(sb, sb.token, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/fix", "sha": main}).ok
    number = _as(sb, sb.token, "POST", f"{REPO}/pulls", {"title": "Fix", "head": "fix", "base": "main"}).json()[
        "number"
    ]
    assert _as(sb, maintainer, "PUT", f"{REPO}/pulls/{number}/merge", {}).ok
    pull = _as(sb, sb.token, "GET", f"{REPO}/pulls/{number}").json()
    assert (pull["user"]["login"], pull["merged_by"]["login"]) == ("cicd-agent-bot", "maintainer")
    events = _as(sb, sb.token, "GET", f"{REPO}/issues/{number}/events").json()
    assert [(e["event"], e["actor"]["login"]) for e in events] == [("merged", "maintainer"), ("closed", "maintainer")]


def test_an_installation_token_acts_as_the_apps_bot(sb: Sandbox) -> None:
    token, _ = sb.issue_token(sb.register_app("7", "unused-key", 1, slug="fixer"))
    created = _as(sb, token, "POST", f"{REPO}/issues", {"title": "By the app", "labels": ["cicd-agent"]}).json()
    assert (created["user"]["login"], created["user"]["type"]) == ("fixer[bot]", "Bot")
    assert created["labels"][0]["name"] == "cicd-agent"  # the app may label (write access)
    assert _as(sb, token, "GET", "/user").status_code == 403
    viewer = _as(sb, token, "POST", "/graphql", {"query": "query { viewer { login } }"}).json()
    assert viewer == {"data": {"viewer": {"login": "fixer[bot]"}}}


def test_unknown_permission_and_anonymous_writes_are_refused(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="permission must be one of"):
        sb.add_person("someone", "maintainer")
    anonymous = requests.post(sb.base_url + f"{REPO}/issues", json={"title": "x"}, timeout=10)
    assert anonymous.status_code == 401
