"""The sandbox knows who asks: people's roles are enforced as GitHub enforces them, and every change is
recorded with its author."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from e2e.test_auth import app_keys

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


def test_a_person_s_api_commit_is_theirs_and_linked_to_their_account(sb: Sandbox) -> None:
    token = sb.add_person("maintainer", "write")
    body = {"message": "by hand", "content": "aGk=", "branch": "main"}
    made = _as(sb, token, "PUT", f"{REPO}/contents/HAND.md", body).json()["commit"]["sha"]
    compared = _as(sb, sb.token, "GET", f"{REPO}/compare/{made}~1...{made}").json()
    (entry,) = compared["commits"]
    person = sb.person("maintainer")
    assert person is not None
    assert entry["commit"]["author"]["name"] == "maintainer" and entry["author"]["login"] == "maintainer"
    assert entry["commit"]["committer"]["email"] == f"{person.id}+maintainer@users.noreply.github.com"


def test_pull_request_runs_of_a_workflow_token_wait_for_approval(sb: Sandbox) -> None:
    repo = sb.repo("demo/format-check")
    workflow = ".github/workflows/ci.yml"
    text = repo.bare.read(repo.bare.branches()["main"], workflow)
    assert text is not None
    on_prs = text[1].decode().replace("on:\n  push:\n    branches: ['**']\n", "on:\n  pull_request:\n")
    sb.settle()
    body = {"message": "CI on pull requests", "content": base64.b64encode(on_prs.encode()).decode()}
    body.update(sha=text[0], branch="main")
    assert _as(sb, sb.token, "PUT", f"{REPO}/contents/{workflow}", body).ok
    repo.bare.update_branch("feature", repo.bare.branches()["main"])
    _, public = app_keys()
    bot, _ = sb.issue_token(sb.register_app("1", public, 5, slug="github-actions"))
    assert _as(sb, bot, "POST", f"{REPO}/pulls", {"title": "x", "head": "feature", "base": "main"}).ok
    (held,) = [r for r in repo.runs if r.event == "pull_request"]
    assert (held.status, held.conclusion, held.current_jobs()) == ("completed", "action_required", [])
    assert sb.settle() == 0  # nothing runs until a person approves it
    reader = sb.add_person("reader", "read")
    assert _as(sb, reader, "POST", f"{REPO}/actions/runs/{held.id}/approve").status_code == 403
    assert _as(sb, sb.add_person("maintainer", "write"), "POST", f"{REPO}/actions/runs/{held.id}/approve").ok
    assert sb.settle() == 1 and held.conclusion in ("success", "failure") and held.current_jobs()
    person_pr = _as(sb, sb.token, "POST", f"{REPO}/pulls", {"title": "y", "head": "main", "base": "feature"})
    assert person_pr.ok  # anyone else's pull request: its runs are queued, not held
    assert [r.status for r in repo.runs if r.event == "pull_request"] == ["completed", "queued"]
