"""The sweep's stage against the sandbox, on an injected clock: each repository is polled at its own moment and
its failures handled as a cycle's are; while the agent is paused, a tick reads and decides but every write is
held (and a redelivery check, run as a round starts, is held with them)."""

from __future__ import annotations

from pathlib import Path

from harness import Loop

from cicd_agent.remediation import operations
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.sweep import Sweep
from cicd_agent.store import Store
from cicd_agent.store.postgres import PostgresBackend

REPOS = ["demo/format-check", "demo/failing-test"]


class Clock:
    def __init__(self) -> None:
        self.at = 1_000_000.0

    def __call__(self) -> float:
        return self.at


def _store(loop: Loop) -> Store:
    Path(".cicd-agent").mkdir(exist_ok=True)  # no cycle has run here yet
    return loop.store()


def _polled(loop: Loop) -> list[str]:
    return [r["path"] for r in loop.sandbox.requests if "status=failure" in r["query"]]


def test_each_repository_is_polled_at_its_moment_and_its_failure_handled(loop: Loop) -> None:
    loop.setup("format", "unfixable")
    clock, rounds = Clock(), []
    sweep = Sweep(lambda: REPOS, 100.0, on_round=lambda p, report: rounds.append(clock()))
    store = _store(loop)
    try:
        ports = loop.ports(store, now=clock)
        loop.sandbox.requests.clear()
        first = Report()
        assert sweep.tick(ports, first) == ["demo/format-check"]  # the first at the round's start
        assert [d.decision for d in first.decisions] == ["fix_opened"]
        assert _polled(loop) == ["/repos/demo/format-check/actions/runs"]
        clock.at += 49.0
        assert sweep.tick(ports, Report()) == []  # the second is due half an interval in
        clock.at += 1.0
        second = Report()
        assert sweep.tick(ports, second) == ["demo/failing-test"]
        assert [d.decision for d in second.decisions] == ["reported"]
        clock.at += 50.0
        assert sweep.tick(ports, Report()) == ["demo/format-check"]  # the next round, where the first ended
        assert rounds == [1_000_000.0, 1_000_100.0]
        assert [d.decision for d in store.decisions() if d.run_id] == ["fix_opened", "reported"]  # each once
    finally:
        store.close()


def test_a_tick_while_paused_holds_every_write(loop: Loop) -> None:
    loop.setup("unfixable")
    clock, checked = Clock(), []
    store = _store(loop)
    try:
        operations.pause(store, reason="release freeze", who="test", now=clock())

        def on_round(p: Ports, report: Report) -> None:
            checked.append(p.effects.recorder is not None)  # the redelivery check gets the holding ports
            p.effects.comment("demo/failing-test", 1, "a write the pause must hold")

        report = Report()
        assert Sweep(lambda: ["demo/failing-test"], 60.0, on_round=on_round).tick(loop.ports(store, clock), report)
        assert checked == [True] and report.held >= 2 and report.decisions  # decided as usual, nothing written
        assert [i for i in loop.api("GET", "/repos/demo/failing-test/issues?state=all")] == []
        assert [d.decision for d in store.decisions() if d.run_id] == []  # the real store keeps none of it
        held = {(w["kind"], w["target"]) for w in operations.held(store)["writes"]}
        assert ("github.comment", "demo/failing-test#1") in held
    finally:
        store.close()


def test_only_the_fleet_s_leader_sweeps_and_another_host_takes_over_when_it_goes(loop: Loop, postgres_url: str) -> None:
    loop.setup("unfixable")
    clock = Clock()
    leader, other = Store(PostgresBackend(postgres_url)), Store(PostgresBackend(postgres_url))
    try:
        assert leader.lead()  # the first host to ask leads the fleet
        sweep = Sweep(lambda: ["demo/failing-test"], 60.0)
        loop.sandbox.requests.clear()
        assert sweep.tick(loop.ports(other, clock), Report()) == []  # not the leader: nothing polled
        assert _polled(loop) == []
        leader.close()  # the leader's host goes: its connection, and the lead with it
        report = Report()
        assert sweep.tick(loop.ports(other, clock), report) == ["demo/failing-test"]
        assert [d.decision for d in report.decisions] == ["reported"]
        assert _polled(loop) == ["/repos/demo/failing-test/actions/runs"]
    finally:
        other.close()


def test_a_repository_no_longer_watched_mid_round_is_not_polled(loop: Loop) -> None:
    """A discovery during a round drops a repository (removed from the installation, archived): the round does not
    poll it at its moment (GitHub would refuse it, or it is no longer the agent's to fix)."""
    loop.setup("format", "unfixable")
    clock, watched = Clock(), list(REPOS)
    sweep = Sweep(lambda: list(watched), 100.0)
    store = _store(loop)
    try:
        ports = loop.ports(store, now=clock)
        loop.sandbox.requests.clear()
        assert sweep.tick(ports, Report()) == ["demo/format-check"]
        watched.remove("demo/failing-test")  # the next discovery no longer lists it
        clock.at += 50.0
        assert sweep.tick(ports, Report()) == []
        assert _polled(loop) == ["/repos/demo/format-check/actions/runs"]
        clock.at += 50.0
        assert sweep.tick(ports, Report()) == ["demo/format-check"]  # the next round, over what is watched now
        assert sweep.round is not None and sweep.round.repos == ("demo/format-check",)
    finally:
        store.close()
