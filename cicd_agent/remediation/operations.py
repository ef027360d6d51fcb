"""Operator-level state over the store: pause and resume, and what `agent status` and the metrics show."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from cicd_agent.breaker import State
from cicd_agent.errors import AgentError
from cicd_agent.model import Decided, Decision
from cicd_agent.remediation import discovery
from cicd_agent.remediation.breaker_service import Breakers
from cicd_agent.store import Store

PAUSE_KEY = "paused"
LAST_CYCLE_KEY = "last_cycle"


def pause(store: Store, *, reason: str, who: str, now: float) -> None:
    if not reason.strip():
        raise AgentError("--reason must say why the agent is paused")
    store.set_meta(PAUSE_KEY, json.dumps({"reason": reason, "by": who, "at": now}))
    store.record_decision(Decision(now, "*", Decided.PAUSED, reason, detail={"by": who}))


def resume(store: Store, *, who: str, now: float) -> bool:
    """False when the agent was not paused."""
    if store.get_meta(PAUSE_KEY) is None:
        return False
    store.set_meta(PAUSE_KEY, None)
    store.record_decision(Decision(now, "*", Decided.RESUMED, "", detail={"by": who}))
    return True


def paused(store: Store) -> dict[str, Any] | None:
    value = store.get_meta(PAUSE_KEY)
    return json.loads(value) if value else None


def record_cycle(store: Store, *, at: float, duration: float, decisions: int, errors: int) -> None:
    store.set_meta(
        LAST_CYCLE_KEY, json.dumps({"at": at, "duration": duration, "decisions": decisions, "errors": errors})
    )


def status(breakers: Breakers, now: float) -> dict[str, Any]:
    """What `agent status` shows."""
    store = breakers.store
    views = breakers.views(now)
    last = store.get_meta(LAST_CYCLE_KEY)
    return {
        **store.failure_counts(),
        "remediations": store.remediation_counts(),
        "breakers": {state: sum(1 for v in views if v.state == state) for state in sorted({v.state for v in views})},
        "open_breakers": [asdict(v) for v in views if v.state in (State.OPEN, State.FORCED_OPEN, State.HALF_OPEN)],
        "pending_health_checks": store.pending_health_checks(),
        "storms": [asdict(i) for i in store.incidents(active=True)],
        "storms_ended": len(store.incidents(active=False)),
        "last_cycle": json.loads(last) if last else None,
        "paused": paused(store),
        "discovery": discovery.last(store),
    }
