"""`agent breaker ...`, pause/resume, history and status through the real CLI."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from harness import Agent

from cicd_agent.config.settings import Config
from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.model import FailureKey
from cicd_agent.remediation.breaker_service import Breakers
from cicd_agent.store import Store

SIG = "c0ffee" + "1" * 58
OTHER = "c0ffee" + "2" * 58


def _seed(failures: dict[tuple[str, str, str], int]) -> None:
    Path(".cicd-agent").mkdir(exist_ok=True)
    store = Store(Path(".cicd-agent") / "state.db")
    breakers = Breakers(store, Config(), Effects(None, notifier=Notifier([], echo=lambda _: None)))
    for key, count in failures.items():
        for n in range(count):
            breakers.record(FailureKey(*key), success=False, now=time.time() - 60 + n, run=f"42#{n + 1}")
    store.close()


def _digest() -> str:
    return hashlib.sha256((Path(".cicd-agent") / "state.db").read_bytes()).hexdigest()


def test_list_on_an_empty_store_prints_an_empty_array(agent: Agent) -> None:
    _seed({})
    result = agent("breaker", "list", "--json")
    assert result.code == 0 and result.out.strip() == "[]"


def test_list_filters_and_shows_the_columns(agent: Agent) -> None:
    _seed({("o/r", "main", SIG): 3, ("o/r", "dev", OTHER): 1, ("x/y", "main", SIG): 1})
    data = agent("breaker", "list", "--json", "--state", "open").json()
    assert [(b["repo"], b["branch"], b["state"], b["failures"]) for b in data] == [("o/r", "main", "OPEN", 3)]
    assert data[0]["half_open_at"] and data[0]["opened_at"] and data[0]["last_failure_run"] == "42#3"
    assert len(agent("breaker", "list", "--json", "--repo", "o/r").json()) == 2
    table = agent("breaker", "list")
    assert "OPEN" in table.out and SIG[:12] in table.out
    bad = agent("breaker", "list", "--state", "AJAR")
    assert bad.code == 1 and "unknown state" in bad.err


def test_show_with_history_and_prefix(agent: Agent) -> None:
    _seed({("o/r", "main", SIG): 3})
    result = agent("breaker", "show", "o/r", "--branch", "main", "--signature", SIG[:8], "--json")
    assert result.code == 0
    data = result.json()
    assert data["signature"] == SIG and data["history"][0]["to_state"] == "OPEN"
    assert agent("breaker", "show", "o/r", "--json").json() == data  # the repository's only breaker
    missing = agent("breaker", "show", "o/r", "--branch", "main", "--signature", "ffff")
    assert missing.code == 1 and "no breaker matches" in missing.err


def test_breaker_commands_take_the_same_arguments_the_same_way() -> None:
    """show names a breaker exactly as reset, trip, disable and enable do: REPO, then --branch/--signature."""
    from cicd_agent.cli.main import command

    group = command().commands["breaker"]
    shapes = {}
    for name in ("show", "reset", "trip", "disable", "enable"):
        params = {
            p.name: (p.param_type_name, tuple(p.opts))
            for p in group.commands[name].params
            if p.name in ("repo", "branch", "signature")
        }
        shapes[name] = params
    assert all(shape == shapes["reset"] for shape in shapes.values()), shapes
    assert shapes["reset"]["branch"] == ("option", ("--branch",))


def test_reset_records_who_and_why(agent: Agent) -> None:
    _seed({("o/r", "main", SIG): 3})
    result = agent("breaker", "reset", "o/r", "--signature", SIG[:10], "--reason", "lockfile fixed", "--by", "ana")
    assert result.code == 0, result.err
    assert "now CLOSED" in result.out
    shown = agent("breaker", "show", "o/r", "--branch", "main", "--signature", SIG, "--json").json()
    assert (shown["state"], shown["failures"]) == ("CLOSED", 0)
    assert shown["history"][-1]["by"] == "ana" and shown["history"][-1]["reason"] == "lockfile fixed"
    assert shown["last_change"] == shown["history"][-1]
    history = agent("history", "--json").json()
    last = history[-1]
    assert (last["decision"], last["by"], last["reason"]) == ("breaker_closed", "ana", "lockfile fixed")
    piped = agent("history", "--decision", "breaker_closed").out.rstrip("\n").split("\t")  # one row, values whole
    assert piped[1:] == ["o/r", "main", SIG, "-", "breaker_closed", "-", "ana", "lockfile fixed"]


def test_reset_errors(agent: Agent) -> None:
    _seed({("o/r", "main", SIG): 1, ("o/r", "main", OTHER): 1})
    nothing = agent("breaker", "reset", "o/nope", "--reason", "x")
    assert nothing.code == 1 and "no breaker matches o/nope" in nothing.err
    ambiguous = agent("breaker", "reset", "o/r", "--signature", "c0ffee", "--reason", "x")
    assert ambiguous.code == 1 and "2 breakers match" in ambiguous.err and "--all" in ambiguous.err
    no_reason = agent("breaker", "reset", "o/r", "--all")
    assert no_reason.code == 2 and "--reason" in no_reason.err
    both = agent("breaker", "reset", "o/r", "--all", "--reason", "cleanup", "--json")
    assert both.code == 0 and [b["state"] for b in both.json()] == ["CLOSED", "CLOSED"]


def test_trip_disable_enable(agent: Agent) -> None:
    _seed({("o/r", "main", SIG): 1})
    tripped = agent("breaker", "trip", "o/r", "--branch", "main", "--signature", SIG[:6], "--reason", "hold", "--json")
    assert tripped.json()[0]["state"] == "FORCED_OPEN"
    new_key = agent("breaker", "trip", "o/r", "--branch", "release", "--signature", OTHER, "--reason", "pre-empt")
    assert new_key.code == 0 and "now FORCED_OPEN" in new_key.out
    disabled = agent("breaker", "disable", "o/r", "--branch", "main", "--reason", "noisy", "--json")
    assert disabled.json()[0]["state"] == "DISABLED"
    enabled = agent("breaker", "enable", "o/r", "--branch", "main", "--reason", "quiet again", "--json")
    assert enabled.json()[0]["state"] == "CLOSED"


def test_dry_run_reset_changes_nothing_and_reports(agent: Agent, tmp_path: Path) -> None:
    _seed({("o/r", "main", SIG): 3})
    before = _digest()
    report = tmp_path / "plan.json"
    result = agent("--dry-run", "--report", str(report), "breaker", "reset", "o/r", "--all", "--reason", "try")
    assert result.code == 0, result.err
    assert "[DRY-RUN] 0 write(s) skipped; 2 state-database write(s) made on an in-memory copy only" in result.err
    assert _digest() == before
    assert agent("breaker", "list", "--json").json()[0]["state"] == "OPEN"
    import json

    document = json.loads(report.read_text())
    assert document["writes"] == [] and document["state_database_writes"] == {"store.breaker": 1, "store.decision": 1}
    verbose = agent("--dry-run", "breaker", "reset", "o/r", "--all", "--reason", "try", "-v")
    assert "[DRY-RUN] store.breaker o/r main" in verbose.err


def test_pause_resume_status_history(agent: Agent) -> None:
    _seed({("o/r", "main", SIG): 3})
    assert agent("pause", "--reason", "release freeze", "--by", "ana").code == 0
    status = agent("status", "--json").json()
    assert status["paused"]["reason"] == "release freeze"
    assert status["breakers"] == {"CLOSED": 0, "OPEN": 1, "HALF_OPEN": 0, "FORCED_OPEN": 0, "DISABLED": 0}
    assert status["open_breakers"][0]["signature"] == SIG
    assert status["pending_health_checks"] == 0 and status["last_cycle"] is None
    text = agent("status").out
    assert "by ana: release freeze" in text and "OPEN 1" in text
    assert agent("resume").code == 0
    again = agent("resume")  # twice is fine: the agent runs, as asked
    assert again.code == 0 and "not paused" in again.err
    decisions = [d["decision"] for d in agent("history", "--json").json()]
    assert decisions == ["paused", "resumed"]
    assert agent("history", "--since", "1h", "--json").json() != []
    assert agent("history", "--repo", "nope/nope", "--json").json() == []
    bad = agent("history", "--since", "yesterday-ish")
    assert bad.code == 1 and "--since" in bad.err


@pytest.mark.parametrize(
    "args", [["breaker", "list"], ["status"], ["history"], ["snapshots", "list"], ["breaker", "show", "o/r"]]
)
def test_read_commands_in_a_fresh_directory_say_there_is_no_state_and_create_none(
    agent: Agent, args: list[str]
) -> None:
    result = agent(*args)
    assert result.code == 0 and result.out == ""
    assert "no state yet: .cicd-agent/state.db does not exist" in result.err and "healthy" not in result.err
    assert list(Path().iterdir()) == []


@pytest.mark.parametrize(
    ("args", "empty"),
    [
        (["breaker", "list"], []),
        (["history"], []),
        (["snapshots", "list"], []),
        (["breaker", "show", "o/r"], {}),
        (["snapshots", "show", "abc"], {}),
    ],
)
def test_read_commands_on_no_state_print_the_empty_document(agent: Agent, args: list[str], empty: object) -> None:
    """A script or a monitor reads an empty fleet, not a failure."""
    result = agent(*args, "--json")
    assert result.code == 0, result.err
    assert result.json() == empty
    assert list(Path().iterdir()) == []


def test_status_on_no_state_is_the_status_shape_with_zeros(agent: Agent) -> None:
    empty = agent("status", "--json")
    assert empty.code == 0, empty.err
    data = empty.json()
    assert (data["failures_seen"], data["duplicates"], data["pending_health_checks"]) == (0, 0, 0)
    assert data["health_checks"] == data["leases"] == data["deferred"] == data["storms"] == []
    assert data["paused"] is None and data["last_cycle"] is None and data["hosts"] == []
    assert {b["name"]: b["spent"] for b in data["budget"]} == dict.fromkeys(
        ("points", "creations_minute", "creations_hour", "primary"), 0
    )
    metrics = agent("metrics")
    assert metrics.code == 0 and "cicd_agent_failures_seen_total 0.0" in metrics.out
    assert list(Path().iterdir()) == []
    _seed({("o/r", "main", SIG): 3})
    full = agent("status", "--json").json()
    assert _keys(full) == _keys(data)  # one shape, state or none


def _keys(value: object, path: str = "") -> set[str]:
    if isinstance(value, dict):
        return {f"{path}.{k}" for k in value} | {p for k, v in value.items() for p in _keys(v, f"{path}.{k}")}
    return set()


def test_piped_breaker_list_feeds_breaker_reset(agent: Agent) -> None:
    """Piped (not a terminal), each breaker is one tab-separated line with the whole signature."""
    _seed({("o/r", "main", SIG): 3, ("o/r", "release/1.x", OTHER): 3})
    listed = agent("breaker", "list", "--state", "open")  # any case
    rows = [line.split("\t") for line in listed.out.splitlines()]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("o/r", "main", SIG, "OPEN"),
        ("o/r", "release/1.x", OTHER, "OPEN"),
    ]
    for repo, branch, signature, *_ in rows:
        reset = agent("breaker", "reset", repo, "--branch", branch, "--signature", signature, "--reason", "by hand")
        assert reset.code == 0, reset.err
    assert agent("breaker", "list", "--state", "OPEN").out == ""
