"""`agent breaker ...`, `agent pause/resume`, `agent history`, `agent status`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from cicd_agent.breaker import State
from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.config import parse_duration
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent import control

app = typer.Typer(
    help="See and steer the circuit breakers (one per repo, branch and failure signature).", no_args_is_help=True
)

REPO_ARG = typer.Argument(..., help="OWNER/NAME.")
BRANCH_OPT = typer.Option(None, "--branch", help="Only this branch.")
SIGNATURE_OPT = typer.Option(None, "--signature", help="A signature or an unambiguous prefix of one.")
ALL_OPT = typer.Option(False, "--all", help="Every breaker that matches, not just one.")
REASON_OPT = typer.Option(..., "--reason", help="Why (recorded in the history).")
BY_OPT = typer.Option(None, "--by", help="Who (default: the GitHub actor in Actions, else the OS user).")


def when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if ts else "-"


def _breaker_dict(view: control.BreakerView) -> dict[str, object]:
    return {
        **asdict(view),
        "opened_at": when(view.opened_at) if view.opened_at else None,
        "half_open_at": when(view.half_open_at) if view.half_open_at else None,
        "updated_at": when(view.updated_at),
    }


@app.command("list", help="List breakers: state, failures, opened at, next half-open time, last failure run.")
def list_(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    state_filter: str | None = typer.Option(None, "--state", help="CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, DISABLED."),
    repo: str | None = typer.Option(None, "--repo", help="Only this repository."),
) -> None:
    from cicd_agent import control

    state: AppState = ctx.obj.command(json_flag)
    if state_filter and state_filter.upper() not in State.__members__:
        raise AgentError(f"unknown state {state_filter!r}", fix=f"use one of {', '.join(State.__members__)}")
    views = control.list_breakers(state.store(), state.config(), time.time(), repo=repo, state=state_filter)
    if state.json:
        state.emit_json([_breaker_dict(v) for v in views])
        return
    if not views:
        state.out.print("no breakers")
        return
    table = Table()
    for column in ("repo", "branch", "signature", "state", "failures", "opened at", "half-open at", "last failure"):
        table.add_column(column)
    for v in views:
        table.add_row(
            escape(v.repo),
            escape(v.branch),
            v.signature[:12],
            v.state,
            str(v.failures),
            when(v.opened_at),
            when(v.half_open_at),
            escape(v.last_failure_run or "-"),
        )
    state.out.print(table)


@app.command("show", help="One breaker with its full history.")
def show(
    ctx: typer.Context,
    repo: str = REPO_ARG,
    branch: str = typer.Argument(..., help="Branch."),
    signature: str = typer.Argument(..., help="Signature (or an unambiguous prefix)."),
    json_flag: bool = JSON_OPTION,
) -> None:
    from cicd_agent import control

    state: AppState = ctx.obj.command(json_flag)
    store = state.store()
    (key,) = control.resolve(store, repo, branch=branch, signature=signature, every=False)
    view, events = control.show_breaker(store, state.config(), key, time.time())
    if state.json:
        state.emit_json({**_breaker_dict(view), "history": [{**e, "at": when(e["at"])} for e in events]})
        return
    state.out.print(f"{escape(view.repo)} {escape(view.branch)} {view.signature}")
    state.out.print(
        f"state {view.state}, {view.failures} failure(s), opened {when(view.opened_at)}, "
        f"half-open at {when(view.half_open_at)}, last failure run {escape(view.last_failure_run or '-')}"
    )
    for e in events:
        state.out.print(
            f"  {when(e['at'])}  {e['from_state']} -> {e['to_state']}  by {escape(e['actor'] or '-')}: "
            f"{escape(e['reason'])}"
        )


def _operator(
    ctx: typer.Context,
    to: State,
    repo: str,
    branch: str | None,
    signature: str | None,
    every: bool,
    reason: str,
    by: str | None,
    json_flag: bool,
) -> None:
    from cicd_agent import control

    state: AppState = ctx.obj.command(json_flag)
    store = state.store()
    if to is State.CLOSED or not (branch and signature):
        keys = control.resolve(store, repo, branch=branch, signature=signature, every=every)
    else:  # trip/disable may name a key that has no breaker yet (block a failure before it recurs)
        try:
            keys = control.resolve(store, repo, branch=branch, signature=signature, every=every)
        except AgentError:
            if not re.fullmatch(r"[0-9a-f]{64}", signature):
                raise
            keys = [(repo, branch, signature)]
    done = control.operator_move(
        store, state.effects(), state.config(), keys, to, reason=reason, who=control.actor(by), now=time.time()
    )
    if state.json:
        state.emit_json([_breaker_dict(v) for v in done])
        return
    for v in done:
        state.out.print(f"{escape(v.repo)} {escape(v.branch)} {v.signature[:12]}: now {v.state}")


def _operator_command(to: State) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        repo: str = REPO_ARG,
        branch: str | None = BRANCH_OPT,
        signature: str | None = SIGNATURE_OPT,
        every: bool = ALL_OPT,
        reason: str = REASON_OPT,
        by: str | None = BY_OPT,
        json_flag: bool = JSON_OPTION,
    ) -> None:
        _operator(ctx, to, repo, branch, signature, every, reason, by, json_flag)

    return command


for _name, _to, _help in (
    ("reset", State.CLOSED, "Close breakers (count 0) after a human fixed what the agent could not."),
    ("trip", State.FORCED_OPEN, "Force breakers open (FORCED_OPEN never resets by itself)."),
    ("disable", State.DISABLED, "Never open these breakers (the agent keeps trying)."),
    ("enable", State.CLOSED, "Undo disable or trip: back to CLOSED with count 0."),
):
    app.command(_name, help=_help)(_operator_command(_to))


def pause(ctx: typer.Context, reason: str = REASON_OPT, by: str | None = BY_OPT) -> None:
    from cicd_agent import control

    state: AppState = ctx.obj
    control.pause(state.store(), reason=reason, who=control.actor(by), now=time.time())
    state.info("paused: cycles will analyse and report, but take no remediation until `agent resume`")


def resume(ctx: typer.Context, by: str | None = BY_OPT) -> None:
    from cicd_agent import control

    state: AppState = ctx.obj
    if not control.resume(state.store(), who=control.actor(by), now=time.time()):
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
        state.emit_json([{**r, "at": when(r["at"])} for r in rows])
        return
    if not rows:
        state.out.print("no decisions recorded")
        return
    for r in rows:
        where = " ".join(x for x in (r["repo"], r["branch"], (r["signature"] or "")[:12]) if x)
        run = f" run {r['run_id']}#{r['run_attempt']}" if r["run_id"] else ""
        rule = f" [rule {r['rule']}]" if r["rule"] else ""
        state.out.print(f"{when(r['at'])}  {escape(where)}{run}  {r['decision']}{rule}: {escape(r['reason'])}")


def status(ctx: typer.Context, json_flag: bool = JSON_OPTION) -> None:
    from cicd_agent import control

    state: AppState = ctx.obj.command(json_flag)
    data = control.status(state.store(), state.config(), time.time())
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
    last = data["last_cycle"]
    out.print(f"last cycle: {when(last['at']) if last else 'never'}")
