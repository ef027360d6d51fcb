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
    import cicd_agent.config.parse

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("surprise")

    monkeypatch.setattr(cicd_agent.config.parse, "parse_config", boom)
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


def test_global_options_work_after_the_subcommand(agent: Agent) -> None:
    Path("elsewhere.toml").write_text("[policy]\nmax_files = 2\n")
    before = agent("--json", "--config", "elsewhere.toml", "config", "check")
    after = agent("config", "check", "--config", "elsewhere.toml", "--json")
    assert before.code == after.code == 0 and before.out == after.out and after.json()["valid"] is True
    refused = agent("config", "check", "--report", "r.md")
    assert refused.code == 1 and "--report only applies to a dry run" in refused.err
    planned = agent("init", "--config", "new.toml", "--dry-run", "--report", "plan.md")
    assert planned.code == 0 and not Path("new.toml").exists() and "file.write" in Path("plan.md").read_text()


def test_version(agent: Agent) -> None:
    from cicd_agent import __version__

    result = agent("--version")
    assert result.code == 0 and result.out == f"agent (cicd-agent) {__version__}\n"


def test_help_shows_examples_and_defaults_unmangled(agent: Agent) -> None:
    root = agent("--help").out
    assert "agent run --dry-run --report plan.md" in root
    flat = "".join(root.split())  # wrapped at the terminal's width (click may wrap after a hyphen)
    assert "[envvar:CICD_AGENT_CONFIG;default:cicd-agent.toml]" in flat
    assert "default:(theconfig'sstate.dir,else.cicd-agent)" in flat
    run = agent("run", "--help").out
    assert "Examples:" in run and "Global options (--config" in " ".join(run.split())


def test_shell_completion_completes_commands(agent: Agent) -> None:
    env = {
        **__import__("os").environ,
        "_AGENT_COMPLETE": "complete_bash",
        "COMP_WORDS": "agent brea",
        "COMP_CWORD": "1",
    }
    done = subprocess.run([sys.executable, "-m", "cicd_agent"], env=env, capture_output=True, text=True, timeout=60)
    assert "breaker" in done.stdout.split(), (done.stdout, done.stderr)
    script = agent("completion", "bash")
    assert script.code == 0 and "_AGENT_COMPLETE=complete_bash" in script.out and "complete " in script.out
    assert agent("completion", "tcsh").code == 1


def test_text_from_logs_is_printed_as_written(agent: Agent, tmp_path: Path) -> None:
    """Rich would read `[bold]` as markup and `:warning:` as an emoji; a log line is neither."""
    log = tmp_path / "job.log"
    log.write_text(
        "Run make\nerror: [mypy] x [misc] :warning: [bold]not bold[/bold]\nError: Process completed with exit code 1.\n"
    )
    result = agent("signature", str(log))
    assert result.code == 0, result.err
    assert "error: [mypy] x [misc] :warning: [bold]not bold[/bold]" in result.out
