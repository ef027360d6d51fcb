"""`agent pause`, `agent resume`, `agent history`, `agent status`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import typer

from cicd_agent.cli import shapes
from cicd_agent.cli.context import BY_OPT, REASON_OPT, use
from cicd_agent.cli.shapes import when
from cicd_agent.errors import AgentError

PAUSE_EXAMPLES = """\b
Examples:
  agent pause --reason "incident 42: GitHub is degraded"
  agent resume
In the GitHub Action, set the repository variable CICD_AGENT_PAUSE to a reason instead."""

HISTORY_EXAMPLES = """\b
Examples:
  agent history --since 24h
  agent history --decision fix_opened --repo octo-org/app
  agent history --signature 3f2a9c1b7d4e --json
  agent history --decision breaker_closed     who reset breakers, and why"""


def pause(ctx: typer.Context, reason: str = REASON_OPT, by: str | None = BY_OPT) -> None:
    from cicd_agent.remediation import operations
    from cicd_agent.remediation.breaker_service import actor

    state = use(ctx)
    now = time.time()
    who = actor(by)
    operations.pause(state.store(), reason=reason, who=who, now=now)
    if state.json:
        state.emit_json({"paused": {"reason": reason, "by": who, "at": shapes.iso(now)}})
    state.say("paused: cycles will analyse and report, but take no remediation until `agent resume`")


def resume(ctx: typer.Context, by: str | None = BY_OPT) -> None:
    from cicd_agent.remediation import operations
    from cicd_agent.remediation.breaker_service import actor
    from cicd_agent.store import STATE_FILE

    state = use(ctx)
    if not state.dry_run and not (state.state_dir / STATE_FILE).is_file():  # nothing to resume: create nothing
        raise AgentError(f"the agent is not paused (there is no state in {state.state_dir} yet)")
    who = actor(by)
    now = time.time()
    if not operations.resume(state.store(), who=who, now=now):
        raise AgentError("the agent is not paused")
    if state.json:
        state.emit_json({"paused": None, "resumed": {"by": who, "at": shapes.iso(now)}})
    state.say("resumed")


def _since(value: str | None, now: float) -> float | None:
    from cicd_agent.config.settings import parse_duration

    if value is None:
        return None
    try:
        if "-" in value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        return now - parse_duration(value)
    except ValueError:
        raise AgentError(
            f"--since {value!r} is neither a date (2026-11-01, 2026-11-01T12:00Z) nor a duration (24h, 7d)"
        ) from None


def _decision_names(value: str | None) -> str | None:
    from cicd_agent.breaker import State
    from cicd_agent.model import Decided

    if value is None:
        return None
    known = [str(d) for d in Decided] + [f"breaker_{s.lower()}" for s in State]
    if value.lower() not in known:
        raise AgentError(f"unknown decision {value!r}", fix=f"use one of: {', '.join(known)}")
    return value.lower()


def history(
    ctx: typer.Context,
    repo: str | None = typer.Option(None, "--repo", metavar="OWNER/NAME", help="Only this repository (OWNER/NAME)."),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="WHEN",
        help="A date (2026-11-01, UTC unless it says otherwise) or a duration back from now (24h).",
    ),
    decision: str | None = typer.Option(
        None,
        "--decision",
        metavar="DECISION",
        help="Only this decision (fix_opened, rerun, blocked_by_breaker, breaker_closed, ...).",
    ),
    signature: str | None = typer.Option(
        None, "--signature", metavar="SIGNATURE", help="Only this failure signature (or a prefix)."
    ),
) -> None:
    state = use(ctx)
    wanted = _decision_names(decision)
    rows = state.read_store().decisions(
        repo=repo, since=_since(since, time.time()), decision=wanted, signature=signature
    )
    if state.json:
        state.emit_json([shapes.decision(r) for r in rows])
        return
    if not rows:
        state.say("no decisions recorded" + (" that match" if repo or since or decision or signature else ""))
        return
    for r in rows:
        where = " ".join(x for x in (r.repo, r.branch, r.signature[:12]) if x)
        run = f" run {r.run_id}#{r.run_attempt}" if r.run_id else ""
        rule = f" [rule {r.rule}]" if r.rule else ""
        by = f" by {r.detail['by']}" if r.detail.get("by") else ""
        reason = f": {r.reason}" if r.reason else ""
        state.result(f"{when(r.at)}  {where}{run}  {r.decision}{rule}{by}{reason}")


def status(ctx: typer.Context) -> None:
    from cicd_agent.remediation import operations
    from cicd_agent.remediation.breaker_service import Breakers
    from cicd_agent.store import STATE_FILE

    state = use(ctx)
    data = operations.status(Breakers(state.read_store(), state.config()), time.time())
    if state.json:
        state.emit_json(shapes.status(data, state_db=str(state.state_dir / STATE_FILE)))
        return
    say = state.result
    if data["paused"]:
        paused = data["paused"]
        say(f"PAUSED since {when(paused.get('at'))} by {paused.get('by')}: {paused.get('reason')}")
    say(f"failures seen: {data['failures_seen']} ({data['duplicates']} duplicates skipped)")
    remediations = ", ".join(f"{k} {v}" for k, v in data["remediations"].items()) or "none"
    say(f"remediations: {remediations}")
    breakers = ", ".join(f"{k} {v}" for k, v in data["breakers"].items()) or "none"
    say(f"breakers: {breakers}")
    for b in data["open_breakers"]:
        say(f"  {b['state']}: {b['repo']} {b['branch']} {b['signature'][:12]} ({b['failures']} failures)")
    say(f"pending health checks: {data['pending_health_checks']}")
    found = data["discovery"]
    if found:
        skipped = ", ".join(f"{count} {why}" for why, count in found["skipped"].items())
        say(
            f"discovered: {found['watched']} repositories watched of {found['listed']} listed ({found['source']}"
            f"{'; skipped ' + skipped if skipped else ''}) at {when(found['at'])}"
        )
    for i in data["storms"]:
        issue = f": {i['issue_url']}" if i["issue_url"] else ""
        say(
            f"STORM since {when(i['started_at'])}: {i['category']} {i['signature'][:12]} in "
            f"{len(i['repos'])} repositories ({', '.join(i['repos'])}){issue}"
        )
    last = data["last_cycle"]
    errors = f", {last['errors']} error(s)" if last and last.get("errors") else ""
    say(f"last cycle: {when(last['at']) + errors if last else 'never'}")
