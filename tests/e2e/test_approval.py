"""A draft fix waits for a person with write access: approved by a label or a comment, it is marked ready for
review (GraphQL) and merged once healthy; `/cicd-agent reject` is a rejection; anyone else is ignored."""

from __future__ import annotations

import json
from typing import Any

from harness import Loop

from cicd_agent.modes.server import Request
from cicd_agent.modes.webhook import Receiver, drain
from cicd_agent.remediation.approve import on_event
from cicd_agent.remediation.context import Report
from cicd_agent.remediation.discovery import Fleet
from cicd_agent.sandbox.webhooks import signature

REPO = "demo/format-check"


def _draft(loop: Loop) -> dict[str, Any]:
    loop.setup("format", extra="needs_approval = true\nauto_merge = true")
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(REPO)
    assert pull["draft"] is True
    return pull


def _labels(pull: dict[str, Any]) -> set[str]:
    return {label["name"] for label in pull["labels"]}


def _comment(loop: Loop, number: int, body: str, token: str | None = None) -> None:
    loop.api("POST", f"/repos/{REPO}/issues/{number}/comments", {"body": body}, token=token)


def test_approval_by_label_after_healthy_marks_it_ready_and_merges_it(loop: Loop) -> None:
    pull = _draft(loop)
    stranger = loop.sandbox.add_person("passer-by", "read")
    _comment(loop, pull["number"], "/cicd-agent approve", stranger)  # no write access: ignored
    _comment(loop, pull["number"], "/cicd-agent approve")  # the agent's own account: never trusted
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]  # green, but a draft: not merged without a person's word
    (waiting,) = loop.pulls(REPO)
    assert waiting["draft"] is True and waiting["state"] == "open"
    maintainer = loop.sandbox.add_person("maintainer", "write")
    loop.api(
        "POST", f"/repos/{REPO}/issues/{pull['number']}/labels", {"labels": ["cicd-agent:approved"]}, token=maintainer
    )
    cycle = loop.cycle()
    assert [d["decision"] for d in cycle["decisions"]] == ["approved", "merged"]
    assert "approved by maintainer (the `cicd-agent:approved` label)" in cycle["decisions"][0]["reason"]
    (merged,) = loop.pulls(REPO)
    assert merged["draft"] is False and merged["merged_at"] is not None
    assert "cicd-agent:needs-approval" not in _labels(merged)
    events = loop.api("GET", f"/repos/{REPO}/issues/{pull['number']}/events")
    assert ("ready_for_review", "cicd-agent-bot") in [(e["event"], e["actor"]["login"]) for e in events]
    assert loop.decisions() == []


def test_approval_by_comment_before_ci_merges_it_once_healthy(loop: Loop) -> None:
    pull = _draft(loop)
    maintainer = loop.sandbox.add_person("maintainer", "write")
    _comment(loop, pull["number"], "Checked the diff.\n/cicd-agent approve", maintainer)
    assert loop.decisions() == ["approved"]
    (ready,) = loop.pulls(REPO)
    assert ready["draft"] is False and ready["merged_at"] is None
    assert _labels(ready) == {"cicd-agent", "cicd-agent:approved"}
    loop.sandbox.settle()
    assert loop.decisions() == ["merged"]  # healthy and approved
    assert loop.pulls(REPO)[0]["merged_at"] is not None


def test_reject_by_comment_closes_it_and_no_new_pr_comes(loop: Loop) -> None:
    pull = _draft(loop)
    maintainer = loop.sandbox.add_person("maintainer", "admin")
    stranger = loop.sandbox.add_person("passer-by", "read")
    _comment(loop, pull["number"], "/cicd-agent reject", maintainer)
    _comment(loop, pull["number"], "/cicd-agent approve", stranger)  # later, but not trusted
    (rejected,) = loop.cycle()["decisions"]
    assert rejected["decision"] == "rejected" and "rejected by maintainer" in rejected["reason"]
    (closed,) = loop.pulls(REPO)
    assert closed["state"] == "closed" and closed["merged_at"] is None
    assert "cicd-agent:rejected" in _labels(closed)
    assert closed["head"]["ref"] not in loop.sandbox.repo(REPO).bare.branches()
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "FORCED_OPEN"
    loop.commit(REPO)  # the same failure again on main
    assert loop.decisions() == ["blocked_by_breaker"]
    assert len(loop.pulls(REPO)) == 1


def test_a_webhook_s_entry_handles_one_pull_request(loop: Loop) -> None:
    pull = _draft(loop)
    maintainer = loop.sandbox.add_person("maintainer", "write")
    _comment(loop, pull["number"], "/cicd-agent approve", maintainer)
    store = loop.store()
    try:
        ports, report = loop.ports(store), Report()
        assert on_event(ports, report, REPO, pull["number"] + 1) is False  # not one of the agent's drafts
        assert on_event(ports, report, REPO, pull["number"]) is True
        assert [d.decision for d in report.decisions] == ["approved"]
        assert on_event(ports, report, REPO, pull["number"]) is False  # no longer waiting
    finally:
        store.close()
    assert loop.pulls(REPO)[0]["draft"] is False


def test_a_comment_delivered_by_webhook_is_looked_at_at_once_and_its_body_is_not_trusted(loop: Loop) -> None:
    pull = _draft(loop)
    receiver = Receiver("secret", "/webhook", echo=lambda message: None)
    payload = {
        "action": "created",
        "issue": {"number": pull["number"], "pull_request": {}},
        "comment": {"body": "/cicd-agent approve", "user": {"login": "maintainer"}},
        "repository": {"full_name": REPO},
    }
    body = json.dumps(payload).encode()
    headers = {"x-github-event": "issue_comment", "x-hub-signature-256": signature("secret", body)}

    def deliver() -> list[str]:
        assert receiver.answer(Request("POST", "/webhook", headers, body, "127.0.0.1")).status == 202
        store = loop.store()
        try:
            report = Report()
            ports = loop.ports(store)
            assert drain(ports, Fleet(ports.config), receiver, report) == 1
            return [d.decision for d in report.decisions]
        finally:
            store.close()

    assert deliver() == []  # what the delivery says is not so on GitHub: nothing happens
    assert loop.pulls(REPO)[0]["draft"] is True
    _comment(loop, pull["number"], "/cicd-agent approve", loop.sandbox.add_person("maintainer", "write"))
    assert deliver() == ["approved"]  # read from GitHub, at once (no cycle ran)
    assert loop.pulls(REPO)[0]["draft"] is False
