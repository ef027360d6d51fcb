"""Breakers through the store: persistence, history, notifications, and no lost count across processes;
pause and resume."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from cicd_agent.breaker import State
from cicd_agent.config.parse import parse_config
from cicd_agent.effects.dryrun import Action
from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.errors import AgentError
from cicd_agent.model import FailureKey
from cicd_agent.remediation import operations
from cicd_agent.remediation.breaker_service import Breakers, actor
from cicd_agent.store import Store

KEY = FailureKey("o/r", "main", "ab" * 32)


def _setup(tmp_path: Path, text: str = "") -> tuple[Breakers, Notifier]:
    config, problems = parse_config(text)
    assert problems == []
    notes = Notifier([], echo=lambda _: None)
    return Breakers(Store(tmp_path / "state.db"), config, Effects(None, notifier=notes)), notes


def test_failures_open_the_breaker_and_notify(tmp_path: Path) -> None:
    breakers, notes = _setup(tmp_path)
    for n in range(3):
        breakers.record(KEY, success=False, now=float(n), run=f"7#{n + 1}")
    (view,) = breakers.views(3.0)
    assert (view.state, view.failures, view.last_failure_run) == ("OPEN", 3, "7#3")
    assert notes.log and notes.log[0][0] == "breaker_opened"
    events = breakers.store.breaker_events(KEY)
    assert [(e.from_state, e.to_state) for e in events] == [("CLOSED", "OPEN")]


def test_per_repo_threshold(tmp_path: Path) -> None:
    breakers, _ = _setup(tmp_path, '[[repos]]\nname = "o/r"\nfailure_threshold = 1\n')
    breakers.record(KEY, success=False, now=1.0)
    assert breakers.views(1.0)[0].state == "OPEN"


def test_acquire_takes_the_half_open_slot_once(tmp_path: Path) -> None:
    breakers, _ = _setup(tmp_path, '[breaker]\nfailure_threshold = 1\nreset_after = "1h"\n')
    breakers.record(KEY, success=False, now=0.0)
    assert breakers.acquire(KEY, 10.0)[0] is False
    assert breakers.views(3600.0)[0].state == "HALF_OPEN"
    assert breakers.acquire(KEY, 3600.0) == (True, "breaker HALF_OPEN: one trial allowed")
    assert breakers.acquire(KEY, 3601.0)[0] is False


def test_resolve_prefix_ambiguity_and_absence(tmp_path: Path) -> None:
    breakers, _ = _setup(tmp_path)
    for sig in ("abc1" + "0" * 60, "abc2" + "0" * 60):
        breakers.record(FailureKey("o/r", "main", sig), success=False, now=1.0)
    assert breakers.resolve("o/r", branch=None, signature="abc1", every=False)[0].signature.startswith("abc1")
    with pytest.raises(AgentError, match="2 breakers match"):
        breakers.resolve("o/r", branch=None, signature="abc", every=False)
    assert len(breakers.resolve("o/r", branch=None, signature="abc", every=True)) == 2
    with pytest.raises(AgentError, match="no breaker matches"):
        breakers.resolve("o/other", branch=None, signature=None, every=True)


def test_operator_moves_are_recorded_with_who_and_why(tmp_path: Path) -> None:
    breakers, notes = _setup(tmp_path)
    breakers.record(KEY, success=False, now=1.0)
    breakers.operator_move([KEY], State.FORCED_OPEN, reason="investigating", who="ana", now=2.0)
    assert notes.log[-1][0] == "breaker_opened"
    breakers.operator_move([KEY], State.CLOSED, reason="fixed by hand", who="ana", now=3.0)
    events = breakers.store.breaker_events(KEY)
    assert [(e.to_state, e.actor, e.reason) for e in events] == [
        ("FORCED_OPEN", "ana", "investigating"),
        ("CLOSED", "ana", "fixed by hand"),
    ]
    assert [d.decision for d in breakers.store.decisions()] == ["breaker_forced_open", "breaker_closed"]
    with pytest.raises(AgentError, match="reason"):
        breakers.operator_move([KEY], State.CLOSED, reason=" ", who="ana", now=4.0)


def test_actor(monkeypatch: pytest.MonkeyPatch) -> None:
    assert actor("bob") == "bob"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    assert actor(None) == "octocat"
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert actor(None) not in ("", "octocat")


def test_pause_and_resume(tmp_path: Path) -> None:
    breakers, _ = _setup(tmp_path)
    store = breakers.store
    assert operations.paused(store) is None
    operations.pause(store, reason="release freeze", who="ana", now=1.0)
    assert operations.paused(store) == {"reason": "release freeze", "by": "ana", "at": 1.0}
    operations.pause(store, reason="freeze until Monday", who="bo", now=1.5)  # said again: since stays
    assert operations.paused(store) == {"reason": "freeze until Monday", "by": "bo", "at": 1.0}
    operations.hold(store, [Action("github.comment", "o/r#1", "text")], [], now=1.6)
    operations.hold(store, [Action("github.comment", "o/r#1", "text")], [], now=1.7)
    (write,) = operations.held(store)["writes"]
    assert (write["times"], write["first_at"], write["last_at"]) == (2, 1.6, 1.7)
    assert operations.resume(store, who="ana", now=2.0) == {"writes": [write], "decisions": []}
    assert operations.held(store) == {"writes": [], "decisions": []}
    assert operations.resume(store, who="ana", now=3.0) is None


def _hammer(path: str, count: int) -> None:
    config, _ = parse_config("[breaker]\nfailure_threshold = 100000\n")
    breakers = Breakers(Store(path), config, Effects(None, notifier=Notifier([], echo=lambda _: None)))
    for n in range(count):
        breakers.record(KEY, success=False, now=float(n))
    breakers.store.close()


def test_concurrent_processes_lose_no_count(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    Store(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(path, 40)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    row = Store(path).get_breaker(KEY)
    assert row is not None and row.breaker.failures == 160
