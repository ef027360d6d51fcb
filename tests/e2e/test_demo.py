"""`agent demo` (what `make demo` runs) reaches every scenario's expected end."""

from __future__ import annotations

import re

import pytest
from harness import Agent

from cicd_agent.sandbox.scenarios import SCENARIOS


def test_demo_reaches_every_expected_end(agent: Agent) -> None:
    result = agent("demo", "--json")
    assert result.code == 0, result.err
    data = result.json()
    outcomes = {s["name"]: s["outcome"] for s in data["scenarios"]}
    assert outcomes == {s.name: s.expected for s in SCENARIOS}
    prs = {s["name"]: s["pr"] for s in data["scenarios"]}
    assert all(prs[name] and "/pull/" in prs[name] for name in ("format", "dependency", "deprecated-action", "timeout"))
    assert prs["unfixable"] and "/issues/" in prs["unfixable"] and prs["transient"] is None
    assert prs["bad-fix"] and "/issues/" in prs["bad-fix"]  # rolled back, then reported: not the same PR again
    signatures = [s["signature"] for s in data["scenarios"]]
    assert len(set(signatures)) == len(signatures) and all(len(s) == 64 for s in signatures)
    assert [b["state"] for b in data["breakers"] if b["repo"] == "demo/bad-fix"] == ["CLOSED"]
    assert set(data) == {"scenarios", "breakers"}
    # the document is the result; its progress still goes to stderr, each wait said before it is waited for
    assert "waiting for the sandbox's CI: 7 run(s) of demo/bad-fix" in result.err and "-- cycle 1" in result.err


def test_dry_run_demo_plans_one_cycle_and_writes_nothing(agent: Agent) -> None:
    result = agent("--dry-run", "demo", "--json")
    assert result.code == 0, result.err
    assert "[DRY-RUN] github.open_pull" in result.err and "[DRY-RUN] github.rerun_failed_jobs" in result.err
    # one planning cycle on a scratch store: fixes planned (pr_open there), nothing verified or rolled back
    outcomes = {s["name"]: s["outcome"] for s in result.json()["scenarios"]}
    assert outcomes["format"] == "pr_open" and outcomes["transient"] == "rerun_requested"
    assert not {"fixed", "rerun", "rolled-back-then-reported"} & set(outcomes.values())


def test_the_demo_says_which_settings_it_changes_and_fits_80_columns(
    agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as `make demo` runs in one (NO_COLOR keeps it plain)
    result = agent("demo", "--dry-run")
    assert result.code == 0, result.err
    assert "demo settings (changed from the defaults):" in result.err
    assert "  policy.allow_workflow_changes = true   (default false)" in result.err
    assert "  health.delay = 0   (default 300)" in result.err
    rows = [line for line in result.out.splitlines() if line.split(" ")[0] in {s.name for s in SCENARIOS}]
    assert [row.split()[0] for row in rows] == [s.name for s in SCENARIOS]  # one line per scenario
    assert all(len(row) <= 80 and re.search(r"\b[0-9a-f]{12}\s*$", row) for row in rows), result.out
