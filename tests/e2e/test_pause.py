"""A pause holds every write (GitHub, git, notifications) wherever the agent runs, keeps reading and judging, lists
what it holds in `agent status`, and the next cycle after `agent resume` does it (decided again from GitHub)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import Inbox, Loop

REPO = "demo/bad-fix"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.close()


def _writes(loop: Loop) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in loop.sandbox.requests if e["method"] != "GET"]


def test_a_pause_holds_every_write_and_resume_lets_the_next_cycle_do_them(loop: Loop, inbox: Inbox) -> None:
    loop.setup("bad-fix", extra=f'[notifications]\nwebhook_url = "{inbox.url}"\nevents = ["rollback"]\n')
    assert loop.agent("pause", "--reason", "release freeze", "--by", "ana").code == 0
    branches = loop.sandbox.repo(REPO).bare.branches()
    loop.sandbox.requests.clear()

    held = loop.agent("run", "--json")  # a new failure: decided as usual, its PR held
    assert held.code == 0, held.err
    assert [d["decision"] for d in held.json()["decisions"]] == ["fix_opened"]
    assert _writes(loop) == [] and loop.pulls(REPO) == []
    assert loop.sandbox.repo(REPO).bare.branches() == branches  # nothing pushed
    assert held.json()["paused"]["reason"] == "release freeze" and held.json()["held"] >= 2
    said = loop.agent("run")  # for people: said once per cycle
    assert said.err.count("paused since") == 1 and "by ana: release freeze" in said.err
    status = loop.agent("status", "--json").json()
    kinds = [w["kind"] for w in status["held"]["writes"]]
    assert status["paused"]["by"] == "ana"
    assert "github.open_pull" in kinds and "git.push" in kinds
    assert [d["decision"] for d in status["held"]["decisions"]] == ["fix_opened"]
    assert status["remediations"]["pr_open"] == 0 and status["failures_seen"] == 0  # nothing kept as if done
    rewritten = loop.agent("status", "--json").json()["held"]["writes"]  # the second cycle held them again
    assert len(rewritten) == len(kinds) and {w["times"] for w in rewritten} == {2}
    assert "held: " in loop.agent("status").out

    assert loop.agent("resume").code == 0
    assert loop.agent("status", "--json").json()["held"] == {"writes": [], "decisions": []}
    assert loop.decisions() == ["fix_opened"]  # decided again, and done
    (pull,) = loop.pulls(REPO)
    loop.sandbox.settle()  # the fix's CI fails

    assert loop.agent("pause", "--reason", "incident 7").code == 0
    loop.sandbox.requests.clear()
    judged = loop.agent("run", "--json")  # measured as usual: the verdict is a rollback, held
    assert [d["decision"] for d in judged.json()["decisions"]] == ["rolled_back"]
    assert _writes(loop) == [] and inbox.posts == []
    assert loop.pulls(REPO)[0]["state"] == "open"
    assert loop.api("GET", f"/repos/{REPO}/issues/{pull['number']}/comments") == []
    kinds = {w["kind"] for w in loop.agent("status", "--json").json()["held"]["writes"]}
    assert {"github.close_pull", "github.comment", "notify"} <= kinds

    assert loop.agent("resume").code == 0
    twice = loop.agent("resume", "--json")  # resuming twice is fine
    assert twice.code == 0 and twice.json() == {"paused": None, "resumed": None}
    assert loop.decisions() == ["rolled_back"]
    assert loop.pulls(REPO)[0]["state"] == "closed"
    assert [post["event"] for post in inbox.json()] == ["rollback"]


def test_a_paused_dry_run_says_it_is_paused_and_writes_nothing(loop: Loop) -> None:
    loop.setup("format")
    assert loop.agent("pause", "--reason", "freeze").code == 0
    result = loop.agent("--dry-run", "run")
    assert result.code == 0 and "paused since" in result.err and "[DRY-RUN] github.open_pull" in result.err
    assert loop.pulls("demo/format-check") == []
