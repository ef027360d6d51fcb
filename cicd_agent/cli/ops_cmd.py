"""`agent pause`, `agent resume`, `agent history`, `agent status`."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer

from cicd_agent.cli import shapes
from cicd_agent.cli.context import BY_OPT, REASON_OPT, AppState, use
from cicd_agent.cli.shapes import when
from cicd_agent.cli.table import Column, print_lines, print_table
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.model import Decision

PAUSE_EXAMPLES = """\b
Examples:
  agent pause --reason "incident 42: GitHub is degraded"
  agent status                   what the paused cycles hold
  agent resume
Running watchers and `agent serve` see the pause at their next cycle. In the
GitHub Action, set the repository variable CICD_AGENT_PAUSE to a reason."""
STATUS_EXAMPLES = """\b
Examples:
  agent status
  agent status --json | jq '.health_checks[] | {due_at, pr_url, awaiting}'"""

HISTORY_EXAMPLES = """\b
Examples:
  agent history --since 24h
  agent history --decision fix_opened --repo octo-org/app
  agent history --signature 3f2a9c1b7d4e --json
  agent history --decision breaker_closed     who reset breakers, and why
  agent history --flaky --repo octo-org/app    the flakiest tests"""


def pause(ctx: typer.Context, reason: str = REASON_OPT, by: str | None = BY_OPT) -> None:
    from cicd_agent.remediation import operations
    from cicd_agent.remediation.breaker_service import actor

    state = use(ctx)
    now = time.time()
    who = actor(by)
    store = state.store()
    operations.pause(store, reason=reason, who=who, now=now)
    since = (operations.paused(store) or {}).get("at", now)
    if state.json:
        state.emit_json({"paused": {"reason": reason, "by": who, "at": shapes.iso(since)}})
    state.say(
        "paused: every write to GitHub, git and notifications is held; cycles still read, explain and judge, and "
        "`agent status` lists what they hold until `agent resume`"
    )


def resume(ctx: typer.Context, by: str | None = BY_OPT) -> None:
    from cicd_agent.remediation import operations
    from cicd_agent.remediation.breaker_service import actor

    state = use(ctx)
    if not state.dry_run and not state.state_exists():  # nothing to resume: create nothing
        if state.json:
            state.emit_json({"paused": None, "resumed": None})
        state.say("not paused (there is no state yet): nothing to resume")
        return
    who = actor(by)
    now = time.time()
    was = operations.resume(state.store(), who=who, now=now)
    if was is None:  # resuming twice is no error: the agent runs, as asked
        if state.json:
            state.emit_json({"paused": None, "resumed": None})
        state.say("not paused: nothing to resume")
        return
    held = len(was["writes"])
    if state.json:
        state.emit_json({"paused": None, "resumed": {"by": who, "at": shapes.iso(now), "held_writes": held}})
    then = f"; the next cycle decides again what the pause held ({held} write(s))" if held else ""
    state.say(f"resumed{then}")


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
    flaky: bool = typer.Option(
        False,
        "--flaky",
        help="The flake ledger instead: tests that failed and then passed on a re-run, flakiest first.",
    ),
) -> None:
    state = use(ctx)
    if flaky:
        return flaky_history(state, repo)
    wanted = _decision_names(decision)
    rows = state.read_store().decisions(
        repo=repo, since=_since(since, time.time()), decision=wanted, signature=signature
    )
    if state.nothing_yet():
        return
    if state.json:
        state.emit_json([shapes.decision(r) for r in rows])
        return
    if not rows:
        state.say("no decisions recorded" + (" that match" if repo or since or decision or signature else ""))
        return
    if not state.console(stderr=False).is_terminal:  # one tab-separated line per decision, every value whole
        columns = ["when", "repo", "branch", "signature", "run", "decision", "rule", "by", "reason"]
        print_table(state, [Column(c) for c in columns], [_history_row(r) for r in rows])
        return
    lines = []
    for r in rows:
        where = " ".join(x for x in (r.repo, r.branch, r.signature[:12]) if x)
        run = f" run {r.run_id}#{r.run_attempt}" if r.run_id else ""
        rule = f"[rule {r.rule}] " if r.rule else ""
        by = f"by {r.detail['by']}: " if r.detail.get("by") else ""
        lines.append(f"{when(r.at)}  {r.decision}  {where}{run}")
        if rule or by or r.reason:
            lines.append(f"    {rule}{by}{r.reason}".rstrip())
    print_lines(state, lines)


def _history_row(d: Decision) -> list[str]:
    by = d.detail.get("by")
    return [
        shapes.iso(d.at) or "",
        d.repo,
        d.branch or "-",
        d.signature or "-",
        f"{d.run_id}#{d.run_attempt}" if d.run_id else "-",
        str(d.decision),
        d.rule or "-",
        str(by) if by else "-",
        d.reason or "-",
    ]


def _issue(url: str) -> str:
    return f": {url}" if url else ""


def flaky_history(state: AppState, repo: str | None) -> None:
    tests = state.read_store().flaky_tests(repo=repo)
    if state.json:
        state.emit_json([shapes.flaky_test(t) for t in tests])
        return
    if not tests:
        state.say("no flaky tests recorded" + (" in that repository" if repo else ""))
        return
    for t in tests:
        state.result(
            f"{t.flakes:>4} flake(s)  {t.repo}  {t.name}  first {when(t.first_at)}, last {when(t.last_at)}"
            f"{_issue(t.issue_url)}"
        )


def status(ctx: typer.Context) -> None:
    from cicd_agent.remediation import operations
    from cicd_agent.remediation.breaker_service import Breakers

    state = use(ctx)
    store = state.read_store()
    data = operations.status(Breakers(store, state.config()), time.time())
    if state.nothing_yet():
        return
    if state.json:
        state.emit_json(shapes.status(data, state_db=state.state_where))  # the one asked for, even if not there yet
        return
    print_lines(state, status_lines(data))


def status_lines(data: dict[str, Any]) -> list[str]:
    """`agent status` for people: what is held and paused, the counts, then what is next and when."""
    lines = []
    if data["paused"]:
        paused = data["paused"]
        lines.append(f"PAUSED since {when(paused.get('at'))} by {paused.get('by')}: {paused.get('reason')}")
        held = data["held"]
        if held["writes"]:
            lines.append(f"  held: {len(held['writes'])} write(s); `agent resume` lets the next cycle decide again:")
            lines += [f"    {w['kind']} {w['target']}" for w in held["writes"][-10:]]
            if len(held["writes"]) > 10:
                lines.append(f"    ... and {len(held['writes']) - 10} more (`agent status --json` lists them all)")
        else:
            lines.append("  held: nothing yet (every write of a cycle is held while paused)")
    lines.append(f"failures seen: {data['failures_seen']} ({data['duplicates']} duplicates skipped)")
    lines.append(f"remediations: {', '.join(f'{k} {v}' for k, v in data['remediations'].items() if v) or 'none'}")
    lines.append(f"breakers: {', '.join(f'{k} {v}' for k, v in data['breakers'].items() if v) or 'none'}")
    for b in data["open_breakers"]:
        half = f", half-open at {when(b['half_open_at'])}" if b["state"] == "OPEN" and b["half_open_at"] else ""
        lines.append(
            f"  {b['state']}: {b['repo']} {b['branch']} {b['signature'][:12]} ({b['failures']} failures{half})"
        )
    lines.append(f"health checks waiting: {len(data['health_checks'])}")
    for h in data["health_checks"]:
        due = "due now" if h["due_now"] else f"due {when(h['due_at'])}"
        where = h["pr_url"] or f"{h['repo']} {h['branch']} (remediation {h['remediation_id']})"
        lines.append(f"  {due}: {where}: waits for {h['awaiting']} (gives up {when(h['deadline'])})")
    if data["leases"]:
        lines.append(f"leases held: {len(data['leases'])}")
        for x in data["leases"]:  # another host's, or a killed process's: its work waits until then
            held = f"{x['what']} of {x['repo']} {x['branch']}".rstrip()
            lines.append(f"  waiting for a lease held elsewhere until {when(x['until'])}: {held}")
    if data["deferred"]:
        lines.append(f"deferred failures: {len(data['deferred'])}")
        for d in data["deferred"]:
            retry = f"retry at {when(d['retry_at'])}" if d["retry_at"] else f"retry: {d['waits_for']}"
            lines.append(f"  {d['repo']} run {d['run_id']}#{d['run_attempt']} ({d['branch']}): {retry}; {d['reason']}")
    for b in data["budget"]:
        per = "minute" if b["period_seconds"] == 60 else "hour"
        lines.append(f"budget {b['name']}: {b['spent']} of {b['limit']} a {per} spent")
    found = data["discovery"]
    if found:
        skipped = ", ".join(f"{count} {why}" for why, count in found["skipped"].items())
        lines.append(
            f"discovered: {found['watched']} repositories watched of {found['listed']} listed ({found['source']}"
            f"{'; skipped ' + skipped if skipped else ''}) at {when(found['at'])}"
        )
    for i in data["storms"]:
        issue = f": {i['issue_url']}" if i["issue_url"] else ""
        lines.append(
            f"STORM since {when(i['started_at'])}: {i['category']} {i['signature'][:12]} in "
            f"{len(i['repos'])} repositories ({', '.join(i['repos'])}){issue}"
        )
    if data["flaky_tests"]:
        lines.append("flakiest tests (failed, then passed on a re-run of the same commit):")
        lines += [
            f"  {t.flakes:>3} {t.repo} {t.name} (last {when(t.last_at)}){_issue(t.issue_url)}"
            for t in data["flaky_tests"]
        ]
    last = data["last_cycle"]
    errors = f", {last['errors']} error(s)" if last and last.get("errors") else ""
    lines.append(f"last cycle: {when(last['at']) + errors if last else 'never'}")
    hosts = data["hosts"]
    lines.append(f"hosts running: {len(hosts)}")
    lines += [f"  {h['hostname']} pid {h['pid']}, since {when(h['started_at'])}" for h in hosts]
    return lines
