"""The `agent` command: global options (before or after the subcommand), one error boundary, the subcommands.

Exit codes: 0 ok, 1 expected error (a clear one-line message), 2 usage error, 3 unexpected error
(the traceback goes to a crash log, not the terminal), 130 interrupted.
"""

from __future__ import annotations

import copy
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from cicd_agent import __version__
from cicd_agent.cli import analysis_cmd, breaker_cmd, config_cmd, ops_cmd, run_cmd, sandbox_cmd, snapshots_cmd
from cicd_agent.cli.context import AppState
from cicd_agent.config.settings import DEFAULT_CONFIG
from cicd_agent.errors import AgentError
from cicd_agent.text import redact, terminal

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
GLOBAL_OPTIONS = ("config", "state_dir", "state_url", "dry_run", "report", "json_output", "verbose", "quiet")

EXAMPLES = """\b
Examples:
  agent init                              write a commented cicd-agent.toml
  agent config check                      every problem, with its key and line
  agent run --dry-run --report plan.md    one cycle writing nothing: plan.md
  agent run --watch --metrics-port 9464   keep running; /metrics, /dashboard
  agent status                            what is next, and when
  agent breaker list                      the circuit breakers

Global options work before or after the command
(`agent run --dry-run` = `agent --dry-run run`).
Exit codes: 0 ok, 1 error you can fix (the message says how), 2 usage,
3 unexpected (see the crash log), 130 interrupted.
"""

app = typer.Typer(
    name="agent",
    help="cicd-agent: explains GitHub Actions failures, opens fix pull requests, checks and rolls them back.",
    epilog=EXAMPLES,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        print(f"agent (cicd-agent) {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    config: Path = typer.Option(
        Path(DEFAULT_CONFIG),
        "--config",
        metavar="PATH",
        envvar="CICD_AGENT_CONFIG",
        show_envvar=True,
        help="Configuration file (TOML).",
    ),
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        metavar="DIR",
        envvar="CICD_AGENT_STATE_DIR",
        show_envvar=True,
        show_default="the config's state.dir, else .cicd-agent",
        help="Where the state lives (the SQLite database, clones).",
    ),
    state_url: str | None = typer.Option(
        None,
        "--state-url",
        metavar="URL",
        envvar="CICD_AGENT_STATE_URL",
        show_envvar=True,
        show_default="the config's state.url, else the SQLite file in the state dir",
        help="A PostgreSQL database shared by several hosts (postgresql://USER@HOST:PORT/DATABASE).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Write nothing anywhere: print and report every write instead."
    ),
    report: Path | None = typer.Option(
        None, "--report", metavar="FILE", help="With --dry-run: write the plan to FILE (.md or .json)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Machine-readable output on stdout, nothing else there."),
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, show_default=False, help="More detail (-vv: libraries' debug logs)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings, errors and results."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = AppState(
        config_path=config,
        state_dir_option=state_dir,
        state_url_option=state_url,
        dry_run=dry_run,
        report=report,
        json=json_output,
        verbose=verbose,
        quiet=quiet,
    )
    ctx.call_on_close(ctx.obj.finish)


_COMMANDS_EPILOG = (
    "\n\nGlobal options (--config, --state-dir, --state-url, --dry-run, --report, --json, -v, -q) go before or "
    "after it."
)

app.command("init", help="Write a commented starter configuration file.", epilog=config_cmd.INIT_EXAMPLES)(
    config_cmd.init
)
config_app = typer.Typer(help="Check the configuration file.", no_args_is_help=True, rich_markup_mode=None)
config_app.command(
    "check",
    help="Validate the configuration and list every problem with its key and line.",
    epilog=config_cmd.CHECK_EXAMPLES,
)(config_cmd.check)
config_app.command("schema", help="Print the JSON schema of the configuration file (for editors).")(config_cmd.schema)
app.add_typer(config_app, name="config")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(breaker_cmd.app, name="breaker")
app.command("run", help="Run one remediation cycle over the configured repositories.", epilog=run_cmd.RUN_EXAMPLES)(
    run_cmd.run
)
app.command(
    "serve",
    help="Receive a GitHub App's webhooks and act on them at once. Polling on schedule stays as the fallback.",
    epilog=run_cmd.SERVE_EXAMPLES,
)(run_cmd.serve)
app.add_typer(snapshots_cmd.app, name="snapshots")
app.command("metrics", help="Print the Prometheus metrics once. What `run --watch --metrics-port` serves.")(
    run_cmd.metrics
)
app.command(
    "pause",
    help="Hold every write to GitHub, git and notifications, wherever the agent runs. Cycles still read and judge.",
    short_help="Hold every write (GitHub, git, notifications) until `agent resume`.",
    epilog=ops_cmd.PAUSE_EXAMPLES,
)(ops_cmd.pause)
app.command(
    "resume",
    help="End a pause: the next cycle decides again what the pause held. Resuming twice is fine.",
    short_help="End a pause; the next cycle decides what it held.",
)(ops_cmd.resume)
app.command("history", help="List the decisions the agent took, with their reasons.", epilog=ops_cmd.HISTORY_EXAMPLES)(
    ops_cmd.history
)
app.command(
    "status",
    help="What is next and when: health checks due, leases, deferred failures, the pause and what it holds; "
    "the counts of failures, remediations and breakers.",
    short_help="What is next and when, and the counts.",
    epilog=ops_cmd.STATUS_EXAMPLES,
)(ops_cmd.status)
app.command(
    "signature",
    help="Explain a job log file: failing step, excerpt, category, signature.",
    short_help="Explain a job log file: step, excerpt, category, signature.",
    epilog=analysis_cmd.SIGNATURE_EXAMPLES,
)(analysis_cmd.signature)
app.command(
    "explain",
    help="Explain a failed workflow run. Its log and a green baseline are fetched through the API.",
    epilog=analysis_cmd.EXPLAIN_EXAMPLES,
)(analysis_cmd.explain)
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


@app.command(
    "completion",
    help="Print the shell completion script for SHELL (bash, zsh, fish, powershell).",
    epilog="\b\nExamples:\n  source <(agent completion bash)          in ~/.bashrc\n"
    "  agent completion zsh > ~/.zfunc/_agent\n  agent --install-completion               the current shell, detected",
)
def completion(ctx: typer.Context, shell: str = typer.Argument(..., help="bash, zsh, fish or powershell.")) -> None:
    from typer.completion import get_completion_script

    name = shell.strip().lower()
    if name not in SHELLS:
        raise AgentError(f"no completion for the shell {shell!r}", fix=f"use one of {', '.join(SHELLS[:4])}")
    print(get_completion_script(prog_name="agent", complete_var="_AGENT_COMPLETE", shell=name))


app.command("demo", help="Run the agent against the built-in sandbox GitHub. Its scenarios' CI really fails.")(
    sandbox_cmd.demo
)


def _late_global(ctx: typer.Context, param: Any, value: Any) -> None:
    """A global option written after the subcommand: hand it to the state the root command made."""
    source = ctx.get_parameter_source(param.name) if param.name else None
    if source is None or source.name != "COMMANDLINE":
        return
    state = ctx.find_object(AppState)
    if state is not None:
        state.set_global(param.name, value)


def _subcommands(group: Any) -> Iterator[Any]:
    for sub in getattr(group, "commands", {}).values():
        yield sub
        yield from _subcommands(sub)


@functools.cache
def command() -> Any:
    """The click command tree, every subcommand also accepting the global options (hidden in its help)."""
    root = typer.main.get_command(app)
    shared = [p for p in root.params if p.name in GLOBAL_OPTIONS]
    for sub in _subcommands(root):
        for param in shared:
            late = copy.copy(param)
            late.expose_value = False
            late.callback = _late_global  # type: ignore[assignment]
            late.envvar = None
            late.hidden = True  # type: ignore[attr-defined]
            sub.params.append(late)
        if not getattr(sub, "commands", None):
            sub.epilog = (sub.epilog or "") + _COMMANDS_EPILOG
            sub.callback = _pipe_aware(sub.callback)
    return root


class PipeClosed(Exception):
    """The reader of stdout went away; raised past click, which would make that exit 1."""


def _pipe_aware(callback: Any) -> Any:
    @functools.wraps(callback)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except BrokenPipeError:
            raise PipeClosed() from None

    return call


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: the one error boundary."""
    code = invoke(argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _pipe_closed()
    sys.exit(code)


def _pipe_closed() -> int:
    """Whoever read stdout stopped (`agent history | head -1`): end quietly, as `git log | head` does. What is
    still buffered goes nowhere, so nothing complains at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured): nothing is left to flush
        pass
    return EXIT_OK


def invoke(argv: list[str] | None = None) -> int:
    try:
        result = command().main(args=argv, standalone_mode=False, prog_name="agent")
        return result if isinstance(result, int) else EXIT_OK
    except (BrokenPipeError, PipeClosed):
        return _pipe_closed()
    except AgentError as exc:
        print(f"error: {terminal(redact(str(exc)), newlines=False)}", file=sys.stderr)  # one line, no secret
        return EXIT_ERROR
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if _is_click_error(exc):
            exc.show()  # type: ignore[attr-defined]
            return EXIT_USAGE if getattr(exc, "exit_code", 1) == EXIT_USAGE else EXIT_ERROR
        return _crash()


def _is_click_error(exc: Exception) -> bool:
    """Click's own errors (usage mistakes, shown as click shows them), whether typer vendors click or not."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _crash() -> int:
    """Unexpected: keep the traceback for a bug report, show one line."""
    from cicd_agent.cli.logs import write_crash_log

    kind = type(sys.exc_info()[1]).__name__
    crash = write_crash_log()
    where = f"the details are in {crash}" if crash else "no crash log could be written"
    print(f"unexpected error ({kind}); {where}: please attach them to a bug report", file=sys.stderr)
    return EXIT_UNEXPECTED
