"""Operator-level state over the store: pause and resume, what a pause held back, and what `agent status` and
the metrics show."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict
from typing import Any

from cicd_agent.breaker import State
from cicd_agent.config.settings import Config
from cicd_agent.effects.dryrun import Action
from cicd_agent.errors import AgentError
from cicd_agent.github.budget import buckets
from cicd_agent.model import Decided, Decision, RemState, RunRef
from cicd_agent.remediation import discovery, outlook
from cicd_agent.remediation.breaker_service import Breakers
from cicd_agent.store import Store
from cicd_agent.store.fleet import alive_within

PAUSE_KEY = "paused"
HELD_KEY = "held"  # what paused cycles would have done: listed by `agent status`, re-decided after resume
LAST_CYCLE_KEY = "last_cycle"
LEFT_KEY = "left_for_next_cycle"  # failed runs the last full cycle's budget (max_failures_per_cycle) left
MAX_HELD = 200  # the newest writes and decisions a pause keeps for `agent status`


def pause(store: Store, *, reason: str, who: str, now: float) -> None:
    """Pause, or say why again (an agent already paused keeps its first `since`)."""
    if not reason.strip():
        raise AgentError("--reason must say why the agent is paused")
    since = (paused(store) or {}).get("at", now)
    store.set_meta(PAUSE_KEY, json.dumps({"reason": reason, "by": who, "at": since}))
    store.record_decision(Decision(now, "*", Decided.PAUSED, reason, detail={"by": who}))


def resume(store: Store, *, who: str, now: float) -> dict[str, Any] | None:
    """None when the agent was not paused; else what the pause held (the next cycle decides it all again)."""
    if store.get_meta(PAUSE_KEY) is None:
        return None
    was = held(store)
    with store.transaction():
        store.set_meta(PAUSE_KEY, None)
        store.set_meta(HELD_KEY, None)
        count = {"held_writes": len(was["writes"]), "held_decisions": len(was["decisions"])}
        store.record_decision(Decision(now, "*", Decided.RESUMED, "", detail={"by": who, **count}))
    return was


def paused(store: Store) -> dict[str, Any] | None:
    value = store.get_meta(PAUSE_KEY)
    return json.loads(value) if value else None


def held(store: Store) -> dict[str, list[dict[str, Any]]]:
    """What paused cycles held: `writes` (kind, target, detail, first_at, last_at, times) and `decisions` (the
    decisions those writes came from, as `Decision` fields), newest last."""
    value = store.get_meta(HELD_KEY)
    data = json.loads(value) if value else {}
    return {"writes": list(data.get("writes", [])), "decisions": list(data.get("decisions", []))}


def hold(store: Store, actions: list[Action], decisions: list[Decision], *, now: float) -> dict[str, list[Any]]:
    """Add what one paused unit of work (a cycle, an Action event, webhook deliveries) held to the record: the
    same write held again is counted, not listed twice; a failure's newest decision replaces its older one."""
    record = held(store)
    writes = {(w["kind"], w["target"]): w for w in record["writes"]}
    for action in actions:
        known = writes.get((action.kind, action.target))
        detail = action.detail.strip().splitlines()[0][:200] if action.detail.strip() else ""
        if known is None:
            writes[(action.kind, action.target)] = {
                "kind": action.kind,
                "target": action.target,
                "detail": detail,
                "first_at": now,
                "last_at": now,
                "times": 1,
            }
        else:
            known.update(last_at=now, times=known["times"] + 1, detail=detail)
    decided = {_decision_key(d): d for d in record["decisions"]}
    for decision in decisions:
        if decision.repo != "*":
            decided[_decision_key(dataclasses.asdict(decision))] = dataclasses.asdict(decision)
    record = {
        "writes": sorted(writes.values(), key=lambda w: w["last_at"])[-MAX_HELD:],
        "decisions": sorted(decided.values(), key=lambda d: d["at"])[-MAX_HELD:],
    }
    store.set_meta(HELD_KEY, json.dumps(record, default=str))
    return record


def _decision_key(d: dict[str, Any]) -> tuple[Any, ...]:
    return d["repo"], d["branch"], d["run_id"], d["run_attempt"], d["signature"]


def record_cycle(
    store: Store,
    *,
    at: float,
    duration: float,
    decisions: int,
    errors: int,
    left: list[RunRef] | None = None,
    health_only: bool = False,
    polled: bool = True,
) -> None:
    """The last cycle, and (a full cycle's, when it polled) the failures its budget left for the next one."""
    with store.transaction():
        store.set_meta(
            LAST_CYCLE_KEY,
            json.dumps(
                {"at": at, "duration": duration, "decisions": decisions, "errors": errors, "health_only": health_only}
            ),
        )
        if polled and not health_only:
            store.set_meta(LEFT_KEY, json.dumps([asdict(r) for r in (left or [])[:MAX_HELD]]) if left else None)


def left_for_next_cycle(store: Store) -> list[RunRef]:
    value = store.get_meta(LEFT_KEY)
    return [RunRef(**r) for r in json.loads(value)] if value else []


FLAKIEST = 10  # flaky tests `agent status` lists


def status(breakers: Breakers, now: float) -> dict[str, Any]:
    """What `agent status` shows: the counts, and what is next and when (`outlook`)."""
    store = breakers.store
    views = breakers.views(now)
    last = store.get_meta(LAST_CYCLE_KEY)
    counts = store.remediation_counts()
    return {
        **store.failure_counts(),
        "remediations": {str(state): counts.get(str(state), 0) for state in RemState},  # every state, zeros too
        "breakers": {str(state): sum(1 for v in views if v.state == state) for state in State},
        "open_breakers": [asdict(v) for v in views if v.state in (State.OPEN, State.FORCED_OPEN, State.HALF_OPEN)],
        "pending_health_checks": store.pending_health_checks(),
        "health_checks": outlook.health_checks(store, now),
        "leases": [asdict(lease) for lease in outlook.leases(store, now)],
        "deferred": outlook.deferred(store, left_for_next_cycle(store), breakers.config, now),
        "storms": [asdict(i) for i in store.incidents(active=True)],
        "storms_ended": len(store.incidents(active=False)),
        "flaky_tests": store.flaky_tests(limit=FLAKIEST),
        "last_cycle": json.loads(last) if last else None,
        "paused": paused(store),
        "discovery": discovery.last(store),
        "held": held(store),
        "hosts": [asdict(h) for h in store.hosts(now=now, within=alive_within(breakers.config.state.lease))],
        "budget": budget_spent(store, breakers.config, now),
    }


def budget_spent(store: Store, config: Config, now: float) -> list[dict[str, Any]]:
    """Each limit of the fleet's request budget with what the fleet spent of it in the last period (minute or
    hour), counted in the windows that began within it (so at most 7/6 of the limit)."""
    spent = store.spent(since=now - 3600)
    found = []
    for bucket in buckets(config.budget).values():
        recent = [s for s in spent if s.bucket == bucket.name and s.starts > now - bucket.period]
        window = next((s.spent for s in recent if s.starts == bucket.starts(now)), 0)
        found.append(
            {
                "name": bucket.name,
                "limit": bucket.limit,
                "period_seconds": bucket.period,
                "spent": sum(s.spent for s in recent),
                "window_seconds": bucket.window,
                "window_spent": window,
                "window_cap": bucket.cap,
            }
        )
    return found
