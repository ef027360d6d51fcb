"""A storm end to end: one failure in many sandbox repositories at once is one incident (one issue, one
notification, no per-repository PR or issue), later sightings join it, and it ends when the failures stop."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest
from harness import Inbox, Loop

from cicd_agent.model import STORM_LABEL
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios

INCIDENTS = "fleet/ci-incidents"
# the missing-dependency scenario: on its own, each repository would get a fix pull request
BROKEN = next(s for s in SCENARIOS if s.name == "dependency").files


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.close()


def _fleet(loop: Loop, inbox: Inbox, count: int, *, window: str = "1h") -> list[str]:
    install_scenarios(loop.sandbox, [])  # the wheelhouse the dependency scenario installs from
    loop.sandbox.add_repo(INCIDENTS, {"README.md": b"# CI incidents\n"})
    repos = [f"fleet/service-{i}" for i in range(count)]
    for repo in repos:
        loop.sandbox.add_repo(repo, BROKEN)
    loop.repos = repos
    _configure(loop, inbox, window)
    return repos


def _configure(loop: Loop, inbox: Inbox, window: str) -> None:
    loop.configure(
        f'\n[storm]\nmin_repos = 5\nwindow = "{window}"\nissue_repo = "{INCIDENTS}"\n'
        f'[notifications]\nwebhook_url = "{inbox.url}"\nevents = ["storm"]\n'
    )


def _storm_issues(loop: Loop) -> list[dict[str, object]]:
    return list(loop.api("GET", f"/repos/{INCIDENTS}/issues?state=all&labels={STORM_LABEL}"))


def test_a_storm_over_six_repositories_is_one_incident(loop: Loop, inbox: Inbox) -> None:
    repos = _fleet(loop, inbox, 6)
    loop.sandbox.settle()
    assert loop.decisions() == ["storm"] * 6
    for repo in repos:
        assert loop.pulls(repo) == []
        assert loop.api("GET", f"/repos/{repo}/issues?state=all") == []
    (issue,) = _storm_issues(loop)
    body = str(issue["body"])
    assert all(f"- {repo}" in body for repo in repos) and "ModuleNotFoundError" in body
    (note,) = inbox.json()
    assert note["event"] == "storm" and "6 repositories" in note["text"] and str(issue["html_url"]) in note["text"]
    (storm,) = loop.agent("status", "--json").json()["storms"]
    assert len(storm["repos"]) == 6 and storm["issue_url"] == issue["html_url"]
    assert 'cicd_agent_storms{state="active"} 1' in loop.agent("metrics").out

    # a seventh repository fails the same way: it joins the incident, its issue lists it, nobody is paged again
    loop.sandbox.add_repo("fleet/service-6", BROKEN)
    loop.repos.append("fleet/service-6")
    _configure(loop, inbox, "1h")
    loop.sandbox.settle()
    assert loop.decisions() == ["storm"]
    (issue,) = _storm_issues(loop)
    assert "fleet/service-6" in str(issue["body"]) and len(inbox.posts) == 1
    assert loop.pulls("fleet/service-6") == []

    # the failures stop for a whole window: the incident ends and its issue is closed
    _configure(loop, inbox, "1s")
    time.sleep(1.1)
    assert loop.decisions() == ["storm_ended"]
    (issue,) = _storm_issues(loop)
    assert issue["state"] == "closed"
    assert [n["event"] for n in inbox.json()] == ["storm", "storm"] and "over" in inbox.json()[1]["text"]
    assert loop.agent("status", "--json").json()["storms"] == []

    # after it, the same failure in one repository is that repository's own again: it gets its fix
    loop.api(
        "PUT",
        "/repos/fleet/service-0/contents/NOTES.md",
        {"message": "a change", "content": base64.b64encode(b"notes\n").decode(), "branch": "main"},
    )
    loop.sandbox.settle()
    assert loop.decisions() == ["fix_opened"]


def test_below_the_threshold_each_repository_is_handled_on_its_own(loop: Loop, inbox: Inbox) -> None:
    repos = _fleet(loop, inbox, 4)
    loop.sandbox.settle()
    assert loop.decisions() == ["fix_opened"] * 4
    assert all(len(loop.pulls(repo)) == 1 for repo in repos)
    assert _storm_issues(loop) == [] and inbox.posts == []
