"""`agent breaker list/show/reset/trip/disable/enable`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from cicd_agent.breaker import State
from cicd_agent.cli.context import BY_OPT, JSON_OPTION, REASON_OPT, AppState, when
from cicd_agent.errors import AgentError
from cicd_agent.model import FailureKey

if TYPE_CHECKING:
    from cicd_agent.breakers import Breakers, BreakerView

app = typer.Typer(
    help="See and steer the circuit breakers (one per repo, branch and failure signature).", no_args_is_help=True
)

REPO_ARG = typer.Argument(..., help="OWNER/NAME.")
BRANCH_OPT = typer.Option(None, "--branch", help="Only this branch.")
SIGNATURE_OPT = typer.Option(None, "--signature", help="A signature or an unambiguous prefix of one.")
ALL_OPT = typer.Option(False, "--all", help="Every breaker that matches, not just one.")


def _breakers(state: AppState, *, moving: bool = False) -> Breakers:
    from cicd_agent.breakers import Breakers

    return Breakers(state.store(), state.config(), state.effects() if moving else None)


def _breaker_dict(view: BreakerView) -> dict[str, object]:
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
    state: AppState = ctx.obj.command(json_flag)
    if state_filter and state_filter.upper() not in State.__members__:
        raise AgentError(f"unknown state {state_filter!r}", fix=f"use one of {', '.join(State.__members__)}")
    views = _breakers(state).views(time.time(), repo=repo, state=state_filter)
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
    state: AppState = ctx.obj.command(json_flag)
    breakers = _breakers(state)
    (key,) = breakers.resolve(repo, branch=branch, signature=signature, every=False)
    view, events = breakers.show(key, time.time())
    if state.json:
        state.emit_json({**_breaker_dict(view), "history": [{**asdict(e), "at": when(e.at)} for e in events]})
        return
    state.out.print(f"{escape(view.repo)} {escape(view.branch)} {view.signature}")
    state.out.print(
        f"state {view.state}, {view.failures} failure(s), opened {when(view.opened_at)}, "
        f"half-open at {when(view.half_open_at)}, last failure run {escape(view.last_failure_run or '-')}"
    )
    for e in events:
        state.out.print(
            f"  {when(e.at)}  {e.from_state} -> {e.to_state}  by {escape(e.actor or '-')}: {escape(e.reason)}"
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
    from cicd_agent.breakers import actor

    state: AppState = ctx.obj.command(json_flag)
    breakers = _breakers(state, moving=True)
    if to is State.CLOSED or not (branch and signature):
        keys = breakers.resolve(repo, branch=branch, signature=signature, every=every)
    else:  # trip/disable may name a key that has no breaker yet (block a failure before it recurs)
        try:
            keys = breakers.resolve(repo, branch=branch, signature=signature, every=every)
        except AgentError:
            if not re.fullmatch(r"[0-9a-f]{64}", signature):
                raise
            keys = [FailureKey(repo, branch, signature)]
    done = breakers.operator_move(keys, to, reason=reason, who=actor(by), now=time.time())
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
