"""People and GitHub's own rules where the agent runs as a GitHub Action (state rebuilt from GitHub each run),
with the workflow's own token (its pull requests' runs wait for a person's approval), and what `agent status`
says of work another process holds."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from e2e.test_action import _event, _fix_branch_run, _sweep
from e2e.test_auth import app_keys
from harness import Loop

from cicd_agent.sandbox.scenarios import SCENARIOS

FORMAT = "demo/format-check"
BAD = "demo/bad-fix"


def _said(loop: Loop, repo: str, payload: dict[str, Any], event_name: str) -> dict[str, Any]:
    """One Action run for a person's event (`issue_comment`, `pull_request_target`), on a fresh runner."""
    work = Path(os.urandom(4).hex())
    work.mkdir()
    path = work / "event.json"
    path.write_text(json.dumps({**payload, "repository": loop.api("GET", f"/repos/{repo}")}))
    os.environ["GITHUB_EVENT_NAME"] = event_name
    try:
        result = loop.agent("run", "--event", str(path), "--json")
    finally:
        del os.environ["GITHUB_EVENT_NAME"]
    assert result.code == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def _comment_event(number: int, body: str, login: str) -> dict[str, Any]:
    return {
        "action": "created",
        "issue": {"number": number, "pull_request": {"url": "x"}},
        "comment": {"body": body, "user": {"login": login}},
    }


def _draft(loop: Loop, tmp_path: Path) -> dict[str, Any]:
    loop.setup("format", extra="needs_approval = true")
    failed = loop.sandbox.repo(FORMAT).runs[0].id
    assert _event(loop, tmp_path, failed)["outputs"]["decision"] == "fix_opened"
    (pull,) = loop.pulls(FORMAT)
    assert pull["draft"] is True
    return pull


def test_an_approval_comment_is_acted_on_by_its_own_event(loop: Loop, tmp_path: Path) -> None:
    pull = _draft(loop, tmp_path)
    person = loop.sandbox.add_person("maintainer", "write")
    body = "/cicd-agent approve"
    loop.api("POST", f"/repos/{FORMAT}/issues/{pull['number']}/comments", {"body": body}, token=person)
    said = _said(loop, FORMAT, _comment_event(pull["number"], body, "maintainer"), "issue_comment")
    assert [d["decision"] for d in said["decisions"]] == ["approved"]
    (ready,) = loop.pulls(FORMAT)
    assert ready["draft"] is False
    # a stranger's comment event, claiming to be the maintainer: read from GitHub, nothing to do
    again = _said(loop, FORMAT, _comment_event(pull["number"], body, "maintainer"), "issue_comment")
    assert again["decisions"] == []


def test_an_approval_followed_by_the_sweep_marks_the_draft_ready(loop: Loop, tmp_path: Path) -> None:
    pull = _draft(loop, tmp_path)
    person = loop.sandbox.add_person("maintainer", "write")
    approved = {"labels": ["cicd-agent:approved"]}
    loop.api("POST", f"/repos/{FORMAT}/issues/{pull['number']}/labels", approved, token=person)
    decisions = [d["decision"] for d in _sweep(loop, FORMAT)["decisions"]]
    assert "approved" in decisions
    assert loop.pulls(FORMAT)[0]["draft"] is False


def test_a_retry_comment_resumes_a_rejected_fix_in_the_action(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    repo = loop.sandbox.repo(FORMAT)
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    (pull,) = loop.pulls(FORMAT)
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/{FORMAT}/pulls/{pull['number']}", {"state": "closed"}, token=person)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "blocked_by_breaker"
    body = "/cicd-agent retry"
    loop.api("POST", f"/repos/{FORMAT}/issues/{pull['number']}/comments", {"body": body}, token=person)
    said = _said(loop, FORMAT, _comment_event(pull["number"], body, "maintainer"), "issue_comment")
    assert [d["decision"] for d in said["decisions"]] == ["retry"]
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)  # rebuilt from GitHub: the answer resets it
    loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"


def test_a_rolled_back_fix_a_person_relabelled_is_still_read_as_rolled_back(loop: Loop, tmp_path: Path) -> None:
    loop.setup("bad-fix")
    repo = loop.sandbox.repo(BAD)
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()
    judged = _event(loop, tmp_path, _fix_branch_run(loop, BAD))["json"]["decisions"]
    assert "rolled_back" in [d["decision"] for d in judged]
    (pull,) = loop.pulls(BAD)
    person = loop.sandbox.add_person("maintainer", "write")
    number = pull["number"]
    loop.api("DELETE", f"/repos/{BAD}/issues/{number}/labels/cicd-agent:rolled-back", token=person)
    loop.api("POST", f"/repos/{BAD}/issues/{number}/labels", {"labels": ["cicd-agent:healthy"]}, token=person)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    again = _event(loop, tmp_path, repo.runs[0].id)["json"]["decisions"]
    # not a person's rejection (which would block it), and not healthy: the same change is not proposed again
    assert [d["decision"] for d in again] == ["rolled_back_before", "reported"]
    assert len(loop.pulls(BAD)) == 1


def _held_for_approval(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> str:
    """The format scenario with CI on pushes to main and on pull requests, and the agent acting with a workflow's
    GITHUB_TOKEN: its pull request's run waits for a person's approval. Returns the fix PR's number."""
    scenario = next(s for s in SCENARIOS if s.name == "format")
    workflow = scenario.files[".github/workflows/ci.yml"].decode()
    everywhere = "on:\n  push:\n    branches: ['**']\n"
    on_prs = workflow.replace(everywhere, "on:\n  push:\n    branches: [main]\n  pull_request:\n")
    assert on_prs != workflow
    loop.setup_repo(FORMAT, {**scenario.files, ".github/workflows/ci.yml": on_prs.encode()})
    _, public = app_keys()
    token, _ = loop.sandbox.issue_token(loop.sandbox.register_app("1", public, 5, slug="github-actions"))
    monkeypatch.setenv("GITHUB_TOKEN", token)
    assert loop.decisions() == ["fix_opened"]
    (run,) = [r for r in loop.sandbox.repo(FORMAT).runs if r.event == "pull_request"]
    assert (run.status, run.conclusion) == ("completed", "action_required")
    return str(loop.pulls(FORMAT)[0]["number"])


def test_a_fix_whose_runs_wait_for_approval_says_so_and_ends_inconclusive(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _held_for_approval(loop, monkeypatch)
    (waiting,) = loop.cycle()["decisions"]
    assert waiting["decision"] == "health_pending" and "wait for a person's approval" in waiting["reason"]
    (comment,) = loop.api("GET", f"/repos/{FORMAT}/issues/{number}/comments")
    assert "Approve and run" in comment["body"] and "GitHub App installation token" in comment["body"]
    assert loop.decisions() == []  # said once; still waiting
    store = loop.store()
    store.sql.execute("UPDATE health_checks SET deadline = ?", [time.time() - 1])  # max_wait has passed
    (ended,) = loop.cycle()["decisions"]
    assert ended["decision"] == "inconclusive" and "action_required" in ended["reason"]
    assert len(loop.api("GET", f"/repos/{FORMAT}/issues/{number}/comments")) == 1


def test_a_fix_whose_runs_a_person_approves_is_judged(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    _held_for_approval(loop, monkeypatch)
    assert loop.decisions() == ["health_pending"]
    (run,) = [r for r in loop.sandbox.repo(FORMAT).runs if r.event == "pull_request"]
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("POST", f"/repos/{FORMAT}/actions/runs/{run.id}/approve", token=person)
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]


def test_status_says_which_work_waits_for_a_lease_held_elsewhere_and_until_when(loop: Loop) -> None:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    until = time.time() + 600
    store = loop.store()
    store.sql.execute("UPDATE remediations SET lease_until = ?", [until])  # a killed host's lease
    status = loop.agent("status", "--json").json()
    (held,) = status["leases"]
    assert held["repo"] == FORMAT and held["what"].startswith("remediation ") and "pr_open" in held["what"]
    assert held["until"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until))
    text = loop.agent("status").out
    assert "waiting for a lease held elsewhere until" in text
    store.sql.execute("UPDATE remediations SET lease_until = 0")
    assert loop.agent("status", "--json").json()["leases"] == []


def test_a_rolled_back_fix_a_person_unlabelled_and_edited_is_still_not_proposed_again(
    loop: Loop, tmp_path: Path
) -> None:
    loop.setup("bad-fix")
    repo = loop.sandbox.repo(BAD)
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()
    judged = _event(loop, tmp_path, _fix_branch_run(loop, BAD))["json"]["decisions"]
    assert "rolled_back" in [d["decision"] for d in judged]
    (pull,) = loop.pulls(BAD)
    person = loop.sandbox.add_person("maintainer", "write")
    for label in [label["name"] for label in pull["labels"]]:  # the `cicd-agent` label too
        loop.api("DELETE", f"/repos/{BAD}/issues/{pull['number']}/labels/{label}", token=person)
    edited = {"title": "Tried: pin notarealpkg", "body": pull["body"] + "\n\nEdited: this did not work.\n"}
    loop.api("PATCH", f"/repos/{BAD}/pulls/{pull['number']}", edited, token=person)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    again = _event(loop, tmp_path, repo.runs[0].id)["json"]["decisions"]
    assert [d["decision"] for d in again] == ["rolled_back_before", "reported"]  # read from the agent's own words
    assert len(loop.pulls(BAD)) == 1


def test_a_rolled_back_fix_a_person_reopened_is_not_closed_again_by_the_sweep(loop: Loop, tmp_path: Path) -> None:
    loop.setup("bad-fix")
    repo = loop.sandbox.repo(BAD)
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()
    (pull,) = loop.pulls(BAD)
    person = loop.sandbox.add_person("maintainer", "write")
    body = {"message": "finish the fix", "content": "YnkgaGFuZAo=", "branch": pull["head"]["ref"]}
    loop.api("PUT", f"/repos/{BAD}/contents/HAND.md", body, token=person)  # its branch is kept: reopenable
    judged = _event(loop, tmp_path, _fix_branch_run(loop, BAD))["json"]["decisions"]
    assert [d["decision"] for d in judged] == ["rolled_back"]
    loop.api("PATCH", f"/repos/{BAD}/pulls/{pull['number']}", {"state": "open"}, token=person)
    assert _sweep(loop, BAD)["decisions"] == []
    (reopened,) = loop.pulls(BAD)
    assert reopened["state"] == "open"
    assert len(loop.api("GET", f"/repos/{BAD}/issues/{pull['number']}/comments")) == 1
