"""Closing the agent's PR unmerged is a rejection in any state, recognised by who closed it: a person, not the
agent's own account."""

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
    (rejected,) = loop.cycle()["decisions"]
    assert rejected["decision"] == "rejected" and "by maintainer" in rejected["reason"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert breaker["state"] == "FORCED_OPEN"
    loop.commit(REPO)  # the same failure again on main
    assert loop.decisions() == ["blocked_by_breaker"]
    assert [p["number"] for p in loop.pulls(REPO)] == [number]  # not opened again
    assert loop.store().remediation_counts() == {"rejected": 1}


def test_a_merge_by_a_person_after_healthy_is_recorded(loop: Loop) -> None:
    number = _healthy_pull(loop)
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PUT", f"/repos/{REPO}/pulls/{number}/merge", {}, token=person)
    assert "merged" in loop.decisions()
    assert loop.store().remediation_counts() == {"merged": 1}
    assert loop.decisions() == []  # nothing more to watch


def test_the_agent_s_own_account_closing_it_is_no_rejection(loop: Loop) -> None:
    number = _healthy_pull(loop)
    loop.api("PATCH", f"/repos/{REPO}/pulls/{number}", {"state": "closed"})  # as the agent (another instance)
    (closed,) = loop.cycle()["decisions"]
    assert closed["decision"] == "rolled_back" and "not by a person" in closed["reason"]
    (breaker,) = loop.agent("breaker", "list", "--json").json()
    assert (breaker["state"], breaker["failures"]) == ("CLOSED", 0)
    loop.commit(REPO)  # the same failure again on main
    assert "fix_opened" in loop.decisions()  # the failure is still there, and nobody said no
