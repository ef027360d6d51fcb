"""The `command` fixer: a configured command, on trusted checkouts only."""

from __future__ import annotations

from pathlib import Path

from fixer_corpus import checkout

from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan

TS = "2024-05-01T12:00:00.0000000Z "


def test_command_fixer_runs_the_configured_command(tmp_path: Path) -> None:
    root = checkout(tmp_path / "repo", {"VERSION": "1\n"})
    analysis = analyze(f"{TS}##[error]Process completed with exit code 1.\n")
    plan = FIXERS["command"](FixContext(root, analysis, trusted=True, command=("sh", "-c", "echo 2 > VERSION")))
    assert isinstance(plan, FixPlan) and [(c.path, c.after) for c in plan.changes] == [("VERSION", "2\n")]
    failing = FIXERS["command"](FixContext(root, analysis, trusted=True, command=("sh", "-c", "exit 3")))
    assert isinstance(failing, CannotFix) and "exit code 3" in failing.why
    fork = FIXERS["command"](FixContext(root, analysis, trusted=False, command=("sh", "-c", "echo 3 > VERSION")))
    assert isinstance(fork, CannotFix) and "fork" in fork.why
