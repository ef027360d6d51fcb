"""`agent run`: one remediation cycle over the configured repositories (or --repo)."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.markup import escape

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.config import Config, token_for
from cicd_agent.errors import AgentError
from cicd_agent.github import GitHubClient
from cicd_agent.gitops import GitPusher, Workspaces
from cicd_agent.pipeline import Ports, Report, run_cycle, workspace_root


def build_ports(state: AppState, config: Config, github: GitHubClient, *, token: str | None) -> Ports:
    effects = state.effects(github)
    effects.pusher = GitPusher(token)
    return Ports(
        config=config,
        github=github,
        effects=effects,
        store=state.store(),
        workspaces=Workspaces(workspace_root(state.state_dir, state.dry_run), token),
        snapshot_dir=Path(config.state.snapshot_dir),
        now=time.time,
        echo=state.info,
    )


def render(state: AppState, report: Report) -> None:
    if state.json:
        state.emit_json(report.to_json())
        return
    for d in report.decisions:
        rule = f" [{d['rule']}]" if d["rule"] else ""
        state.out.print(
            f"{escape(d['repo'])} run {d['run_id']}#{d['run_attempt']} {escape(d['branch'])}: "
            f"{d['decision']}{rule}: {escape(d['reason'])}"
        )
    if report.idle_repos:
        state.out.print(f"no new failures: {escape(', '.join(report.idle_repos))}")
    if report.deferred:
        state.out.print(f"{report.deferred} failure(s) wait for the next cycle")
    for error in report.errors:
        state.err.print(f"error: {escape(error)}")


def run(
    ctx: typer.Context,
    repo: list[str] = typer.Option([], "--repo", help="OWNER/NAME; repeatable (default: the config's repos)."),
    health_only: bool = typer.Option(False, "--health-only", help="Only process due health checks and rollbacks."),
    json_flag: bool = JSON_OPTION,
) -> None:
    state: AppState = ctx.obj.command(ctx, json_flag)
    config = state.config(required=True)
    repos = repo or [r.name for r in config.repos]
    if not repos and not health_only:
        raise AgentError("no repositories to watch", fix="add a [[repos]] table to the config, or pass --repo")
    token = token_for(config)
    if token is None and not state.dry_run:
        raise AgentError(
            f"no GitHub token in ${config.github.token_env} (or $GH_TOKEN)",
            fix="export a token, or run with --dry-run to only look",
        )
    github = state.github()
    report = run_cycle(build_ports(state, config, github, token=token), repos, health_only=health_only)
    render(state, report)
    if report.errors:
        raise typer.Exit(1)
