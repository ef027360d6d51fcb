"""`agent breaker list/show/reset/trip/disable/enable`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from cicd_agent.breaker import State
from cicd_agent.cli import shapes
from cicd_agent.cli.context import BY_OPT, REASON_OPT, AppState, use
from cicd_agent.cli.shapes import when
from cicd_agent.cli.table import Column, print_table
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.remediation.breaker_service import Breakers

STATES = tuple(State.__members__)  # accepted in any case: `--state open`
LIST_EXAMPLES = """\b
Examples:
  agent breaker list --state open
  agent breaker list | while IFS=$'\\t' read -r repo branch signature rest
  do
    agent breaker reset "$repo" --branch "$branch" \\
      --signature "$signature" --reason "fixed by hand"
  done
Piped, each breaker is one tab-separated line: repo, branch, full
signature, state, failures, opened at, half-open at, last failure run."""
SHOW_EXAMPLES = """\b
Examples:
  agent breaker show octo-org/app --branch main --signature 3f2a9c1b7d4e
  agent breaker show octo-org/app          the repository's only breaker
The same arguments as reset, trip, disable and enable."""
MOVE_EXAMPLES = """\b
Examples:
  agent breaker reset octo-org/app --branch main \\
    --signature 3f2a9c1b7d4e --reason "fixed the lockfile"
  agent breaker trip octo-org/app --all --reason "freeze for the release\"
The same arguments as `agent breaker show`."""

app = typer.Typer(
    help="See and steer the circuit breakers. One per repository, branch and failure signature.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

REPO_ARG = typer.Argument(..., metavar="OWNER/NAME", help="The repository.")
BRANCH_OPT = typer.Option(
    None, "--branch", metavar="BRANCH", help="The branch (needed when the repository has several)."
)
SIGNATURE_OPT = typer.Option(
    None, "--signature", metavar="SIGNATURE", help="A signature or an unambiguous prefix of one."
)
ALL_OPT = typer.Option(False, "--all", help="Every breaker that matches, not just one.")


def _breakers(state: AppState, *, moving: bool = False) -> Breakers:
    from cicd_agent.remediation.breaker_service import Breakers

    if moving:
        return Breakers(state.store(), state.config(), state.effects())
    return Breakers(state.read_store(), state.config())


@app.command(
    "list",
    help="List breakers: state, failures, opened at, next half-open time, last failure run.",
    epilog=LIST_EXAMPLES,
)
def list_(
    ctx: typer.Context,
    state_filter: str | None = typer.Option(
        None, "--state", metavar="STATE", help=f"Only this state: {', '.join(STATES)}."
    ),
    repo: str | None = typer.Option(None, "--repo", metavar="OWNER/NAME", help="Only this repository."),
) -> None:
    state = use(ctx)
    wanted = state_filter.strip().upper().replace("-", "_") if state_filter else None
    if wanted and wanted not in STATES:
        raise AgentError(f"unknown state {state_filter!r}", fix=f"use one of {', '.join(STATES)} (any case)")
    breakers = _breakers(state)
    views = breakers.views(time.time(), repo=repo, state=wanted)
    if state.nothing_yet():
        return
    if state.json:
        state.emit_json([shapes.breaker(v, breakers.last_event(v.key)) for v in views])
        return
    if not views:
        state.say("no breakers" + (" that match" if state_filter or repo else ""))
        return
    columns = [
        Column("repo"),
        Column("branch"),
        Column("signature", keep_whole=True, short=12),
        Column("state", keep_whole=True),
        Column("failures"),
        Column("opened at", time=True),
        Column("half-open at", time=True),
        Column("last failure", terminal=False),  # in `breaker show`
    ]
    rows = [
        [
            v.repo,
            v.branch,
            v.signature,
            v.state,
            str(v.failures),
            shapes.iso(v.opened_at) or "-",
            shapes.iso(v.half_open_at) or "-",
            v.last_failure_run or "-",
        ]
        for v in views
    ]
    print_table(state, columns, rows)


@app.command("show", help="One breaker with its full history: every change, by whom and why.", epilog=SHOW_EXAMPLES)
def show(
    ctx: typer.Context,
    repo: str = REPO_ARG,
    branch: str | None = BRANCH_OPT,
    signature: str | None = SIGNATURE_OPT,
) -> None:
    state = use(ctx)
    breakers = _breakers(state)
    if state.nothing_yet():
        return
    if state.no_state is not None:  # --json: the empty document
        state.emit_json({})
        return
    (key,) = breakers.resolve(repo, branch=branch, signature=signature, every=False)
    view, events = breakers.show(key, time.time())
    if state.json:
        state.emit_json(
            {
                **shapes.breaker(view, events[-1] if events else None),
                "history": [shapes.breaker_event(e) for e in events],
            }
        )
        return
    state.result(f"{view.repo} {view.branch} {view.signature}")
    state.result(
        f"state {view.state}, {view.failures} failure(s), opened {when(view.opened_at)}, "
        f"half-open at {when(view.half_open_at)}, last failure run {view.last_failure_run or '-'}"
    )
    for e in events:
        state.result(f"  {when(e.at)}  {e.from_state} -> {e.to_state}  by {e.actor or '-'}: {e.reason}")


def _operator(
    ctx: typer.Context,
    to: State,
    repo: str,
    branch: str | None,
    signature: str | None,
    every: bool,
    reason: str,
    by: str | None,
) -> None:
    from cicd_agent.model import FailureKey
    from cicd_agent.remediation.breaker_service import actor

    state = use(ctx)
    target = to
    if not state.state_exists() and (target is State.CLOSED or not (branch and signature)):  # and create none
        raise AgentError(
            f"no breaker matches {repo}: no state yet ({state.state_where} does not exist)",
            fix="point --state-dir, --state-url or --config at the agent's state",
        )
    breakers = _breakers(state, moving=True)
    if target is State.CLOSED or not (branch and signature):
        keys = breakers.resolve(repo, branch=branch, signature=signature, every=every)
    else:  # trip/disable may name a key that has no breaker yet (block a failure before it recurs)
        try:
            keys = breakers.resolve(repo, branch=branch, signature=signature, every=every)
        except AgentError:
            if not re.fullmatch(r"[0-9a-f]{64}", signature):
                raise
            keys = [FailureKey(repo, branch, signature)]
    who = actor(by)
    done = breakers.operator_move(keys, target, reason=reason, who=who, now=time.time())
    if state.json:
        state.emit_json([shapes.breaker(v, breakers.last_event(v.key)) for v in done])
        return
    for v in done:
        state.result(f"{v.repo} {v.branch} {v.signature[:12]}: now {v.state} (by {who}: {reason})")


def _operator_command(to: State) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        repo: str = REPO_ARG,
        branch: str | None = BRANCH_OPT,
        signature: str | None = SIGNATURE_OPT,
        every: bool = ALL_OPT,
        reason: str = REASON_OPT,
        by: str | None = BY_OPT,
    ) -> None:
        _operator(ctx, to, repo, branch, signature, every, reason, by)

    return command


for _name, _to, _help in (
    ("reset", State.CLOSED, "Close breakers (count 0) after a human fixed what the agent could not."),
    ("trip", State.FORCED_OPEN, "Force breakers open (FORCED_OPEN never resets by itself)."),
    ("disable", State.DISABLED, "Never open these breakers (the agent keeps trying)."),
    ("enable", State.CLOSED, "Undo disable or trip: back to CLOSED with count 0."),
):
    app.command(_name, help=_help, epilog=MOVE_EXAMPLES)(_operator_command(_to))
