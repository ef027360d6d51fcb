"""`agent pause`, `agent resume`, `agent history`, `agent status`."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime

import typer
from rich.markup import escape

from cicd_agent.cli.context import BY_OPT, JSON_OPTION, REASON_OPT, AppState, when
from cicd_agent.config import parse_duration
from cicd_agent.errors import AgentError


def pause(ctx: typer.Context, reason: str = REASON_OPT, by: str | None = BY_OPT) -> None:
    from cicd_agent import ops
    from cicd_agent.breakers import actor

    state: AppState = ctx.obj
    ops.pause(state.store(), reason=reason, who=actor(by), now=time.time())
    state.info("paused: cycles will analyse and report, but take no remediation until `agent resume`")


def resume(ctx: typer.Context, by: str | None = BY_OPT) -> None:
    from cicd_agent import ops
    from cicd_agent.breakers import actor

    state: AppState = ctx.obj
    if not ops.resume(state.store(), who=actor(by), now=time.time()):
        raise AgentError("the agent is not paused")
    state.info("resumed")


def _since(value: str | None, now: float) -> float | None:
    if value is None:
        return None
    try:
        return (
            datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=UTC).timestamp()
            if "-" in value
            else now - parse_duration(value)
        )
    except ValueError:
        raise AgentError(
            f"--since {value!r} is neither a date (2026-11-01, 2026-11-01T12:00) nor a duration (24h, 7d)"
        ) from None


def history(
    ctx: typer.Context,
    repo: str | None = typer.Option(None, "--repo", help="Only this repository."),
    since: str | None = typer.Option(None, "--since", help="A date (2026-11-01) or a duration back from now (24h)."),
    json_flag: bool = JSON_OPTION,
) -> None:
    state: AppState = ctx.obj.command(json_flag)
    rows = state.store().decisions(repo=repo, since=_since(since, time.time()))
    if state.json:
        state.emit_json([{**asdict(r), "at": when(r.at)} for r in rows])
        return
    if not rows:
        state.out.print("no decisions recorded")
        return
    for r in rows:
        where = " ".join(x for x in (r.repo, r.branch, r.signature[:12]) if x)
        run = f" run {r.run_id}#{r.run_attempt}" if r.run_id else ""
        rule = f" [rule {r.rule}]" if r.rule else ""
        state.out.print(f"{when(r.at)}  {escape(where)}{run}  {r.decision}{escape(rule)}: {escape(r.reason)}")


def status(ctx: typer.Context, json_flag: bool = JSON_OPTION) -> None:
    from cicd_agent import ops
    from cicd_agent.breakers import Breakers

    state: AppState = ctx.obj.command(json_flag)
    data = ops.status(Breakers(state.store(), state.config()), time.time())
    if state.json:
        state.emit_json(data)
        return
    out = state.out
    if data["paused"]:
        out.print(f"PAUSED by {escape(data['paused']['by'])}: {escape(data['paused']['reason'])}")
    out.print(f"failures seen: {data['failures_seen']} ({data['duplicates']} duplicates skipped)")
    remediations = ", ".join(f"{k} {v}" for k, v in data["remediations"].items()) or "none"
    out.print(f"remediations: {remediations}")
    breakers = ", ".join(f"{k} {v}" for k, v in data["breakers"].items()) or "none"
    out.print(f"breakers: {breakers}")
    for b in data["open_breakers"]:
        out.print(
            f"  {b['state']}: {escape(b['repo'])} {escape(b['branch'])} {b['signature'][:12]} "
            f"({b['failures']} failures)"
        )
    out.print(f"pending health checks: {data['pending_health_checks']}")
    for i in data["storms"]:
        issue = f": {escape(i['issue_url'])}" if i["issue_url"] else ""
        out.print(
            f"STORM since {when(i['started_at'])}: {i['category']} {i['signature'][:12]} in "
            f"{len(i['repos'])} repositories ({escape(', '.join(i['repos']))}){issue}"
        )
    last = data["last_cycle"]
    out.print(f"last cycle: {when(last['at']) if last else 'never'}")
