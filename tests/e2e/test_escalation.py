"""When a breaker opens, GitHub says so once: what failed, what was tried, how to reset."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from harness import FLAILING, Loop

from cicd_agent.text import metadata_comment, read_metadata

REPO = "demo/bad-fix"


def _recur(loop: Loop) -> None:
    repo = loop.sandbox.repo(REPO)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()


def _fail_fixes(loop: Loop, times: int) -> list[list[str]]:
    """`times` fixes opened and rolled back, each a different change (`FLAILING`); the decisions of each judging
    cycle."""
    judged = []
    for attempt in range(times):
        if attempt:
            _recur(loop)
        assert loop.decisions() == ["fix_opened"]
        loop.sandbox.settle()
        judged.append(loop.decisions())
    return judged


def _issues(loop: Loop) -> list[dict[str, Any]]:
    """The agent's issues (the issues API lists pull requests too)."""
    found = loop.api("GET", f"/repos/{REPO}/issues?labels=cicd-agent&state=all")
    return [i for i in found if "pull_request" not in i]


def _comments(loop: Loop, number: int) -> list[dict[str, Any]]:
    return list(loop.api("GET", f"/repos/{REPO}/issues/{number}/comments"))


def test_an_opened_breaker_opens_one_issue_saying_what_failed_what_was_tried_and_how_to_reset(loop: Loop) -> None:
    """Then a failed half-open trial is one more comment on the same issue."""
    loop.setup("bad-fix", extra=FLAILING)
    assert _fail_fixes(loop, 3) == [["rolled_back"], ["rolled_back"], ["rolled_back", "escalated"]]
    (issue,) = _issues(loop)
    pulls = sorted(p["number"] for p in loop.pulls(REPO))
    assert issue["title"].startswith("cicd-agent stopped trying")
    body = issue["body"]
    assert all(f"#{n} (fix, rule" in body for n in pulls) and "rolled back: the fix's CI failed" in body
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert f"agent breaker reset demo/bad-fix --branch main --signature {breaker['signature'][:12]}" in body
    assert "`cicd-agent:breaker-reset` label" in body and "`dependency.missing-module` on `main`" in body
    assert (read_metadata(body) or {})["tried"] == [f"#{n}" for n in pulls]
    # once: not again next cycle, nor when the local record of it is lost (GitHub is asked first)
    assert loop.decisions() == []
    with sqlite3.connect(Path(".cicd-agent") / "state.db") as db:
        db.execute("UPDATE breakers SET announced_at = NULL")
    assert loop.decisions() == []
    assert len(_issues(loop)) == 1 and _comments(loop, issue["number"]) == []
    # the breaker half-opens at once: the failure's next return is a trial, and its failure one comment
    Path("cicd-agent.toml").write_text(Path("cicd-agent.toml").read_text() + "\n[breaker]\nreset_after = 0\n")
    _recur(loop)
    assert loop.decisions() == ["fix_opened"]  # the half-open trial
    loop.sandbox.settle()
    assert loop.decisions() == ["rolled_back", "escalated"]
    assert [i["number"] for i in _issues(loop)] == [issue["number"]]
    (comment,) = _comments(loop, issue["number"])
    assert "cicd-agent stopped trying" in comment["body"]
    pulls = sorted(p["number"] for p in loop.pulls(REPO))
    assert len(pulls) == 4 and (read_metadata(comment["body"]) or {})["tried"] == [f"#{n}" for n in pulls]


def test_an_existing_report_issue_gets_a_comment_instead(loop: Loop) -> None:
    loop.setup("bad-fix", extra=FLAILING)
    Path("cicd-agent.toml").write_text(Path("cicd-agent.toml").read_text() + "\n[breaker]\nfailure_threshold = 2\n")
    _fail_fixes(loop, 1)
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    meta = {"signature": breaker["signature"], "repo": REPO, "branch": "main", "run_id": 1, "run_attempt": 1}
    report = loop.api(  # the agent's own report of this failure, from before (say, while the fixer was off)
        "POST",
        f"/repos/{REPO}/issues",
        {"title": "CI failure on main", "body": "explained\n\n" + metadata_comment(meta), "labels": ["cicd-agent"]},
    )
    _recur(loop)
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    assert loop.decisions() == ["rolled_back", "escalated"]
    assert [i["number"] for i in _issues(loop)] == [report["number"]]  # no new issue
    (comment,) = _comments(loop, report["number"])
    assert "cicd-agent stopped trying" in comment["body"]
