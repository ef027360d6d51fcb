"""`agent sandbox serve` and `agent demo`: the local GitHub and the scenarios that fail on it."""

from __future__ import annotations

import threading
from pathlib import Path

import typer
from rich.table import Table

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.errors import AgentError

app = typer.Typer(help="The local GitHub sandbox (loopback only).", no_args_is_help=True)


@app.command("serve", help="Serve the sandbox GitHub on 127.0.0.1 until interrupted.")
def serve(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
    scenario: str = typer.Option("demo", "--scenario", help="demo (all), none, or one scenario's name."),
    root: Path | None = typer.Option(None, "--root", help="Directory for its bare repositories [default: a temp dir]."),
) -> None:
    from cicd_agent.modes.demo import start_sandbox

    state: AppState = ctx.obj.command(json_flag)
    sandbox = start_sandbox(root, port=port, scenario=scenario)
    if state.json:
        # one line: whoever started it reads it before the server's lifetime ends
        state.emit_json({"api_url": sandbox.base_url, "token": sandbox.token, "root": str(sandbox.root)}, one_line=True)
    else:
        state.out.print(f"sandbox GitHub at {sandbox.base_url}  (repositories under {sandbox.root})", markup=False)
        state.out.print(f"  export GITHUB_API_URL={sandbox.base_url}", markup=False)
        state.out.print(f"  export GITHUB_TOKEN={sandbox.token}", markup=False)
        state.out.print("Ctrl-C to stop.", markup=False)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.close()


def demo(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    cycles: int = typer.Option(30, "--max-cycles", min=1, help="Give up after this many cycles."),
) -> None:
    from cicd_agent.modes.demo import run_demo

    state: AppState = ctx.obj.command(json_flag)
    result = run_demo(recorder=state.recorder, echo=state.info, max_cycles=cycles)
    if state.json:
        state.emit_json(
            {
                "scenarios": [
                    {"name": r.name, "outcome": r.outcome, "pr": r.pr, "signature": r.signature}
                    for r in result.scenarios
                ],
                "breakers": result.breakers,
            }
        )
    else:
        table = Table(title="cicd-agent demo: each scenario's end")
        for column in ("scenario", "expected", "outcome", "pull request / issue", "signature"):
            table.add_column(column, overflow="fold")
        for r in result.scenarios:
            mark = "" if r.outcome == r.expected else " (!)"
            where = r.pr.split("/", 3)[-1] if r.pr else "-"  # owner/name/pull/N: the sandbox's host is temporary
            table.add_row(r.name, r.expected, r.outcome + mark, where, r.signature[:12])
        state.out.print(table)
    if result.missed and not state.dry_run:
        raise AgentError(
            f"scenarios that did not reach their end: {', '.join(result.missed)}",
            fix="rerun with -v to see each cycle's decisions",
        )
