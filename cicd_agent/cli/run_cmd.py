"""`agent run` (one cycle, `--watch`, or `--event` for the Action mode), `agent serve` (webhooks) and
`agent metrics`."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.config import Config
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.auth import Credentials
    from cicd_agent.remediation.cycle import Ports, Report


def _credentials(state: AppState, config: Config, *, fix: str) -> Credentials:
    credentials = state.credentials()
    if credentials.kind == "none" and not state.dry_run:
        raise AgentError(f"no GitHub token in ${config.github.token_env} (or $GH_TOKEN)", fix=fix)
    return credentials


def _ports(state: AppState, config: Config, credentials: Credentials) -> Ports:
    from cicd_agent.modes.wiring import build_ports

    github = state.github()
    return build_ports(
        config,
        github,
        state.effects(github),
        state.store(),
        state_dir=state.state_dir,
        token=credentials.token,
        echo=state.info,
    )


def render(state: AppState, report: Report) -> None:
    if state.json:
        state.emit_json(report.to_json())
        return
    for d in report.decisions:
        rule = f" [{d.rule}]" if d.rule else ""
        state.out.print(
            f"{escape(d.repo)} run {d.run_id}#{d.run_attempt} {escape(d.branch)}: "
            f"{d.decision}{escape(rule)}: {escape(d.reason)}"
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
    watch_flag: bool = typer.Option(
        False, "--watch", help="Keep running: cycles, health checks and cleanup on schedule."
    ),
    event: Path | None = typer.Option(
        None, "--event", help="Handle exactly the run in this workflow_run event payload (the GitHub Action mode)."
    ),
    metrics_port: int | None = typer.Option(None, "--metrics-port", help="With --watch: serve /metrics and /healthz."),
    json_flag: bool = JSON_OPTION,
) -> None:
    from cicd_agent.modes import watch
    from cicd_agent.remediation.cycle import run_cycle

    state: AppState = ctx.obj.command(json_flag)
    if event is not None:
        run_event(state, event)
        return
    config = state.config(required=True)
    repos = repo or [r.name for r in config.repos]
    if not repos and not health_only:
        raise AgentError("no repositories to watch", fix="add a [[repos]] table to the config, or pass --repo")
    if metrics_port is not None and not watch_flag:
        raise AgentError("--metrics-port needs --watch", fix="or print the metrics once with `agent metrics`")
    credentials = _credentials(state, config, fix="export a token, or run with --dry-run to only look")
    ports = _ports(state, config, credentials)
    if watch_flag:
        watch.watch(ports, repos, on_report=lambda report: render(state, report), metrics_port=metrics_port)
        return
    report = run_cycle(ports, repos, health_only=health_only)
    render(state, report)
    if report.errors:
        raise typer.Exit(1)


def serve(
    ctx: typer.Context,
    repo: list[str] = typer.Option([], "--repo", help="OWNER/NAME; repeatable (default: the config's repos)."),
    host: str | None = typer.Option(None, "--host", help="Listen address [default: the config's webhook.host]."),
    port: int | None = typer.Option(None, "--port", help="Listen port [default: the config's webhook.port]."),
    metrics_port: int | None = typer.Option(None, "--metrics-port", help="Also serve /metrics and /healthz."),
    json_flag: bool = JSON_OPTION,
) -> None:
    from cicd_agent.modes import webhook

    state: AppState = ctx.obj.command(json_flag)
    config = state.config(required=True)
    repos = repo or [r.name for r in config.repos]
    if not repos:
        raise AgentError("no repositories to watch", fix="add a [[repos]] table to the config, or pass --repo")
    secret = os.environ.get(config.webhook.secret_env, "").strip()
    if not secret:
        raise AgentError(
            f"no webhook secret in ${config.webhook.secret_env}",
            fix="set it to the GitHub App's webhook secret, or name another variable in [webhook] secret_env",
        )
    credentials = _credentials(state, config, fix="export a token, or run with --dry-run to only look")
    webhook.serve(
        _ports(state, config, credentials),
        repos,
        secret=secret,
        host=host or config.webhook.host,
        port=config.webhook.port if port is None else port,
        on_report=lambda report: render(state, report),
        metrics_port=metrics_port,
    )


def run_event(state: AppState, path: Path) -> None:
    """The Action mode: state comes from GitHub (the agent's labelled PRs and issues), not from the runner's
    disk, unless --state-dir names one."""
    from cicd_agent.modes import action

    payload = action.read_event(path)
    config = state.config(required=False)
    credentials = _credentials(
        state, config, fix="pass the action a token input (a GitHub App token or a personal token)"
    )
    from_github = state.state_dir_option is None
    if from_github:
        state.state_dir_option = Path(tempfile.mkdtemp(prefix="cicd-agent-action-"))
    ports = _ports(state, config, credentials)
    result = action.run_action(
        ports,
        payload,
        state_from_github=from_github,
        token=credentials.token(),
        event_name=os.environ.get("GITHUB_EVENT_NAME", ""),
    )
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    for warning in result.warnings:
        if in_actions:
            print(action.annotation("warning", warning))
        else:
            state.err.print(f"warning: {warning}", markup=False)
    report = result.report
    if state.json:
        state.emit_json({**report.to_json(), "outputs": result.outputs, "warnings": result.warnings})
    elif in_actions:
        print(action.annotation("notice", f"{result.outputs['decision']} {result.outputs['pr-url']}".strip()))
        lines = [f"{d.repo} run {d.run_id}#{d.run_attempt}: {d.decision}: {d.reason}" for d in report.decisions]
        print(action.stop_commands("\n".join(lines)))  # decisions quote log text: no workflow commands from it
        for error in report.errors:  # each once, as an annotation (escaped: it stays one command)
            print(action.annotation("error", error))
    else:
        render(state, report)
    if report.errors:
        raise typer.Exit(1)


def metrics(ctx: typer.Context) -> None:
    from cicd_agent import metrics as prometheus

    state: AppState = ctx.obj
    sys.stdout.write(prometheus.exposition(state.store(), state.config(), time.time()))
