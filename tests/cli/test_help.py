"""`agent --help` is printed from kept text without loading Typer (`cli/entry.py`): the text is what Typer renders
now, at each kept width, and any other width (or any other command) still goes through Typer."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cicd_agent.cli.entry import KEPT, help_file, kept_help, typer_version

TOOL = "run `.venv/bin/python tools/cli_help.py` after changing a command, an option or the help"


def _agent(*args: str, columns: int, probe: str = "") -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.argv = ['agent', *{list(args)!r}]\ntry:\n    from cicd_agent.cli.entry import run; run()\n"
    code += f"finally:\n    {probe or 'pass'}\n"
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize("columns", [80, 100, 180])
def test_the_kept_help_is_what_typer_renders(columns: int) -> None:
    """With the Typer that rendered the kept text, the text is what it renders now; with another (the floor
    run's), the help is rendered by it, not taken from the file."""
    path = help_file(columns)
    assert path is not None and min(columns, 100) in KEPT
    typer = subprocess.run(
        [sys.executable, "-c", "from cicd_agent.cli.main import invoke; invoke(['--help'])"],
        capture_output=True,
        text=True,
        env={"COLUMNS": str(columns), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    header, _, text = path.read_text(encoding="utf-8").partition("\n")
    if header == f"typer {typer_version()}":
        assert text == typer.stdout and kept_help(columns) == text, TOOL
    else:
        assert header.startswith("typer ") and kept_help(columns) is None
        assert _agent("--help", columns=columns).stdout == typer.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_printed_without_loading_typer(flag: str) -> None:
    probe = "print(' '.join(m for m in ('typer', 'click', 'cicd_agent.cli.main') if m in sys.modules), file=sys.stderr)"
    done = _agent(flag, columns=80, probe=probe)
    assert done.returncode == 0
    if kept_help(80) is None:  # another Typer than the one that rendered the kept text: it renders the help
        pytest.skip(f"Typer {typer_version()} (not the one that rendered the kept text) renders the help itself")
    assert done.stdout == kept_help(80)
    assert done.stderr.strip() == ""


def test_another_width_or_command_goes_through_typer() -> None:
    narrow = _agent("--help", columns=60)
    assert narrow.returncode == 0 and "Usage: agent [OPTIONS] COMMAND [ARGS]..." in narrow.stdout
    kept = {path.read_text(encoding="utf-8").partition("\n")[2] for width in KEPT if (path := help_file(width))}
    assert narrow.stdout not in kept  # wrapped to 58 columns by Typer, not a kept text
    version = _agent("--version", columns=80)
    assert version.returncode == 0 and version.stdout.startswith("agent (cicd-agent) ")
