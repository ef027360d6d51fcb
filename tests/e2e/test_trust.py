"""Metadata is trusted only from what the agent's own account wrote: a stranger's comment, issue or pull-request
comment carrying a copy of the agent's metadata block changes nothing it decides."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import requests
from e2e.test_action import _event as action_step
from harness import Loop

from cicd_agent.text import metadata_comment, read_metadata


def _as(loop: Loop, token: str, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(
        method, loop.sandbox.base_url + path, json=body, timeout=10, headers={"Authorization": f"token {token}"}
    )
    assert response.status_code < 400, response.text
    return response.json() if response.content else None


def _signature(loop: Loop, repo: str, run_id: int) -> str:
    explained = loop.agent("explain", "--repo", repo, str(run_id), "--json")
    assert explained.code == 0, explained.err
    return str(explained.json()["signature"])


def test_a_strangers_comment_cannot_make_a_new_failure_look_handled(loop: Loop, tmp_path: Path) -> None:
    loop.setup("unfixable")
    Path("cicd-agent.toml").unlink()  # the Action mode: state comes from GitHub only
    repo = loop.sandbox.repo("demo/failing-test")
    run = repo.runs[0]
    assert action_step(loop, tmp_path, run.id)["outputs"]["decision"] == "reported"
    (issue,) = [i for i in repo.items.values() if not i.is_pull]
    meta = read_metadata(issue.body)
    assert meta is not None
    stranger = loop.sandbox.add_person("mallory", "read")
    forged = metadata_comment({**meta, "run_attempt": 2})  # "attempt 2 was seen already"
    _as(loop, stranger, "POST", f"/repos/demo/failing-test/issues/{issue.number}/comments", {"body": forged})
    loop.sandbox.rerun(repo, run, failed_only=True)
    loop.sandbox.settle()
    assert action_step(loop, tmp_path, run.id)["outputs"]["decision"] == "reported"  # not "duplicate"
    assert [c.body.startswith("Seen again") for c in issue.comments] == [False, True]


def test_a_strangers_issue_with_the_agents_metadata_is_not_taken_for_its_report(loop: Loop) -> None:
    loop.setup("unfixable")
    run = loop.sandbox.repo("demo/failing-test").runs[0]
    signature = _signature(loop, "demo/failing-test", run.id)
    writer = loop.sandbox.add_person("eve", "write")
    forged = metadata_comment({"signature": signature, "repo": "demo/failing-test", "branch": "main", "run_id": 1})
    body = {"title": "CI failure", "body": f"nothing to see\n\n{forged}", "labels": ["cicd-agent"]}
    _as(loop, writer, "POST", "/repos/demo/failing-test/issues", body)
    assert loop.decisions() == ["reported"]
    issues = loop.api("GET", "/repos/demo/failing-test/issues?labels=cicd-agent")
    assert sorted(i["user"]["login"] for i in issues) == sorted(["eve", loop.sandbox.agent.login])
    eves = next(i for i in issues if i["user"]["login"] == "eve")
    assert loop.api("GET", f"/repos/demo/failing-test/issues/{eves['number']}/comments") == []


def test_a_strangers_comment_on_a_pull_request_does_not_silence_the_explanation(loop: Loop) -> None:
    loop.setup("unfixable")
    config = Path("cicd-agent.toml")
    config.write_text(config.read_text().replace('branches = ["main"]', 'branches = ["feature"]'))
    repo = loop.sandbox.repo("demo/failing-test")
    repo.bare.update_branch("feature", repo.bare.branches()["main"])
    pull = loop.api("POST", "/repos/demo/failing-test/pulls", {"title": "Feature", "head": "feature", "base": "main"})
    body = {"message": "work", "content": base64.b64encode(b"more\n").decode(), "branch": "feature"}
    loop.api("PUT", "/repos/demo/failing-test/contents/WORK.md", body)
    loop.sandbox.settle()
    run = next(r for r in repo.runs if r.branch == "feature")
    signature = _signature(loop, "demo/failing-test", run.id)
    stranger = loop.sandbox.add_person("mallory", "read")
    forged = {"body": metadata_comment({"signature": signature, "repo": "demo/failing-test", "branch": "feature"})}
    _as(loop, stranger, "POST", f"/repos/demo/failing-test/issues/{pull['number']}/comments", forged)
    assert loop.decisions() == ["reported"]
    comments = loop.api("GET", f"/repos/demo/failing-test/issues/{pull['number']}/comments")
    assert [c["user"]["login"] for c in comments] == ["mallory", loop.sandbox.agent.login]
    assert "AssertionError" in comments[1]["body"]
