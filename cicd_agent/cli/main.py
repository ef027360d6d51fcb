"""The `agent` command: global options, one error boundary, and the subcommands.

Exit codes: 0 ok, 1 expected error (a clear one-line message), 2 usage error, 3 unexpected error
(the traceback goes to a crash log, not the terminal), 130 interrupted.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path

import click
import typer

from cicd_agent.cli import analysis_cmd, breaker_cmd, config_cmd, ops_cmd, run_cmd, sandbox_cmd, snapshots_cmd
from cicd_agent.cli.context import AppState
from cicd_agent.config import DEFAULT_CONFIG
from cicd_agent.errors import AgentError
from cicd_agent.text import redact, terminal

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

app = typer.Typer(
    name="agent",
    help="cicd-agent: explains GitHub Actions failures, opens fix pull requests, checks and rolls them back.\n\n"
    "Exit codes: 0 ok, 1 error you can fix (the message says how), 2 usage, 3 unexpected (see the crash log).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    config: Path = typer.Option(
        Path(DEFAULT_CONFIG), "--config", envvar="CICD_AGENT_CONFIG", help="Configuration file (TOML)."
    ),
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        envvar="CICD_AGENT_STATE_DIR",
        help="Where the state database lives [default: the config's state.dir, else .cicd-agent/].",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Write nothing anywhere: print and report every write instead."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="With --dry-run: write the skipped writes to FILE (.md or .json)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Machine-readable output on stdout, nothing else there."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and results."),
) -> None:
    ctx.obj = AppState(
        config_path=config,
        state_dir_option=state_dir,
        dry_run=dry_run,
        report=report,
        json=json_output,
        verbosity=-1 if quiet else verbose,
    )
    ctx.call_on_close(ctx.obj.finish)


app.command("init", help="Write a commented starter configuration file.")(config_cmd.init)
config_app = typer.Typer(help="Check the configuration file.", no_args_is_help=True)
config_app.command("check", help="Validate the configuration and list every problem with its key and line.")(
    config_cmd.check
)
app.add_typer(config_app, name="config")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(breaker_cmd.app, name="breaker")
app.command("run", help="Run one remediation cycle over the configured repositories.")(run_cmd.run)
app.command(
    "serve",
    help="Receive a GitHub App's webhooks (workflow_run, pull_request, issue_comment) and act on them at once, "
    "polling on schedule as the fallback.",
)(run_cmd.serve)
app.add_typer(snapshots_cmd.app, name="snapshots")
app.command("metrics", help="Print the Prometheus metrics once (what `run --watch --metrics-port` serves).")(
    run_cmd.metrics
)
app.command("pause", help="Stop all remediation (cycles still analyse and report).")(ops_cmd.pause)
app.command("resume", help="Allow remediation again after `agent pause`.")(ops_cmd.resume)
app.command("history", help="List the decisions the agent took, with their reasons.")(ops_cmd.history)
app.command("status", help="Failures seen, remediations by state, open breakers, pending health checks.")(
    ops_cmd.status
)
app.command("signature", help="Explain a job log file: failing step, excerpt, category, signature.")(
    analysis_cmd.signature
)
app.command("explain", help="Explain a failed workflow run, fetching its log and a green baseline through the API.")(
    analysis_cmd.explain
)
app.command("demo", help="Run the agent against the built-in sandbox GitHub and its failing scenarios.")(
    sandbox_cmd.demo
)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: the one error boundary."""
    sys.exit(invoke(argv))


def invoke(argv: list[str] | None = None) -> int:
    try:
        result = app(args=argv, standalone_mode=False, prog_name="agent")
        return result if isinstance(result, int) else EXIT_OK
    except AgentError as exc:
        print(f"error: {terminal(redact(str(exc)), newlines=False)}", file=sys.stderr)  # one line, no secret
        return EXIT_ERROR
    except (click.exceptions.Exit, typer.Exit) as exc:
        return int(exc.exit_code)
    except (click.exceptions.Abort, typer.Abort, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if _is_click_error(exc):
            exc.show()  # type: ignore[attr-defined]
            return EXIT_USAGE if getattr(exc, "exit_code", 1) == EXIT_USAGE else EXIT_ERROR
        return _crash()


def _is_click_error(exc: Exception) -> bool:
    """Click's (or typer's vendored click's) own errors: usage mistakes, shown as click shows them."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _crash() -> int:
    """Unexpected: keep the traceback for a bug report, show one line."""
    crash = Path(tempfile.gettempdir()) / "cicd-agent-crash.log"
    crash.write_text(traceback.format_exc(), encoding="utf-8")
    kind = type(sys.exc_info()[1]).__name__
    print(f"unexpected error ({kind}); the details are in {crash}: please attach them to a bug report", file=sys.stderr)
    return EXIT_UNEXPECTED
