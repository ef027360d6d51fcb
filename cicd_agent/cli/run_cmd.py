"""`agent run` (one cycle, `--watch`, or `--event` for the Action mode), `agent serve` (webhooks) and
`agent metrics`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cicd_agent.cli import shapes
from cicd_agent.cli.context import AppState, checked_port, use
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.config.settings import Config
    from cicd_agent.github.auth import Credentials
    from cicd_agent.modes.quiet import Collapse
    from cicd_agent.remediation.context import Ports, Report
    from cicd_agent.remediation.discovery import Fleet

RUN_EXAMPLES = """\b
Examples:
  agent run
      one cycle over the config's repositories
  agent run --dry-run --report plan.md
      the same, writing nothing: every write it would make, in plan.md
  agent run --repo octo-org/app --json
      one repository; the cycle's decisions as JSON
  agent run --watch --metrics-port 9464
      keep running (one JSON line per cycle with --json); /metrics,
      /healthz and the /dashboard page on 127.0.0.1:9464
  agent run --event "$GITHUB_EVENT_PATH"
      the GitHub Action mode"""
SERVE_EXAMPLES = """\b
Examples:
  agent serve --port 8000 --metrics-port 9464
      webhooks on :8000 (the secret in the variable [webhook] secret_env
      names); /metrics, /healthz and /dashboard on 127.0.0.1:9464
Try it by hand: `agent sandbox serve --webhook http://127.0.0.1:8000/webhook
--webhook-secret S` delivers the sandbox's events here."""
PAUSE_ENV = "CICD_AGENT_PAUSE"  # Action mode: a repository variable passed in by the workflow pauses the agent


def _credentials(state: AppState, config: Config, *, fix: str) -> Credentials:
    credentials = state.credentials()
    if credentials.kind == "none" and not state.dry_run:
        raise AgentError(f"no GitHub token in ${config.github.token_env} (or $GH_TOKEN)", fix=fix)
    return credentials


def _ports(state: AppState, config: Config, credentials: Credentials) -> Ports:
    from cicd_agent.modes.fleet import pace_requests, start_heartbeat
    from cicd_agent.modes.wiring import build_ports

    github = state.github()
    store = state.store()
    if not state.dry_run:  # the leases this process takes are renewed while its work runs
        state.on_finish(start_heartbeat(config, store))
    state.on_finish(pace_requests(config, github, store, on_wait=state.notice))
    return build_ports(
        config,
        github,
        state.effects(github),
        store,
        state_dir=state.state_dir,
        token=credentials.token,
        echo=state.say,
        workspace_dir=state.scratch_dir("cicd-agent-workspace-") if state.dry_run else None,
    )


def render(state: AppState, report: Report, *, stream: bool = False) -> None:
    """A cycle's report. Each decision was printed as it was taken (stderr), so people get what was not: the
    cycle's errors, each once (shown even with -q), and which repositories had nothing new."""
    offer_settings(state, report)
    if state.json:
        (state.emit_json_line if stream else state.emit_json)(shapes.cycle_report(report))
        return
    if report.idle_repos:
        state.say(f"no new failures: {', '.join(report.idle_repos)}")
    for error in report.errors:
        state.alert(f"error: {error}")


def offer_settings(state: AppState, report: Report) -> None:
    """A plan a setting refused: say which setting, and put the change in the dry-run report."""
    for d in report.decisions:
        setting = d.detail.get("setting")
        if isinstance(setting, dict) and setting.get("key"):
            key, value = str(setting["key"]), setting.get("value")
            if state.recorder is not None:
                state.recorder.suggest(key, value, f"{d.repo} run {d.run_id}#{d.run_attempt}: {d.reason}")


def run(
    ctx: typer.Context,
    repo: list[str] = typer.Option(
        [], "--repo", metavar="OWNER/NAME", help="A repository; repeatable.", show_default="the config's repos"
    ),
    health_only: bool = typer.Option(False, "--health-only", help="Only process due health checks and rollbacks."),
    watch_flag: bool = typer.Option(
        False, "--watch", help="Keep running: cycles, health checks and cleanup on the config's [schedule]."
    ),
    event: Path | None = typer.Option(
        None,
        "--event",
        metavar="PATH",
        help="Handle exactly the run in this workflow_run event payload (the GitHub Action mode).",
    ),
    metrics_port: int | None = typer.Option(
        None,
        "--metrics-port",
        metavar="PORT",
        help="With --watch: serve /metrics and /healthz on this port.",
        show_default="[metrics] port",
    ),
    metrics_address: str | None = typer.Option(
        None,
        "--metrics-address",
        metavar="ADDRESS",
        help="With --watch: the address to serve them on.",
        show_default="[metrics] address",
    ),
) -> None:
    state = use(ctx)
    if event is not None:
        run_event(state, event)
        return
    config = state.config(required=True)
    fleet = _fleet(config, repo, needed=not health_only)
    if (metrics_port is not None or metrics_address is not None) and not watch_flag:
        raise AgentError("--metrics-port and --metrics-address need --watch", fix="or print them once: `agent metrics`")
    bind = _metrics_bind(config, metrics_address, metrics_port)
    credentials = _credentials(state, config, fix="export a token, or run with --dry-run to only look")
    ports = _ports(state, config, credentials)
    if watch_flag:
        from cicd_agent.modes import watch

        watch.watch(
            ports, fleet, on_report=lambda r: render(state, r, stream=True), metrics=bind, collapse=_collapse(state)
        )
        return
    from cicd_agent.remediation.context import Report
    from cicd_agent.remediation.cycle import run_cycle

    discovery = Report()
    if health_only:
        say_health_checks_waiting(state, ports, before=True)
    elif ports.store.lead():  # several hosts: the leader polls, so it alone lists the repositories
        fleet.refresh(ports, discovery)  # nothing to do unless the config has globs
    report = run_cycle(ports, fleet.names(), health_only=health_only)
    report.errors[:0] = discovery.errors
    render(state, report)
    if health_only:
        say_health_checks_waiting(state, ports, before=False)
    if report.errors:
        raise typer.Exit(1)


def say_health_checks_waiting(state: AppState, ports: Ports, *, before: bool) -> None:
    """`run --health-only`: before, what is due now (it is judged: reading CI takes a while); after, what is
    still waiting and until when, so a health check not due yet is never a silent no-op."""
    from cicd_agent.remediation import outlook

    now = time.time()
    checks = outlook.health_checks(ports.store, now)
    due = [h for h in checks if h["due_now"]]
    if before:
        if due:
            state.say(f"judging {len(due)} health check(s) due now: reading their CI")
        return
    for h in checks:
        when = "due now" if h["due_now"] else f"due in {h['due_at'] - now:.0f}s ({shapes.iso(h['due_at'])})"
        where = h["pr_url"] or f"{h['repo']} {h['branch']} (remediation {h['remediation_id']})"
        state.say(f"health check of {where}: {when}; waits for {h['awaiting']}")
    if not checks:
        state.say("no health check waiting")


def serve(
    ctx: typer.Context,
    repo: list[str] = typer.Option(
        [], "--repo", metavar="OWNER/NAME", help="A repository; repeatable.", show_default="the config's repos"
    ),
    host: str | None = typer.Option(
        None, "--host", metavar="ADDRESS", help="Listen address.", show_default="[webhook] host"
    ),
    port: int | None = typer.Option(None, "--port", metavar="PORT", help="Listen port.", show_default="[webhook] port"),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", metavar="PORT", help="Also serve /metrics and /healthz.", show_default="[metrics] port"
    ),
    metrics_address: str | None = typer.Option(
        None, "--metrics-address", metavar="ADDRESS", help="Where to serve them.", show_default="[metrics] address"
    ),
) -> None:
    from cicd_agent.modes import webhook

    state = use(ctx)
    config = state.config(required=True)
    listen = config.webhook.port if port is None else checked_port(port, "--port")
    metrics = _metrics_bind(config, metrics_address, metrics_port)
    fleet = _fleet(config, repo, needed=True)
    secret = os.environ.get(config.webhook.secret_env, "").strip()
    if not secret:
        raise AgentError(
            f"no webhook secret in ${config.webhook.secret_env}",
            fix="set it to the GitHub App's webhook secret, or name another variable in [webhook] secret_env",
        )
    credentials = _credentials(state, config, fix="export a token, or run with --dry-run to only look")
    webhook.serve(
        _ports(state, config, credentials),
        fleet,
        collapse=_collapse(state),
        secret=secret,
        host=host or config.webhook.host,
        port=listen,
        on_report=lambda report: render(state, report, stream=True),
        metrics=metrics,
    )


def _fleet(config: Config, repos: list[str], *, needed: bool) -> Fleet:
    """The repositories to watch: `--repo` ones exactly, else the config's names and what its globs discover."""
    from cicd_agent.config.repos import is_glob
    from cicd_agent.remediation.discovery import Fleet

    for name in repos:
        if is_glob(name):
            raise AgentError(
                f"--repo {name!r} is a glob", fix="name one repository (OWNER/NAME), or put the glob in [[repos]] name"
            )
    fleet = Fleet(config, repos)
    if needed and not fleet.names() and not fleet.discovers:
        raise AgentError(
            "no repositories to watch",
            fix='add a [[repos]] table to the config (a name, or a glob such as "octo-org/*"), or pass --repo',
        )
    return fleet


def _collapse(state: AppState) -> Collapse:
    """A long-running mode's lines for people: what a job said the last time it ran is not said again."""
    from cicd_agent.modes.quiet import Collapse

    collapse = Collapse(state.print_line)
    state.line_filter = collapse.line
    return collapse


def _metrics_bind(config: Config, address: str | None, port: int | None) -> tuple[str, int | None]:
    """Where /metrics and /healthz are served: the options, else [metrics]; no port, not served."""
    if port is not None:
        return address or config.metrics.address, checked_port(port, "--metrics-port")
    return address or config.metrics.address, config.metrics.port or None


def run_event(state: AppState, path: Path) -> None:
    """The Action mode: state comes from GitHub (the agent's labelled PRs and issues), not from the runner's
    disk, unless --state-dir names one."""
    from cicd_agent.modes import action
    from cicd_agent.remediation import operations

    payload = action.read_event(path)
    config = state.config(required=False)
    warnings = []
    if not state.config_path.exists():
        warnings.append(
            f"no {state.config_path} on the default branch: using the defaults (the repository's default branch "
            "is watched; fixes that edit workflows are refused). Check out the default branch's config before this "
            "step (see docs/examples/cicd-agent.yml)."
        )
    credentials = _credentials(
        state, config, fix="pass the action a token input (a GitHub App token or a personal token)"
    )
    from_github = state.state_dir_option is None and not state.state_url_option
    if from_github:  # a throw-away SQLite store, rebuilt from GitHub (the runner is thrown away after the step)
        state.state_dir_option = state.scratch_dir("cicd-agent-action-")
        state.local_state = True
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    with action.commands_stopped(in_actions):
        ports = _ports(state, config, credentials)
        pause_reason = os.environ.get(PAUSE_ENV, "").strip()
        if pause_reason:
            operations.pause(ports.store, reason=pause_reason, who=f"repository variable {PAUSE_ENV}", now=time.time())
            warnings.append(
                f"paused by the repository variable {PAUSE_ENV}: {pause_reason} (analysed and judged, nothing written)"
            )
        result = action.run_action(
            ports,
            payload,
            state_from_github=from_github,
            token=credentials.token(),
            warnings=warnings,
            event_name=os.environ.get("GITHUB_EVENT_NAME", ""),
        )
        offer_settings(state, result.report)
        if state.json:
            state.emit_json(
                {
                    **shapes.cycle_report(result.report),
                    "outputs": shapes.nulls(result.outputs),
                    "warnings": result.warnings,
                }
            )
    for warning in result.warnings:
        if in_actions:
            print(action.annotation("warning", warning), file=sys.stderr)
        else:
            state.warn(warning)
    if in_actions:
        notice = f"{result.outputs['decision']} {result.outputs['pr-url']}".strip()
        print(action.annotation("notice", notice), file=sys.stderr)
        for error in result.report.errors:  # each once, as an annotation (escaped: it stays one command)
            print(action.annotation("error", error), file=sys.stderr)
    else:
        for error in result.report.errors:
            state.alert(f"error: {error}")
    if result.report.errors:
        raise typer.Exit(1)


def metrics(ctx: typer.Context) -> None:
    from cicd_agent.modes import metrics as prometheus

    state = use(ctx)
    status = prometheus.status_of(state.read_store(), state.config(), time.time())
    if state.no_state is not None:  # the metrics of an empty state: zeros
        state.notice(f"no state yet: {state.no_state} does not exist (every metric is zero)")
    if state.json:
        state.emit_json(prometheus.samples(status))
    else:
        sys.stdout.write(prometheus.exposition(status))
