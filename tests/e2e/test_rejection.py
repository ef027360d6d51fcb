"""Closing the agent's PR unmerged is a rejection in any state, recognised by who closed it: a person, not the
agent's own account. A fix already judged is looked at again when its failure comes back."""

from __future__ import annotations

from harness import Loop

REPO = "demo/format-check"


def _healthy_pull(loop: Loop) -> int:
    loop.setup("format")
    assert loop.decisions() == ["fix_opened"]
    loop.sandbox.settle()
    assert loop.decisions() == ["healthy"]
    (pull,) = loop.pulls(REPO)
    assert pull["state"] == "open"  # healthy, waiting for a person to merge it
    return int(pull["number"])


def test_a_pull_request_closed_after_it_went_healthy_is_not_opened_again(loop: Loop) -> None:
    number = _healthy_pull(loop)
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/{REPO}/pulls/{number}", {"state": "closed"}, token=person)
    assert loop.decisions() == []  # nothing asked of GitHub while the failure does not come back
    loop.commit(REPO)  # the same failure again on main
    rejected, blocked = loop.cycle()["decisions"]
    assert rejected["decision"] == "rejected" and "by maintainer" in rejected["reason"]
    assert blocked["decision"] == "blocked_by_breaker"
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "FORCED_OPEN"
    assert [p["number"] for p in loop.pulls(REPO)] == [number]  # not opened again
    loop.commit(REPO, text="more notes\n")
    assert loop.decisions() == ["blocked_by_breaker"]
    assert loop.store().remediation_counts() == {"rejected": 1}


def test_a_fix_merged_by_a_person_is_recorded_when_its_failure_comes_back(loop: Loop) -> None:
    number = _healthy_pull(loop)
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PUT", f"/repos/{REPO}/pulls/{number}/merge", {}, token=person)
    loop.sandbox.settle()
    assert loop.decisions() == []  # main is green now
    loop.commit(REPO, "app.py", "def sub(a,b):\n    return a-b\n")  # someone brings the same failure back
    assert loop.decisions() == ["merged", "fix_opened"]
    assert loop.store().remediation_counts() == {"merged": 1, "pr_open": 1}


def test_the_agent_s_own_account_closing_it_is_no_rejection(loop: Loop) -> None:
    number = _healthy_pull(loop)
    loop.api("PATCH", f"/repos/{REPO}/pulls/{number}", {"state": "closed"})  # as the agent (another instance)
    loop.commit(REPO)
    closed, opened = loop.cycle()["decisions"]
    assert closed["decision"] == "rolled_back" and "not by a person" in closed["reason"]
    assert opened["decision"] == "fix_opened"  # the failure is still there, and nobody said no
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "CLOSED"
