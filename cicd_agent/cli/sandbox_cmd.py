"""`agent sandbox serve` and `agent demo`: the local GitHub and the scenarios that fail on it."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import typer
from rich.table import Table

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.errors import AgentError
from cicd_agent.github import GitHubClient
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
from cicd_agent.sandbox.server import Sandbox

app = typer.Typer(help="The local GitHub sandbox (loopback only).", no_args_is_help=True)


def start_sandbox(root: Path | None, *, port: int = 0, scenario: str = "demo", auto_ci: bool = True) -> Sandbox:
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
    state: AppState = ctx.obj.command(ctx, json_flag)
    sandbox = start_sandbox(root, port=port, scenario=scenario)
    if state.json:
        state.emit_json({"api_url": sandbox.base_url, "token": sandbox.token, "root": str(sandbox.root)})
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


def demo(ctx: typer.Context, json_flag: bool = JSON_OPTION) -> None:
    state: AppState = ctx.obj.command(ctx, json_flag)
    sandbox = start_sandbox(None, auto_ci=False)
    try:
        state.info(f"sandbox GitHub at {sandbox.base_url}; running the scenarios' CI...")
        sandbox.settle()
        gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
        rows: list[dict[str, object]] = []
        for scenario in SCENARIOS:
            for run in gh.workflow_runs(scenario.repo, status="failure"):
                rows.append(
                    {
                        "scenario": scenario.name,
                        "repo": run.repo,
                        "run_id": run.id,
                        "branch": run.branch,
                        "workflow": run.name,
                        "conclusion": run.conclusion,
                        "url": run.html_url,
                    }
                )
        if state.json:
            state.emit_json({"api_url": sandbox.base_url, "failed_runs": rows})
            return
        table = Table(title="Failed workflow runs found through the GitHub API")
        for column in ("scenario", "repo", "run", "branch", "workflow", "conclusion"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                *(str(row[key]) for key in ("scenario", "repo", "run_id", "branch", "workflow", "conclusion"))
            )
        state.out.print(table)
    finally:
        sandbox.close()
