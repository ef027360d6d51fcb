"""`agent sandbox serve` and `agent demo`: the local GitHub and the scenarios that fail on it."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.sandbox.server import Sandbox

app = typer.Typer(help="The local GitHub sandbox (loopback only).", no_args_is_help=True)


def start_sandbox(root: Path | None, *, port: int = 0, scenario: str = "demo", auto_ci: bool = True) -> Sandbox:
    from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
    from cicd_agent.sandbox.server import Sandbox

    sandbox = Sandbox(root or Path(tempfile.mkdtemp(prefix="cicd-agent-sandbox-")))
    if scenario == "demo":
        install_scenarios(sandbox)
    elif scenario != "none":
        names = [s.name for s in SCENARIOS]
        if scenario not in names:
            raise AgentError(f"unknown scenario {scenario!r}", fix=f"use demo, none, or one of: {', '.join(names)}")
        install_scenarios(sandbox, [scenario])
    try:
        sandbox.serve(port, auto_ci=auto_ci)
    except OSError as exc:
        raise AgentError(f"cannot listen on 127.0.0.1:{port}: {exc}", fix="pick another --port, or 0 for any") from None
    return sandbox


@app.command("serve", help="Serve the sandbox GitHub on 127.0.0.1 until interrupted.")
def serve(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
    scenario: str = typer.Option("demo", "--scenario", help="demo (all), none, or one scenario's name."),
    root: Path | None = typer.Option(None, "--root", help="Directory for its bare repositories [default: a temp dir]."),
) -> None:
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
    from cicd_agent.demo import run_demo
    from cicd_agent.effects import Effects
    from cicd_agent.notify import Notifier
    from cicd_agent.store import open_store

    state: AppState = ctx.obj.command(json_flag)
    sandbox = start_sandbox(None, auto_ci=False)
    work = Path(tempfile.mkdtemp(prefix="cicd-agent-demo-"))
    try:
        state.info(f"sandbox GitHub at {sandbox.base_url}; demo state in {work}")
        on_write = state.recorder.skip_store_write if state.recorder else None
        store = open_store(work, dry_run=state.dry_run, on_write=on_write)
        effects = Effects(None, notifier=Notifier([], echo=state.info), recorder=state.recorder)
        results, breakers = run_demo(
            sandbox, work, effects=effects, store=store, echo=state.info, max_cycles=1 if state.dry_run else cycles
        )
        store.close()
    finally:
        sandbox.close()
    if state.json:
        state.emit_json(
            {
                "scenarios": [
                    {"name": r.name, "outcome": r.outcome, "pr": r.pr, "signature": r.signature} for r in results
                ],
                "breakers": breakers,
            }
        )
    else:
        table = Table(title="cicd-agent demo: each scenario's end")
        for column in ("scenario", "expected", "outcome", "pull request / issue", "signature"):
            table.add_column(column, overflow="fold")
        for r in results:
            mark = "" if r.outcome == r.expected else " (!)"
            where = r.pr.split("/", 3)[-1] if r.pr else "-"  # owner/name/pull/N: the sandbox's host is temporary
            table.add_row(r.name, r.expected, r.outcome + mark, where, r.signature[:12])
        state.out.print(table)
    missed = [r.name for r in results if r.outcome != r.expected]
    if missed and not state.dry_run:
        raise AgentError(
            f"scenarios that did not reach their end: {', '.join(missed)}",
            fix="rerun with -v to see each cycle's decisions",
        )
