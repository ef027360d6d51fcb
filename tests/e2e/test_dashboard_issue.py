"""The dashboard issue on GitHub: one per repository, updated in place, found again by its metadata; its boxes
reset a breaker or approve a draft, acted on only from people with write access and through the effects
gateway (a dry run writes and resets nothing)."""

from __future__ import annotations

from typing import Any

from harness import Loop

REPO = "demo/format-check"
SETTINGS = "needs_approval = true\n[dashboard]\nissue = true\nrefresh = 0\n"


def _dashboards(loop: Loop) -> list[dict[str, Any]]:
    issues = loop.api("GET", f"/repos/{REPO}/issues?state=all&labels=cicd-agent:dashboard")
    return [i for i in issues if "pull_request" not in i]


def _tick(loop: Loop, issue: dict[str, Any], token: str | None = None) -> None:
    body = issue["body"].replace("- [ ] <!-- cicd-agent:", "- [x] <!-- cicd-agent:")
    loop.api("PATCH", f"/repos/{REPO}/issues/{issue['number']}", {"body": body}, token=token)


def _breaker(loop: Loop) -> str:
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    return str(breaker["state"])


def test_one_dashboard_issue_per_repository_and_its_boxes(loop: Loop) -> None:
    loop.setup("format", extra=SETTINGS)
    assert loop.decisions() == ["fix_opened"]
    (pull,) = loop.pulls(REPO)
    assert pull["draft"] is True
    (dashboard,) = _dashboards(loop)
    assert dashboard["title"] == "cicd-agent dashboard" and "approve this draft" in dashboard["body"]
    signature = loop.store().remediations()[0].signature
    trip = ["breaker", "trip", REPO, "--branch", "main", "--signature", signature, "--reason", "hold on"]
    assert loop.agent(*trip).code == 0
    loop.cycle()
    (dashboard,) = _dashboards(loop)  # updated in place, never a second one
    assert "reset the breaker of" in dashboard["body"] and "FORCED_OPEN" in dashboard["body"]

    _tick(loop, dashboard)  # the agent's own account ticks: it is no person with write access
    loop.cycle()
    assert _breaker(loop) == "FORCED_OPEN" and loop.pulls(REPO)[0]["draft"] is True

    maintainer = loop.sandbox.add_person("maintainer", "write")
    (dashboard,) = _dashboards(loop)
    _tick(loop, dashboard, maintainer)
    assert loop.agent("--dry-run", "run").code == 0  # a dry run: nothing written, nothing reset
    assert _breaker(loop) == "FORCED_OPEN" and loop.pulls(REPO)[0]["draft"] is True
    assert "- [x]" in _dashboards(loop)[0]["body"]

    decisions = loop.decisions()
    assert "approved" in decisions
    assert _breaker(loop) == "CLOSED" and loop.pulls(REPO)[0]["draft"] is False
    closed = loop.agent("history", "--decision", "breaker_closed", "--json").json()
    assert closed[-1]["by"] == "maintainer" and "dashboard issue" in closed[-1]["reason"]
    (dashboard,) = _dashboards(loop)
    assert "- [x]" not in dashboard["body"] and "reset the breaker of" not in dashboard["body"]
    assert "approve this draft" not in dashboard["body"]  # approved: nothing left to tick
