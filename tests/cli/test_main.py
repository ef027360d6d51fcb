"""The CLI's contract: help everywhere, documented exit codes, no tracebacks for expected errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from harness import Agent

from cicd_agent.cli import main as cli_main


def _all_commands() -> list[list[str]]:
    root = typer.main.get_command(cli_main.app)
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append(path)
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "agent")
def test_every_command_has_help(agent: Agent, path: list[str]) -> None:
    result = agent(*path, "--help")
    assert result.code == 0
    assert "Usage:" in result.out
    command: Any = typer.main.get_command(cli_main.app)
    for name in path:
        command = command.commands[name]
    assert command.help or command.short_help, f"{' '.join(path)} has no help text"


def test_usage_error_exits_2(agent: Agent) -> None:
    result = agent("no-such-command")
    assert result.code == 2
    assert "No such command" in result.err


def test_unexpected_error_exits_3_with_a_crash_log_of_the_users_own(
    agent: Agent, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import cicd_agent.config

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("surprise")

    monkeypatch.setattr(cicd_agent.config, "parse_config", boom)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    open("cicd-agent.toml", "w").close()
    result = agent("config", "check")
    assert result.code == 3
    assert "unexpected error (ZeroDivisionError)" in result.err
    assert "Traceback" not in result.err
    (crash,) = (tmp_path / "cache" / "cicd-agent").glob("crash-*.log")
    assert str(crash) in result.err and "ZeroDivisionError: surprise" in crash.read_text()
    assert crash.stat().st_mode & 0o077 == 0  # the user's own


def test_report_without_dry_run_is_refused(agent: Agent) -> None:
    result = agent("--report", "r.md", "config", "check")
    assert result.code == 1
    assert "--report only applies to a dry run" in result.err


def test_console_script_and_module_entry_points() -> None:
    for argv in (["-m", "cicd_agent", "--help"],):
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Usage:" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "cicd_agent", "config", "check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
