"""`agent run`: one remediation cycle over the configured repositories (or --repo)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.config import Config
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.auth import Credentials
    from cicd_agent.github import GitHubClient
    from cicd_agent.pipeline import Ports, Report


def _credentials(state: AppState, config: Config, *, fix: str) -> Credentials:
    credentials = state.credentials()
    if credentials.kind == "none" and not state.dry_run:
        raise AgentError(f"no GitHub token in ${config.github.token_env} (or $GH_TOKEN)", fix=fix)
    return credentials


def build_ports(
    state: AppState, config: Config, github: GitHubClient, *, token: str | Callable[[], str | None] | None
) -> Ports:
    from cicd_agent.gitops import GitPusher, Workspaces
    from cicd_agent.pipeline import Ports, workspace_root

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
    watch: bool = typer.Option(False, "--watch", help="Keep running: cycles, health checks and cleanup on schedule."),
    event: Path | None = typer.Option(
        None, "--event", help="Handle exactly the run in this workflow_run event payload (the GitHub Action mode)."
    ),
    metrics_port: int | None = typer.Option(None, "--metrics-port", help="With --watch: serve /metrics and /healthz."),
    json_flag: bool = JSON_OPTION,
) -> None:
    from cicd_agent.pipeline import run_cycle

    state: AppState = ctx.obj.command(json_flag)
    if event is not None:
        run_event(state, event)
        return
    config = state.config(required=True)
    repos = repo or [r.name for r in config.repos]
    if not repos and not health_only:
        raise AgentError("no repositories to watch", fix="add a [[repos]] table to the config, or pass --repo")
    credentials = _credentials(state, config, fix="export a token, or run with --dry-run to only look")
    github = state.github()
    ports = build_ports(state, config, github, token=credentials.token)
    if watch:
        watch_forever(state, config, ports, repos, metrics_port)
        return
    if metrics_port is not None:
        raise AgentError("--metrics-port needs --watch", fix="or print the metrics once with `agent metrics`")
    report = run_cycle(ports, repos, health_only=health_only)
    render(state, report)
    if report.errors:
        raise typer.Exit(1)


def watch_forever(state: AppState, config: Config, ports: Ports, repos: list[str], metrics_port: int | None) -> None:
    from cicd_agent import snapshots
    from cicd_agent.metrics import exposition, serve
    from cicd_agent.pipeline import ACTIVE, run_cycle
    from cicd_agent.store import Store
    from cicd_agent.watch import Watcher

    def cycle(health_only: bool) -> None:
        render(state, run_cycle(ports, repos, health_only=health_only))

    def cleanup() -> None:
        keep = {r["snapshot_id"] for r in ports.store.remediations(states=ACTIVE) if r["snapshot_id"]}
        snapshots.cleanup(
            ports.effects,
            ports.store,
            ports.snapshot_dir,
            retention=config.state.snapshot_retention,
            now=time.time(),
            keep=keep,
        )

    watcher = Watcher(config, cycle, cleanup, state.info)
    ports.stopping = watcher.stopping
    if metrics_port is not None:
        started = time.time()

        def render_metrics() -> str:
            store = Store(ports.store.path)
            try:
                notifier = ports.effects.notifier
                process = {
                    "github_calls": float(ports.github.calls),
                    "rate_limit_remaining": float(ports.github.rate_limit_seen()),
                    "notifications_sent": float(getattr(notifier, "sent", 0)),
                    "notifications_failed": float(getattr(notifier, "failed", 0)),
                }
                return exposition(store, config, time.time(), process)
            finally:
                store.close()

        def alive() -> bool:
            last = watcher.last_success or started
            return time.time() - last < 3 * config.schedule.poll_interval + 60

        try:
            serve(metrics_port, render_metrics, alive)
        except OSError as exc:
            raise AgentError(
                f"cannot serve metrics on 127.0.0.1:{metrics_port}: {exc}", fix="pick another port"
            ) from None
        state.info(f"metrics on http://127.0.0.1:{metrics_port}/metrics")
    state.info(
        f"watching {', '.join(repos)}: a cycle every {config.schedule.poll_interval:g}s, health checks every "
        f"{config.schedule.health_interval:g}s; Ctrl-C or SIGTERM stops"
    )
    watcher.run()


def metrics(ctx: typer.Context) -> None:
    from cicd_agent.metrics import exposition

    state: AppState = ctx.obj
    sys.stdout.write(exposition(state.store(), state.config(), time.time()))


def run_event(state: AppState, path: Path) -> None:
    """The Action mode: state comes from GitHub (the agent's labelled PRs and issues), not from the runner's
    disk, unless --state-dir names one; results go to step outputs, the job summary and annotations."""
    from cicd_agent import action, ghstate
    from cicd_agent.action import read_event
    from cicd_agent.pipeline import Report, handle_event

    payload = read_event(path)
    config = state.config(required=False)
    credentials = _credentials(
        state, config, fix="pass the action a token input (a GitHub App token or a personal token)"
    )
    from_github = state.state_dir_option is None
    if from_github:
        state.state_dir_option = Path(tempfile.mkdtemp(prefix="cicd-agent-action-"))
    ports = build_ports(state, config, state.github(), token=credentials.token)
    token = credentials.token()
    warnings = []
    if token and token == os.environ.get("CICD_AGENT_WORKFLOW_TOKEN"):
        warnings.append(action.WORKFLOW_TOKEN_WARNING)
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    for warning in warnings:
        if in_actions:
            print(action.annotation("warning", warning))
        else:
            state.err.print(f"warning: {warning}", markup=False)
    repository = payload.get("repository")
    if from_github and isinstance(repository, dict) and repository.get("full_name"):
        ghstate.hydrate(ports, str(repository["full_name"]))
    report = Report()
    run = handle_event(ports, payload, report)
    values = action.outputs(report, run.id)
    if os.environ.get("GITHUB_OUTPUT"):
        action.write_outputs(Path(os.environ["GITHUB_OUTPUT"]), values)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with Path(os.environ["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as handle:
            handle.write(action.summary(report, run.id, warnings))
    if state.json:
        state.emit_json({**report.to_json(), "outputs": values, "warnings": warnings})
    elif in_actions:
        print(action.annotation("notice", f"{values['decision']} {values['pr-url']}".strip()))
        lines = [
            f"{d['repo']} run {d['run_id']}#{d['run_attempt']}: {d['decision']}: {d['reason']}"
            for d in report.decisions
        ]
        print(action.stop_commands("\n".join(lines)))  # decisions quote log text: no workflow commands from it
    else:
        render(state, report)
    if report.errors:
        raise typer.Exit(1)
