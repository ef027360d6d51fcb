"""`agent sandbox serve` and `agent demo`: the local GitHub and the scenarios that fail on it."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cicd_agent.cli.context import checked_port, use
from cicd_agent.cli.table import Column, print_table
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.modes.demo import ScenarioResult

app = typer.Typer(help="The local GitHub sandbox (loopback only).", no_args_is_help=True, rich_markup_mode=None)


@app.command("serve", help="Serve the sandbox GitHub on 127.0.0.1 until interrupted.")
def serve(
    ctx: typer.Context,
    port: int = typer.Option(0, "--port", metavar="PORT", help="Port on 127.0.0.1 (0 picks a free one)."),
    scenario: str = typer.Option(
        "demo", "--scenario", metavar="NAME", help="demo (all), none, or one scenario's name."
    ),
    root: Path | None = typer.Option(
        None,
        "--root",
        metavar="DIR",
        help="Directory for its bare repositories (kept).",
        show_default="a temporary directory, removed at exit",
    ),
) -> None:
    from cicd_agent.modes.demo import start_sandbox

    state = use(ctx)
    port = checked_port(port, "--port")
    stop = threading.Event()  # SIGINT or SIGTERM, even one that comes while it is still starting
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sandbox = start_sandbox(root or state.scratch_dir("cicd-agent-sandbox-"), port=port, scenario=scenario)
        try:
            if state.json:
                # one line: whoever started it reads it while the server runs
                state.emit_json_line({"api_url": sandbox.base_url, "token": sandbox.token, "root": str(sandbox.root)})
            else:
                state.result(f"sandbox GitHub at {sandbox.base_url}  (repositories under {sandbox.root})")
                state.result(f"  export GITHUB_API_URL={sandbox.base_url}")
                state.result(f"  export GITHUB_TOKEN={sandbox.token}")
                state.say("Ctrl-C to stop.")
            stop.wait()
        finally:
            sandbox.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def demo(
    ctx: typer.Context,
    cycles: int = typer.Option(30, "--max-cycles", metavar="N", min=1, help="Give up after this many cycles."),
) -> None:
    from cicd_agent.modes.demo import run_demo

    state = use(ctx)
    result = run_demo(recorder=state.recorder, echo=state.say, max_cycles=cycles)
    if state.json:
        state.emit_json(
            {
                "scenarios": [
                    {
                        "name": r.name,
                        "expected": r.expected,
                        "outcome": r.outcome,
                        "pr": r.pr,
                        "signature": r.signature or None,
                    }
                    for r in result.scenarios
                ],
                "breakers": result.breakers,
            }
        )
    else:
        rows = [_row(r, planned=state.dry_run) for r in result.scenarios]
        columns = [
            Column("scenario", keep_whole=True),
            Column("planned" if state.dry_run else "end", keep_whole=True),
            Column("PR / issue"),
            Column("signature", keep_whole=True, short=12),
        ]
        title = "cicd-agent demo: the first cycle's plan" if state.dry_run else "cicd-agent demo: each scenario's end"
        print_table(state, columns, rows, title=title)
    if result.missed and not state.dry_run:
        raise AgentError(
            f"scenarios that did not reach their end: {', '.join(result.missed)}",
            fix="rerun with -v to see each cycle's decisions",
        )


def _row(r: ScenarioResult, *, planned: bool) -> list[str]:
    """One scenario: its end (and what was expected, when that differs), where, its signature."""
    outcome = r.outcome if planned or r.outcome == r.expected else f"{r.outcome} (expected {r.expected})"
    where = "-"
    if r.pr and r.pr.startswith("http"):  # a dry run's placeholder is "(dry run: ...)"
        where = r.pr.split("/", 3)[-1].replace("/pull/", "#").replace("/issues/", " issue #")
    return [r.name, outcome, where, r.signature or "-"]
