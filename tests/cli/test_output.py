"""What people read fits their terminal: tables and lines within 80 columns (words never split), help screens
within 80 columns, and a closed pipe ends the command quietly."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cicd_agent.cli.main import command, invoke
from cicd_agent.cli.table import MARKER, Column, hanging, render, short_time, wrap
from cicd_agent.model import Decision
from cicd_agent.store import open_store

BREAKER_COLUMNS = [
    Column("repo"),
    Column("branch"),
    Column("signature", keep_whole=True, short=12),
    Column("state", keep_whole=True),
    Column("failures"),
    Column("opened at", time=True),
    Column("half-open at", time=True),
    Column("last failure", terminal=False),
]
SIG = "3f2a9c1b7d4e" + "0" * 52


def _words(lines: list[str]) -> set[str]:
    return {word for line in lines for word in line.split()}


@pytest.mark.parametrize("width", [80, 100, 200])
def test_a_breaker_table_fits_and_keeps_every_word_whole(width: int) -> None:
    year = time.strftime("%Y", time.gmtime())
    rows = [
        [
            "demo/bad-fix",
            "main",
            SIG,
            "FORCED_OPEN",
            "3",
            f"{year}-11-01T12:00:00Z",
            f"{year}-11-01T13:00:00Z",
            "1234#1",
        ],
        ["demo/format-check", "release/1.x", SIG, "HALF_OPEN", "12", "-", "-", "-"],
    ]
    lines = render(BREAKER_COLUMNS, rows, width)
    assert all(len(line) <= width for line in lines)
    words = _words(lines)
    assert {"demo/bad-fix", "demo/format-check", "failures", "FORCED_OPEN", "3f2a9c1b7d4e"} <= words
    assert "1234#1" not in words  # only piped output shows the last failure run
    assert {"11-01", "12:00Z", "13:00Z"} <= words  # this year's times, short
    assert short_time("2025-11-01T13:00:00Z", "2026") == "2025-11-01" and short_time("-", "2026") == "-"
    assert not any(MARKER in line for line in lines)  # everything fits at 80: nothing is cut


def test_what_cannot_fit_is_cut_with_a_marker_never_split() -> None:
    long_repo = "an-organisation-with-a-long-name/a-repository-with-an-even-longer-name"
    rows = [[long_repo, "main", SIG, "OPEN", "3", "2026-11-01T12:00:00Z", "-", "-"]]
    lines = render(BREAKER_COLUMNS, rows, 80)
    assert all(len(line) <= 80 for line in lines)
    (cut,) = [w for w in _words(lines) if w.startswith("an-organisation")]
    assert cut.endswith(MARKER) and long_repo.startswith(cut.removesuffix(MARKER))
    assert sum(1 for line in lines if "an-organisation" in line) == 1  # cut, not continued on a second line
    assert "3f2a9c1b7d4e" in _words(lines)  # the whole-kept columns are the last to give


def test_long_cells_wrap_between_words() -> None:
    reason = "the same failure in 7 repositories: one incident (https://github.com/o/i/issues/1) " * 2
    lines = render([Column("repo"), Column("reason")], [["o/r", reason]], 80)
    assert len(lines) > 3 and all(len(line) <= 80 for line in lines)
    assert _words(lines) >= set(reason.split())
    assert wrap("a bb ccc", 4) == ["a bb", "ccc"]
    assert wrap("abcdefgh", 4) == ["abc" + MARKER]


def test_a_line_for_people_wraps_with_a_hanging_indent() -> None:
    line = "  due now: https://github.com/o/r/pull/12: waits for CI of ci.yml (lint, test) on a branch to complete"
    lines = hanging(line, 60)
    assert all(len(x) <= 60 for x in lines) and lines[0].startswith("  due now:")
    assert all(x.startswith("      ") for x in lines[1:]) and _words(lines) == set(line.split())


def _commands(group: Any, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, sub in getattr(group, "commands", {}).items():
        yield from _commands(sub, [*path, name])


@pytest.mark.parametrize("path", list(_commands(command(), [])), ids=lambda p: " ".join(p) or "agent")
def test_every_help_screen_fits_80_columns(path: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert invoke([*path, "--help"]) == 0
    wide = [line for line in out.getvalue().splitlines() if len(line) > 80]
    assert wide == []


def test_a_closed_pipe_ends_quietly_with_exit_0(tmp_path: Path) -> None:
    """`agent history | head -1` on a long history: no message, exit 0 (as `git log | head` does)."""
    store = open_store(tmp_path / "state", dry_run=False)
    for n in range(3000):
        store.record_decision(Decision(1_700_000_000.0 + n, "o/r", "rerun", "x" * 80, branch="main", run_id=n + 1))
    store.close()
    env = {**os.environ, "CICD_AGENT_STATE_DIR": str(tmp_path / "state")}
    agent = [sys.executable, "-m", "cicd_agent"]
    for args in (["history"], ["history", "--json"]):
        process = subprocess.Popen([*agent, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline()
        process.stdout.close()  # the reader goes away, as `head -1` does
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == b""
